#!/bin/sh
# bench/ratio-keepalive.sh - holdconn bench's heartbeats against the heartbeat floor
# (bench/floor/floor --send), side by side. Run as `sh bench/ratio.sh --keepalive N [ROUNDS]`.
# Usage: sh bench/ratio-keepalive.sh N [ROUNDS]   (default 3 rounds)
# Env:   HOLDCONN, FLOOR, LOCK, BENCH_ARGS as bench/ratio.sh; PIN (0 here: see below);
#        SEND (64), EVERY (10s), SLO (10ms), WINDOW (3s: each point's window), STEP (N/6:
#        pairs between points), MAX (2N: the count the knee search stops at if nothing
#        misses), TRIES (runs of each per round, default 3; 1: a round is one run of each)
#
# Each round runs, ABAB, both programs ramping to MAX with a window of the schedule
# (SEND bytes every EVERY to every pair) at every STEP, judged as `--slo p99=SLO` judges
# a point (one-way p99 at most SLO, at most 1% of the beats due not on time), stopping at
# the first miss:
#   holdconn bench --conns MAX --report-every STEP --send SEND --every EVERY --hold WINDOW --slo p99=SLO --json
#   floor MAX --report-every STEP --send SEND --every EVERY --hold WINDOW --slo p99=SLO
# and prints, per round and as medians with their spread, holdconn / floor for the
# holder's CPU per message and the generator's CPU per message in the window at N, and
# the knee (the largest count that met the SLO). As bench/ratio.sh, a round runs each
# program TRIES times alternately and takes each program's best: the highest knee, the
# least CPU per message and p99 at N (a knee is where a generator fell behind, and this
# VM's spells of half speed put that anywhere: docs/keepalive.md); every run is printed
# too. A round with no window at N in any try (a program missed the SLO below it) has no
# CPU ratio: it is printed, no median is, exit 3.
set -eu
cd "$(dirname "$0")/.."
# Heartbeats unpinned unless PIN=1: pinned, the floor's client spends more per message
# (5.3-12.3 ms per 1,000 against 2.6-10.4, docs/keepalive.md), and the floor would not be one.
PIN=${PIN:-0}
. bench/ratio_median.sh
[ $# -ge 1 ] || { echo "usage: sh bench/ratio.sh --keepalive N [ROUNDS]" >&2; exit 2; }
n=$1
rounds=${2:-3}
tries=${TRIES:-3}
send=${SEND:-64} every=${EVERY:-10s} slo=${SLO:-10ms} window=${WINDOW:-3s}
step=${STEP:-$((n / 6))}
max=${MAX:-$((2 * n))}
lock=${LOCK-/tmp/holdconn-machine.lock}
stamp=$(date -u +%Y%m%d-%H%M)
out=bench/results/ratio-keepalive-$stamp
hc=${HOLDCONN:-./holdconn}
fl=${FLOOR:-bench/floor/floor}
[ -x "$hc" ] && [ -x "$fl" ] || { echo "ratio: build first: make holdconn floor" >&2; exit 2; }
[ $((n % step)) -eq 0 ] || { echo "ratio: N ($n) must be a multiple of STEP ($step)" >&2; exit 2; }
[ "$tries" -ge 1 ] || { echo "ratio: TRIES must be at least 1" >&2; exit 2; }
mkdir -p bench/results
locked() { if [ -n "$lock" ]; then flock "$lock" "$@"; else "$@"; fi; }
pat="--send $send --every $every --hold $window --slo p99=$slo"

# holdconn: holder ms, generator ms per 1,000 messages in the window at N; the knee.
hpoint() {
	jq -r --argjson n "$n" 'select(.event == "slo_point" and .connections == $n) |
		"\((.cpu.server // .cpu.holder).cpu_seconds_per_message * 1e6)\t\(.cpu.generator.cpu_seconds_per_message * 1e6)\t\(.p99_seconds * 1e6 | round)\t\(.messages_per_second | round)"' "$1" | tail -1
}
hknee() { jq -r 'select(.event == "summary") | .slo.met_connections' "$1"; }
fpoint() {
	sed -n "s/^window conns=$n .* msgs_per_s=\\([^ ]*\\) .* one_way_p99_us=\\([^ ]*\\) .* server_cpu_ms_per_1k=\\([^ ]*\\) client_cpu_ms_per_1k=\\([^ ]*\\) .*/\\3\t\\4\t\\2\t\\1/p" "$1"
}
fknee() { sed -n 's/^beat .* knee=\([0-9]*\).*/\1/p' "$1"; }

: > "$out-runs.tsv"
i=1
while [ "$i" -le "$rounds" ]; do
	t=1
	while [ "$t" -le "$tries" ]; do
		k=$i
		[ "$tries" -eq 1 ] || k=$i.$t
		h="$out-holdconn-$k.jsonl"
		f="$out-floor-$k.txt"
		echo "== [$i/$rounds, try $t/$tries] $hc bench --conns $max --report-every $step $pat $pin ${BENCH_ARGS:-} --json > $h" >&2
		# shellcheck disable=SC2086
		locked "$hc" bench --conns "$max" --report-every "$step" $pat $pin ${BENCH_ARGS:-} --json > "$h" ||
			{ rc=$?; [ $rc -eq 3 ] || echo "== holdconn exited $rc: no figures from this try (see $h)" >&2; } # 3: the SLO missed, the knee
		echo "== [$i/$rounds, try $t/$tries] $fl $max --report-every $step $pat $pin > $f" >&2
		# shellcheck disable=SC2086
		locked "$fl" "$max" --report-every "$step" $pat $pin > "$f" 2>&1 || # its errors kept with the run
			{ rc=$?; [ $rc -eq 3 ] || echo "== the floor exited $rc: no figures from this try (see $f)" >&2; }
		hp=$(hpoint "$h") fp=$(fpoint "$f") hk=$(hknee "$h") fk=$(fknee "$f")
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$t" "${hp:--	-	-	-}" "${hk:--}" "${fp:--	-	-	-}" "${fk:--}" |
			tee -a "$out-runs.tsv" >&2
		t=$((t + 1))
	done
	i=$((i + 1))
done
# $out.tsv: a line per round (no try column), each program's best of its tries: the least
# CPU per message and p99 at N, the most messages a second there, the highest knee.
ratio_best "$out-runs.tsv" "lo lo lo hi hi lo lo lo hi hi" > "$out.tsv"
# The table's rows: label (round, or round.try with TRIES > 1) then 10 figures.
rows() {
	awk -F'\t' -v tries="$tries" -v runs="$1" '
		function r(a, b) { return (a != "-" && b != "-" && b > 0) ? sprintf("%.2f", a / b) : "-" }
		function f(x) { return x == "-" ? "-" : sprintf("%.2f", x) }
		{
			k = runs && tries > 1 ? 1 : 0
			label = k ? $1 "." $2 : $1
			printf "| %s | %s / %s, %s, %s | %s | %s / %s, %s, %s | %s | %s | %s | %s |\n", label,
				f($(k + 2)), f($(k + 3)), $(k + 4), $(k + 5), $(k + 6), f($(k + 7)), f($(k + 8)), $(k + 9), $(k + 10), $(k + 11),
				r($(k + 2), $(k + 7)), r($(k + 3), $(k + 8)), r($(k + 6), $(k + 11))
		}' "$2"
}

{
	echo "# holdconn bench / heartbeat floor: $send B every $every, SLO p99 $slo, windows of $window, $rounds rounds ABAB ($stamp UTC)"
	echo
	echo "- kernel $(uname -r), $(nproc) CPUs, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- A: $hc bench --conns $max --report-every $step $pat $pin ${BENCH_ARGS:-} --json"
	echo "- B: $fl $max --report-every $step $pat $pin"
	echo "- CPU per message from each program's window at $n pairs; knee: the largest count whose window met the SLO (a point every $step up to $max)"
	echo
	echo "Each round runs holdconn and the floor alternately $tries times; a round's figures for each are"
	echo "its best of those (the least CPU per message and p99 at $n, the highest knee): every run is in"
	echo "the second table."
	echo
	echo "| round | holdconn holder / generator ms per 1k msgs, p99 us, msgs/s at $n | knee | floor server / client ms per 1k msgs, p99 us, msgs/s at $n | knee | ratio holder | ratio generator | ratio knee |"
	echo "|---|---|---|---|---|---|---|---|"
	rows 0 "$out.tsv"
	echo
	if awk -F'\t' '$2 == "-" || $7 == "-" { bad = 1 } END { exit bad ? 0 : 1 }' "$out.tsv"; then
		echo "No median: in a round above a program had no window at $n pairs in any try (it missed the SLO below it)."
	else
		ratio_medians "$out.tsv" "$rounds rounds (best of $tries each)" "2:7:holder CPU per message" "3:8:generator CPU per message" "6:11:knee"
		echo
		echo "A knee equal to $max is a floor on the knee, not the knee: nothing missed up to there."
	fi
	if [ "$tries" -gt 1 ]; then
		echo
		echo "Every run, in the order run:"
		echo
		echo "| round.try | holdconn holder / generator ms per 1k msgs, p99 us, msgs/s at $n | knee | floor server / client ms per 1k msgs, p99 us, msgs/s at $n | knee | ratio holder | ratio generator | ratio knee |"
		echo "|---|---|---|---|---|---|---|---|"
		rows 1 "$out-runs.tsv"
	fi
} > "$out.md"
rm -f "$out.tsv" "$out-runs.tsv"
cat "$out.md"
! grep -q '^No median' "$out.md" || exit 3
