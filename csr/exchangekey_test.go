package csr

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/exchcert/exchcert/exchange"
)

// TestExchangeKey: one decision for a key type and a key brought along,
// refused before any key is made.
func TestExchangeKey(t *testing.T) {
	for _, kt := range KeyTypes {
		k, err := GenerateKey(kt)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DescribeKey(k.Public()); err != nil || got != kt.Info() {
			t.Errorf("%s: Info %+v, the key made is %+v (%v)", kt, kt.Info(), got, err)
		}
	}

	var ke *ExchangeKeyError
	if _, info, err := ExchangeKey(exchange.Exchange2010, ECDSAP256, nil); !errors.As(err, &ke) || ke.Version != exchange.Exchange2010 || info.Curve != "P-256" {
		t.Errorf("ECDSA for Exchange 2010: %v, want an ExchangeKeyError", err)
	}
	key, info, err := ExchangeKey(exchange.Exchange2010, RSA2048, nil)
	if err != nil || info.Bits != 2048 {
		t.Fatalf("RSA 2048 for Exchange 2010: %v", err)
	}
	if _, ok := key.(*rsa.PrivateKey); !ok {
		t.Errorf("made a %T", key)
	}

	ec, err := GenerateKey(ECDSAP384)
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := MarshalPrivateKeyPEM(ec)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ExchangeKey(exchange.Exchange2013, RSA2048, pemKey); !errors.As(err, &ke) || ke.Key.Curve != "P-384" {
		t.Errorf("ECDSA file for Exchange 2013: %v, want an ExchangeKeyError naming P-384", err)
	}
	got, _, err := ExchangeKey(exchange.Exchange2019, RSA2048, pemKey)
	if err != nil || !got.(*ecdsa.PrivateKey).Equal(ec) {
		t.Errorf("ECDSA file for Exchange 2019: %v, or another key than the file's", err)
	}
	if _, _, err := ExchangeKey(exchange.Exchange2019, RSA2048, []byte{}); err == nil {
		t.Error("an empty key file was accepted (a key was made instead)")
	}
}
