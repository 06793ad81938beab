#!/usr/bin/env bash
# Measures `exchcert lint` against the zlint command-line tool and a shell
# loop of `openssl x509 -checkend` on one generated tree of certificate
# files, and prints a Markdown table (lint/bench/RESULTS.md records one).
#
# Usage, from anywhere in the repository:
#
#   lint/bench/run.sh [OUTDIR]        # default OUTDIR: bench/out (git-ignored)
#
# Environment: N (files, default 2000), RUNS (repetitions of the fast
# commands, default 5; the best run counts), SLOW_RUNS (repetitions of the
# per-file loops, default 1; 0 skips them: they take minutes), SEED (tree
# shape, default 1).
#
# Needs Go (the module's version), openssl, and the network path to the Go
# module proxy once, for `go install github.com/zmap/zlint/v3/cmd/zlint@v3.7.3`.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/out}
N=${N:-2000}
RUNS=${RUNS:-5}
SLOW_RUNS=${SLOW_RUNS:-1}
SEED=${SEED:-1}
mkdir -p "$out/bin"
out=$(cd "$out" && pwd)
bin=$out/bin

echo "== building exchcert and installing zlint v3.7.3" >&2
go build -o "$bin/exchcert" ./cmd/exchcert
GOBIN=$bin go install github.com/zmap/zlint/v3/cmd/zlint@v3.7.3

echo "== generating $N certificate files" >&2
rm -rf "$out/tree"
go run ./lint/bench/gentree -n "$N" -seed "$SEED" "$out/tree" >&2
find "$out/tree" -type f | LC_ALL=C sort >"$out/files.txt"

# best CMD...: runs CMD RUNS times (exit status 0 or 1 accepted: a tree with
# findings exits 1) and prints the best wall-clock time in seconds.
best() {
	local runs=$1
	shift
	local best="" t0 t1 t rc
	if [ "$runs" = 0 ]; then
		printf 'nan'
		return
	fi
	for _ in $(seq "$runs"); do
		t0=$(date +%s.%N)
		set +e
		"$@" >/dev/null 2>"$out/stderr"
		rc=$?
		set -e
		t1=$(date +%s.%N)
		if [ "$rc" -gt 1 ]; then
			echo "failed ($rc): $*" >&2
			cat "$out/stderr" >&2
			exit 1
		fi
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	printf '%.3f' "$best"
}

