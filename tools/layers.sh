#!/bin/sh
# Checks the layering of src/: every `#include "dir/x.h"` must point to the
# same folder or one below it (cmd > run > hold > session > measure > base), and no
# module (x.c with x.h) may reach itself through includes (a strongly
# connected component of more than one module, found by a depth-first search).
# Prints each offence and exits 1; prints "layers: ok (N modules, E edges)" and
# exits 0 when there is none. A file over 800 lines is an offence too, with no
# exemption: split it by job.
#   sh tools/layers.sh [SRC_DIR]
set -eu
src=${1:-src}
cd "$src"
long=0
for f in */*.c */*.h; do
	if [ "$(wc -l <"$f")" -gt 800 ]; then
		echo "$f: over 800 lines; split it by job"
		long=1
	fi
done
[ "$long" = 0 ] || exit 1
grep -H '^#include "' */*.c */*.h | sed 's/:#include "/ /; s/"$//' | awk '
function rank(d) { return d == "cmd" ? 6 : d == "run" ? 5 : d == "hold" ? 4 : \
	d == "session" ? 3 : d == "measure" ? 2 : d == "base" ? 1 : 0 }
function mod(p) { sub(/\.[ch]$/, "", p); return p }
function dir(p) { sub(/\/.*/, "", p); return p }
{
	from = mod($1); to = mod($2)
	nodes[from] = 1; nodes[to] = 1
	if (!rank(dir(to))) { printf "%s: includes \"%s\", outside the layers\n", $1, $2; bad = 1 }
	else if (rank(dir(to)) > rank(dir(from))) {
		printf "%s: includes \"%s\" from a higher layer\n", $1, $2; bad = 1
	}
	if (from != to && !((from, to) in edge)) { edge[from, to] = 1; out[from] = out[from] " " to; ne++ }
}
# Tarjan: every strongly connected component of more than one module is a cycle.
function visit(v,    i, n, w, ws) {
	index_of[v] = low[v] = ++counter
	stack[++sp] = v; on[v] = 1
	n = split(out[v], ws, " ")
	for (i = 1; i <= n; i++) {
		w = ws[i]
		if (!(w in index_of)) { visit(w); if (low[w] < low[v]) low[v] = low[w] }
		else if (on[w] && index_of[w] < low[v]) low[v] = index_of[w]
	}
	if (low[v] == index_of[v]) {
		comp = ""; size = 0
		do { w = stack[sp--]; on[w] = 0; comp = comp " " w; size++ } while (w != v)
		if (size > 1) { printf "include cycle through%s\n", comp; bad = 1 }
	}
}
END {
	for (v in nodes) { nn++; if (!(v in index_of)) visit(v) }
	if (bad) exit 1
	printf "layers: ok (%d modules, %d edges)\n", nn, ne
}'
