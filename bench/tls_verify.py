#!/usr/bin/env python3
"""bench --tls beside a reading of its own: each side's private PSS, sampled by this script.

Runs `holdconn bench --tls --conns N --report-every STEP --hold H --json [--tls-keep-buffers]`
RUNS times. In each run it reads the private PSS (Pss_Anon + Pss_Shmem) of serve and connect
(bench's two children: serve is spawned first) when the first report point (STEP
connections) is printed and again during the hold (N connections), and prints, per side,
holdconn's TLS bytes per connection beside the PSS slope between those two points. The PSS
slope holds everything a connection costs the process (OpenSSL's bytes, jemalloc's rounding
and page slack, holdconn's own records): it is an upper reading, the TLS figure a part of it.
The JSON lines of each run are kept in OUT/run-K.jsonl when --out is given.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'servers'))
from verify import pss, read_text  # noqa: E402  the same private-PSS reading


def sides(bench_pid):
    """(serve, connect): bench's children, serve forked first."""
    kids = sorted(int(c) for c in
                  read_text('/proc/%d/task/%d/children' % (bench_pid, bench_pid)).split())
    return (kids[0], kids[1]) if len(kids) >= 2 else None


def points(out):
    for line in out.splitlines():
        if '"event":"report"' in line:
            yield json.loads(line)


def one_run(args, k):
    cmd = [args.holdconn, 'bench', '--tls', '--conns', str(args.conns), '--report-every',
           str(args.step), '--hold', '%ds' % args.hold, '--json']
    if args.keep:
        cmd.append('--tls-keep-buffers')
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    os.set_blocking(p.stdout.fileno(), False)
    out, pids, first, last, t_full = '', None, None, None, None
    while p.poll() is None:
        out += (p.stdout.read() or b'').decode()
        if pids is None:
            pids = sides(p.pid)
        elif first is None:
            pts = list(points(out))
            if pts:
                first = (pts[0]['connections'], pss([pids[0]]), pss([pids[1]]))
        elif last is None:
            pts = list(points(out))
            if pts and pts[-1]['connections'] == args.conns:
                t_full = t_full or time.monotonic()
                # a few seconds into the hold: the last tickets read, the buffers released
                if time.monotonic() - t_full > args.hold / 3:
                    last = (args.conns, pss([pids[0]]), pss([pids[1]]))
        time.sleep(0.02)
    out += (p.stdout.read() or b'').decode()
    if args.out:
        with open(os.path.join(args.out, 'run-%d.jsonl' % k), 'w') as f:
            f.write(out)
    summary = next((json.loads(l) for l in out.splitlines() if '"event":"summary"' in l), None)
    if not summary or not first or not last or last[0] <= first[0]:
        return None
    n = last[0] - first[0]
    tls = summary['tls']
    return {'held': summary['held'], 'from': first[0],
            'server_tls': tls['server']['tls_bytes_per_connection'],
            'server_pss': (last[1] - first[1]) / n,
            'client_tls': tls['client']['tls_bytes_per_connection'],
            'client_pss': (last[2] - first[2]) / n,
            'server_cpu_ms': tls['server']['handshake_cpu_seconds_per_connection'] * 1e3,
            'client_cpu_ms': tls['client']['handshake_cpu_seconds_per_connection'] * 1e3,
            'server_rate': tls['server']['handshakes_per_second'],
            'client_rate': tls['client']['handshakes_per_second'],
            'user_bytes_per_socket': summary.get('user_bytes_per_socket'),
            'kernel_bytes_per_socket': summary.get('kernel_bytes_per_socket')}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--holdconn', default='./holdconn')
    ap.add_argument('--conns', type=int, default=100000)
    ap.add_argument('--step', type=int, default=10000)
    ap.add_argument('--hold', type=int, default=15)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--keep', action='store_true', help='--tls-keep-buffers')
    ap.add_argument('--out')
    args = ap.parse_args()
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    rows = []
    for k in range(1, args.runs + 1):
        r = one_run(args, k)
        if not r:
            print('run %d: no reading (bench ended early, or no report point)' % k, file=sys.stderr)
            return 1
        rows.append(r)
        print(json.dumps(r), flush=True)
    for side in ('client', 'server'):
        t = [r[side + '_tls'] for r in rows]
        s = [r[side + '_pss'] for r in rows]
        print('%s: TLS %.0f-%.0f B/conn; private PSS slope %.0f-%.0f B/conn (from %d to %d)' %
              (side, min(t), max(t), min(s), max(s), rows[0]['from'], args.conns))
    return 0


if __name__ == '__main__':
    sys.exit(main())
