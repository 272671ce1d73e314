# sideseg.py MON JSONL: per report segment, each side's share of a CPU running and waiting on a runqueue (schedstat), each CPU's idle
import sys, json
R = [list(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 11]
D = []
for a, b in zip(R, R[1:]):
    dt = (b[0] - a[0]) * 1e9
    ti = [(b[7] - a[7]), (b[9] - a[9])]  # idle jiffies per CPU
    D.append((b[0], (b[2] - a[2]) / dt, (b[3] - a[3]) / dt, b[1], (b[5] - a[5]) / dt, (b[6] - a[6]) / dt, b[4], ti[0] / (dt / 1e7), ti[1] / (dt / 1e7)))
t0 = next(D[j][0] - 0.02 for j in range(len(D) - 3) if all(D[j + k][7] < 0.2 and D[j + k][8] < 0.2 for k in range(3)))
pts = [(json.loads(l)["elapsed_seconds"], int(json.loads(l)["connections_per_second"])) for l in open(sys.argv[2]) if '"event":"report"' in l]
prev = 0
print(sys.argv[2], "  (server = first child, client = second)")
for e, r in pts:
    seg = [x for x in D if prev + 0.03 <= x[0] - t0 < e - 0.01]
    if seg:
        n = len(seg)
        m = lambda i: 100 * sum(x[i] for x in seg) / n
        on0 = lambda i: 100 * sum(1 for x in seg if x[i] == 0) / n
        print("%2dK  server run %3.0f%% wait %2.0f%% | client run %3.0f%% wait %2.0f%% | idle cpu0 %2.0f%% cpu1 %2.0f%%" % (r // 1000, m(1), m(2), m(4), m(5), m(7), m(8)))
    prev = e
