package inspect_test

import (
	"errors"
	"fmt"

	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/testpki"
)

// Load recognises a file by its content; Thumbprint is what
// Get-ExchangeCertificate shows for it.
func ExampleLoad() {
	root, _ := testpki.NewRoot("Example Root")
	leaf, _ := root.Issue(testpki.Template{CommonName: "mail.acme.com", DNSNames: []string{"mail.acme.com"}})
	p7b := testpki.P7B(leaf.Cert, root.Cert.Cert) // what the CA delivered

	b, err := inspect.Load("delivered.p7b", p7b, inspect.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Format, len(b.Certs), "certificates")
	fmt.Println(len(inspect.Thumbprint(b.Certs[0])), "hex digits")

	_, err = inspect.Load("notes.txt", []byte("not a certificate"), inspect.LoadOptions{})
	fmt.Println(errors.Is(err, inspect.ErrNotRecognised))
	// Output:
	// pkcs7 2 certificates
	// 40 hex digits
	// true
}

// A wildcard SAN covers exactly one label in its place.
func ExampleNames_Cover() {
	n := inspect.Names{SANs: []string{"*.acme.com", "acme.com"}, CN: "*.acme.com"}
	for _, name := range []string{"autodiscover.acme.com", "acme.com", "mail.eu.acme.com"} {
		covered, by, match := n.Cover(name)
		fmt.Println(name, covered, by, match)
	}
	// Output:
	// autodiscover.acme.com true wildcard *.acme.com
	// acme.com true san acme.com
	// mail.eu.acme.com false none
}
