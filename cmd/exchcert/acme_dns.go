package main

import (
	"fmt"
	"strings"

	"github.com/go-acme/lego/v4/providers/dns"
)

// newDNSProvider returns the lego DNS provider called name, configured from
// lego's documented environment variables for that provider
// (https://go-acme.github.io/lego/dns/). This file is the only one that
// links lego's providers; the acme package takes any provider.
func newDNSProvider(name string) (acmeProvider, error) {
	p, err := dns.NewDNSChallengeProviderByName(strings.ToLower(strings.TrimSpace(name)))
	if err != nil {
		if strings.HasPrefix(err.Error(), "unrecognized DNS provider") {
			return nil, &usageError{fmt.Errorf("--dns: unknown DNS provider %q (the names are listed at https://go-acme.github.io/lego/dns/)", name)}
		}
		return nil, &usageError{fmt.Errorf("--dns %s: %v (set the environment variables listed at https://go-acme.github.io/lego/dns/%s/)", name, oneLine(err.Error()), name)}
	}
	return p, nil
}
