# callees.py DATA PID SYMBOL: for PID's samples whose stack holds SYMBOL, what SYMBOL called
# (the frame just above it) and every symbol above it, counted once per sample.
import sys, collections, subprocess
data, pid, sym = sys.argv[1], sys.argv[2], sys.argv[3]
out = subprocess.run(["perf", "script", "-i", data, "-F", "pid,ip,sym", "--pid", pid], capture_output=True, text=True).stdout
direct = collections.Counter(); above = collections.Counter(); n = 0
for block in out.split("\n\n"):
    syms = [l.split()[1].split('+')[0] for l in block.splitlines()[1:] if len(l.split()) >= 2]
    if sym not in syms: continue
    n += 1; i = syms.index(sym)
    direct[syms[i - 1] if i > 0 else "(self)"] += 1
    for s in set(syms[:i]): above[s] += 1
print("%s in %d samples of pid %s" % (sym, n, pid))
print("  called directly:", direct.most_common(12))
print("  anywhere above:")
for s, v in above.most_common(25): print("    %-40s %5d" % (s, v))
