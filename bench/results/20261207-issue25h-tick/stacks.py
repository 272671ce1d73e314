# stacks.py DATA [N]: per process (pid, comm) of a `perf record -a -g` profile: samples, the top N
# symbols by inclusive share (in the stack at all) and by self share (the leaf).
import sys, collections, subprocess
data = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,ip,sym"], capture_output=True, text=True).stdout
tot = collections.Counter(); inc = collections.defaultdict(collections.Counter); leaf = collections.defaultdict(collections.Counter)
for block in out.split("\n\n"):
    ls = [l for l in block.splitlines() if l.strip()]
    if not ls: continue
    key = " ".join(ls[0].split()[:2])
    syms = [l.split()[1].split('+')[0] for l in ls[1:] if len(l.split()) >= 2]
    tot[key] += 1
    for s in set(syms): inc[key][s] += 1
    if syms: leaf[key][syms[0]] += 1
for key, t in tot.most_common(6):
    print("== %s samples %d" % (key, t))
    print("  inclusive:")
    for s, v in inc[key].most_common(n): print("    %-40s %5d %5.1f%%" % (s, v, 100 * v / t))
    print("  self:")
    for s, v in leaf[key].most_common(15): print("    %-40s %5d %5.1f%%" % (s, v, 100 * v / t))
