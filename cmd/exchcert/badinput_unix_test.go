//go:build unix

package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

// canLimitFileSize reports whether fileSizeLimitEnv works here.
const canLimitFileSize = true

// limitFileSize applies fileSizeLimitEnv: any write that would make a file
// larger than n bytes fails with EFBIG, exactly where a full disk fails with
// ENOSPC, so a disk filling up while a key is written is simulated without
// a small file system (which needs root to mount). The Go runtime ignores
// the SIGXFSZ that comes with it, so the write returns the error.
func limitFileSize(n uint64) error {
	return syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
}

func makeFIFO(path string) error { return syscall.Mkfifo(path, 0o600) }

// peakRSS returns the peak resident memory of this process in bytes. On
// Linux it is VmHWM, the high-water mark of this program's own address
// space: getrusage's ru_maxrss would also count the test process that
// started it, whose address space the child shares until exec.
func peakRSS() int64 {
	if runtime.GOOS == "linux" {
		if data, err := os.ReadFile("/proc/self/status"); err == nil {
			sc := bufio.NewScanner(bytes.NewReader(data))
			for sc.Scan() {
				if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:")); ok {
					v = bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))
					if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
						return n * 1024
					}
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) // bytes
	}
	return int64(ru.Maxrss) * 1024 // kilobytes elsewhere
}
