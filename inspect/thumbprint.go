package inspect

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"
)

// Thumbprint returns the certificate's SHA-1 thumbprint exactly as Exchange
// shows it in Get-ExchangeCertificate and takes in -Thumbprint: 40
// uppercase hex digits, no separators
// (X509Certificate2.Thumbprint, https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509certificate2.thumbprint).
// SHA-1 here only names the certificate; it is not a security check.
func Thumbprint(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Fingerprint256 returns the SHA-256 fingerprint of the certificate's DER
// encoding as 64 uppercase hex digits, no separators.
func Fingerprint256(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
