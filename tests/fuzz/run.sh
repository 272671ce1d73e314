#!/bin/sh
# Runs each libFuzzer harness for SECONDS on a scratch copy of its seed
# corpus (so the checked-in corpus never grows) and prints one line per
# harness: executions, executions per second, corpus size at the end.
# A crash leaves its input in build-fuzz/crash-* and fails the run.
#   sh tests/fuzz/run.sh SECONDS build-fuzz/fuzz_units ...
set -eu

seconds=$1
shift
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM
status=0

for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	mkdir -p "$scratch/$name"
	cp tests/fuzz/corpus/"$name"/* "$scratch/$name/" 2>/dev/null || true
	log="$scratch/$name.log"
	if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$(dirname "$bin")/" \
		"$scratch/$name" >"$log" 2>&1; then
		tail -40 "$log" >&2
		echo "fuzz $name: FAILED (input saved in $(dirname "$bin")/)" >&2
		status=1
		continue
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	units=$(ls "$scratch/$name" | wc -l)
	printf 'fuzz %-6s %12s execs %9s execs/s %6s corpus entries in %ss\n' \
		"$name" "$execs" "$rate" "$units" "$seconds"
done
exit $status
