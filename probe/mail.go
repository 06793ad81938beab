package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Stages of a probe, as Failure.Stage names them.
const (
	stageConnect    = "connect"
	stageGreeting   = "greeting"
	stageEHLO       = "ehlo"
	stageCapability = "capability"
	stageStartTLS   = "starttls"
	stageHandshake  = "handshake"
	stageRequest    = "request"
)

// isClosed reports whether err means the other end hung up.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || isReset(err)
}

// tlsConfig is what the probe offers in a handshake. Verification is off
// because the probe verifies the chain itself (analyze), to report on an
// untrusted certificate rather than stop at it. TLS 1.0 and 1.1 and the
// RSA key-exchange suites are offered too: Exchange 2010 on Windows 2008
// R2 may speak nothing newer, and the probe must be able to say so.
func tlsConfig(name string) *tls.Config {
	suites := []uint16{}
	for _, s := range tls.CipherSuites() {
		suites = append(suites, s.ID)
	}
	suites = append(suites,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
	)
	sni := name
	if isIP(name) {
		sni = "" // RFC 6066 §3: no IP literals in SNI
	}
	return &tls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true, // verified by analyze, against Options.Roots
		MinVersion:         tls.VersionTLS10,
		CipherSuites:       suites,
	}
}

func (r *runner) probeEndpoint(ctx context.Context, e *Endpoint) {
	start := time.Now()
	defer func() { e.ElapsedMS = time.Since(start).Milliseconds() }()
	conn, done, err := r.dial(ctx, e.Address)
	if err != nil {
		e.Failure = classify(ctx, stageConnect, err)
		return
	}
	defer done()
	e.Reachable = true
	if e.Service.StartTLS() {
		stage, err := r.startTLS(e, conn)
		if err != nil {
			e.Failure = classify(ctx, stage, err)
			return
		}
		if !*e.StartTLS {
			return
		}
	}
	tc := tls.Client(conn, tlsConfig(e.Name))
	if err := tc.HandshakeContext(ctx); err != nil {
		e.Failure = classify(ctx, stageHandshake, err)
		return
	}
	e.TLS = analyze(tc.ConnectionState(), e.Name, r.o.Roots, r.now)
	// For implicit TLS, read the greeting to see the port speaks the
	// protocol expected (a wrong port mapping shows here); then say goodbye.
	br := newLineReader(tc)
	switch e.Service {
	case IMAPS:
		cond, text, err := readIMAPGreeting(br)
		if err != nil {
			e.Failure = classify(ctx, stageGreeting, err)
			return
		}
		e.Banner = clip(strings.TrimSpace(cond + " " + text))
		fmt.Fprintf(tc, "z LOGOUT\r\n")
	case POP3S:
		rep, err := readPOP3Reply(br, false)
		if err != nil {
			e.Failure = classify(ctx, stageGreeting, err)
			return
		}
		if !rep.OK {
			e.Failure = &Failure{Kind: FailProtocol, Stage: stageGreeting, Message: "the server refuses service: -ERR " + clip(rep.Text)}
			return
		}
		e.Banner = clip("+OK " + rep.Text)
		fmt.Fprintf(tc, "QUIT\r\n")
	case SMTP, Submission:
		fmt.Fprintf(tc, "QUIT\r\n")
	case IMAP:
		fmt.Fprintf(tc, "z LOGOUT\r\n")
	case POP3:
		fmt.Fprintf(tc, "QUIT\r\n")
	}
}

// startTLS speaks the service's plain-text protocol up to the TLS
// handshake. It sets e.StartTLS and e.Banner; with STARTTLS not offered it
// returns nil and leaves the connection unused.
func (r *runner) startTLS(e *Endpoint, conn net.Conn) (string, error) {
	br := newLineReader(conn)
	offered := false
	e.StartTLS = &offered
	var err error
	var stage string
	switch serviceInfos[e.Service].mode {
	case startSMTP:
		stage, err = smtpStartTLS(e, conn, br)
	case startIMAP:
		stage, err = imapStartTLS(e, conn, br)
	case startPOP3:
		stage, err = pop3StartTLS(e, conn, br)
	}
	if err != nil || !*e.StartTLS {
		return stage, err
	}
	// Anything the server sent after its "go ahead" would be read as if it
	// came through TLS by a careless client (CVE-2011-0411, the STARTTLS
	// command-injection class); a server that does it is broken.
	if br.Buffered() > 0 {
		return stageStartTLS, protoErrorf("the server sent %d bytes after agreeing to STARTTLS and before the TLS handshake", br.Buffered())
	}
	return "", nil
}

// ehloName is the EHLO argument: the address literal of the local end
// (RFC 5321 §4.1.4 allows it when the client has no meaningful name).
func ehloName(conn net.Conn) string {
	if ap, err := netip.ParseAddrPort(conn.LocalAddr().String()); err == nil {
		a := ap.Addr().Unmap()
		if a.Is6() {
			return "[IPv6:" + a.String() + "]"
		}
		return "[" + a.String() + "]"
	}
	return "[127.0.0.1]"
}

