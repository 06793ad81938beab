//go:build windows

package acme

import (
	"context"
	"fmt"
	"io"
	"os/exec"
)

// RunDeploy runs Windows PowerShell (exe, e.g. PowerShellExe) with args
// (PowerShellArgs) and env, writing its output to log. The PFX password
// is in env as PasswordEnv, never in args. An exit code other than 0 is
// an error.
func RunDeploy(ctx context.Context, exe string, args, env []string, log io.Writer) error {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = env
	cmd.Stdin = nil // no console input: a question fails instead of waiting
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return fmt.Errorf("the deploy script failed with exit code %d", ee.ExitCode())
		}
		return fmt.Errorf("cannot run %s: %w", exe, err)
	}
	return nil
}
