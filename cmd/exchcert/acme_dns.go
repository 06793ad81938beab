package main

import (
	"fmt"
	"strings"
)

// newDNSProvider returns the lego DNS provider called name, configured from
// lego's documented environment variables for that provider
// (https://go-acme.github.io/lego/dns/). The providers linked into the
// binary are chosen at build time (acme_dns_common.go, or every lego
// provider with -tags alldns); the acme package takes any provider.
func newDNSProvider(name string) (acmeProvider, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	p, err := lookupDNSProvider(key)
	if err != nil {
		if strings.HasPrefix(err.Error(), "unrecognized DNS provider") {
			return nil, &usageError{fmt.Errorf("--dns: unknown DNS provider %q (%s)", name, dnsProvidersHint())}
		}
		return nil, &usageError{fmt.Errorf("--dns %s: %v (set the environment variables listed at https://go-acme.github.io/lego/dns/%s/)", name, oneLine(err.Error()), key)}
	}
	return p, nil
}
