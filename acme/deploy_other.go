//go:build !windows

package acme

import (
	"context"
	"io"
)

// RunDeploy refuses: the Exchange Management Shell exists only on Windows.
func RunDeploy(_ context.Context, _ string, _, _ []string, _ io.Writer) error {
	return ErrDeployNotWindows
}
