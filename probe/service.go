package probe

import (
	"fmt"
	"strings"

	"github.com/exchcert/exchcert/finding"
)

// Service is one of the client-facing listeners of an Exchange server that
// Run checks. Its string is the name --addr uses.
type Service string

// The services, in the order reports list them.
const (
	HTTPS      Service = "https"      // IIS: OWA, ECP, EWS, Autodiscover, ActiveSync, MAPI, Outlook Anywhere (443)
	SMTP       Service = "smtp"       // mail from other servers, STARTTLS (25)
	Submission Service = "submission" // mail from clients, STARTTLS (587)
	IMAP       Service = "imap"       // IMAP4 with STARTTLS (143)
	IMAPS      Service = "imaps"      // IMAP4 over implicit TLS (993)
	POP3       Service = "pop3"       // POP3 with STLS (110)
	POP3S      Service = "pop3s"      // POP3 over implicit TLS (995)
)

// Services lists every service Run probes.
var Services = []Service{HTTPS, SMTP, Submission, IMAP, IMAPS, POP3, POP3S}

// tlsMode is how a service reaches TLS.
type tlsMode int

const (
	implicitTLS tlsMode = iota // TLS from the first byte
	startSMTP                  // EHLO, STARTTLS (RFC 3207)
	startIMAP                  // CAPABILITY, STARTTLS (RFC 3501 §6.2.1)
	startPOP3                  // CAPA, STLS (RFC 2595 §4)
)

type serviceInfo struct {
	port int
	mode tlsMode
	// exchange is the name Enable-ExchangeCertificate -Services uses.
	exchange string
	// unreachable is how serious it is that nothing answers: HTTPS carries
	// every Outlook, OWA and phone client, SMTP carries inbound mail, and
	// POP3/IMAP4 are off by default from Exchange 2013 on (the services
	// start manually), so their silence is normal.
	unreachable finding.Severity
}

var serviceInfos = map[Service]serviceInfo{
	HTTPS:      {443, implicitTLS, "IIS", finding.Error},
	SMTP:       {25, startSMTP, "SMTP", finding.Warning},
	Submission: {587, startSMTP, "SMTP", finding.Info},
	IMAP:       {143, startIMAP, "IMAP", finding.Info},
	IMAPS:      {993, implicitTLS, "IMAP", finding.Info},
	POP3:       {110, startPOP3, "POP", finding.Info},
	POP3S:      {995, implicitTLS, "POP", finding.Info},
}

// Port returns the service's standard TCP port, or 0 for an unknown service.
func (s Service) Port() int { return serviceInfos[s].port }

// StartTLS reports whether the service starts in plain text and upgrades
// with STARTTLS (or STLS).
func (s Service) StartTLS() bool { return serviceInfos[s].mode != implicitTLS }

func (s Service) String() string { return string(s) }

// ParseService parses a service name as --addr spells it. Its error lists
// the valid names.
func ParseService(name string) (Service, error) {
	n := Service(strings.ToLower(strings.TrimSpace(name)))
	if _, ok := serviceInfos[n]; ok {
		return n, nil
	}
	names := make([]string, len(Services))
	for i, s := range Services {
		names[i] = string(s)
	}
	return "", fmt.Errorf("unknown service %q (want one of %s)", name, strings.Join(names, "|"))
}
