package main

import (
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/spf13/pflag"

	"github.com/exchcert/exchcert/acme"
)

// webrootFlags are the flags of HTTP-01 through a web server's folder
// (IIS on the Exchange server), shared by acme and acme renew.
type webrootFlags struct {
	dir     string
	rewrite bool
	auth    bool
	check   string
}

func (f *webrootFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.dir, "http-webroot", "", "answer HTTP-01 through the web server that owns port 80: write the tokens into `DIR`\\.well-known\\acme-challenge (for Exchange the Default Web Site's root, C:\\inetpub\\wwwroot)")
	fs.BoolVar(&f.rewrite, "http-webroot-rewrite", false, "also clear URL Rewrite rules in the token folder (only if the IIS URL Rewrite module is installed)")
	fs.BoolVar(&f.auth, "http-webroot-auth", false, "also turn every authentication but anonymous off in the token folder (only if those IIS sections are unlocked for the site)")
	fs.StringVar(&f.check, "http-webroot-check", "", "send the self-check's requests to `HOST:PORT` instead of each name on port 80 (hairpin NAT), or 'off' to skip it")
}

// options returns the webroot options, or nil when --http-webroot is not
// set.
func (f *webrootFlags) options() (*acme.WebrootOptions, error) {
	if f.dir == "" {
		if f.rewrite || f.auth || f.check != "" {
			return nil, &usageError{errors.New("--http-webroot-rewrite, --http-webroot-auth and --http-webroot-check need --http-webroot DIR")}
		}
		return nil, nil
	}
	o := &acme.WebrootOptions{Dir: f.dir, Config: acme.WebConfig{Rewrite: f.rewrite, Auth: f.auth}}
	switch f.check {
	case "":
	case "off":
		o.SkipCheck = true
	default:
		if _, _, err := net.SplitHostPort(f.check); err != nil {
			return nil, &usageError{fmt.Errorf("--http-webroot-check %q: want HOST:PORT or off", f.check)}
		}
		o.Check.Addr = f.check
	}
	if _, err := acme.NewWebroot(f.dir, o.Config); err != nil {
		return nil, &usageError{fmt.Errorf("--http-webroot %w", err)}
	}
	return o, nil
}

// selfCheckError prints the self-check's findings on stderr and returns
// the exit-1 error: nothing was asked of the CA, nothing written.
func selfCheckError(w io.Writer, se *acme.SelfCheckError) error {
	for _, f := range se.Findings {
		fmt.Fprintf(w, "exchcert: %s: %s\n  fix: %s\n", f.Subject, f.Message, f.Fix)
		if f.Citation != "" {
			fmt.Fprintf(w, "  see: %s\n", f.Citation)
		}
	}
	return &runError{fmt.Errorf("the HTTP-01 self-check failed for %d of the names; the CA was not asked and nothing was written (fix the above and run again, or use --dns PROVIDER)", len(se.Findings))}
}
