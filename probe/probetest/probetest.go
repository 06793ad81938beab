// Package probetest runs small fake mail and web servers on 127.0.0.1 for
// tests of exchcert probe: SMTP, IMAP4 and POP3 with STARTTLS, IMAP4 and
// POP3 over implicit TLS, and HTTPS answering the Autodiscover and EWS
// paths with 401 and chosen WWW-Authenticate offers. Each can be told to
// misbehave the way broken or hostile servers do (no STARTTLS, a stall, a
// garbage greeting). They speak just enough of each protocol for the
// probe; they are not mail servers.
package probetest

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Protocol is what a fake server speaks.
type Protocol string

// Protocols.
const (
	SMTP  Protocol = "smtp"  // 220 greeting, EHLO, STARTTLS
	IMAP  Protocol = "imap"  // * OK greeting, CAPABILITY, STARTTLS
	POP3  Protocol = "pop3"  // +OK greeting, CAPA, STLS
	IMAPS Protocol = "imaps" // TLS, then * OK greeting
	POP3S Protocol = "pop3s" // TLS, then +OK greeting
	HTTPS Protocol = "https" // TLS, then HTTP/1.1
)

// ParseProtocol parses a protocol name.
func ParseProtocol(s string) (Protocol, error) {
	switch p := Protocol(strings.ToLower(s)); p {
	case SMTP, IMAP, POP3, IMAPS, POP3S, HTTPS:
		return p, nil
	}
	return "", fmt.Errorf("unknown protocol %q (want smtp|imap|pop3|imaps|pop3s|https)", s)
}

// Options configure a fake server.
type Options struct {
	Protocol Protocol
	// Cert is the certificate and chain served (Certificate[0] the leaf,
	// then what the server sends as its chain).
	Cert tls.Certificate
	// NoStartTLS leaves STARTTLS (STLS) out of the capabilities.
	NoStartTLS bool
	// Stall accepts connections and then sends nothing.
	Stall bool
	// Greeting replaces the first line the server sends (for garbage
	// banners); sent as is, no line end added.
	Greeting string
	// Auth are the WWW-Authenticate values an HTTPS server sends with its
	// 401 (one header each); default Negotiate, NTLM and Basic, as
	// Exchange's Autodiscover sends them.
	Auth []string
	// MaxVersion caps the TLS version the server accepts (0: Go's
	// default), to play an old server.
	MaxVersion uint16
	// Status is the HTTPS status for the Autodiscover and EWS paths;
	// default 401.
	Status int
}

// Server is a running fake server.
type Server struct {
	// Addr is where it listens: 127.0.0.1:port.
	Addr string

	o     Options
	ln    net.Listener
	hs    *http.Server
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
	done  chan struct{}
}

// Start listens on 127.0.0.1 on a free port and serves until Close.
func Start(o Options) (*Server, error) {
	if o.Protocol == "" {
		return nil, errors.New("probetest: no protocol")
	}
	if len(o.Cert.Certificate) == 0 && !o.Stall {
		return nil, errors.New("probetest: no certificate")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), o: o, ln: ln, conns: map[net.Conn]bool{}, done: make(chan struct{})}
	if o.Protocol == HTTPS && !o.Stall && o.Greeting == "" {
		s.hs = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: log.New(io.Discard, "", 0)} // a probe hanging up early is normal
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.hs.Serve(tls.NewListener(ln, s.tlsConfig()))
		}()
		return s, nil
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Close stops the server and closes every connection.
func (s *Server) Close() {
	close(s.done)
	if s.hs != nil {
		s.hs.Close()
	} else {
		s.ln.Close()
	}
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{s.o.Cert}, MaxVersion: s.o.MaxVersion, MinVersion: tls.VersionTLS10}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			c.SetDeadline(time.Now().Add(time.Minute))
			s.serve(c)
		}()
	}
}

func (s *Server) serve(c net.Conn) {
	if s.o.Stall {
		select {
		case <-s.done:
		case <-readAll(c):
		}
		return
	}
	if s.o.Greeting != "" {
		io.WriteString(c, s.o.Greeting)
		select {
		case <-s.done:
		case <-readAll(c):
		}
		return
	}
	switch s.o.Protocol {
	case SMTP:
		s.smtp(c)
	case IMAP:
		s.imap(c, false)
	case POP3:
		s.pop3(c, false)
	case IMAPS:
		tc := tls.Server(c, s.tlsConfig())
		if tc.Handshake() == nil {
			s.imap(tc, true)
		}
	case POP3S:
		tc := tls.Server(c, s.tlsConfig())
		if tc.Handshake() == nil {
			s.pop3(tc, true)
		}
	}
}

