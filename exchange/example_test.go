package exchange_test

import (
	"fmt"

	"github.com/exchcert/exchcert/exchange"
)

// The request command differs by version: Exchange 2007 writes the file
// with -Path, 2010 and later return the text, which the script saves.
func ExampleRequestCommand() {
	for _, v := range []exchange.Version{exchange.Exchange2007, exchange.Exchange2019} {
		cmd, err := exchange.RequestCommand(exchange.RequestParams{
			Version:     v,
			SubjectName: "C=GB,O=ACME,CN=exch2.acme.com",
			DomainNames: []string{"exch2.acme.com", "autodiscover.acme.com"},
			KeySize:     2048,
			Server:      "EXCH2",
			RequestPath: `C:\certs\exch2.req`,
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Print(cmd)
	}
	// Output:
	// # Exchange 2007 has no -Server on its certificate cmdlets: run this on EXCH2 itself.
	// New-ExchangeCertificate -GenerateRequest -Path 'C:\certs\exch2.req' -SubjectName 'C=GB,O=ACME,CN=exch2.acme.com' -DomainName 'exch2.acme.com','autodiscover.acme.com' -KeySize 2048 -PrivateKeyExportable $true
	// $req = New-ExchangeCertificate -Server 'EXCH2' -GenerateRequest -SubjectName 'C=GB,O=ACME,CN=exch2.acme.com' -DomainName 'exch2.acme.com','autodiscover.acme.com' -KeySize 2048 -PrivateKeyExportable $true
	// [System.IO.File]::WriteAllText('C:\certs\exch2.req', [string]$req, [System.Text.Encoding]::ASCII)
}

// Validate names the line and the version fact it breaks.
func ExampleValidate() {
	err := exchange.Validate("Import-ExchangeCertificate -Server EX01 -FileName '\\\\fs01\\certs\\mail.pfx'\n", exchange.Exchange2019)
	fmt.Println(err)
	// Output:
	// line 1: Import-ExchangeCertificate -FileName does not exist in Exchange 2019 (exists in 2013) (Import-ExchangeCertificate -Server EX01 -FileName '\\fs01\certs\mail.pfx')
}

func ExampleNormalizeThumbprint() {
	tp, err := exchange.NormalizeThumbprint("\u200e51 13 ae 02 33 a7 2f cc b7 5b 1d 01 98 62 86 75 33 3d 01 0e")
	fmt.Println(tp, err)
	// Output:
	// 5113AE0233A72FCCB75B1D0198628675333D010E <nil>
}
