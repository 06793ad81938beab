package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/exchcert/exchcert/plan"
	"github.com/exchcert/exchcert/probe"
	"github.com/spf13/cobra"
)

func newProbeCmd(a *app) *cobra.Command {
	var (
		pf      planFlags
		output  outputFlag
		timeout time.Duration
		checks  checkFlags
		addrs   []string
	)
	cmd := &cobra.Command{
		Use:   "probe HOST",
		Short: "Check the live Exchange endpoints the way clients see them",
		Long: `Probe connects to HOST the way Outlook, phones and other mail servers do and
checks what each service really serves: HTTPS on 443 (once per planned name,
with that name as SNI), SMTP on 25 and submission on 587 with STARTTLS, IMAP4
on 143 with STARTTLS and on 993, POP3 on 110 with STLS and on 995. For each it
shows whether it answers (and why not), whether STARTTLS is offered, the TLS
version, whether the chain is complete, trusted, in date and valid for the
name used, and the certificate's thumbprint as Get-ExchangeCertificate shows
it, so a service still serving an old certificate stands out.

It also sends one request without credentials to
https://autodiscover.<domain>/Autodiscover/Autodiscover.xml,
https://<domain>/autodiscover/autodiscover.xml and https://HOST/EWS/Exchange.asmx
for each SMTP domain of the plan, and reports Autodiscover or EWS without
Windows (Negotiate/NTLM) or Basic authentication, with the command that fixes it.

The plan flags (or --plan FILE) say which names the certificate must cover;
without them only HOST is expected, and the Autodiscover domain is HOST's
parent domain. --addr SERVICE=HOST:PORT sends a service elsewhere (split
DNS, a load balancer's inside address, a non-standard port); services:
https, smtp, submission, imap, imaps, pop3, pop3s. --addr NAME=HOST:PORT with a
host name sends the Autodiscover requests for that name elsewhere.

Everything runs at once; each endpoint has --timeout for everything from DNS
to the last byte. Exit status 1 when a check fails (an error-level finding).`,
		Example: `  # Check the server against the plan saved by exchcert plan
  exchcert probe mail.acme.com --plan acme.plan.json

  # Without a plan: only the name itself is expected on the certificate
  exchcert probe mail.acme.com

  # From inside, against the server's own address, with the private CA's root
  exchcert probe mail.acme.com --plan acme.plan.json --addr https=10.0.0.5:443 --roots acme-root.pem

  # For a script: JSON, and a shorter time limit
  exchcert probe mail.acme.com --fqdn exch2.acme.com --domain acme.com --timeout 5s -o json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("give the host to probe: exchcert probe HOST (got %d arguments)", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o := probe.Options{Timeout: timeout, Now: a.now}
			if pf.given(cmd) {
				var err error
				if o.Plan, err = pf.load(a, cmd); err != nil {
					return err
				}
			}
			rep, err := runProbe(cmd.Context(), "HOST", args[0], addrs, &checks, o)
			if err != nil {
				return err
			}
			if err := a.report(output, rep, func(w io.Writer) error { return writeProbeTables(w, rep) }); err != nil {
				return err
			}
			if rep.Findings.HasErrors() {
				return errFindings
			}
			return nil
		},
	}
	pf.register(cmd.Flags())
	cmd.Flags().DurationVar(&timeout, "timeout", probe.DefaultTimeout, "time limit for each endpoint (they run at once)")
	checks.registerRoots(cmd.Flags())
	cmd.Flags().StringArrayVar(&addrs, "addr", nil, "connect `SERVICE=HOST:PORT` elsewhere (repeatable); SERVICE: https|smtp|submission|imap|imaps|pop3|pop3s, or a host name of the Autodiscover URLs")
	addOutputFlag(cmd, &output)
	return cmd
}

// parseAddrs splits the --addr values into service and host-name
// overrides.
func parseAddrs(vals []string) (map[probe.Service]string, map[string]string, error) {
	svc := map[probe.Service]string{}
	hosts := map[string]string{}
	for _, v := range vals {
		k, addr, ok := strings.Cut(v, "=")
		if !ok || k == "" || addr == "" {
			return nil, nil, &usageError{fmt.Errorf("--addr %q: want SERVICE=HOST:PORT, e.g. --addr smtp=10.0.0.5:2525", v)}
		}
		if strings.Contains(k, ".") {
			n, err := plan.Normalize(k)
			if err != nil {
				return nil, nil, &usageError{fmt.Errorf("--addr %q: %w", v, err)}
			}
			hosts[n] = addr
			continue
		}
		s, err := probe.ParseService(k)
		if err != nil {
			return nil, nil, &usageError{fmt.Errorf("--addr %q: %w, or a host name", v, err)}
		}
		svc[s] = addr
	}
	return svc, hosts, nil
}

func writeProbeTables(w io.Writer, rep *probe.Report) error {
	if _, err := fmt.Fprintf(w, "Host: %s\nExpected names: %s\n\n", esc(rep.Host), strings.Join(escList(rep.Names), ", ")); err != nil {
		return err
	}
	t := newTable(w, "Service", "Address", "Name", "Result", "TLS", "Thumbprint", "Expires", "Certificate")
	for _, e := range rep.Endpoints {
		result := "ok"
		switch {
		case e.Failure != nil:
			result = e.Failure.Kind
		case e.StartTLS != nil && !*e.StartTLS:
			result = "no STARTTLS"
		case e.StartTLS != nil:
			result = "ok, STARTTLS"
		}
		version, thumb, expires, cert := "-", "-", "-", "-"
		if e.TLS != nil {
			version, thumb, cert = strings.TrimPrefix(e.TLS.Version, "TLS "), e.TLS.Thumbprint, certState(e.TLS)
			if len(e.TLS.Chain) > 0 {
				expires = e.TLS.Chain[0].NotAfter.Format(time.DateOnly)
			}
		}
		if err := appendRow(t, string(e.Service), esc(e.Address), esc(e.Name), esc(result), esc(version), thumb, expires, cert); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(rep.Web) > 0 {
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
		t = newTable(w, "Check", "URL", "Result", "Status", "Authentication offered", "Certificate")
		for _, c := range rep.Web {
			result, status, auth, cert := "ok", "-", "-", "-"
			if c.Failure != nil {
				result = c.Failure.Kind
			}
			if c.Status != 0 {
				status = fmt.Sprint(c.Status)
			}
			if len(c.AuthOffered) > 0 {
				auth = strings.Join(escList(c.AuthOffered), ", ")
			}
			if c.TLS != nil {
				cert = certState(c.TLS)
			}
			if err := appendRow(t, c.Kind, esc(c.URL), esc(result), status, auth, cert); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(rep.Findings) == 0 {
		_, err := fmt.Fprintln(w, "\nNo problems found.")
		return err
	}
	return writeFindings(w, "Findings", rep.Findings)
}

// certState sums up a served certificate in a few words.
func certState(t *probe.TLS) string {
	var s []string
	if !t.CoversName {
		s = append(s, "wrong name")
	}
	if !t.Complete {
		s = append(s, "no intermediate")
	} else if !t.Trusted {
		s = append(s, "untrusted")
	}
	if !t.InDate {
		s = append(s, "out of date")
	}
	if len(s) == 0 {
		return "ok"
	}
	return strings.Join(s, ", ")
}

// runProbe runs probe's checks against host (what names it in errors)
// with the --addr and --roots flags: for exchcert probe and report --probe.
func runProbe(ctx context.Context, what, host string, addrs []string, checks *checkFlags, o probe.Options) (*probe.Report, error) {
	h, err := plan.Normalize(host)
	if err != nil || strings.HasPrefix(h, "*.") {
		if err == nil {
			err = errors.New("a wildcard is no host to connect to")
		}
		return nil, &usageError{fmt.Errorf("%s: %w", what, err)}
	}
	if o.Timeout <= 0 {
		return nil, &usageError{fmt.Errorf("--timeout: must be positive, got %s", o.Timeout)}
	}
	o.Host = h
	if o.Addrs, o.HostAddrs, err = parseAddrs(addrs); err != nil {
		return nil, err
	}
	if o.Roots, err = checks.pool(); err != nil {
		return nil, err
	}
	rep, err := probe.Run(ctx, o)
	var oe *probe.OptionsError
	if errors.As(err, &oe) {
		return nil, &usageError{fmt.Errorf("--%s %w", oe.Field, oe.Err)}
	}
	return rep, err
}
