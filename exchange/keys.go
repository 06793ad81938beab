package exchange

// KeyAlgorithm is the public-key algorithm of a certificate key as far as
// Exchange cares: RSA or ECDSA.
type KeyAlgorithm string

// Key algorithms.
const (
	RSA   KeyAlgorithm = "rsa"
	ECDSA KeyAlgorithm = "ecdsa"
)

// KeySupport says whether Exchange version v can use a certificate whose key
// is of algorithm alg, and what the admin must know when the answer is "only
// with conditions". ok is false when no build of v supports alg; note is
// empty when alg simply works.
//
// Source: "Elliptic Curve Cryptography certificates support in Exchange
// Server", https://learn.microsoft.com/exchange/architecture/client-access/certificates,
// and KB5037224 (April 2024 hotfix update): ECC certificates work from
// Exchange 2019 CU14 HU2 / CU13 HU6 and Exchange 2016 CU23 HU13, after an
// opt-in, and never for the federation trust or the Exchange Server Auth
// (OAuth) certificate. Exchange 2013 and older reject them with
// "KeyAlgorithmUnsupported".
func KeySupport(v Version, alg KeyAlgorithm) (ok bool, note string) {
	if alg != ECDSA {
		return true, ""
	}
	const optIn = "ECC certificates need the opt-in (registry value HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Diagnostics\\EnableEccCertificateSupport = \"1\") and are not supported for the federation trust or OAuth certificate; New-ExchangeCertificate cannot request them, so import the key as a PFX"
	switch v {
	case Exchange2016:
		return true, "Exchange 2016 accepts ECC certificates only from CU23 with the April 2024 hotfix update (HU13) or later; " + optIn
	case Exchange2019:
		return true, "Exchange 2019 accepts ECC certificates only from CU14 HU2 (or CU13 HU6) or later; " + optIn
	case ExchangeSE:
		return true, optIn
	}
	return false, v.Title() + " cannot use ECC certificates (Enable-ExchangeCertificate fails with KeyAlgorithmUnsupported); use an RSA key of 2048 bits or more"
}