zlint_per_file() { # the way CI scripts call zlint today: once per file
	while read -r f; do "$bin/zlint" -includeSources RFC5280,CABF_BR "$f" || true; done <"$out/files.txt"
}
zlint_per_file_all() {
	while read -r f; do "$bin/zlint" "$f" || true; done <"$out/files.txt"
}
zlint_once() { # every file in one invocation
	xargs "$bin/zlint" -includeSources RFC5280,CABF_BR <"$out/files.txt"
}
zlint_once_all() {
	xargs "$bin/zlint" <"$out/files.txt"
}
openssl_loop() { # expiry only: fails the loop's file when it expires within 30 days
	while read -r f; do
		case $f in *.der) inform=DER ;; *) inform=PEM ;; esac
		openssl x509 -checkend 2592000 -noout -inform "$inform" -in "$f" || true
	done <"$out/files.txt"
}
exchcert_plan() {
	for _ in $(seq 100); do "$bin/exchcert" plan --fqdn exch2.acme.com --domain acme.com; done
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

load_before=$(load)
echo "== measuring (load before: $load_before)" >&2
lint_all=$(best "$RUNS" "$bin/exchcert" lint --format json "$out/tree")
lint_one=$(best "$RUNS" "$bin/exchcert" lint --format json --jobs 1 "$out/tree")
lint_nozlint=$(best "$RUNS" "$bin/exchcert" lint --format json --no-zlint --min-days 30 "$out/tree")
z_once=$(best "$RUNS" zlint_once)
z_once_all=$(best "$RUNS" zlint_once_all)
z_file=$(best "$SLOW_RUNS" zlint_per_file)
z_file_all=$(best "$SLOW_RUNS" zlint_per_file_all)
ossl=$(best "$SLOW_RUNS" openssl_loop)
plan100=$(best "$RUNS" exchcert_plan)
load_after=$(load)

# Memory: the peak resident set of one run over this tree and over a tree
# ten times as large (GNU time's %M, in KiB), when GNU time is installed.
rss=""
if [ -x /usr/bin/time ]; then
	peak() { { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -1; }
	rm -rf "$out/tree-big"
	go run ./lint/bench/gentree -n "$((N * 10))" -seed "$SEED" "$out/tree-big" >&2
	rss="Peak memory (GNU time %M): $(peak "$bin/exchcert" lint --format json "$out/tree") KiB for $N files,
$(peak "$bin/exchcert" lint --format json "$out/tree-big") KiB for $((N * 10)) files."
	rm -rf "$out/tree-big"
fi

# Go's own account of exchcert's start-up: the init time of the zlint,
# zcrypto and publicsuffix packages that linking lint brings in, summed.
init_ms=$(GODEBUG=inittrace=1 "$bin/exchcert" plan --fqdn exch2.acme.com 2>&1 >/dev/null |
	awk '/^init /{t+=$5; if ($2 ~ /zmap|publicsuffix|go-toml|logrus/) z+=$5} END{printf "%.1f %.1f", t, z}')

echo "== Go benchmarks (in-process, same tree shape)" >&2
gobench=$(go test ./lint -run '^$' -bench 'BenchmarkRun|BenchmarkZlintLoop' -benchtime 3x -count "$RUNS" | grep -E '^Benchmark')
# best NAME: the lowest ns/op of a benchmark over the -count runs.
gobest() { echo "$gobench" | awk -v n="$1" '$1 ~ "^"n"-[0-9]+$" {if (b == "" || $3 < b) b = $3} END {print b}'; }
run1=$(gobest 'BenchmarkRun/zlint/jobs=1')
loopf=$(gobest 'BenchmarkZlintLoop/files')
loopm=$(gobest 'BenchmarkZlintLoop/memory')

ratio() { if [ "$1" = nan ]; then printf 'skipped'; else printf '%.2f' "$(echo "$1 / $2" | bc -l)"; fi; }
rate() { if [ "$1" = nan ]; then printf 'skipped'; else printf '%.0f' "$(echo "$N / $1" | bc -l)"; fi; }

cat <<EOF
| what ($N files, one certificate each) | wall time (s) | files/s | exchcert lint is faster by |
|---|---:|---:|---:|
| \`exchcert lint\` (zlint RFC5280+CABF_BR, all cores) | $lint_all | $(rate "$lint_all") | |
| \`exchcert lint --jobs 1\` | $lint_one | $(rate "$lint_one") | |
| \`zlint -includeSources RFC5280,CABF_BR FILE\` once per file | $z_file | $(rate "$z_file") | $(ratio "$z_file" "$lint_all")x |
| \`zlint FILE\` (all lints) once per file | $z_file_all | $(rate "$z_file_all") | $(ratio "$z_file_all" "$lint_all")x |
| \`zlint -includeSources RFC5280,CABF_BR\` all files in one invocation | $z_once | $(rate "$z_once") | $(ratio "$z_once" "$lint_all")x |
| \`zlint\` (all lints) all files in one invocation | $z_once_all | $(rate "$z_once_all") | $(ratio "$z_once_all" "$lint_all")x |
| \`exchcert lint --no-zlint --min-days 30\` | $lint_nozlint | $(rate "$lint_nozlint") | |
| \`openssl x509 -checkend\` once per file | $ossl | $(rate "$ossl") | $(ratio "$ossl" "$lint_nozlint")x (vs --no-zlint) |

\`exchcert plan\` start-up: $(printf '%.1f' "$(echo "$plan100 * 10" | bc -l)") ms per run (best of $RUNS × 100 runs);
package init $(echo "$init_ms" | cut -d' ' -f1) ms, of which zlint/zcrypto/publicsuffix $(echo "$init_ms" | cut -d' ' -f2) ms (GODEBUG=inittrace=1).

Load average (1, 5, 15 min) before: $load_before; after: $load_after. Best of $RUNS runs (per-file loops: best of $SLOW_RUNS).

$rss

Cost against zlint's own loop (one core, best of $RUNS): \`BenchmarkRun/zlint/jobs=1\` takes
$(ratio "$run1" "$loopf")x the time of \`BenchmarkZlintLoop/files\` (read, decode, parse, lint) and
$(ratio "$run1" "$loopm")x that of \`BenchmarkZlintLoop/memory\` (parse and lint only).

Go benchmarks (\`go test ./lint -run '^\$' -bench 'BenchmarkRun|BenchmarkZlintLoop' -benchtime 3x -count $RUNS\`):

\`\`\`
$gobench
\`\`\`
EOF
