package probetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// ServersDir is the folder of start.sh and stop.sh, which run real
// servers (Postfix, Dovecot, nginx) on 127.0.0.1 for integration tests.
func ServersDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "servers")
}

// StartServers runs start.sh DIR with env added to the environment (the
// variables start.sh documents) and stops the servers by their PIDs with
// stop.sh when the test ends. It returns a function that reads the
// servers' logs, for failure messages.
func StartServers(t testing.TB, dir string, env ...string) (logs func() string) {
	t.Helper()
	script := ServersDir()
	logs = func() string {
		var b strings.Builder
		for _, f := range []string{"postfix.out", "postfix.log", "dovecot.out", "dovecot.log", "nginx.out", "nginx.log"} {
			if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil && len(data) > 0 {
				fmt.Fprintf(&b, "--- %s\n%s\n", f, data)
			}
		}
		return b.String()
	}
	cmd := exec.Command("bash", filepath.Join(script, "start.sh"), dir)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Cleanup(func() {
		out, err := exec.Command("bash", filepath.Join(script, "stop.sh"), dir).CombinedOutput()
		if err != nil {
			t.Errorf("stop.sh: %v\n%s", err, out)
		}
	})
	if err != nil {
		t.Fatalf("start.sh: %v\n%s\n%s", err, out, logs())
	}
	return logs
}
