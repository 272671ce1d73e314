#!/usr/bin/python3
"""table.py - the sessions table's ranges over the runs in verify.jsonl (one line per run)."""
import json, sys
from collections import defaultdict
runs = defaultdict(list)
for l in open(sys.argv[1] if len(sys.argv) > 1 else 'verify.jsonl'):
    r = json.loads(l)
    if r.get('sessions'):
        runs[r['server']].append(r)
def rng(v, fmt='{:,.1f}'):
    lo, hi = min(v), max(v)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else fmt.format(lo) + '-' + fmt.format(hi)
for name, rs in runs.items():
    s = [r['sessions'] for r in rs]
    print('| %s | %s (reading %s) | %s (reading %s) | %s | %s us | %s | all %s held %s s, %s ended by the server; keepalives acked %s, answered %s | %s |' % (
        name, rng([r['user_holdconn'] for r in rs]), rng([r['user_reading'] for r in rs]),
        rng([r['kernel_holdconn'] for r in rs], '{:,.0f}'), rng([r['kernel_reading'] for r in rs], '{:,.0f}'),
        rng([r['startup_bytes'] / 1e6 for r in rs], '{:.1f} MB'),
        rng([1e6 * r['cpu_ramp_seconds_per_connection'] for r in rs], '{:.0f}'),
        rng([1e3 * r['cpu_hold_per_second_per_1000'] for r in rs if r['cpu_hold_per_second_per_1000'] and r['cpu_hold_per_second_per_1000'] > 0], '{:.1f} ms/s') or '?',
        rng([x['established'] for x in s], '{:,}'), rng([r['hold_seconds'] for r in rs], '{:.0f}'),
        rng([x['closed'] + (r['peer_closed'] or 0) + (r['peer_reset'] or 0) for x, r in zip(s, rs)], '{:,}'),
        rng([x['keepalives_acked'] for x in s], '{:,}'), rng([x['keepalives_answered'] for x in s], '{:,}'),
        ', '.join(sorted(set(r['stop_reason'] for r in rs))), ))
