package acme

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-acme/lego/v4/challenge"
	"github.com/go-acme/lego/v4/challenge/dns01"
)

// progressLogger receives lego's log lines ("[INFO] [name] acme: ...") and
// turns the ones that matter into Events; lego offers no other hook for
// "the CA validated this name".
type progressLogger struct {
	names      []string
	progress   func(Event)
	finalizing bool
}

func (l *progressLogger) Fatal(args ...any)                 { l.Print(args...) }
func (l *progressLogger) Fatalln(args ...any)               { l.Print(args...) }
func (l *progressLogger) Fatalf(format string, args ...any) { l.Printf(format, args...) }
func (l *progressLogger) Print(args ...any)                 { l.line(fmt.Sprint(args...)) }
func (l *progressLogger) Println(args ...any)               { l.line(fmt.Sprint(args...)) }
func (l *progressLogger) Printf(format string, args ...any) { l.line(fmt.Sprintf(format, args...)) }

func (l *progressLogger) line(s string) {
	s = strings.TrimSpace(s)
	for _, lvl := range []string{"[INFO] ", "[WARN] "} {
		s = strings.TrimPrefix(s, lvl)
	}
	name := ""
	if rest, ok := strings.CutPrefix(s, "["); ok {
		if n, msg, ok := strings.Cut(rest, "] "); ok && slices.Contains(l.names, n) {
			name, s = n, msg
		}
	}
	s = strings.TrimPrefix(s, "acme: ")
	ev := Event{Name: name, Step: StepInfo, Detail: s}
	switch {
	case strings.Contains(s, "The server validated our request"):
		ev.Step, ev.Detail = StepValidated, "validated by the CA"
	case strings.Contains(s, "authorization already valid"):
		ev.Step, ev.Detail = StepValidated, "already validated (the CA reused an earlier authorization)"
	case strings.Contains(s, "Validations succeeded; requesting certificates"):
		l.finalizing = true
		ev.Name, ev.Step, ev.Detail = "", StepFinalize, "all names validated; sending the certificate request"
	}
	l.progress(ev)
}

// wrapProvider reports Present and CleanUp per name and keeps the optional
// interfaces lego looks for (timeouts, sequential solving).
func wrapProvider(p challenge.Provider, progress func(Event), what string) challenge.Provider {
	w := &reportingProvider{p: p, progress: progress, what: what}
	if s, ok := p.(interface{ Sequential() time.Duration }); ok {
		return &sequentialProvider{reportingProvider: w, seq: s}
	}
	return w
}

type reportingProvider struct {
	p        challenge.Provider
	progress func(Event)
	what     string
}

func (r *reportingProvider) Present(domain, token, keyAuth string) error {
	if err := r.p.Present(domain, token, keyAuth); err != nil {
		return err
	}
	detail := r.what + " published"
	if strings.HasPrefix(r.what, "DNS-01") {
		detail += " at _acme-challenge." + domain
	}
	r.progress(Event{Name: domain, Step: StepChallenge, Detail: detail})
	return nil
}

func (r *reportingProvider) CleanUp(domain, token, keyAuth string) error {
	err := r.p.CleanUp(domain, token, keyAuth)
	if err != nil {
		r.progress(Event{Name: domain, Step: StepCleanup, Detail: r.what + " could not be removed: " + err.Error()})
		return err
	}
	r.progress(Event{Name: domain, Step: StepCleanup, Detail: r.what + " removed"})
	return nil
}

// Timeout passes the provider's propagation timeout and polling interval
// through, or lego's defaults.
func (r *reportingProvider) Timeout() (timeout, interval time.Duration) {
	if t, ok := r.p.(challenge.ProviderTimeout); ok {
		return t.Timeout()
	}
	return dns01.DefaultPropagationTimeout, dns01.DefaultPollingInterval
}

type sequentialProvider struct {
	*reportingProvider
	seq interface{ Sequential() time.Duration }
}

func (s *sequentialProvider) Sequential() time.Duration { return s.seq.Sequential() }
