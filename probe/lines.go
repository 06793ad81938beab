package probe

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Limits on what is read from a server before TLS. A greeting, an EHLO
// reply or a capability list is a few hundred bytes; anything far beyond
// that is a misbehaving or hostile server, and reading stops there.
const (
	// MaxLine is the longest line read, line end included. RFC 5321
	// §4.5.3.1.5 caps an SMTP reply line at 512 octets; IMAP capability
	// lines run longer on servers with many extensions.
	MaxLine = 4096
	// MaxLines is the most lines of one reply (an SMTP multi-line reply, an
	// IMAP response up to its tagged status, a POP3 CAPA list).
	MaxLines = 100
	// MaxHeaderBytes caps the HTTP response header of Autodiscover and EWS.
	MaxHeaderBytes = 64 << 10
	// MaxBody is how much of an HTTP response body is read (and dropped).
	MaxBody = 64 << 10
)

// Errors the line readers return; a Failure of kind "protocol" wraps them.
var (
	ErrLineTooLong  = errors.New("line longer than the limit")
	ErrTooManyLines = errors.New("reply has more lines than the limit")
)

// protocolError is a reply that is not what the protocol allows.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return e.msg }

func protoErrorf(format string, args ...any) error {
	return &protocolError{fmt.Sprintf(format, args...)}
}

// newLineReader returns the reader the line functions expect: its buffer
// is exactly MaxLine bytes, so a longer line fails instead of growing it.
func newLineReader(r interface{ Read([]byte) (int, error) }) *bufio.Reader {
	return bufio.NewReaderSize(r, MaxLine)
}

// readLine reads one line of at most MaxLine bytes (line end included) and
// returns it without CR LF. A bare LF ends a line too: servers that send
// one are tolerated, not judged.
func readLine(r *bufio.Reader) (string, error) {
	b, err := r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return "", fmt.Errorf("%w (%d bytes)", ErrLineTooLong, MaxLine)
	case err != nil:
		return "", err
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// SMTPReply is a complete SMTP reply: its code and the text of each line.
type SMTPReply struct {
	Code  int
	Lines []string
}

// readSMTPReply reads a reply of RFC 5321 §4.2: lines "ddd-text" followed
// by a last line "ddd text" (or just "ddd"), every line with the same code.
func readSMTPReply(r *bufio.Reader) (SMTPReply, error) {
	var rep SMTPReply
	for n := 0; ; n++ {
		if n == MaxLines {
			return rep, fmt.Errorf("%w (%d)", ErrTooManyLines, MaxLines)
		}
		line, err := readLine(r)
		if err != nil {
			return rep, err
		}
		if len(line) < 3 || !isDigits(line[:3]) || line[0] < '2' || line[0] > '5' {
			return rep, protoErrorf("not an SMTP reply: %q", clip(line))
		}
		code, _ := strconv.Atoi(line[:3])
		if n > 0 && code != rep.Code {
			return rep, protoErrorf("reply code changes from %d to %d inside one reply", rep.Code, code)
		}
		rep.Code = code
		more := false
		switch {
		case len(line) == 3:
		case line[3] == '-':
			more = true
		case line[3] == ' ':
		default:
			return rep, protoErrorf("not an SMTP reply: %q", clip(line))
		}
		text := ""
		if len(line) > 4 {
			text = line[4:]
		}
		rep.Lines = append(rep.Lines, text)
		if !more {
			return rep, nil
		}
	}
}

// IMAPResponse is what an IMAP server sends for one tagged command: the
// untagged lines before it and the tagged status line.
type IMAPResponse struct {
	Untagged []string // without the leading "* "
	Status   string   // OK, NO or BAD
	Text     string   // the rest of the tagged line
}

// readIMAPResponse reads lines up to the one tagged tag (RFC 3501 §2.2.2).
// Literals ({n}) are not expected in the responses read here and are not
// interpreted: their content counts against the line limits.
func readIMAPResponse(r *bufio.Reader, tag string) (IMAPResponse, error) {
	var resp IMAPResponse
	for n := 0; ; n++ {
		if n == MaxLines {
			return resp, fmt.Errorf("%w (%d)", ErrTooManyLines, MaxLines)
		}
		line, err := readLine(r)
		if err != nil {
			return resp, err
		}
		if rest, ok := strings.CutPrefix(line, "* "); ok {
			resp.Untagged = append(resp.Untagged, rest)
			continue
		}
		if rest, ok := strings.CutPrefix(line, tag+" "); ok {
			status, text, _ := strings.Cut(rest, " ")
			status = strings.ToUpper(status)
			switch status {
			case "OK", "NO", "BAD":
				resp.Status, resp.Text = status, text
				return resp, nil
			}
			return resp, protoErrorf("not an IMAP status: %q", clip(line))
		}
		if strings.HasPrefix(line, "+") {
			return resp, protoErrorf("unexpected continuation request: %q", clip(line))
		}
		return resp, protoErrorf("not an IMAP response: %q", clip(line))
	}
}

// readIMAPGreeting reads the server greeting of RFC 3501 §7.1: "* OK",
// "* PREAUTH" or "* BYE". It returns the condition and the text.
func readIMAPGreeting(r *bufio.Reader) (cond, text string, err error) {
	line, err := readLine(r)
	if err != nil {
		return "", "", err
	}
	rest, ok := strings.CutPrefix(line, "* ")
	if !ok {
		return "", "", protoErrorf("not an IMAP greeting: %q", clip(line))
	}
	cond, text, _ = strings.Cut(rest, " ")
	cond = strings.ToUpper(cond)
	switch cond {
	case "OK", "PREAUTH", "BYE":
		return cond, text, nil
	}
	return "", "", protoErrorf("not an IMAP greeting: %q", clip(line))
}

// POP3Reply is a POP3 status line and, for multi-line replies, the lines
// that follow it up to the terminating ".".
type POP3Reply struct {
	OK    bool
	Text  string
	Lines []string
}

// readPOP3Reply reads a status line (RFC 1939 §3: "+OK" or "-ERR") and,
// when multi is set and the status is +OK, the dot-terminated lines after
// it with byte-stuffing removed.
func readPOP3Reply(r *bufio.Reader, multi bool) (POP3Reply, error) {
	var rep POP3Reply
	line, err := readLine(r)
	if err != nil {
		return rep, err
	}
	switch {
	case line == "+OK" || strings.HasPrefix(line, "+OK "):
		rep.OK = true
		rep.Text = strings.TrimPrefix(strings.TrimPrefix(line, "+OK"), " ")
	case line == "-ERR" || strings.HasPrefix(line, "-ERR "):
		rep.Text = strings.TrimPrefix(strings.TrimPrefix(line, "-ERR"), " ")
		return rep, nil
	default:
		return rep, protoErrorf("not a POP3 reply: %q", clip(line))
	}
	if !multi {
		return rep, nil
	}
	for n := 0; ; n++ {
		if n == MaxLines {
			return rep, fmt.Errorf("%w (%d)", ErrTooManyLines, MaxLines)
		}
		line, err := readLine(r)
		if err != nil {
			return rep, err
		}
		if line == "." {
			return rep, nil
		}
		rep.Lines = append(rep.Lines, strings.TrimPrefix(line, "."))
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// clip shortens what a server sent for a message, keeping it printable.
func clip(s string) string {
	const max = 80
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
