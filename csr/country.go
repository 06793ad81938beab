package csr

import (
	"fmt"
	"slices"
	"strings"
)

// iso3166 holds the 249 officially assigned ISO 3166-1 alpha-2 codes, as
// Debian's iso-codes 4.15 lists them (iso_3166-1.json). The CA/Browser
// Forum Baseline Requirements (§7.1.2.7.4, §7.1.4.2) allow only these in
// countryName (and "XX", which no Exchange server needs).
var iso3166 = strings.Fields(`
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE
BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD
CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF
GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK
TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW
`)

// countryHints are codes people use that ISO 3166-1 does not assign to
// them: "UK" is exceptionally reserved (the United Kingdom is GB), "EL" is
// the EU's code for Greece (ISO: GR).
var countryHints = map[string]string{
	"UK": "the United Kingdom is GB",
	"EL": "Greece is GR",
	"EU": "the European Union is not a country; use the member state's code",
}

// validCountry reports whether c (upper case) is an assigned ISO 3166-1
// alpha-2 code.
func validCountry(c string) bool {
	return slices.Contains(iso3166, c)
}

// NormalizeCountry returns the country code in upper case, or an error that
// says what is wrong with it: not two letters, or not an assigned ISO
// 3166-1 code (with a hint for UK, EL and EU).
func NormalizeCountry(s string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if validCountry(c) {
		return c, nil
	}
	if hint, ok := countryHints[c]; ok {
		return "", fmt.Errorf("%q is not an ISO 3166-1 country code (%s)", s, hint)
	}
	if len(c) != 2 {
		return "", fmt.Errorf("%q is not a two-letter ISO 3166-1 country code (e.g. GB, DE, US)", s)
	}
	return "", fmt.Errorf("%q is not an assigned ISO 3166-1 country code", s)
}
