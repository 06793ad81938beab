package exchange

import "strings"

// Handling is what the new version's Client Access does with a client
// request for a mailbox that is still on the old version.
type Handling string

// Handlings.
const (
	// Proxy: the new server forwards the request to the old one under the
	// name the client used; no second name is needed for it.
	Proxy Handling = "proxy"
	// Redirect: the new server sends the client to the old servers' own
	// URL (the legacy name), which must be on a certificate there.
	Redirect Handling = "redirect"
	// OldURL: the client is handed the old servers' own URL (for example
	// the EWS URL in the Autodiscover answer) and connects there itself.
	OldURL Handling = "old-url"
	// Absent: the old version has no such service.
	Absent Handling = "absent"
)

// ProtocolRule is how one client protocol reaches mailboxes on the old
// version while both versions run.
type ProtocolRule struct {
	Protocol string   `json:"protocol"`
	Handling Handling `json:"handling"`
	Note     string   `json:"note"`
}

// Coexistence is what Microsoft documents for one supported pair (the old
// version From, the new version To): whether clients of the old servers
// need a legacy host name on the new certificate, what the new version
// does per protocol, and where that is written.
type Coexistence struct {
	From       Version        `json:"from"`
	To         Version        `json:"to"`
	LegacyName bool           `json:"legacy_name"`
	Why        string         `json:"why"`
	Protocols  []ProtocolRule `json:"protocols"`
	Sources    []string       `json:"sources"`
}

// Sources of the coexistence table.
const (
	// Exchange 2007 CAS proxies OWA for 2003 mailboxes straight to the 2003
	// back end; Integrated Windows authentication on its /Exchange.
	SrcCAS2007ProxyOWA = "https://techcommunity.microsoft.com/t5/exchange-team-blog/how-exchange-server-2007-cas-proxying-works-for-outlook-web/ba-p/591420"
	// ActiveSync for 2003 mailboxes behind 2007 CAS: Integrated Windows
	// authentication on Microsoft-Server-ActiveSync of the 2003 back ends
	// (ESM after hotfix 937031).
	SrcEAS2003Behind2007 = "https://techcommunity.microsoft.com/blog/exchange/maintaining-activesync-access-to-exchange-2003-mailboxes-after-deployment-of-exc/598999"
	// Exchange 2010's "Upgrade from Exchange 2003 Client Access".
	SrcUpgrade2003To2010 = "https://learn.microsoft.com/previous-versions/office/exchange-server-2010/ee332348(v=exchg.141)"
	// "Transitioning Client Access to Exchange Server 2010" (2003 and 2007).
	SrcTransition2010 = "https://techcommunity.microsoft.com/t5/exchange-team-blog/transitioning-client-access-to-exchange-server-2010/ba-p/597030"
	// "Client Connectivity in an Exchange 2013 Coexistence Environment"
	// (2007 and 2010 behind 2013).
	SrcCoexist2013 = "https://blogs.technet.com/b/exchange/archive/2014/03/12/client-connectivity-in-an-exchange-2013-coexistence-environment.aspx"
	// "Client Connectivity in an Exchange 2016 Coexistence Environment with
	// Exchange 2010".
	SrcCoexist2016With2010 = "https://blogs.technet.microsoft.com/exchange/2015/10/26/client-connectivity-in-an-exchange-2016-coexistence-environment-with-exchange-2010/"
	// "Client Connectivity in an Exchange 2016 Coexistence Environment with
	// Mixed Exchange Versions" (2013 and 2016 proxy to each other).
	SrcCoexist2016Mixed = "https://techcommunity.microsoft.com/t5/exchange-team-blog/client-connectivity-in-an-exchange-2016-coexistence-environment/ba-p/604284"
	// "Namespace Planning in Exchange 2016" (one namespace for 2013 and later).
	SrcNamespace2016 = "https://techcommunity.microsoft.com/t5/exchange-team-blog/namespace-planning-in-exchange-2016/ba-p/604072"
)

// shareNamespace is the rule for versions that use the 2013 client access
// architecture on both sides.
func shareNamespace(from, to Version) Coexistence {
	return Coexistence{From: from, To: to, LegacyName: false,
		Why: to.Title() + " and " + strings.TrimPrefix(from.Title(), "Exchange ") + " share one namespace and proxy every protocol to each other (a request reaching either version is proxied to the server that holds the mailbox)",
		Protocols: []ProtocolRule{
			{"OWA, ECP", Proxy, "proxied to the old version's Mailbox server"},
			{"Outlook (MAPI over HTTP, Outlook Anywhere), EWS, OAB, ActiveSync, Autodiscover", Proxy, "proxied to the old version's Mailbox server"},
		},
		Sources: []string{SrcCoexist2016Mixed, SrcNamespace2016}}
}

