# bench/ratio_median.sh - sourced by bench/ratio.sh and bench/ratio-keepalive.sh: what both
# do with their runs' figures.
# PIN (1, the ramp's default: each program's server on one CPU, its generator on another, by
# their --pin; 0, the heartbeats' default: the scheduler places them) sets pin, the argument
# both programs get. Left to the scheduler on two CPUs, holdconn's ramp switched between two
# speeds within runs far more often than the floor's (docs/floor.md).
case ${PIN:-1} in
0) pin= ;;
1) pin=--pin ;;
*) echo "ratio: PIN is 1 (pinned, the default) or 0" >&2; exit 2 ;;
esac
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

# ratio_best TSV KINDS: TSV's lines (round, try, then figures) reduced to a line per round,
# in order: each figure the round's best by its kind in KINDS, one word per figure ("hi"
# the highest, "lo" the least, "join" every value but "-" joined by "; "). A missing figure
# ("" or "-") is kept only while the round has no other.
ratio_best() {
	awk -F'\t' -v OFS='\t' -v kinds="$2" '
		BEGIN { nk = split(kinds, kind, " ") }
		{
			if (!($1 in seen)) { seen[$1] = 1; key[++n] = $1 }
			for (j = 1; j <= nk; j++) {
				x = $(j + 2)
				o = v[$1, j]
				if (o == "" || o == "-")
					v[$1, j] = x
				else if (kind[j] == "join" && x != "-" && x != "")
					v[$1, j] = o "; " x
				else if (x != "" && x != "-" && (kind[j] == "hi" ? x + 0 > o + 0 : kind[j] == "lo" && x + 0 < o + 0))
					v[$1, j] = x
			}
		}
		END {
			for (r = 1; r <= n; r++) {
				line = key[r]
				for (j = 1; j <= nk; j++)
					line = line OFS v[key[r], j]
				print line
			}
		}' "$1"
}
