//go:build alldns

package main

import (
	"github.com/go-acme/lego/v4/challenge"
	"github.com/go-acme/lego/v4/providers/dns"
)

const dnsProvidersHint = "the names are listed at https://go-acme.github.io/lego/dns/"

// lookupDNSProvider links every lego DNS provider (-tags alldns).
func lookupDNSProvider(name string) (challenge.Provider, error) {
	return dns.NewDNSChallengeProviderByName(name)
}
