//go:build !alldns

package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/go-acme/lego/v4/challenge"
	"github.com/go-acme/lego/v4/providers/dns/acmedns"
	"github.com/go-acme/lego/v4/providers/dns/azuredns"
	"github.com/go-acme/lego/v4/providers/dns/cloudflare"
	"github.com/go-acme/lego/v4/providers/dns/digitalocean"
	"github.com/go-acme/lego/v4/providers/dns/exec"
	"github.com/go-acme/lego/v4/providers/dns/gandiv5"
	"github.com/go-acme/lego/v4/providers/dns/godaddy"
	"github.com/go-acme/lego/v4/providers/dns/hetzner"
	"github.com/go-acme/lego/v4/providers/dns/httpreq"
	"github.com/go-acme/lego/v4/providers/dns/ionos"
	"github.com/go-acme/lego/v4/providers/dns/namecheap"
	"github.com/go-acme/lego/v4/providers/dns/ovh"
	"github.com/go-acme/lego/v4/providers/dns/rfc2136"
	"github.com/go-acme/lego/v4/providers/dns/route53"
)

// commonDNSProviders are the lego providers linked by default: the DNS
// hosts Exchange organisations use most, RFC 2136 dynamic updates (which
// Windows DNS servers accept), and exec, httpreq and acme-dns, which reach
// any other DNS API through a script or a small web service.
//
// Linking all of lego's providers (-tags alldns) makes the binary about
// five times larger and adds roughly 30 ms of package initialisation to
// every command, including those that never use ACME (BENCHMARKS.md).
var commonDNSProviders = map[string]func() (challenge.Provider, error){
	"acme-dns":     func() (challenge.Provider, error) { return acmedns.NewDNSProvider() },
	"acmedns":      func() (challenge.Provider, error) { return acmedns.NewDNSProvider() },
	"azuredns":     func() (challenge.Provider, error) { return azuredns.NewDNSProvider() },
	"cloudflare":   func() (challenge.Provider, error) { return cloudflare.NewDNSProvider() },
	"digitalocean": func() (challenge.Provider, error) { return digitalocean.NewDNSProvider() },
	"exec":         func() (challenge.Provider, error) { return exec.NewDNSProvider() },
	"gandiv5":      func() (challenge.Provider, error) { return gandiv5.NewDNSProvider() },
	"godaddy":      func() (challenge.Provider, error) { return godaddy.NewDNSProvider() },
	"hetzner":      func() (challenge.Provider, error) { return hetzner.NewDNSProvider() },
	"httpreq":      func() (challenge.Provider, error) { return httpreq.NewDNSProvider() },
	"ionos":        func() (challenge.Provider, error) { return ionos.NewDNSProvider() },
	"namecheap":    func() (challenge.Provider, error) { return namecheap.NewDNSProvider() },
	"ovh":          func() (challenge.Provider, error) { return ovh.NewDNSProvider() },
	"rfc2136":      func() (challenge.Provider, error) { return rfc2136.NewDNSProvider() },
	"route53":      func() (challenge.Provider, error) { return route53.NewDNSProvider() },
}

// dnsProvidersHint lists the providers of this build for an error about
// an unknown one.
func dnsProvidersHint() string {
	names := make([]string, 0, len(commonDNSProviders))
	for n := range commonDNSProviders {
		if n != "acmedns" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return "this build has " + strings.Join(names, ", ") +
		"; exec and httpreq reach any DNS API; build with -tags alldns for every provider at https://go-acme.github.io/lego/dns/"
}

func lookupDNSProvider(name string) (challenge.Provider, error) {
	f, ok := commonDNSProviders[name]
	if !ok {
		return nil, fmt.Errorf("unrecognized DNS provider: %s", name)
	}
	return f()
}
