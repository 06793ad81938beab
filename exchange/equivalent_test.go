package exchange

import (
	"strings"
	"testing"
)

func TestEquivalentRequest(t *testing.T) {
	cmd, note, err := EquivalentRequest(Equivalent{
		Version: Exchange2019, Server: "EXCH2", SubjectName: "CN=exch2.acme.com", CommonName: "exch2.acme.com",
		Names: []string{"exch2.acme.com", "10.0.0.5", "autodiscover.acme.com"}, KeyAlgorithm: ECDSA, KeyBits: 384, SecurityBits: 192,
		FileName: "exch2.acme.com.req",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-KeySize 4096", `C:\certs\exch2.acme.com.req`, "exch2.acme.com", "autodiscover.acme.com"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("command lacks %q:\n%s", want, cmd)
		}
	}
	if strings.Contains(cmd, "10.0.0.5") {
		t.Errorf("command names the IP address:\n%s", cmd)
	}
	wantNote := "New-ExchangeCertificate cannot make ECC keys, so this asks for the RSA equivalent, -KeySize 4096; " +
		"-DomainName takes host names only, so 10.0.0.5 is left out; the folder C:\\certs must exist; --request-path chooses another file"
	if note != wantNote {
		t.Errorf("note:\n got %s\nwant %s", note, wantNote)
	}

	// An RSA 2048 key asks for the same size; a path given needs no note.
	cmd, note, err = EquivalentRequest(Equivalent{
		Version: Exchange2016, SubjectName: "CN=exch2.acme.com", CommonName: strings.Repeat("a", 64),
		Names: []string{"exch2.acme.com"}, KeyAlgorithm: RSA, KeyBits: 2048, SecurityBits: 112, RequestPath: `D:\req\x.req`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if note != "" || !strings.Contains(cmd, "-KeySize 2048") || !strings.Contains(cmd, `D:\req\x.req`) || strings.Contains(cmd, "-FriendlyName") {
		t.Errorf("note %q, command:\n%s", note, cmd)
	}
}

// The common name becomes -FriendlyName when it has fewer than 64
// characters (not bytes: é is two); a longer one is left out.
func TestEquivalentRequestFriendlyName(t *testing.T) {
	for _, tt := range []struct {
		cn   string
		want bool
	}{
		{strings.Repeat("a", maxFriendlyName), true},
		{strings.Repeat("é", maxFriendlyName), true},
		{strings.Repeat("a", maxFriendlyName+1), false},
		{strings.Repeat("é", maxFriendlyName+1), false},
	} {
		cmd, _, err := EquivalentRequest(Equivalent{
			Version: Exchange2016, SubjectName: "CN=exch2.acme.com", CommonName: tt.cn,
			Names: []string{"exch2.acme.com"}, KeyAlgorithm: RSA, KeyBits: 2048, SecurityBits: 112, RequestPath: `D:\req\x.req`,
		})
		if err != nil {
			t.Fatalf("%d characters: %v", len([]rune(tt.cn)), err)
		}
		if got := strings.Contains(cmd, "-FriendlyName '"+tt.cn+"'"); got != tt.want {
			t.Errorf("%d characters: -FriendlyName given %v, want %v:\n%s", len([]rune(tt.cn)), got, tt.want, cmd)
		}
	}
}
