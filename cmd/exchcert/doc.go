// Command exchcert plans, requests, checks and binds the certificate of a
// Microsoft Exchange server, so that every client connects without a
// certificate warning.
//
// Usage:
//
//	exchcert plan    --fqdn FQDN [--domain DOMAIN]... [--exchange VERSION] [--from VERSION] [-o table|json]
//	exchcert csr     (plan flags | --plan FILE) [--org ORG] [--country CC] [--key-type TYPE | --key FILE] [--out-dir DIR] [--force] [-o table|json]
//	exchcert inspect [plan flags | --plan FILE] [--key FILE] [--roots FILE] [--min-days N] [--at TIME] [--password-env VAR | --password-file FILE] [-o table|json] FILE...
//	exchcert pfx     --cert FILE --key FILE [--chain FILE]... --out FILE.pfx [--windows VERSION | --encoding legacy|modern] [--force]
//	exchcert bind    (plan flags | --plan FILE) (CERTFILE | --thumbprint SHA1) [--server NAME]... [--allow-missing] [--services LIST] [--url-host NAME] [--import-path PATH] [--out FILE.ps1]
//	exchcert bind    --prereqs --exchange VERSION --windows VERSION
//	exchcert lint    [plan flags | --plan FILE] [--min-days N] [--roots FILE] [--password-env VAR | --password-file FILE] [--format text|json|junit|sarif|github] [--fail-on error|warning] [PATH...]
//	exchcert probe   HOST [plan flags | --plan FILE] [--addr SERVICE=HOST:PORT]... [--roots FILE] [--timeout D] [-o table|json]
//	exchcert acme    (plan flags | --plan FILE) (--dns PROVIDER | --http ADDRESS) [--out-dir DIR] [--windows VERSION]
//	exchcert acme renew  the same flags [--days N] [--force]
//	exchcert report  (plan flags | --plan FILE) [inspect's flags] [--probe HOST [--addr SERVICE=HOST:PORT]... [--timeout D]] [-o table|json|html|md] FILE...
//	exchcert version [-o table|json]
//	exchcert completion powershell|bash|zsh|fish
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
// Make the key and the request for an OV certificate from the saved plan:
//
//	exchcert csr --plan acme.plan.json --org "ACME Ltd" --locality Canterbury --country GB
//
// Check what the CA delivered against the plan and the key:
//
//	exchcert inspect --plan acme.plan.json --key exch2.acme.com.key delivered.p7b
//
// Bundle the key with the delivered certificate for Windows Server 2008 R2,
// then print the Exchange Management Shell script that binds it:
//
//	exchcert pfx --cert delivered.p7b --key exch2.acme.com.key --windows 2008r2 --out exch2.pfx
//	exchcert bind --plan acme.plan.json exch2.pfx --out bind-exch2.ps1
//
// Check what the live server serves on every port, and Autodiscover and EWS
// authentication, against the plan:
//
//	exchcert probe mail.acme.com --plan acme.plan.json
//
// Obtain the certificate from Let's Encrypt with DNS-01 through Cloudflare,
// then renew it from a daily scheduled task:
//
//	exchcert acme --plan acme.plan.json --dns cloudflare --email admin@acme.com --accept-tos --password-env PFX_PASSWORD --out-dir out
//	exchcert acme renew --plan acme.plan.json --dns cloudflare --password-env PFX_PASSWORD --out-dir out
//
// In CI, check every certificate file of a repository and report to code
// scanning:
//
//	exchcert lint --plan acme.plan.json --min-days 30 --format sarif > exchcert.sarif
package main