// coexistTable is every coexistence Exchange supports, with what each
// version does for each protocol. A pair that is missing is a coexistence
// Exchange does not support.
var coexistTable = []Coexistence{
	{From: Exchange2003, To: Exchange2007, LegacyName: false,
		Why: "the Exchange 2007 Client Access server proxies /exchange (OWA) and ActiveSync for mailboxes still on 2003 straight to the 2003 back-end server, so clients keep using one name",
		Protocols: []ProtocolRule{
			{"OWA (/exchange)", Proxy, "proxied to the 2003 back end, even when a 2007 Client Access server is in the back end's site; the back end's /Exchange virtual directory needs Integrated Windows authentication"},
			{"ActiveSync", Proxy, "proxied to the 2003 back end; its Microsoft-Server-ActiveSync virtual directory needs Integrated Windows authentication"},
			{"EWS, OAB, Autodiscover", Absent, "Exchange 2003 has none of them; 2003 mailboxes get them only after the move"},
		},
		Sources: []string{SrcCAS2007ProxyOWA, SrcEAS2003Behind2007}},
	{From: Exchange2003, To: Exchange2010, LegacyName: true,
		Why: "Exchange 2010 redirects OWA users whose mailbox is still on 2003 to the legacy name (legacy.<domain>; Set-OwaVirtualDirectory -Exchange2003Url), where the 2003 front end answers during coexistence",
		Protocols: []ProtocolRule{
			{"OWA", Redirect, "redirected to -Exchange2003Url, https://<legacy name>/exchange, answered by the 2003 front end"},
			{"ActiveSync", Proxy, "proxied to the 2003 back end; its Microsoft-Server-ActiveSync virtual directory needs Integrated Windows authentication"},
			{"Outlook Anywhere", Proxy, "the RPC proxy on 2010 reaches 2003 mailboxes when the 2003 back ends are set up for RPC over HTTP"},
			{"EWS, OAB, Autodiscover", Absent, "Exchange 2003 has none of them"},
		},
		Sources: []string{SrcUpgrade2003To2010, SrcTransition2010}},
	{From: Exchange2007, To: Exchange2010, LegacyName: true,
		Why: "mail and autodiscover move to Exchange 2010; Exchange 2010 redirects OWA users whose mailbox is still on 2007 to the 2007 Client Access servers, whose URLs (OWA, EWS, ActiveSync, OAB) move to the legacy name (legacy.<domain>)",
		Protocols: []ProtocolRule{
			{"OWA", Redirect, "redirected to the 2007 OWA ExternalUrl on the legacy name"},
			{"ActiveSync", Proxy, "proxied to the 2007 Client Access server, or redirected to its ExternalUrl when that is set"},
			{"EWS, OAB", OldURL, "Autodiscover hands 2007 mailboxes the 2007 URLs on the legacy name"},
		},
		Sources: []string{SrcTransition2010}},
	{From: Exchange2007, To: Exchange2013, LegacyName: true,
		Why: "Exchange 2013 cannot proxy OWA to Exchange 2007: OWA users whose mailbox is still on 2007 are redirected to the 2007 Client Access servers under the legacy name (legacy.<domain>); Outlook Anywhere and ActiveSync are proxied",
		Protocols: []ProtocolRule{
			{"OWA", Redirect, "redirected to the 2007 OWA ExternalUrl on the legacy name"},
			{"Outlook Anywhere", Proxy, "proxied to the 2007 Client Access server: Outlook Anywhere must be enabled there with NTLM among its IIS authentication methods"},
			{"ActiveSync", Proxy, "proxied to the 2007 Client Access server"},
			{"EWS", OldURL, "Autodiscover hands 2007 mailboxes the 2007 EWS URL on the legacy name"},
		},
		Sources: []string{SrcCoexist2013}},
	{From: Exchange2010, To: Exchange2013, LegacyName: false,
		Why: "Exchange 2013 proxies every protocol for mailboxes on 2010 to the 2010 Client Access servers under the same namespace",
		Protocols: []ProtocolRule{
			{"OWA, EWS, OAB, ActiveSync, Autodiscover", Proxy, "proxied to a 2010 Client Access server in the mailbox's site"},
			{"Outlook Anywhere", Proxy, "proxied to the 2010 Client Access server: Outlook Anywhere must be enabled on every 2010 Client Access server with NTLM among its IIS authentication methods"},
		},
		Sources: []string{SrcCoexist2013}},
	{From: Exchange2010, To: Exchange2016, LegacyName: false,
		Why: "Exchange 2016 proxies every protocol for mailboxes on 2010 to the 2010 Client Access servers under the same namespace",
		Protocols: []ProtocolRule{
			{"OWA, EWS, OAB, ActiveSync, Autodiscover", Proxy, "proxied to a 2010 Client Access server in the mailbox's site"},
			{"Outlook Anywhere", Proxy, "proxied to the 2010 Client Access server: Outlook Anywhere must be enabled on every 2010 Client Access server with NTLM among its IIS authentication methods"},
		},
		Sources: []string{SrcCoexist2016With2010}},
	shareNamespace(Exchange2013, Exchange2016),
	shareNamespace(Exchange2013, Exchange2019),
	shareNamespace(Exchange2016, Exchange2019),
	shareNamespace(Exchange2016, ExchangeSE),
	shareNamespace(Exchange2019, ExchangeSE),
}

// CoexistenceOf returns the coexistence rule for an organisation moving
// from one version to another; ok is false when Exchange does not support
// the two together (including from == to, which is no migration).
func CoexistenceOf(from, to Version) (Coexistence, bool) {
	for _, c := range coexistTable {
		if c.From == from && c.To == to {
			return c, true
		}
	}
	return Coexistence{}, false
}

// CoexistencePairs returns every supported (from, to) pair, oldest first.
func CoexistencePairs() [][2]Version {
	out := make([][2]Version, len(coexistTable))
	for i, c := range coexistTable {
		out[i] = [2]Version{c.From, c.To}
	}
	return out
}

// SupportedTargets lists the versions that can join an organisation of
// version from ("2007|2010"), or "none".
func SupportedTargets(from Version) string {
	var vs []Version
	for _, c := range coexistTable {
		if c.From == from {
			vs = append(vs, c.To)
		}
	}
	if len(vs) == 0 {
		return "none"
	}
	return Join(vs)
}
