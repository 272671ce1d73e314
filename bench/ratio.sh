#!/bin/sh
# bench/ratio.sh - holdconn bench against the floor (bench/floor/floor), side by side.
# Usage: sh bench/ratio.sh [N] [ROUNDS]     (defaults: 1000000 pairs, 5 rounds)
#        sh bench/ratio.sh --keepalive N [ROUNDS]   heartbeats: see bench/ratio-keepalive.sh
# Env:   HOLDCONN, FLOOR  the binaries (default ./holdconn, bench/floor/floor)
#        BENCH_ARGS  extra arguments for holdconn bench (e.g. "--watch none")
#        FLOOR_ARGS  extra arguments for the floor (e.g. "--teardown both")
#        TRIES       runs of each per round (default 3; 1: a round is one run of each)
#        LOCK        the lock each run is taken under (default /tmp/holdconn-machine.lock);
#                    empty: none (the caller holds one over the whole sitting)
#        PIN         1 (default): both programs with --pin; 0: the scheduler places their sides
#                    (--keepalive: 0 by default, see bench/ratio-keepalive.sh)
#        SAME        holdconn or floor: an A/A sitting, that program in both columns, to read
#                    what the method itself gives when there is no difference to find
#
# Runs them alternately, ABAB, ROUNDS rounds of TRIES runs of each (default 3), at
# the same N, each starting from a settled slab (both wait for it, as bench does).
# A round's figure for each program is its best of its TRIES runs: the highest
# rate, the shortest teardown (what disturbs a run on a VM only slows it, so a
# single run's ratio moves with the box, see docs/floor.md). Prints, for every
# round, each figure of both and holdconn / floor: the ramp rate to N, the rate
# over the last 10% of N, and the teardown; then the median of each ratio over the
# rounds beside its spread (lowest-highest); then every run and its own ratios.
# A round in which either program stopped short of N has no figures to compare:
# the rounds are still printed, no median is, and the script exits 3. Every run's output and the table go
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
tries=${TRIES:-3}
lock=${LOCK-/tmp/holdconn-machine.lock}
stamp=$(date -u +%Y%m%d-%H%M)
out=bench/results/ratio-$stamp
mkdir -p bench/results
hc=${HOLDCONN:-./holdconn}
fl=${FLOOR:-bench/floor/floor}
[ -x "$hc" ] && [ -x "$fl" ] || { echo "ratio: build first: make holdconn floor" >&2; exit 2; }
# A and B: holdconn and the floor, or (SAME) one program twice, its files named -A and -B.
pa=${SAME:-holdconn}
pb=${SAME:-floor}
fa=$pa fb=$pb
case ${SAME:-} in
"") ;;
holdconn | floor) fa=$pa-A fb=$pb-B ;;
*) echo "ratio: SAME is holdconn or floor" >&2; exit 2 ;;
esac
RATIO_NAMES="$pa / $pb"
every=$((n / 10))
[ "$every" -ge 1 ] || { echo "ratio: N must be at least 10" >&2; exit 2; }
[ "$rounds" -ge 1 ] || { echo "ratio: ROUNDS must be at least 1" >&2; exit 2; }
[ "$tries" -ge 1 ] || { echo "ratio: TRIES must be at least 1" >&2; exit 2; }

