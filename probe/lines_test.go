package probe

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func reader(s string) *bufio.Reader { return newLineReader(strings.NewReader(s)) }

func TestReadSMTPReply(t *testing.T) {
	tests := []struct {
		in    string
		code  int
		lines int
		err   string
	}{
		{"220 mail.acme.com ESMTP\r\n", 220, 1, ""},
		{"250-mail.acme.com\r\n250-STARTTLS\r\n250 SIZE\r\n", 250, 3, ""},
		{"250\r\n", 250, 1, ""},
		{"250-a\n250 b\n", 250, 2, ""}, // bare LF tolerated
		{"250-a\r\n251 b\r\n", 0, 0, "reply code changes"},
		{"25\r\n", 0, 0, "not an SMTP reply"},
		{"abc hello\r\n", 0, 0, "not an SMTP reply"},
		{"250_x\r\n", 0, 0, "not an SMTP reply"},
		{"650 no such class\r\n", 0, 0, "not an SMTP reply"},
		{"250-a\r\n", 0, 0, "EOF"},
		{"220 " + strings.Repeat("x", MaxLine), 0, 0, "line longer"},
		{strings.Repeat("250-x\r\n", MaxLines+1), 0, 0, "more lines"},
	}
	for _, tt := range tests {
		rep, err := readSMTPReply(reader(tt.in))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", clip(tt.in), err, tt.err)
			}
			continue
		}
		if err != nil || rep.Code != tt.code || len(rep.Lines) != tt.lines {
			t.Errorf("%q: %+v, %v", tt.in, rep, err)
		}
	}
}

func TestReadIMAPResponse(t *testing.T) {
	rep, err := readIMAPResponse(reader("* CAPABILITY IMAP4rev1 STARTTLS\r\n* OK more\r\na1 ok done\r\n"), "a1")
	if err != nil || rep.Status != "OK" || len(rep.Untagged) != 2 || rep.Untagged[0] != "CAPABILITY IMAP4rev1 STARTTLS" {
		t.Fatalf("%+v %v", rep, err)
	}
	for in, want := range map[string]string{
		"a1 MAYBE\r\n":    "not an IMAP status",
		"+ go on\r\n":     "continuation",
		"b7 OK other\r\n": "not an IMAP response",
		"* x\r\n":         "EOF",
	} {
		if _, err := readIMAPResponse(reader(in), "a1"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
	for in, want := range map[string]string{
		"* OK [CAPABILITY IMAP4rev1] ready\r\n": "OK",
		"* PREAUTH hi\r\n":                      "PREAUTH",
		"* bye busy\r\n":                        "BYE",
	} {
		if cond, _, err := readIMAPGreeting(reader(in)); err != nil || cond != want {
			t.Errorf("%q: %s %v", in, cond, err)
		}
	}
	if _, _, err := readIMAPGreeting(reader("+OK pop\r\n")); err == nil {
		t.Error("a POP3 greeting is no IMAP greeting")
	}
}

func TestReadPOP3Reply(t *testing.T) {
	rep, err := readPOP3Reply(reader("+OK list\r\nTOP\r\n..stuffed\r\nSTLS\r\n.\r\n"), true)
	if err != nil || !rep.OK || strings.Join(rep.Lines, ",") != "TOP,.stuffed,STLS" {
		t.Fatalf("%+v %v", rep, err)
	}
	rep, err = readPOP3Reply(reader("-ERR no CAPA\r\n"), true)
	if err != nil || rep.OK || rep.Text != "no CAPA" {
		t.Fatalf("%+v %v", rep, err)
	}
	if _, err := readPOP3Reply(reader("+OKAY\r\n"), false); err == nil {
		t.Error("+OKAY is not +OK")
	}
	if _, err := readPOP3Reply(reader("+OK\r\n"+strings.Repeat("X\r\n", MaxLines+1)), true); !errors.Is(err, ErrTooManyLines) {
		t.Errorf("endless list: %v", err)
	}
}

func TestAuthSchemes(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"Negotiate", "NTLM", `Basic realm="mail.acme.com"`}, "Negotiate,NTLM,Basic"},
		{[]string{`Basic realm="a, b", Negotiate`}, "Basic,Negotiate"},
		{[]string{`Digest realm="x", qop="auth,auth-int", nonce="abc", NTLM`}, "Digest,NTLM"},
		{[]string{"Negotiate oYH0MIHxoAMKAQGigekEgeZOVExN==", "ntlm"}, "Negotiate,ntlm"},
		{[]string{`Bearer authorization_uri="https://login.example/x", Basic realm=""`}, "Bearer,Basic"},
		{[]string{"", " , ", `"quoted"`, "=x"}, ""},
		{[]string{"NTLM", "ntlm", "Ntlm"}, "NTLM"},
	}
	for _, tt := range tests {
		if got := strings.Join(authSchemes(tt.in), ","); got != tt.want {
			t.Errorf("%q: %s, want %s", tt.in, got, tt.want)
		}
	}
	many := make([]string, 100)
	for i := range many {
		many[i] = "S" + strings.Repeat("x", i)
	}
	if n := len(authSchemes(many)); n != MaxChallenges {
		t.Errorf("%d schemes kept, want %d", n, MaxChallenges)
	}
}