// smtpStartTLS: greeting, EHLO, STARTTLS (RFC 5321 §3.1, §4.1.1.1; RFC 3207 §4).
func smtpStartTLS(e *Endpoint, w net.Conn, br *bufio.Reader) (string, error) {
	greet, err := readSMTPReply(br)
	if err != nil {
		return stageGreeting, err
	}
	e.Banner = clip(fmt.Sprintf("%d %s", greet.Code, greet.Lines[0]))
	if greet.Code != 220 {
		return stageGreeting, protoErrorf("the server refuses service: %d %s", greet.Code, clip(greet.Lines[0]))
	}
	if _, err := fmt.Fprintf(w, "EHLO %s\r\n", ehloName(w)); err != nil {
		return stageEHLO, err
	}
	ehlo, err := readSMTPReply(br)
	if err != nil {
		return stageEHLO, err
	}
	if ehlo.Code != 250 {
		return stageEHLO, protoErrorf("EHLO refused: %d %s", ehlo.Code, clip(ehlo.Lines[0]))
	}
	masked := false
	for _, l := range ehlo.Lines[1:] {
		kw, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(l)), " ")
		switch {
		case kw == "STARTTLS":
			*e.StartTLS = true
		case strings.HasPrefix(kw, "XXXXXXX"):
			masked = true
		}
	}
	if !*e.StartTLS {
		if masked {
			// Cisco ASA/PIX "inspect esmtp" overwrites extensions it does
			// not allow with X's, STARTTLS included.
			e.Banner += " (a firewall masks the EHLO extensions: XXXXXXXA)"
		}
		fmt.Fprintf(w, "QUIT\r\n")
		return "", nil
	}
	if _, err := fmt.Fprintf(w, "STARTTLS\r\n"); err != nil {
		return stageStartTLS, err
	}
	rep, err := readSMTPReply(br)
	if err != nil {
		return stageStartTLS, err
	}
	if rep.Code != 220 {
		return stageStartTLS, protoErrorf("STARTTLS is advertised but refused: %d %s", rep.Code, clip(rep.Lines[0]))
	}
	return "", nil
}

// imapStartTLS: greeting, CAPABILITY, STARTTLS (RFC 3501 §6.1.1, §6.2.1).
func imapStartTLS(e *Endpoint, w net.Conn, br *bufio.Reader) (string, error) {
	cond, text, err := readIMAPGreeting(br)
	if err != nil {
		return stageGreeting, err
	}
	e.Banner = clip(strings.TrimSpace(cond + " " + text))
	if cond != "OK" {
		return stageGreeting, protoErrorf("the server refuses service: * %s %s", cond, clip(text))
	}
	if _, err := fmt.Fprintf(w, "a1 CAPABILITY\r\n"); err != nil {
		return stageCapability, err
	}
	resp, err := readIMAPResponse(br, "a1")
	if err != nil {
		return stageCapability, err
	}
	if resp.Status != "OK" {
		return stageCapability, protoErrorf("CAPABILITY refused: %s %s", resp.Status, clip(resp.Text))
	}
	for _, u := range resp.Untagged {
		f := strings.Fields(strings.ToUpper(u))
		if len(f) == 0 || f[0] != "CAPABILITY" {
			continue
		}
		for _, c := range f[1:] {
			if c == "STARTTLS" {
				*e.StartTLS = true
			}
		}
	}
	if !*e.StartTLS {
		fmt.Fprintf(w, "a2 LOGOUT\r\n")
		return "", nil
	}
	if _, err := fmt.Fprintf(w, "a2 STARTTLS\r\n"); err != nil {
		return stageStartTLS, err
	}
	resp, err = readIMAPResponse(br, "a2")
	if err != nil {
		return stageStartTLS, err
	}
	if resp.Status != "OK" {
		return stageStartTLS, protoErrorf("STARTTLS is advertised but refused: %s %s", resp.Status, clip(resp.Text))
	}
	return "", nil
}

// pop3StartTLS: greeting, CAPA, STLS (RFC 1939 §4, RFC 2449 §5, RFC 2595 §4).
// A server without CAPA (it is optional) is asked for STLS directly.
func pop3StartTLS(e *Endpoint, w net.Conn, br *bufio.Reader) (string, error) {
	greet, err := readPOP3Reply(br, false)
	if err != nil {
		return stageGreeting, err
	}
	if !greet.OK {
		e.Banner = clip("-ERR " + greet.Text)
		return stageGreeting, protoErrorf("the server refuses service: -ERR %s", clip(greet.Text))
	}
	e.Banner = clip("+OK " + greet.Text)
	if _, err := fmt.Fprintf(w, "CAPA\r\n"); err != nil {
		return stageCapability, err
	}
	capa, err := readPOP3Reply(br, true)
	if err != nil {
		return stageCapability, err
	}
	listed := false
	for _, l := range capa.Lines {
		if f := strings.Fields(strings.ToUpper(l)); len(f) > 0 && f[0] == "STLS" {
			listed = true
		}
	}
	if capa.OK && !listed {
		fmt.Fprintf(w, "QUIT\r\n")
		return "", nil
	}
	if _, err := fmt.Fprintf(w, "STLS\r\n"); err != nil {
		return stageStartTLS, err
	}
	rep, err := readPOP3Reply(br, false)
	if err != nil {
		return stageStartTLS, err
	}
	if !rep.OK {
		if !listed {
			return "", nil // no CAPA, and STLS refused: not offered
		}
		return stageStartTLS, protoErrorf("STLS is advertised but refused: -ERR %s", clip(rep.Text))
	}
	*e.StartTLS = true
	return "", nil
}