locked() { if [ -n "$lock" ]; then flock "$lock" "$@"; else "$@"; fi; }
# "key":value from the summary line / the rate of the report at conns=N.
jfield() { jq -r --arg k "$2" 'select(.event == "summary") | .[$k] // empty' "$1"; }
jlast10() {
	jq -r --argjson n "$n" 'select(.event == "report" and .connections == $n) | .connections_per_second' "$1" |
		tail -1
}
# ratio_rows KEYS TSV: a table row per line of TSV, its first KEYS columns the key
# ("round" or "round.try"), then A's three figures, B's, short or -.
ratio_rows() {
	awk -F'\t' -v k="$1" '
		function r(a, b) { return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-" }
		{
			key = k == 1 ? $1 : $1 "." $2
			printf "| %s | %.0f / %.0f / %.2f | %.0f / %.0f / %.2f | %s | %s | %s |%s\n", key,
				$(k + 1), $(k + 2), $(k + 3), $(k + 4), $(k + 5), $(k + 6),
				r($(k + 1), $(k + 4)), r($(k + 2), $(k + 5)), r($(k + 3), $(k + 6)),
				($(k + 7) == "-" ? "" : " stopped short: " $(k + 7))
		}' "$2"
}
# key=value from the floor's summary line.
ffield() { sed -n "s/^summary.* $2=\\([^ ]*\\).*/\\1/p" "$1"; }

# one KIND FILE: one run of KIND (holdconn or floor) into FILE; sets figs to its ramp rate,
# last-10% rate and teardown (tab-separated) and adds to short why it stopped short, if it did.
one() {
	echo "== [$i/$rounds, try $t/$tries] $1 at $n pairs > $2" >&2
	if [ "$1" = holdconn ]; then
		# shellcheck disable=SC2086
		locked "$hc" bench --conns "$n" --report-every "$every" $pin ${BENCH_ARGS:-} --json > "$2" || [ $? -eq 3 ] # 3: stopped short, said below
		held=$(jfield "$2" held)
		[ "${held:-0}" = "$n" ] || short="${short:+$short; }holdconn held ${held:-none} of $n (stop $(jfield "$2" stop_reason))"
		figs=$(printf '%s\t%s\t%s' "$(jfield "$2" avg_connections_per_second)" "$(jlast10 "$2")" "$(jfield "$2" teardown_seconds)")
	else
		# shellcheck disable=SC2086
		locked "$fl" "$n" --report-every "$every" $pin ${FLOOR_ARGS:-} > "$2" 2>&1 || short="${short:+$short; }floor exited $?" # its errors kept with the run
		[ "$(ffield "$2" pairs)" = "$n" ] || short="${short:+$short; }floor has no summary at $n pairs"
		figs=$(printf '%s\t%s\t%s' "$(ffield "$2" rate)" "$(ffield "$2" last10_rate)" "$(ffield "$2" teardown_s)")
	fi
}
ext() { [ "$1" = holdconn ] && echo jsonl || echo txt; }

# $out-runs.tsv, one line per run pair: round, try, A's ramp, last10, teardown, B's ramp,
# last10, teardown, short (or -). $out.tsv: the same per round (no try column), each
# program's best of its tries: the highest rates, the shortest teardown.
: > "$out-runs.tsv"
i=1
while [ "$i" -le "$rounds" ]; do
	t=1
	while [ "$t" -le "$tries" ]; do
		k=$i
		[ "$tries" -eq 1 ] || k=$i.$t
		short=""
		one "$pa" "$out-$fa-$k.$(ext "$pa")"
		fig_a=$figs
		one "$pb" "$out-$fb-$k.$(ext "$pb")"
		printf '%s\t%s\t%s\t%s\t%s\n' "$i" "$t" "$fig_a" "$figs" "${short:--}" | tee -a "$out-runs.tsv" >&2
		t=$((t + 1))
	done
	i=$((i + 1))
done
ratio_best "$out-runs.tsv" "hi hi lo hi hi lo join" > "$out.tsv"

{
	echo "# $RATIO_NAMES${SAME:+ (A/A: the same program in both columns)}, $n pairs, $rounds rounds ABAB ($stamp UTC)"
	echo
	echo "- kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
	for side in "A $pa" "B $pb"; do
		if [ "${side#* }" = holdconn ]; then
			echo "- ${side% *}: $hc bench --conns $n --report-every $every $pin ${BENCH_ARGS:-} --json"
		else
			echo "- ${side% *}: $fl $n --report-every $every $pin ${FLOOR_ARGS:-}"
		fi
	done
	if [ -n "$lock" ]; then
		echo "- each run under $lock, taken per run: others' short runs may fall between them"
	else
		echo "- no lock taken per run (the caller held one over the sitting)"
	fi
	echo
	echo "Each round runs A and B alternately $tries times; a round's figure for each is"
	echo "its best of those (the highest rate, the shortest teardown): on this VM what disturbs a run"
	echo "(the host, a neighbour, fresh slab pages) only slows it. Every run is in the second table."
	echo
	echo "Ramp and last-10% rates in pairs/s (higher is better), teardown in s (lower is better):"
	echo
	echo "| round | $pa ramp / last 10% / teardown | $pb ramp / last 10% / teardown | ratio ramp | ratio last 10% | ratio teardown |"
	echo "|---|---|---|---|---|---|"
	ratio_rows 1 "$out.tsv"
	echo
	if awk -F'\t' '$8 != "-" { bad = 1 } END { exit bad ? 0 : 1 }' "$out.tsv"; then
		echo "No median: a round stopped short of $n pairs (above), and a figure over fewer pairs is not the same figure."
	else
		ratio_medians "$out.tsv" "$rounds rounds (best of $tries each)" "2:5:ramp rate" "3:6:rate over the last 10%" "4:7:teardown"
	fi
	echo
	echo "Every run, in the order run:"
	echo
	echo "| round.try | $pa ramp / last 10% / teardown | $pb ramp / last 10% / teardown | ratio ramp | ratio last 10% | ratio teardown |"
	echo "|---|---|---|---|---|---|"
	ratio_rows 2 "$out-runs.tsv"
	if ! awk -F'\t' '$9 != "-" { bad = 1 } END { exit bad ? 0 : 1 }' "$out-runs.tsv"; then
		echo
		ratio_medians "$out-runs.tsv" "$((rounds * tries)) single runs" "3:6:ramp rate" "4:7:rate over the last 10%" "5:8:teardown"
	fi
} > "$out.md"
rm -f "$out.tsv" "$out-runs.tsv"
cat "$out.md"
! grep -q 'stopped short' "$out.md" || exit 3