// The fuzz targets check that no input makes a reader panic, read past its
// limits or return a reply that breaks the protocol's shape.

func FuzzReadSMTPReply(f *testing.F) {
	for _, s := range []string{
		"220 mail.acme.com ESMTP ready\r\n",
		"250-mail.acme.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
		"250-a\r\n251 b\r\n",
		"220-\r\n220\r\n",
		"554 5.7.1\n",
		"220 " + strings.Repeat("x", MaxLine) + "\r\n",
		"2",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := readSMTPReply(reader(string(data)))
		if err != nil {
			return
		}
		if rep.Code < 200 || rep.Code > 599 || len(rep.Lines) == 0 || len(rep.Lines) > MaxLines {
			t.Fatalf("reply %+v from %q", rep, data)
		}
		for _, l := range rep.Lines {
			if len(l) > MaxLine {
				t.Fatalf("line of %d bytes", len(l))
			}
		}
	})
}

func FuzzReadIMAPResponse(f *testing.F) {
	for _, s := range []string{
		"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na1 OK CAPABILITY completed\r\n",
		"a1 BAD\r\n",
		"* OK [ALERT] x\r\n* BYE\r\na1 NO\r\n",
		"+ \r\n",
		"* {5}\r\nhello\r\na1 OK\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := readIMAPResponse(reader(string(data)), "a1")
		if err != nil {
			return
		}
		switch resp.Status {
		case "OK", "NO", "BAD":
		default:
			t.Fatalf("status %q", resp.Status)
		}
		if len(resp.Untagged) >= MaxLines {
			t.Fatalf("%d untagged lines", len(resp.Untagged))
		}
	})
}

func FuzzReadPOP3Reply(f *testing.F) {
	for _, s := range []string{
		"+OK Capability list follows\r\nTOP\r\nUSER\r\nSTLS\r\n.\r\n",
		"-ERR unknown command\r\n",
		"+OK\r\n..\r\n.\r\n",
		"+OK",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := readPOP3Reply(reader(string(data)), true)
		if err != nil {
			return
		}
		if !rep.OK && len(rep.Lines) > 0 || len(rep.Lines) > MaxLines {
			t.Fatalf("reply %+v", rep)
		}
	})
}

func FuzzAuthSchemes(f *testing.F) {
	f.Add(`Negotiate, NTLM, Basic realm="a, \"b\""`)
	f.Add(`Digest realm="x", qop="auth", NTLM`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, sc := range authSchemes([]string{s}) {
			if !isToken(strings.TrimSuffix(sc, "…")) && !strings.HasSuffix(sc, "…") {
				t.Fatalf("scheme %q is not a token", sc)
			}
		}
	})
}
