#!/bin/sh
# bench/ab.sh - two holdconn binaries (a change and its parent), alternated.
# Usage: sh bench/ab.sh BIN_A BIN_B [N] [ROUNDS] [bench args...]
#        (defaults: 1000000 pairs, 3 rounds; N/10 between report points)
#
# ABAB under the machine lock, taken per run; each bench settles the slab
# first. Prints each run's ramp rate to N, last-10% rate, teardown and the
# rate per report point, then the medians of A and B and B / A. Every run's
# JSON and the table go to bench/results/ab-STAMP*.
set -eu
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: sh bench/ab.sh BIN_A BIN_B [N] [ROUNDS] [bench args...]" >&2; exit 2; }
a=$1 b=$2
n=${3:-1000000}
rounds=${4:-3}
shift $(( $# < 4 ? $# : 4 ))
lock=/tmp/holdconn-machine.lock
out=bench/results/ab-$(date -u +%Y%m%d-%H%M)
every=$((n / 10))

jfield() { jq -r --arg k "$2" 'select(.event == "summary") | .[$k]' "$1"; }
jlast10() {
	jq -r --argjson n "$n" 'select(.event == "report" and .connections == $n) | .connections_per_second' "$1" |
		tail -1
}
jpoints() { jq -r 'select(.event == "report") | .connections_per_second | round' "$1" | tr '\n' ' '; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$out.tsv"
{
	echo "# A/B, $n pairs, $rounds rounds ($(date -u +%Y%m%d-%H%M) UTC)"
	echo
	echo "- A: $a bench --conns $n --report-every $every $* --json"
	echo "- B: $b bench --conns $n --report-every $every $* --json"
	echo "- kernel $(uname -r), $(nproc) CPUs; each run under $lock, taken per run"
	echo
} > "$out.md"
i=1
while [ "$i" -le "$rounds" ]; do
	for side in A B; do
		bin=$a
		[ "$side" = B ] && bin=$b
		f="$out-$side-$i.jsonl"
		flock "$lock" "$bin" bench --conns "$n" --report-every "$every" "$@" --json > "$f" || [ $? -eq 3 ] # 3: stopped short of --conns, a finding here
		line="$side	$(jfield "$f" avg_connections_per_second)	$(jlast10 "$f")	$(jfield "$f" teardown_seconds)"
		echo "$line" >> "$out.tsv"
		echo "- $side round $i: ramp $(jfield "$f" avg_connections_per_second)/s, last 10% $(jlast10 "$f")/s," \
		     "teardown $(jfield "$f" teardown_seconds) s; per point: $(jpoints "$f")" | tee -a "$out.md" >&2
	done
	i=$((i + 1))
done
med() { awk -v s="$1" '$1 == s' "$out.tsv" | cut -f"$2" | median; }
{
	echo
	echo "| median of $rounds | A | B | B / A |"
	echo "|---|---|---|---|"
	for c in 2:ramp\ rate\ to\ N,\ pairs/s 3:rate\ over\ the\ last\ 10%,\ pairs/s 4:teardown,\ s; do
		k=${c%%:*}
		x=$(med A "$k")
		y=$(med B "$k")
		echo "| ${c#*:} | $x | $y | $(awk -v x="$x" -v y="$y" 'BEGIN { if (x > 0) printf "%.2f", y / x; else print "-" }') |"
	done
} >> "$out.md"
rm -f "$out.tsv"
cat "$out.md"
