# bench/ratio_median.sh - sourced by bench/ratio.sh and bench/ratio-keepalive.sh.
# ratio_medians TSV OVER A:B:NAME ...: the table of medians, one row per figure:
# column A over column B (holdconn's over the floor's, or RATIO_NAMES) in each line of TSV (lines where B is 0
# left out; OVER says what the lines are, "5 rounds"), the median and the spread
# (lowest-highest).
ratio_medians() {
	tsv=$1
	echo "| ${RATIO_NAMES:-holdconn / floor} over $2 | median | spread (lowest-highest) |"
	echo "|---|---|---|"
	shift 2
	for c in "$@"; do
		a=${c%%:*}
		rest=${c#*:}
		b=${rest%%:*}
		awk -F'\t' -v a="$a" -v b="$b" '$b > 0 { printf "%.4f\n", $a / $b }' "$tsv" | sort -g |
			awk -v name="${rest#*:}" '{ v[NR] = $1 }
				END {
					m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
					printf "| %s | **%.2f** | %.2f-%.2f |\n", name, m, v[1], v[NR]
				}'
	done
}
