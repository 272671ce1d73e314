#!/usr/bin/env python3
"""Summarises 20261201-fleet-scrape-1s.sh's OUTDIR: one table row per run."""
import json, os, re, statistics, sys

def hist(path):
    b, s, c = {}, 0.0, 0
    for line in open(path):
        m = re.match(r'holdconn_message_latency_seconds_(bucket|sum|count)\{side="serve"(?:,le="([^"]+)")?\} (\S+)', line)
        if not m:
            continue
        if m.group(1) == 'bucket':
            b[m.group(2)] = float(m.group(3))
        elif m.group(1) == 'sum':
            s = float(m.group(3))
        else:
            c = float(m.group(3))
    return b, s, c

out = sys.argv[1]
print('| run | scrapes | scrape ms median / max | window msgs | window mean µs | window > 1 ms | window > 10 ms | whole run p50 / p99 / p99.9 / max µs |')
print('|---|---|---|---|---|---|---|---|')
for r in sorted(os.listdir(out)):
    d = os.path.join(out, r)
    b0, s0, c0 = hist(d + '/m0')
    b1, s1, c1 = hist(d + '/m1')
    n = c1 - c0
    mean = (s1 - s0) / n * 1e6
    over1 = 1 - (b1['0.001'] - b0['0.001']) / n
    over10 = 1 - (b1['0.01'] - b0['0.01']) / n
    sc = [float(x) * 1e3 for x in open(d + '/scrapes')] if os.path.exists(d + '/scrapes') else []
    scs = f'{statistics.median(sc):.1f} / {max(sc):.1f}' if sc else '-'
    summ = [json.loads(l) for l in open(d + '/serve.json') if '"event":"summary"' in l][0]
    t = summ['traffic']['server']
    print(f"| {r} | {len(sc)} | {scs} | {n:,.0f} | {mean:.0f} | {over1:.2%} | {over10:.3%} | "
          f"{t['lat_p50_us']:.0f} / {t['lat_p99_us']:.0f} / {t['lat_p999_us']:.0f} / {t['lat_max_us']:.0f} |")
