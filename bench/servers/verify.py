#!/usr/bin/env python3
"""Checks `holdconn bench --server` against a reading of its own.

For each server and run: starts `holdconn bench --server CMD --conns N --hold S --json`,
finds the server's processes (bench's child that is not holdconn, and its process
group), and reads, independently of holdconn:
  before: the last sample (every 50 ms) before its descriptors grew: private PSS
          (Pss_Anon + Pss_Shmem) of its processes and /proc/slabinfo;
  after:  the same once bench reports N connections (during the hold).
user  = private PSS growth / N.
kernel per server socket = the slab growth of the caches that hold a socket
  (TCP, sock_inode_cache, filp, lsm_file_cache: one per socket at either end;
  kmalloc-* but kmalloc-32, the generator's io_uring polls'), over both ends'
  2N sockets; a dentry and an LSM inode blob per socket (sized from slabinfo:
  their growth also holds others' /proc walks); and per epoll
  registration (counted as ep_head objects grown: one per file first added)
  an epitem, a poll wait entry and the ep_head.
Prints one line per run with holdconn's figures, the reading's and the
difference, and exits 1 when any differs by more than --tolerance.

    python3 bench/servers/verify.py --conns 15000 --runs 3 \\
        nginx='sh bench/servers/nginx.sh {port}' \\
        redis='redis-server --port {port} --save "" --appendonly no --protected-mode no --maxclients 100000'
"""
import argparse, json, os, shlex, subprocess, sys, time


def slabinfo():
    caches = {}
    with open('/proc/slabinfo') as f:
        for line in f.read().splitlines()[2:]:
            p = line.split()
            caches[p[0]] = (int(p[1]), int(p[3]))
    return caches


def slab_line(cache, caches):
    """The slabinfo line that counts cache (SLUB merges caches of one size)."""
    if cache in caches:
        return cache
    try:
        want = os.readlink('/sys/kernel/slab/' + cache)
    except OSError:
        return None
    for name in caches:
        try:
            if os.readlink('/sys/kernel/slab/' + name) == want:
                return name
        except OSError:
            pass
    return None


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ''


def group(pgid):
    pids = []
    for d in os.listdir('/proc'):
        if d.isdigit():
            st = read_text('/proc/%s/stat' % d)
            if st and int(st[st.rindex(')') + 2:].split()[2]) == pgid:
                pids.append(int(d))
    return pids


def pss(pids):
    """Private PSS (Pss_Anon + Pss_Shmem): file-backed PSS is a share of libraries that
    moves with every other process mapping them (hundreds of KB between readings)."""
    total = 0
    for p in pids:
        for line in read_text('/proc/%d/smaps_rollup' % p).splitlines():
            if line.startswith(('Pss_Anon:', 'Pss_Shmem:')):
                total += int(line.split()[1]) * 1024
    return total


def fds(pids):
    n = 0
    for p in pids:
        try:
            n += os.stat('/proc/%d/fd' % p).st_size  # a count since 6.2: no readdir
        except OSError:
            pass
    return n


def find_server(bench_pid, holdconn):
    exe = os.path.realpath(holdconn)
    children = read_text('/proc/%d/task/%d/children' % (bench_pid, bench_pid)).split()
    for c in children:
        try:
            if os.path.realpath('/proc/%s/exe' % c) != exe:
                return int(c)
        except OSError:
            pass
    return None


def cpu(pids):
    """CPU seconds (user + system) the processes have used, from /proc/PID/stat; None once
    one of them is gone (bench stopping the server: its CPU would drop out of the sum)."""
    ticks = 0
    for p in pids:
        st = read_text('/proc/%d/stat' % p)
        if not st:
            return None
        f = st[st.rindex(')') + 2:].split()
        ticks += int(f[11]) + int(f[12])
    return ticks / os.sysconf('SC_CLK_TCK')


def sample(pids):
    return {'t': time.monotonic(), 'pss': pss(pids), 'fds': fds(pids), 'slab': slabinfo(),
            'cpu': cpu(pids)}


def kernel_reading(b, a, n):
    sb, sa = b['slab'], a['slab']
    grown = lambda c: sa.get(c, (0, 0))[0] - sb.get(c, (0, 0))[0]
    size = lambda c: sa.get(c, (0, 0))[1]
    per = 0.0
    for c in ('TCP', 'sock_inode_cache', 'filp', 'lsm_file_cache'):
        per += grown(c) * size(c) / (2.0 * n)
    # kmalloc grows per socket too (kmalloc-32 is the generator's io_uring polls')
    for c in sa:
        if c.startswith('kmalloc-') and c != 'kmalloc-32':
            per += grown(c) * size(c) / (2.0 * n)
    for c in ('dentry', 'lsm_inode_cache'):
        per += size(c)
    regs = grown('ep_head')
    for c in ('eventpoll_epi', 'eventpoll_pwq', 'ep_head'):
        line = slab_line(c, sa)
        if line:
            per += regs / n * size(line)
    return per, regs, grown('proc_inode_cache')