// readAll drains c until it is closed.
func readAll(c net.Conn) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c)
		close(ch)
	}()
	return ch
}

func (s *Server) smtp(c net.Conn) {
	br := bufio.NewReader(c)
	fmt.Fprintf(c, "220 mail.probetest ESMTP ready\r\n")
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			fmt.Fprintf(c, "250-mail.probetest\r\n250-PIPELINING\r\n250-SIZE 36700160\r\n")
			if !s.o.NoStartTLS {
				fmt.Fprintf(c, "250-STARTTLS\r\n")
			}
			fmt.Fprintf(c, "250 8BITMIME\r\n")
		case cmd == "STARTTLS" && !s.o.NoStartTLS:
			fmt.Fprintf(c, "220 2.0.0 Ready to start TLS\r\n")
			tc := tls.Server(c, s.tlsConfig())
			if tc.Handshake() != nil {
				return
			}
			c = tc
			br = bufio.NewReader(tc)
		case cmd == "QUIT":
			fmt.Fprintf(c, "221 2.0.0 Bye\r\n")
			return
		default:
			fmt.Fprintf(c, "502 5.5.2 Command not recognised\r\n")
		}
	}
}

func (s *Server) imap(c net.Conn, secure bool) {
	br := bufio.NewReader(c)
	fmt.Fprintf(c, "* OK IMAP4rev1 probetest ready\r\n")
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		tag, cmd, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(cmd) {
		case "CAPABILITY":
			capa := "IMAP4rev1 LITERAL+ SASL-IR"
			if !secure && !s.o.NoStartTLS {
				capa += " STARTTLS LOGINDISABLED"
			}
			fmt.Fprintf(c, "* CAPABILITY %s\r\n%s OK CAPABILITY completed\r\n", capa, tag)
		case "STARTTLS":
			if secure || s.o.NoStartTLS {
				fmt.Fprintf(c, "%s BAD unknown command\r\n", tag)
				continue
			}
			fmt.Fprintf(c, "%s OK Begin TLS negotiation now\r\n", tag)
			tc := tls.Server(c, s.tlsConfig())
			if tc.Handshake() != nil {
				return
			}
			c, secure = tc, true
			br = bufio.NewReader(tc)
		case "LOGOUT":
			fmt.Fprintf(c, "* BYE logging out\r\n%s OK LOGOUT completed\r\n", tag)
			return
		default:
			fmt.Fprintf(c, "%s BAD unknown command\r\n", tag)
		}
	}
}

func (s *Server) pop3(c net.Conn, secure bool) {
	br := bufio.NewReader(c)
	fmt.Fprintf(c, "+OK POP3 probetest ready\r\n")
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		switch strings.ToUpper(strings.TrimSpace(line)) {
		case "CAPA":
			fmt.Fprintf(c, "+OK capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\n")
			if !secure && !s.o.NoStartTLS {
				fmt.Fprintf(c, "STLS\r\n")
			}
			fmt.Fprintf(c, ".\r\n")
		case "STLS":
			if secure || s.o.NoStartTLS {
				fmt.Fprintf(c, "-ERR unknown command\r\n")
				continue
			}
			fmt.Fprintf(c, "+OK begin TLS negotiation\r\n")
			tc := tls.Server(c, s.tlsConfig())
			if tc.Handshake() != nil {
				return
			}
			c, secure = tc, true
			br = bufio.NewReader(tc)
		case "QUIT":
			fmt.Fprintf(c, "+OK bye\r\n")
			return
		default:
			fmt.Fprintf(c, "-ERR unknown command\r\n")
		}
	}
}

// serveHTTP answers the Autodiscover and EWS paths (case-insensitive, as
// IIS does) with Options.Status and the WWW-Authenticate offers, and
// anything else with 404.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch strings.ToLower(r.URL.Path) {
	case "/autodiscover/autodiscover.xml", "/ews/exchange.asmx":
	default:
		http.NotFound(w, r)
		return
	}
	status := s.o.Status
	if status == 0 {
		status = http.StatusUnauthorized
	}
	auth := s.o.Auth
	if auth == nil {
		auth = []string{"Negotiate", "NTLM", `Basic realm="probetest"`}
	}
	if status == http.StatusUnauthorized {
		for _, a := range auth {
			w.Header().Add("WWW-Authenticate", a)
		}
	}
	w.WriteHeader(status)
}
