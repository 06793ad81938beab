package testpki

import (
	"os"
	"os/exec"
	"testing"
)

// RequireToolsEnv is the environment variable that makes a missing external
// tool a test failure instead of a skip; CI sets it to 1.
const RequireToolsEnv = "EXCHCERT_REQUIRE_TOOLS"

// Tool returns the path of an external program tests use as an independent
// implementation (openssl, keytool). When it is missing the test is skipped,
// or fails when EXCHCERT_REQUIRE_TOOLS=1, so CI never passes without it.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(RequireToolsEnv) == "1" {
			t.Fatalf("%s is not installed, and %s=1 requires it: %v", name, RequireToolsEnv, err)
		}
		t.Skipf("%s is not installed (set %s=1 to make this a failure)", name, RequireToolsEnv)
	}
	return p
}

// OptionalTool is Tool for a test that still has work to do without the
// program, such as a cross-check at its end: it returns the program's path
// and true, or "" and false after logging that the cross-check is left out.
// With EXCHCERT_REQUIRE_TOOLS=1 a missing program fails the test instead.
func OptionalTool(t testing.TB, name string) (string, bool) {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(RequireToolsEnv) == "1" {
			t.Fatalf("%s is not installed, and %s=1 requires it: %v", name, RequireToolsEnv, err)
		}
		t.Logf("%s is not installed: its cross-check is left out (set %s=1 to make this a failure)", name, RequireToolsEnv)
		return "", false
	}
	return p, true
}
