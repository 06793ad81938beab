// Command exchcert plans, requests, checks and binds the certificate of a
// Microsoft Exchange server, so that every client connects without a
// certificate warning.
//
// The commands, in the order of a certificate change: plan, csr, inspect,
// pfx, bind, then lint, probe, acme and report. Every command takes -h for
// its flags and examples. Exit codes are the same for every command: 0
// fine, 1 a check found problems, 2 usage or input error.
//
// The help texts of the commands are the one source of their usage: the
// flag reference in docs/reference and the man pages in docs/man are
// generated from them (go generate ./cmd/exchcert), and a test fails when
// the committed pages are out of date. README.md has the workflow, and
// docs/ a page per command.
//
//	exchcert plan --fqdn exch2.acme.com --domain acme.com --exchange 2010 --from 2003
package main

//go:generate go test -run ^TestReference$ -count=1 . -args -write-reference
