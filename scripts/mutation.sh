#!/usr/bin/env bash
# Mutation testing of the core packages with gremlins: each package is
# mutated and tested with its own tests only. Prints, per package, the
# mutants killed and lived, the test efficacy (killed / (killed + lived))
# and the mutator coverage (mutants reached by the package's tests), and
# exits 1 when a package is under the thresholds (efficacy 90 %, coverage
# 85 %). Too slow for every CI run; run it before changing a core package's
# tests and record the figures in docs/mutation.md.
#
#   scripts/mutation.sh                 # plan csr inspect exchange
#   scripts/mutation.sh plan            # one package
#   KEEP_LOGS=dir scripts/mutation.sh   # keep gremlins' full output per package
set -euo pipefail
cd "$(dirname "$0")/.."

gremlins=github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
# gremlins times each mutant against the package's first test run; a
# cached result of that run makes the limit near zero and reports hundreds
# of mutants as timed out. -count=1 keeps go test from using its cache.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-count=1"
min_efficacy=${MIN_EFFICACY:-90}
min_coverage=${MIN_COVERAGE:-85}
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(plan csr inspect exchange)
logs=${KEEP_LOGS:-$(mktemp -d)}
mkdir -p "$logs"

echo "gremlins v0.6.0, --timeout-coefficient 10, $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%d)"
printf '%-10s %7s %6s %12s %9s %9s\n' package killed lived not-covered efficacy coverage
status=0
for p in "${pkgs[@]}"; do
	log="$logs/$p.log"
	go run "$gremlins" unleash --timeout-coefficient 10 "./$p" >"$log" 2>&1 || {
		echo "gremlins failed on ./$p; see $log" >&2
		exit 2
	}
	killed=$(sed -n 's/^Killed: \([0-9]*\),.*/\1/p' "$log")
	lived=$(sed -n 's/.*Lived: \([0-9]*\),.*/\1/p' "$log")
	uncovered=$(sed -n 's/.*Not covered: \([0-9]*\).*/\1/p' "$log")
	efficacy=$(sed -n 's/^Test efficacy: \([0-9.]*\)%.*/\1/p' "$log")
	coverage=$(sed -n 's/^Mutator coverage: \([0-9.]*\)%.*/\1/p' "$log")
	printf '%-10s %7s %6s %12s %8s%% %8s%%\n' "$p" "$killed" "$lived" "$uncovered" "$efficacy" "$coverage"
	if awk -v e="$efficacy" -v c="$coverage" -v me="$min_efficacy" -v mc="$min_coverage" 'BEGIN { exit !(e < me || c < mc) }'; then
		status=1
	fi
done
if [ -z "${KEEP_LOGS:-}" ]; then
	rm -rf "$logs"
fi
if [ "$status" -ne 0 ]; then
	echo "under the thresholds (efficacy $min_efficacy %, coverage $min_coverage %); the lived and not-covered mutants are listed in gremlins' output (KEEP_LOGS=dir keeps it)"
fi
exit "$status"