def one_run(holdconn, cmd, n, hold, extra=(), save=None):
    args = [holdconn, 'bench', '--conns', str(n), '--report-every', str(n), '--hold',
            '%ds' % hold, '--json', '--server', cmd] + list(extra)
    p = subprocess.Popen(args, stdout=subprocess.PIPE)
    os.set_blocking(p.stdout.fileno(), False)
    out, server, pids, f0, before, after, last_cpu = '', None, None, None, None, None, None
    t_found = None
    while p.poll() is None or not out.endswith('\n'):
        chunk = (p.stdout.read() or b'').decode()
        out += chunk
        if server is None:
            server = find_server(p.pid, holdconn)
            t_found = time.monotonic()
        elif after is None:
            pids = group(server) if before is None else pids
            s = sample(pids)
            if f0 is None and s['t'] - t_found > 0.3:
                f0 = s['fds']
            if f0 is not None and s['fds'] <= f0:
                before = s
            if '"event":"report"' in out and '"connections":%d,' % n in out:
                after = sample(pids)
        elif '"event":"summary"' not in out:
            c = cpu(pids)  # the hold's CPU, until bench stops the server
            last_cpu = (time.monotonic(), c) if c is not None else last_cpu
        if p.poll() is not None and '"event":"summary"' in out:
            break
        time.sleep(0.05)
    out += (p.stdout.read() or b'').decode()
    p.wait()
    if save:
        with open(save, 'w') as f:
            f.write(out)
    summary = next((json.loads(l) for l in out.splitlines() if '"event":"summary"' in l), None)
    if not summary or not before or not after:
        return None
    srv = summary['server']
    user = (after['pss'] - before['pss']) / n
    kern, regs, procs = kernel_reading(before, after, n)
    return {'user_holdconn': srv['user_bytes_per_connection'], 'user_reading': user,
            'kernel_holdconn': srv['kernel_bytes_per_socket'], 'kernel_reading': kern,
            'startup_bytes': srv.get('startup_bytes'), 'epoll_registrations': regs,
            'resolution': srv.get('resolution'),
            'proc_inodes_grown': procs, 'other': srv.get('other'),
            'fds_before': before['fds'], 'fds_after': after['fds'], 'processes': len(pids),
            # CPU the server spent from the last reading before the ramp to N held, per connection
            'cpu_ramp_seconds_per_connection': (after['cpu'] - before['cpu']) / n,
            # ... and held: CPU seconds per second per 1,000 connections (keepalives, timers)
            'cpu_hold_per_second_per_1000': (last_cpu[1] - after['cpu']) / (last_cpu[0] - after['t'])
            / n * 1000 if last_cpu and last_cpu[0] > after['t'] + 1 else None,
            'held': summary.get('held'), 'stop_reason': summary.get('stop_reason'),
            'hold_seconds': summary.get('hold_seconds'), 'sessions': summary.get('sessions'),
            'peer_closed': summary.get('peer_closed'), 'peer_reset': summary.get('peer_reset')}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--holdconn', default='./holdconn')
    ap.add_argument('--conns', type=int, default=15000)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--hold', type=int, default=5)
    ap.add_argument('--tolerance', type=float, default=0.05)
    ap.add_argument('--json', help='append each run as one JSON line to this file')
    ap.add_argument('--extra', default='', help="more bench options, e.g. '--proto mqtt --keepalive 30s'")
    ap.add_argument('--save', help='write each run\'s whole output to SAVE-NAME-RUN.jsonl')
    ap.add_argument('servers', nargs='+', help="NAME='CMD {port}'")
    o = ap.parse_args()
    bad = 0
    for spec in o.servers:
        name, cmd = spec.split('=', 1)
        for run in range(1, o.runs + 1):
            r = one_run(o.holdconn, cmd, o.conns, o.hold, shlex.split(o.extra),
                        '%s-%s-%d.jsonl' % (o.save, name, run) if o.save else None)
            if r is None:
                print('%s run %d: no reading (bench failed or ended early)' % (name, run))
                bad += 1
                continue
            du = r['user_holdconn'] / r['user_reading'] - 1
            dk = r['kernel_holdconn'] / r['kernel_reading'] - 1
            ok = abs(du) <= o.tolerance and abs(dk) <= o.tolerance
            bad += not ok
            print('%-8s run %d: user %.1f B/conn, reading %.1f (%+.1f%%); kernel %.1f B/socket, '
                  'reading %.1f (%+.1f%%), resolution %.1f; start-up %.1f MB; proc inodes grown %d%s' %
                  (name, run, r['user_holdconn'], r['user_reading'], 100 * du,
                   r['kernel_holdconn'], r['kernel_reading'], 100 * dk,
                   (r['resolution'] or {}).get('kernel_bytes_per_socket', float('nan')),
                   (r['startup_bytes'] or 0) / 1e6, r['proc_inodes_grown'],
                   '' if ok else '  OUTSIDE %.0f%%' % (100 * o.tolerance)))
            if r['sessions']:
                ss = r['sessions']
                print('%-8s run %d: held %s, stop %s, sessions %d established, %d refused, %d '
                      'ended by the server, keepalives %d acked / %d answered; peer closed %s, '
                      'reset %s over a %.0f s hold; server CPU %.1f us per connection opened, '
                      '%s ms/s per 1,000 held' %
                      (name, run, r['held'], r['stop_reason'], ss['established'], ss['refused'],
                       ss['closed'], ss['keepalives_acked'], ss['keepalives_answered'],
                       r['peer_closed'], r['peer_reset'], r['hold_seconds'] or 0,
                       1e6 * r['cpu_ramp_seconds_per_connection'],
                       '%.2f' % (1e3 * r['cpu_hold_per_second_per_1000'])
                       if r['cpu_hold_per_second_per_1000'] is not None else '?'))
            sys.stdout.flush()
            if o.json:
                with open(o.json, 'a') as f:
                    f.write(json.dumps(dict(r, server=name, run=run, conns=o.conns)) + '\n')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
