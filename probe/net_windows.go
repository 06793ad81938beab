//go:build windows

package probe

import (
	"errors"
	"syscall"
)

// Winsock error codes (winerror.h); the syscall package's ECONNREFUSED is
// not what a failed connect returns on Windows.
const (
	wsaECONNRESET   syscall.Errno = 10054
	wsaECONNREFUSED syscall.Errno = 10061
	wsaECONNABORTED syscall.Errno = 10053
)

func isRefused(err error) bool {
	return errors.Is(err, wsaECONNREFUSED) || errors.Is(err, syscall.ECONNREFUSED)
}

func isReset(err error) bool {
	return errors.Is(err, wsaECONNRESET) || errors.Is(err, wsaECONNABORTED) || errors.Is(err, syscall.ECONNRESET)
}
