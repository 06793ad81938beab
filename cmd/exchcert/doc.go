// Command exchcert plans, requests, checks and binds the certificate of a
// Microsoft Exchange server, so that every client connects without a
// certificate warning.
//
// Usage:
//
//	exchcert plan    --fqdn FQDN [--domain DOMAIN]... [--exchange VERSION] [--from VERSION] [-o table|json]
//	exchcert acme    (--plan FILE | plan flags) (--dns PROVIDER | --http ADDRESS) [--out-dir DIR] [--windows VERSION]
//	exchcert acme renew  the same flags [--days N] [--force]
//
// Every command takes -h for its flags and examples. Exit codes are the same
// for every command: 0 fine, 1 a check found problems, 2 usage or input
// error (a bad flag, an unreadable file, a wrong password, a refused name).
//
// # Examples
//
// Plan the names for Exchange 2010 joining an Exchange 2003 organisation:
//
//	exchcert plan --fqdn exch2.acme.com --domain acme.com --exchange 2010 --from 2003
//
// Save the plan for the other commands:
//
//	exchcert plan --fqdn exch2.acme.com --domain acme.com --exchange 2010 --from 2003 -o json > acme.plan.json
//
// Obtain the certificate from Let's Encrypt with DNS-01 through Cloudflare,
// then renew it from a daily scheduled task:
//
//	exchcert acme --plan acme.plan.json --dns cloudflare --email admin@acme.com --accept-tos --password-env PFX_PASSWORD --out-dir out
//	exchcert acme renew --plan acme.plan.json --dns cloudflare --password-env PFX_PASSWORD --out-dir out
package main
