#!/usr/bin/python3
"""table.py - the sessions table's rows, each a range over the runs: python3 table.py run-*.jsonl.
Each file is tls_table.sh's output: a "### name: command" line, then that run's JSON summary."""
import json, sys
from collections import defaultdict

rows = defaultdict(list)
cmds = {}
for path in sys.argv[1:]:
    name = None
    for line in open(path):
        if line.startswith('###'):
            name, _, cmd = line[4:].partition(': ')
            cmds[name] = cmd.strip()
            continue
        rows[name].append(json.loads(line))


def rng(vals, fmt='{:,.0f}'):
    vals = [v for v in vals if v is not None]
    if not vals:
        return '—'
    lo, hi = fmt.format(min(vals)), fmt.format(max(vals))
    return lo if lo == hi else lo + '-' + hi


def get(d, *keys):
    for k in keys:
        d = (d or {}).get(k)
    return d


for name, runs in rows.items():
    tls = [r.get('tls') for r in runs]
    ended = [(get(r, 'sessions', 'closed') or 0) + (r.get('peer_closed') or 0) +
             (r.get('peer_reset') or 0) for r in runs]
    print('| %s | %d runs | user %s | kernel %s (both ends %s) | client TLS %s | server TLS %s | '
          'client CPU/handshake %s ms | held %s for %s s | ended by the server %s | stop %s | '
          'holdconn user %s B/conn |' % (
              name, len(runs),
              rng([get(r, 'server', 'user_bytes_per_connection') for r in runs]),
              rng([get(r, 'server', 'kernel_bytes_per_socket') for r in runs]),
              rng([r.get('kernel_bytes_per_socket') for r in runs]),
              rng([get(t, 'client', 'tls_bytes_per_connection') for t in tls]),
              rng([get(t, 'server', 'tls_bytes_per_connection') for t in tls]),
              rng([1e3 * get(t, 'client', 'handshake_cpu_seconds_per_connection')
                   for t in tls if get(t, 'client', 'handshake_cpu_seconds_per_connection')],
                  '{:.2f}'),
              rng([r['held'] for r in runs]), rng([r.get('hold_seconds') for r in runs], '{:.0f}'),
              rng(ended), ', '.join(sorted(set(r['stop_reason'] for r in runs))),
              rng([r.get('user_bytes_per_socket') for r in runs], '{:.1f}')))
    print('    ' + cmds[name])
