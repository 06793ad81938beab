//go:build alldns

package main

import (
	"github.com/go-acme/lego/v4/challenge"
	"github.com/go-acme/lego/v4/providers/dns"
)

// dnsProvidersHint points at lego's list for an error about an unknown
// provider.
func dnsProvidersHint() string { return "the names are listed at https://go-acme.github.io/lego/dns/" }

// lookupDNSProvider links every lego DNS provider (-tags alldns).
func lookupDNSProvider(name string) (challenge.Provider, error) {
	return dns.NewDNSChallengeProviderByName(name)
}
