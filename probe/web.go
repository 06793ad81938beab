package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Kinds of WebCheck.
const (
	// WebAutodiscover is https://autodiscover.<domain>/Autodiscover/Autodiscover.xml,
	// where Outlook outside the network and phones find their settings.
	WebAutodiscover = "autodiscover"
	// WebRootDomain is https://<domain>/autodiscover/autodiscover.xml, which
	// Outlook tries first: whatever answers there must present a valid
	// certificate, or Outlook shows a warning.
	WebRootDomain = "root-domain"
	// WebEWS is https://HOST/EWS/Exchange.asmx, which Out of Office,
	// free/busy and Outlook for Mac use.
	WebEWS = "ews"
)

// WebCheck is one unauthenticated request to Autodiscover or EWS.
type WebCheck struct {
	Kind      string `json:"kind"`
	URL       string `json:"url"`
	Address   string `json:"address"`
	Reachable bool   `json:"reachable"`
	TLS       *TLS   `json:"tls,omitempty"`
	// Status is the HTTP status of the answer; 401 is what Exchange sends
	// to a request without credentials.
	Status   int    `json:"status,omitempty"`
	Location string `json:"location,omitempty"`
	// AuthOffered are the schemes of the WWW-Authenticate challenges, as
	// sent (Negotiate, NTLM, Basic, Bearer, …).
	AuthOffered []string `json:"auth_offered"`
	Failure     *Failure `json:"failure,omitempty"`
	ElapsedMS   int64    `json:"elapsed_ms"`

	host string
}

// MaxChallenges is the most WWW-Authenticate schemes kept.
const MaxChallenges = 20

func (r *runner) probeWeb(ctx context.Context, w *WebCheck) {
	start := time.Now()
	defer func() { w.ElapsedMS = time.Since(start).Milliseconds() }()
	w.AuthOffered = []string{}
	conn, done, err := r.dial(ctx, w.Address)
	if err != nil {
		w.Failure = classify(ctx, stageConnect, err)
		return
	}
	defer done()
	w.Reachable = true
	tc := tls.Client(conn, tlsConfig(w.host))
	if err := tc.HandshakeContext(ctx); err != nil {
		w.Failure = classify(ctx, stageHandshake, err)
		return
	}
	w.TLS = analyze(tc.ConnectionState(), w.host, r.o.Roots, r.now)

	// One HTTP/1.1 request, written and read here rather than through
	// net/http's Transport, so that nothing runs after Run returns and the
	// bytes read are capped: header and body together at most
	// MaxHeaderBytes+MaxBody, of which only the header is looked at.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.URL, nil)
	if err != nil {
		w.Failure = &Failure{Kind: FailHTTP, Stage: stageRequest, Message: err.Error()}
		return
	}
	req.Header.Set("User-Agent", "exchcert-probe")
	req.Close = true
	if err := req.Write(tc); err != nil {
		w.Failure = classify(ctx, stageRequest, err)
		return
	}
	cr := &capReader{r: tc, n: MaxHeaderBytes + MaxBody}
	br := bufio.NewReaderSize(cr, MaxLine)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		if cr.n <= 0 {
			err = fmt.Errorf("%w (%d bytes)", ErrResponseTooLarge, MaxHeaderBytes+MaxBody)
		}
		w.Failure = classify(ctx, stageRequest, err)
		if w.Failure.Kind == FailClosed && br.Buffered() == 0 {
			w.Failure.Message = "the server closed the connection without an HTTP answer"
		}
		return
	}
	resp.Body.Close()
	w.Status = resp.StatusCode
	if loc := resp.Header.Get("Location"); loc != "" {
		w.Location = clip(loc)
	}
	w.AuthOffered = authSchemes(resp.Header.Values("WWW-Authenticate"))
}

// ErrResponseTooLarge is returned when an HTTP answer exceeds
// MaxHeaderBytes+MaxBody before its header ends.
var ErrResponseTooLarge = errors.New("HTTP response larger than the limit")

// capReader reads at most n bytes from r, then fails with
// ErrResponseTooLarge (unlike io.LimitReader's silent EOF).
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, fmt.Errorf("%w (%d bytes)", ErrResponseTooLarge, MaxHeaderBytes+MaxBody)
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

// authSchemes returns the auth-scheme of every challenge in the
// WWW-Authenticate values (RFC 9110 §11.6.1): a header may hold several
// challenges separated by commas, and a challenge's parameters contain
// commas too ("Basic realm=\"a, b\", Negotiate"). An element that starts
// with a token followed by a space, or is a bare token, starts a challenge;
// "name=value" elements are parameters of the one before.
func authSchemes(values []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range values {
		for _, el := range splitOutsideQuotes(v) {
			el = strings.TrimSpace(el)
			if el == "" {
				continue
			}
			tok := el
			if i := strings.IndexAny(el, " \t"); i >= 0 {
				tok = el[:i]
			} else if strings.Contains(el, "=") {
				continue // a parameter of the previous challenge
			}
			if strings.Contains(tok, "=") || !isToken(tok) {
				continue
			}
			if k := strings.ToLower(tok); !seen[k] && len(out) < MaxChallenges {
				seen[k] = true
				out = append(out, clip(tok))
			}
		}
	}
	return out
}

// splitOutsideQuotes splits s at commas that are not inside a quoted
// string.
func splitOutsideQuotes(s string) []string {
	var parts []string
	inQuote, escaped := false, false
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case inQuote && c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			parts = append(parts, s[last:i])
			last = i + 1
		}
	}
	return append(parts, s[last:])
}

// isToken reports whether s is an RFC 9110 §5.6.2 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// offers reports whether schemes include any of want (case-insensitive).
func offers(schemes []string, want ...string) bool {
	for _, s := range schemes {
		for _, w := range want {
			if strings.EqualFold(s, w) {
				return true
			}
		}
	}
	return false
}
