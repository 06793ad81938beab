package acme

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/exchcert/exchcert/finding"
)

type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }

func TestClassifyNetError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code string
	}{
		{fmt.Errorf("get: %w", &net.DNSError{Err: "no such host", Name: "exch2.acme.com", IsNotFound: true}), "webroot-dns"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connect: connection refused")}, "webroot-refused"},
		{fmt.Errorf("get: %w", timeoutErr{}), "webroot-timeout"},
		{context.Canceled, "webroot-connect"},
	} {
		f := &finding.Finding{}
		classifyNetError(f, "exch2.acme.com", tc.err)
		if f.Code != tc.code || f.Fix == "" {
			t.Errorf("%v: %s (fix %q), want %s", tc.err, f.Code, f.Fix, tc.code)
		}
	}
}
