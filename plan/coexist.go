package plan

import (
	"fmt"

	"github.com/exchcert/exchcert/exchange"
)

type legacyRule struct {
	needed bool
	why    string
	source string
}

const (
	srcTransition2010 = "https://techcommunity.microsoft.com/t5/exchange-team-blog/transitioning-client-access-to-exchange-server-2010/ba-p/597030"
	srcWhatsNew2013   = "https://learn.microsoft.com/exchange/what-s-new-in-exchange-2013-exchange-2013-help"
	srcNamespace2016  = "https://techcommunity.microsoft.com/t5/exchange-team-blog/namespace-planning-in-exchange-2016/ba-p/604072"
)

// coexistRules is the reference's legacy-name table: for each supported
// coexistence (from, to), whether clients of the old servers need a legacy
// host name on the new certificate, and why. A pair that is missing is a
// coexistence Exchange does not support.
var coexistRules = map[[2]exchange.Version]legacyRule{
	{exchange.Exchange2003, exchange.Exchange2007}: {true, "Exchange 2007 sends OWA users whose mailbox is still on 2003 to the 2003 front end, which must answer under its own name (legacy.<domain>) while mail and autodiscover move to 2007", srcTransition2010},
	{exchange.Exchange2003, exchange.Exchange2010}: {true, "Exchange 2010 redirects OWA users whose mailbox is still on 2003 to the legacy name (legacy.<domain>; Set-OwaVirtualDirectory -Exchange2003Url), so the 2003 front end answers there during coexistence", srcTransition2010},
	{exchange.Exchange2007, exchange.Exchange2010}: {true, "mail and autodiscover move to Exchange 2010; the 2007 CAS URLs (OWA, EWS, ActiveSync, OAB, Outlook Anywhere) are re-pointed to the legacy name", srcTransition2010},
	{exchange.Exchange2007, exchange.Exchange2013}: {true, "Exchange 2013 cannot proxy every protocol to 2007 (OWA users are redirected), so the 2007 servers answer under the legacy name", srcWhatsNew2013},
	{exchange.Exchange2010, exchange.Exchange2013}: {false, "Exchange 2013 proxies client connections to 2010 mailboxes under the same namespace", srcWhatsNew2013},
	{exchange.Exchange2010, exchange.Exchange2016}: {false, "Exchange 2016 proxies client connections to 2010 mailboxes under the same namespace", srcWhatsNew2013},
	{exchange.Exchange2013, exchange.Exchange2016}: {false, "Exchange 2016 and 2013 share the namespace and proxy to each other", srcNamespace2016},
	{exchange.Exchange2013, exchange.Exchange2019}: {false, "Exchange 2019 and 2013 share the namespace and proxy to each other", srcNamespace2016},
	{exchange.Exchange2016, exchange.Exchange2019}: {false, "Exchange 2019 and 2016 share the namespace and proxy to each other", srcNamespace2016},
	{exchange.Exchange2016, exchange.ExchangeSE}:   {false, "Exchange SE and 2016 share the namespace and proxy to each other", srcNamespace2016},
	{exchange.Exchange2019, exchange.ExchangeSE}:   {false, "Exchange SE and 2019 share the namespace and proxy to each other", srcNamespace2016},
}

// coexistence returns the legacy-name rule for migrating from one version to
// another; from None needs none. It returns an error for a coexistence that
// Exchange does not support.
func coexistence(from, to exchange.Version) (legacyRule, error) {
	if from == exchange.None {
		return legacyRule{}, nil
	}
	if from == to {
		return legacyRule{false, fmt.Sprintf("servers of the same version (%s) share the namespace", to.Title()), srcNamespace2016}, nil
	}
	if from > to {
		return legacyRule{}, fmt.Errorf("cannot migrate from %s to the older %s", from.Title(), to.Title())
	}
	r, ok := coexistRules[[2]exchange.Version{from, to}]
	if !ok {
		return legacyRule{}, fmt.Errorf("%s cannot coexist with %s in one organisation (supported from %s: %s)", to.Title(), from.Title(), from.Title(), supportedTargets(from))
	}
	return r, nil
}

func supportedTargets(from exchange.Version) string {
	s := ""
	for _, t := range exchange.Targets {
		if _, ok := coexistRules[[2]exchange.Version{from, t}]; ok {
			if s != "" {
				s += ", "
			}
			s += t.String()
		}
	}
	if s == "" {
		return "none"
	}
	return s
}
