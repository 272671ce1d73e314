# Samples by symbol, holdconn's two runs against the floor's two (p1-*.syms from
# `perf report --no-children --sort pid,sym -g none -q -F sample,pid,sym`);
# side 0 is the server (the lower pid), 1 the generator.
import collections
def load(n):
    rows = [l.split(None, 3) for l in open(f"p1-{n}.syms") if l.strip()]
    pids = sorted({r[1].split(":")[0] for r in rows}, key=int)
    d = {0: collections.Counter(), 1: collections.Counter()}
    for r in rows:
        d[pids.index(r[1].split(":")[0])][r[3].strip()] += int(r[0])
    return d
H = [load("hc-1"), load("hc-2")]
F = [load("fl-1"), load("fl-2")]
for side, name in ((1, "generator"), (0, "server")):
    h, f = collections.Counter(), collections.Counter()
    for x in H: h.update(x[side])
    for x in F: f.update(x[side])
    print(f"== {name}: samples holdconn {sum(h.values())}, floor {sum(f.values())} (diff, holdconn, floor, symbol)")
    keys = sorted(set(h) | set(f), key=lambda k: -(h[k] - f[k]))
    for k in keys[:20] + ["..."] + keys[-8:]:
        print("..." if k == "..." else f"{h[k]-f[k]:+6d} {h[k]:6d} {f[k]:6d} {k}")
