#!/bin/sh
# bench/ratio.sh - holdconn bench against the floor (bench/floor/floor), side by side.
# Usage: sh bench/ratio.sh [N] [ROUNDS]     (defaults: 1000000 pairs, 3 rounds)
# Env:   HOLDCONN, FLOOR  the binaries (default ./holdconn, bench/floor/floor)
#        BENCH_ARGS  extra arguments for holdconn bench (e.g. "--watch none")
#        FLOOR_ARGS  extra arguments for the floor (e.g. "--teardown both")
#
# Runs them alternately, ABAB, ROUNDS of each, at the same N, each run under the
# machine lock (taken per run, so others' short runs may fall in between) and
# each starting from a settled slab (both wait for it, as bench does). Prints
# the median of each figure for both and holdconn / floor: the ramp rate to N,
# the rate over the last 10% of N, and the teardown. Every run's output and the
# table go to bench/results/ratio-STAMP*.
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000000}
rounds=${2:-3}
lock=/tmp/holdconn-machine.lock
stamp=$(date -u +%Y%m%d-%H%M)
out=bench/results/ratio-$stamp
mkdir -p bench/results
hc=${HOLDCONN:-./holdconn}
fl=${FLOOR:-bench/floor/floor}
[ -x "$hc" ] && [ -x "$fl" ] || { echo "ratio: build first: make holdconn floor" >&2; exit 2; }
every=$((n / 10))
[ "$every" -ge 1 ] || { echo "ratio: N must be at least 10" >&2; exit 2; }

# "key":value from the summary line / the rate of the report at conns=N.
jfield() { jq -r --arg k "$2" 'select(.event == "summary") | .[$k]' "$1"; }
jlast10() {
	jq -r --argjson n "$n" 'select(.event == "report" and .connections == $n) | .connections_per_second' "$1" |
		tail -1
}
# key=value from the floor's summary line.
ffield() { sed -n "s/^summary.* $2=\\([^ ]*\\).*/\\1/p" "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$out.h.tsv"
: > "$out.f.tsv"
i=1
while [ "$i" -le "$rounds" ]; do
	h="$out-holdconn-$i.jsonl"
	f="$out-floor-$i.txt"
	echo "== [$i/$rounds] $hc bench --conns $n --report-every $every ${BENCH_ARGS:-} --json > $h" >&2
	# shellcheck disable=SC2086
	flock "$lock" "$hc" bench --conns "$n" --report-every "$every" ${BENCH_ARGS:-} --json > "$h" || [ $? -eq 3 ] # 3: stopped short of --conns, a finding here
	printf '%s\t%s\t%s\n' "$(jfield "$h" avg_connections_per_second)" "$(jlast10 "$h")" "$(jfield "$h" teardown_seconds)" |
		tee -a "$out.h.tsv" >&2
	echo "== [$i/$rounds] $fl $n --report-every $every ${FLOOR_ARGS:-} > $f" >&2
	# shellcheck disable=SC2086
	flock "$lock" "$fl" "$n" --report-every "$every" ${FLOOR_ARGS:-} > "$f"
	printf '%s\t%s\t%s\n' "$(ffield "$f" rate)" "$(ffield "$f" last10_rate)" "$(ffield "$f" teardown_s)" |
		tee -a "$out.f.tsv" >&2
	i=$((i + 1))
done

col() { cut -f"$2" "$1" | median; }
{
	echo "# holdconn bench / floor, $n pairs, $rounds rounds ABAB ($stamp UTC)"
	echo
	echo "- kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "- A: $hc bench --conns $n --report-every $every ${BENCH_ARGS:-} --json"
	echo "- B: $fl $n --report-every $every ${FLOOR_ARGS:-}"
	echo "- each run under $lock, taken per run: others' short runs may fall between them"
	echo
	echo "| figure (median of $rounds) | holdconn | floor | holdconn / floor |"
	echo "|---|---|---|---|"
	for c in 1:ramp\ rate\ to\ N,\ pairs/s 2:rate\ over\ the\ last\ 10%,\ pairs/s 3:teardown,\ s; do
		k=${c%%:*}
		a=$(col "$out.h.tsv" "$k")
		b=$(col "$out.f.tsv" "$k")
		echo "| ${c#*:} | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }') |"
	done
	echo
	echo "Runs (holdconn: avg_rate, last-10% rate, teardown_s; floor: rate, last10_rate, teardown_s):"
	echo
	paste "$out.h.tsv" "$out.f.tsv" | awk '{ printf "- round %d: holdconn %s %s %s | floor %s %s %s\n", NR, $1, $2, $3, $4, $5, $6 }'
} > "$out.md"
rm -f "$out.h.tsv" "$out.f.tsv"
cat "$out.md"
