#!/bin/sh
# bench/ratio.sh - holdconn bench against the floor (bench/floor/floor), side by side.
# Usage: sh bench/ratio.sh [N] [ROUNDS]     (defaults: 1000000 pairs, 5 rounds)
#        sh bench/ratio.sh --keepalive N [ROUNDS]   heartbeats: see bench/ratio-keepalive.sh
# Env:   HOLDCONN, FLOOR  the binaries (default ./holdconn, bench/floor/floor)
#        BENCH_ARGS  extra arguments for holdconn bench (e.g. "--watch none")
#        FLOOR_ARGS  extra arguments for the floor (e.g. "--teardown both")
#        LOCK        the lock each run is taken under (default /tmp/holdconn-machine.lock);
#                    empty: none (the caller holds one over the whole sitting)
#
# Runs them alternately, ABAB, ROUNDS of each, at the same N, each starting from
# a settled slab (both wait for it, as bench does). Prints, for every round,
# each figure of both and holdconn / floor: the ramp rate to N, the rate over
# the last 10% of N, and the teardown; then the median of each ratio over the
# rounds beside its spread (lowest-highest). A round in which either program
# stopped short of N has no figures to compare: the rounds are still printed,
# no median is, and the script exits 3. Every run's output and the table go
# to bench/results/ratio-STAMP*.
set -eu
cd "$(dirname "$0")/.."
. bench/ratio_median.sh
if [ "${1:-}" = --keepalive ]; then
	shift
	exec sh bench/ratio-keepalive.sh "$@"
fi
n=${1:-1000000}
rounds=${2:-5}
lock=${LOCK-/tmp/holdconn-machine.lock}
stamp=$(date -u +%Y%m%d-%H%M)
out=bench/results/ratio-$stamp
mkdir -p bench/results
hc=${HOLDCONN:-./holdconn}
fl=${FLOOR:-bench/floor/floor}
[ -x "$hc" ] && [ -x "$fl" ] || { echo "ratio: build first: make holdconn floor" >&2; exit 2; }
every=$((n / 10))
[ "$every" -ge 1 ] || { echo "ratio: N must be at least 10" >&2; exit 2; }
[ "$rounds" -ge 1 ] || { echo "ratio: ROUNDS must be at least 1" >&2; exit 2; }

locked() { if [ -n "$lock" ]; then flock "$lock" "$@"; else "$@"; fi; }
# "key":value from the summary line / the rate of the report at conns=N.
jfield() { jq -r --arg k "$2" 'select(.event == "summary") | .[$k] // empty' "$1"; }
jlast10() {
	jq -r --argjson n "$n" 'select(.event == "report" and .connections == $n) | .connections_per_second' "$1" |
		tail -1
}
# key=value from the floor's summary line.
ffield() { sed -n "s/^summary.* $2=\\([^ ]*\\).*/\\1/p" "$1"; }

# rounds.tsv: round, holdconn ramp, last10, teardown, floor ramp, last10, teardown, short (or -)
: > "$out.tsv"
i=1
while [ "$i" -le "$rounds" ]; do
	h="$out-holdconn-$i.jsonl"
	f="$out-floor-$i.txt"
	short=""
	echo "== [$i/$rounds] $hc bench --conns $n --report-every $every ${BENCH_ARGS:-} --json > $h" >&2
	# shellcheck disable=SC2086
	locked "$hc" bench --conns "$n" --report-every "$every" ${BENCH_ARGS:-} --json > "$h" || [ $? -eq 3 ] # 3: stopped short, said below
	held=$(jfield "$h" held)
	[ "${held:-0}" = "$n" ] || short="holdconn held ${held:-none} of $n (stop $(jfield "$h" stop_reason))"
	echo "== [$i/$rounds] $fl $n --report-every $every ${FLOOR_ARGS:-} > $f" >&2
	# shellcheck disable=SC2086
	locked "$fl" "$n" --report-every "$every" ${FLOOR_ARGS:-} > "$f" || short="${short:+$short; }floor exited $?"
	[ "$(ffield "$f" pairs)" = "$n" ] || short="${short:+$short; }floor has no summary at $n pairs"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" \
		"$(jfield "$h" avg_connections_per_second)" "$(jlast10 "$h")" "$(jfield "$h" teardown_seconds)" \
		"$(ffield "$f" rate)" "$(ffield "$f" last10_rate)" "$(ffield "$f" teardown_s)" "${short:--}" |
		tee -a "$out.tsv" >&2
	i=$((i + 1))
done

{
	echo "# holdconn bench / floor, $n pairs, $rounds rounds ABAB ($stamp UTC)"
	echo
	echo "- kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- A: $hc bench --conns $n --report-every $every ${BENCH_ARGS:-} --json"
	echo "- B: $fl $n --report-every $every ${FLOOR_ARGS:-}"
	if [ -n "$lock" ]; then
		echo "- each run under $lock, taken per run: others' short runs may fall between them"
	else
		echo "- no lock taken per run (the caller held one over the sitting)"
	fi
	echo
	echo "Ramp and last-10% rates in pairs/s (higher is better), teardown in s (lower is better):"
	echo
	echo "| round | holdconn ramp / last 10% / teardown | floor ramp / last 10% / teardown | ratio ramp | ratio last 10% | ratio teardown |"
	echo "|---|---|---|---|---|---|"
	awk -F'\t' '
		function r(a, b) { return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-" }
		{
			printf "| %d | %s / %s / %s | %s / %s / %s | %s | %s | %s |%s\n", $1, $2, $3, $4, $5, $6, $7,
				r($2, $5), r($3, $6), r($4, $7), ($8 == "-" ? "" : " stopped short: " $8)
		}' "$out.tsv"
	echo
	if awk -F'\t' '$8 != "-" { bad = 1 } END { exit bad ? 0 : 1 }' "$out.tsv"; then
		echo "No median: a round stopped short of $n pairs (above), and a figure over fewer pairs is not the same figure."
	else
		ratio_medians "$out.tsv" "$rounds" "2:5:ramp rate" "3:6:rate over the last 10%" "4:7:teardown"
	fi
} > "$out.md"
rm -f "$out.tsv"
cat "$out.md"
! grep -q 'stopped short' "$out.md" || exit 3
