package plan

import (
	"fmt"

	"github.com/exchcert/exchcert/exchange"
)

// legacyRule is what the plan needs from a coexistence: whether clients of
// the old servers need a legacy host name, why, and the source.
type legacyRule struct {
	needed bool
	why    string
	source string
}

// coexistence returns the legacy-name rule for migrating from one version to
// another, from the coexistence table in package exchange (which cites
// Microsoft's page for every pair); from None needs none. It returns an
// error for a migration that is none (from equals to), goes backwards, or
// that Exchange does not support.
func coexistence(from, to exchange.Version) (legacyRule, error) {
	if from == exchange.None {
		return legacyRule{}, nil
	}
	if from == to {
		return legacyRule{}, fmt.Errorf("--from %s is the target version itself: --from names the version being migrated from (servers of one version need no coexistence planning; leave --from out)", from)
	}
	if from > to {
		return legacyRule{}, fmt.Errorf("cannot migrate from %s to the older %s", from.Title(), to.Title())
	}
	c, ok := exchange.CoexistenceOf(from, to)
	if !ok {
		return legacyRule{}, fmt.Errorf("%s cannot coexist with %s in one organisation (supported from %s: %s)", to.Title(), from.Title(), from.Title(), exchange.SupportedTargets(from))
	}
	return legacyRule{c.LegacyName, c.Why, c.Sources[0]}, nil
}
