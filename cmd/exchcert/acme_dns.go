package main

import (
	"github.com/go-acme/lego/v4/challenge"
	"github.com/go-acme/lego/v4/providers/dns"
)

// newDNSProvider returns the lego DNS provider called name, configured from
// lego's documented environment variables for that provider
// (https://go-acme.github.io/lego/dns/). It is the only place that links
// lego's providers, so the acme package stays small.
func newDNSProvider(name string) (challenge.Provider, error) {
	return dns.NewDNSChallengeProviderByName(name)
}
