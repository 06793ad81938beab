// Package inspect reads certificate files by their content and checks what
// a CA delivered against the plan: does the certificate cover every planned
// name, does it match the private key, is the chain complete and trusted,
// and is it acceptable to clients and to the target Exchange version.
//
// Load recognises PEM, DER, PKCS #7 (.p7b), PKCS #12 (.pfx) and bare base64
// files, in UTF-8 or UTF-16 with any line ends, and refuses PFX files whose
// key-derivation iteration counts would burn CPU. Thumbprint gives the SHA-1
// thumbprint as Exchange shows it.
//
// The package does no I/O: callers read files (at most MaxFileSize bytes)
// and pass passwords through LoadOptions.Password. It does not fetch
// missing intermediates (AIA) or check revocation.
package inspect
