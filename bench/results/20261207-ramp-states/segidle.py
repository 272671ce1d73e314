# segidle.py STAT JSONL: each report segment's rate beside each CPU's idle and softirq share (statmon's samples)
import sys, json
S = []
for l in open(sys.argv[1]):
    f = l.split()
    S.append((float(f[0]), list(map(int, f[2:12])), list(map(int, f[13:23]))))
D = []
for a, b in zip(S, S[1:]):
    row = [b[0]]
    for k in (1, 2):
        d = [y - x for x, y in zip(a[k], b[k])]
        tot = sum(d) or 1
        row += [(d[3] + d[4]) / tot, d[6] / tot]
    D.append(row)
# the ramp starts at the first of 3 intervals in a row with both CPUs under 20% idle
t0 = next(D[j][0] - 0.02 for j in range(len(D) - 3) if all(D[j + k][1] < 0.2 and D[j + k][3] < 0.2 for k in range(3)))
pts = [(json.loads(l)["elapsed_seconds"], int(json.loads(l)["connections_per_second"]))
       for l in open(sys.argv[2]) if '"event":"report"' in l]
prev = 0
print(sys.argv[2])
for e, r in pts:
    seg = [x for x in D if prev + 0.03 <= x[0] - t0 < e - 0.01]
    if seg:
        m = [100 * sum(x[i] for x in seg) / len(seg) for i in (1, 3, 2, 4)]
        print("%2dK pairs/s  idle cpu0 %2.0f%% cpu1 %2.0f%%  softirq cpu0 %2.0f%% cpu1 %2.0f%%" % (r // 1000, *m))
    prev = e
