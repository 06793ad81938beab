package csr_test

import (
	"fmt"

	"github.com/exchcert/exchcert/csr"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/plan"
)

// Make the key and the request for Exchange 2010 joining a 2003
// organisation.
func ExampleBuild() {
	p, err := plan.Build(plan.Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"},
		Exchange: exchange.Exchange2010, From: exchange.Exchange2003})
	if err != nil {
		panic(err)
	}
	key, err := csr.GenerateKey(csr.DefaultKeyType)
	if err != nil {
		panic(err)
	}
	req, err := csr.Build(csr.Request{Plan: p, Key: key,
		Subject: csr.Subject{Organization: "ACME", Locality: "Canterbury", Country: "gb"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(req.DN)
	fmt.Println(req.X500Name())
	fmt.Println(req.Key, req.SignatureAlgorithm)
	// req.PEM goes to the CA; csr.MarshalPrivateKeyPEM(key) to a 0600 file.
	fmt.Println(req.SANs)
	// Output:
	// CN=exch2.acme.com,O=ACME,L=Canterbury,C=GB
	// C=GB,L=Canterbury,O=ACME,CN=exch2.acme.com
	// RSA 2048 SHA256-RSA
	// [exch2.acme.com legacy.acme.com acme.com autodiscover.acme.com]
}
