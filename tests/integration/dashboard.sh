#!/bin/sh
# dashboard.sh HOLDCONN WORKDIR DASHBOARD - a server and a generator on loopback, each
# with --metrics, in a memory cgroup with a limit (so the cgroup panel has data),
# scraped every second by a real Prometheus; then every PromQL expression in the
# Grafana dashboard is run against it. Run inside a network namespace of its own
# (unshare -n). Prints "dashboard: N expressions, every one answered" or one line per
# expression that failed, and exits 0 or 1; exits 77 when no memory cgroup can be made.
set -eu
H=$1
W=$2
D=$3
PIDS=""
CG=""
HOME_PROCS=""

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -n "$CG" ]; then
		echo $$ > "$HOME_PROCS" 2>/dev/null || true
		i=0
		while ! rmdir "$CG" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	fi
}
trap cleanup EXIT

# A memory cgroup of its own: v1 below this process's, else a child of the v2 root.
rel=$(sed -n 's/^[0-9]*:[^:]*memory[^:]*://p' /proc/self/cgroup)
if [ -n "$rel" ] && [ -d /sys/fs/cgroup/memory ]; then
	base=/sys/fs/cgroup/memory${rel%/}
	if mkdir "$base/holdconn-dash-$$" 2>/dev/null; then
		CG=$base/holdconn-dash-$$
		HOME_PROCS=$base/cgroup.procs
		echo 1G > "$CG/memory.limit_in_bytes"
	fi
fi
if [ -z "$CG" ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
	if mkdir /sys/fs/cgroup/holdconn-dash-$$ 2>/dev/null; then
		CG=/sys/fs/cgroup/holdconn-dash-$$
		HOME_PROCS=/sys/fs/cgroup/cgroup.procs
		echo 1G > "$CG/memory.max" || { echo "v2: $CG/memory.max is not writable"; exit 77; }
	fi
fi
if [ -z "$CG" ]; then
	echo "no memory controller can be written (v1 under /sys/fs/cgroup/memory, v2's cgroup.controllers)"
	exit 77
fi
echo $$ > "$CG/cgroup.procs"

ip link set lo up
"$H" serve --listen 127.0.0.1:5000-5003 --metrics 127.0.0.1:9464 --json >"$W/serve.log" 2>&1 &
PIDS="$PIDS $!"
sleep 0.3
# Paced, so the connect latency and rate panels have increases within their window.
"$H" connect --target 127.0.0.1:5000-5003 --conns 20000 --rate 2500 \
	--metrics 127.0.0.1:9465 --json >"$W/connect.log" 2>&1 &
PIDS="$PIDS $!"

cat >"$W/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: holdconn
    static_configs:
      - targets: ['127.0.0.1:9464']
        labels: {component: server, pod: holdconn-server-0}
      - targets: ['127.0.0.1:9465']
        labels: {component: generator, pod: holdconn-generators-0}
CONF
prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/data" \
	--web.listen-address=127.0.0.1:9090 >"$W/prometheus.log" 2>&1 &
PIDS="$PIDS $!"

# Each expression as Grafana would send it: $__rate_interval is at least 4 scrape intervals.
python3 - "$D" <<'PY'
import json, math, sys, time, urllib.parse, urllib.request

with open(sys.argv[1]) as f:
    dash = json.load(f)
exprs = [(p["title"], t["expr"]) for p in dash["panels"] for t in p.get("targets", [])]

def query(e):
    e = e.replace("$__rate_interval", "10s").replace("$__interval", "1s").replace("$__range", "5m")
    url = "http://127.0.0.1:9090/api/v1/query?" + urllib.parse.urlencode({"query": e})
    try:
        r = json.load(urllib.request.urlopen(url, timeout=2))
    except urllib.error.HTTPError as err:
        return "error: " + json.load(err).get("error", str(err))
    except Exception as err:
        return "unanswered: %s" % err
    if r.get("status") != "success":
        return "error: %s" % r.get("error")
    vals = [float(s["value"][1]) for s in r["data"]["result"]]
    if not vals:
        return "empty"
    if not any(math.isfinite(v) for v in vals):
        return "no finite value: %s" % vals
    return None

# Queried while the generator ramps (8 s at 2,500/s): every series has data, rates included.
deadline = time.time() + 25
while True:
    failed = [(t, e, why) for t, e in exprs if (why := query(e))]
    if not failed or time.time() > deadline:
        break
    time.sleep(0.5)
for t, e, why in failed:
    print("panel %r: %s: %s" % (t, e, why))
if failed:
    sys.exit(1)
print("dashboard: %d expressions, every one answered" % len(exprs))
PY
