package acme

import "runtime"

const isWindows = runtime.GOOS == "windows"
