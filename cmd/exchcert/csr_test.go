package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/exchcert/exchcert/internal/testpki"
)

func init() {
	scriptCmds["csr"] = cmdCSR
	scriptCmds["need"] = cmdNeed
	scriptCmds["fingerprint"] = cmdFingerprint
	scriptCmds["onlyfiles"] = cmdOnlyFiles
	scriptCmds["utf16"] = cmdUTF16
	scriptCmds["testkey"] = cmdTestKey
}

// csr FILE [cn=NAME] [o=ORG] [ou=UNIT] [l=CITY] [st=STATE] [c=CC]
// [dns=NAME,...] [ip=ADDR,...] [key=KEYFILE] [alg=rsa2048|ecdsa-p256|...]
// [sig=SHA256-RSA|ECDSA-SHA256|...] reads a certificate request with Go's
// parser, checks its signature, and checks each field given exactly: a
// subject field not given must be absent, and dns lists every DNS name in
// order. key= checks that the request carries the public key of KEYFILE (a
// PEM private key).
func cmdCSR(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: csr FILE [field=value...]")
	}
	b, _ := pem.Decode([]byte(ts.ReadFile(args[0])))
	if b == nil || b.Type != "CERTIFICATE REQUEST" {
		ts.Fatalf("%s: no CERTIFICATE REQUEST PEM block", args[0])
	}
	r, err := x509.ParseCertificateRequest(b.Bytes)
	ts.Check(err)
	if err := r.CheckSignature(); err != nil {
		ts.Fatalf("%s: signature: %v", args[0], err)
	}
	want := map[string]string{}
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("csr: bad argument %q", a)
		}
		want[k] = v
	}
	one := func(vs []string) string { return strings.Join(vs, "+") }
	got := map[string]string{
		"cn": r.Subject.CommonName, "o": one(r.Subject.Organization), "ou": one(r.Subject.OrganizationalUnit),
		"l": one(r.Subject.Locality), "st": one(r.Subject.Province), "c": one(r.Subject.Country),
		"dns": strings.Join(r.DNSNames, ","), "sig": r.SignatureAlgorithm.String(),
	}
	var ips []string
	for _, ip := range r.IPAddresses {
		ips = append(ips, ip.String())
	}
	got["ip"] = strings.Join(ips, ",")
	if len(r.EmailAddresses)+len(r.URIs) > 0 {
		ts.Fatalf("%s: unexpected e-mail or URI SANs", args[0])
	}
	for _, k := range []string{"cn", "o", "ou", "l", "st", "c", "dns", "ip", "sig"} {
		w, given := want[k]
		if !given && k == "sig" {
			continue
		}
		if got[k] != w {
			ts.Fatalf("%s: %s = %q, want %q", args[0], k, got[k], w)
		}
	}
	if alg, ok := want["alg"]; ok {
		if got := keyName(r.PublicKey); got != alg {
			ts.Fatalf("%s: key %s, want %s", args[0], got, alg)
		}
	}
	if kf, ok := want["key"]; ok {
		key := readTestKey(ts, kf)
		if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(r.PublicKey) {
			ts.Fatalf("%s: the request's public key is not that of %s", args[0], kf)
		}
	}
}

// keyName names a public key as --key-type does: rsa2048, ecdsa-p256.
func keyName(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("rsa%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ecdsa-" + strings.ToLower(strings.ReplaceAll(k.Curve.Params().Name, "-", ""))
	}
	return fmt.Sprintf("%T", pub)
}

// readTestKey reads a PEM private key in any form the standard library
// parses.
func readTestKey(ts *testscript.TestScript, name string) crypto.Signer {
	rest := []byte(ts.ReadFile(name))
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			ts.Fatalf("%s: no private key", name)
		}
		var k any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		ts.Check(err)
		return k.(crypto.Signer)
	}
}

// need TOOL fails when TOOL is not installed and EXCHCERT_REQUIRE_TOOLS is
// set (as .ci/run sets it); elsewhere a script follows it with
// [!exec:TOOL] skip, so a missing tool never passes silently in CI.
func cmdNeed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: need TOOL")
	}
	if _, err := exec.LookPath(args[0]); err != nil && os.Getenv("EXCHCERT_REQUIRE_TOOLS") != "" {
		ts.Fatalf("%s is not installed (.ci/run installs it)", args[0])
	}
}

// fingerprint VAR FILE sets VAR to the SHA-256 of the DER public key of
// FILE, a PEM private key or certificate request, computed here
// independently of package csr.
func cmdFingerprint(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fingerprint VAR FILE")
	}
	var pub crypto.PublicKey
	if b, _ := pem.Decode([]byte(ts.ReadFile(args[1]))); b != nil && b.Type == "CERTIFICATE REQUEST" {
		r, err := x509.ParseCertificateRequest(b.Bytes)
		ts.Check(err)
		pub = r.PublicKey
	} else {
		pub = readTestKey(ts, args[1]).Public()
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	ts.Check(err)
	sum := sha256.Sum256(der)
	ts.Setenv(args[0], hex.EncodeToString(sum[:]))
}

// onlyfiles DIR NAME... checks that DIR holds exactly the named entries,
// hidden temporary files included.
func cmdOnlyFiles(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: onlyfiles DIR [NAME...]")
	}
	es, err := os.ReadDir(ts.MkAbs(args[0]))
	ts.Check(err)
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	want := slices.Clone(args[1:])
	slices.Sort(want)
	if !slices.Equal(got, want) {
		ts.Fatalf("%s holds %q, want %q", args[0], got, want)
	}
}

// utf16 SRC DST writes SRC as Windows Notepad saves "Unicode": UTF-16LE
// with a byte-order mark and CRLF line ends.
func cmdUTF16(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: utf16 SRC DST")
	}
	s := strings.ReplaceAll(ts.ReadFile(args[0]), "\n", "\r\n")
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), out, 0o600))
}

// testkey pkcs1|sec1|pkcs8|rsa1024 FILE writes a new key in the PEM form
// other tools write: PKCS#1 RSA ("openssl rsa -traditional"), SEC1 EC after
// an EC PARAMETERS block ("openssl ecparam -genkey"), PKCS#8 RSA, or a
// PKCS#8 RSA 1024 key that no public CA signs.
func cmdTestKey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: testkey pkcs1|sec1|pkcs8|rsa1024 FILE")
	}
	var out []byte
	switch args[0] {
	case "pkcs1", "pkcs8", "rsa1024":
		kt := testpki.RSA2048
		if args[0] == "rsa1024" {
			kt = testpki.RSA1024
		}
		k, err := testpki.NewKey(kt)
		ts.Check(err)
		if args[0] != "pkcs1" {
			out, err = testpki.KeyPEM(k)
			ts.Check(err)
			break
		}
		out = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))})
	case "sec1":
		k, err := testpki.NewKey(testpki.ECDSAP256)
		ts.Check(err)
		der, err := x509.MarshalECPrivateKey(k.(*ecdsa.PrivateKey))
		ts.Check(err)
		// The named-curve OID of P-256, as openssl ecparam writes it first.
		params := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
		out = append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: params}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})...)
	default:
		ts.Fatalf("testkey: unknown form %q", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), out, 0o600))
}
