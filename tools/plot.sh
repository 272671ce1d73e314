#!/bin/sh
# Draws bytes per socket against connections held, one line per run, from
# saved JSON lines of `holdconn bench --json` or `holdconn compare --json`
# (every "start" event begins a run, named for its mode; its "report"
# events are the points). The chart is the one `holdconn compare --plot`
# draws (src/plot.c): keep the two in step.
#
#   tools/plot.sh OUT.png|OUT.svg [FILE ...]     (no FILE, or -: stdin)
#
# Needs gnuplot (tools/deps.sh installs gnuplot-nox) and jq.
set -eu

usage() {
	echo "usage: tools/plot.sh OUT.png|OUT.svg [FILE ...]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
out=$1
shift
case $out in
*.png | *.PNG) format=png ;;
*.svg | *.SVG) format=svg ;;
*)
	echo "tools/plot.sh: '$out' must end in .png or .svg" >&2
	exit 2
	;;
esac
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "tools/plot.sh: gnuplot is not on PATH: install it (apt-get install gnuplot-nox)" >&2
	exit 1
fi

# The points, one tab-separated line each, read from the JSON lines with jq:
# "start MODE" begins a run; "point CONNS KERNEL BUFFER USER RSS" is one of its reports.
points() {
	jq -r 'if .event == "start" then "start\t\(.mode // "run")"
	       elif .event == "report" then [ "point", .connections, .kernel_bytes_per_socket // 0,
		       .buffer_bytes_per_socket // 0, .user_bytes_per_socket // 0,
		       .rss_bytes_per_socket // 0 ] | map(tostring) | join("\t")
	       else empty end' "$@"
}

# The data as a gnuplot datablock ($d: conns, total, kernel, user bytes per
# socket; two blank lines between runs) and the runs' names and colours.
data() {
	points "$@" | awk -F '\t' '
	$1 == "start" {
		mode = $2
		seen[mode]++
		n++
		name[n] = seen[mode] > 1 ? mode " #" seen[mode] : mode
		color[n] = seen[mode] > 1 ? spare[n % 3] : mode == "uring" ? "#1f77b4" : mode == "epoll" ? "#d62728" : \
			   mode == "threads" ? "#2ca02c" : spare[n % 3]
		next
	}
	$1 == "point" && n {
		k = $3; b = $4; u = $5; r = $6
		# User memory: the larger of the arenas and the RssAnon growth (thread stacks).
		if (r > u)
			u = r
		rows[n] = rows[n] sprintf("%d %.1f %.1f %.1f\n", $2, k + b + u, k, u)
		npoints[n]++
	}
	BEGIN { spare[0] = "#9467bd"; spare[1] = "#ff7f0e"; spare[2] = "#8c564b" }
	END {
		for (i = 1; i <= n; i++)
			if (npoints[i])
				keep[++m] = i
		if (!m) {
			print "tools/plot.sh: no report points in the input: save `holdconn bench --json` output" > "/dev/stderr"
			exit 1
		}
		print "$d << EOD"
		for (j = 1; j <= m; j++)
			printf "%s\n\n", rows[keep[j]]
		print "EOD"
		printf "N = %d\narray T[%d]\narray C[%d]\narray P[%d]\n", m, m, m, m
		for (j = 1; j <= m; j++) {
			i = keep[j]
			every = int((npoints[i] + 19) / 20)
			printf "T[%d] = \"%s\"; C[%d] = \"%s\"; P[%d] = %d\n", j, name[i], j, color[i], j, every
		}
	}'
}

terminal() {
	if [ "$format" = svg ]; then
		echo 'set terminal svg size 1400,620 dynamic font "Sans,13" noenhanced'
	else
		cat <<-'EOF'
		if (strstrt(GPVAL_TERMINALS, " pngcairo ") > 0) {
		  set terminal pngcairo size 1400,620 font "DejaVu Sans,11" noenhanced
		} else {
		  set terminal png size 1400,620 noenhanced
		}
		EOF
	fi
	# gnuplot single quotes: a quote is written twice.
	printf "set output '%s'\n" "$(printf '%s' "$out" | sed "s/'/''/g")"
}

program() {
	cat <<-'EOF'
	set multiplot layout 1,2 title "holdconn: bytes per socket against connections held" font ",14"
	set grid lc rgb "#d0d0d0"
	set key below horizontal
	set xlabel "connections held (pairs: one socket on each side)"
	set ylabel "bytes per socket"
	set format x "%.0f"
	set xrange [0:*]
	set autoscale xfixmax
	set yrange [0:*]
	set offsets 0, 0, graph 0.05, 0
	set title "total: kernel + socket buffers + user"
	plot for [i=1:N] $d index (i-1) using 1:2 with linespoints pi P[i] pt 7 ps 0.8 lw 2 lc rgb C[i] title T[i]
	set title "kernel (solid: slab, kernel stacks, page tables) and user (dashed)"
	set logscale y
	set yrange [1:*]
	set autoscale yfixmax
	set offsets 0, 0, graph 0.15, 0
	set ylabel "bytes per socket (log scale)"
	plot for [i=1:N] $d index (i-1) using 1:3 with linespoints pi P[i] pt 7 ps 0.8 lw 2 lc rgb C[i] title T[i]." kernel", \
	     for [i=1:N] $d index (i-1) using 1:4 with linespoints pi P[i] pt 6 ps 0.8 lw 2 dt 2 lc rgb C[i] title T[i]." user"
	unset multiplot
	EOF
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
data "$@" >"$tmp"
{ terminal; cat "$tmp"; program; } | gnuplot
[ -s "$out" ] || { echo "tools/plot.sh: gnuplot wrote nothing to $out" >&2; exit 1; }
echo "tools/plot.sh: wrote $out" >&2
