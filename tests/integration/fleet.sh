#!/bin/sh
# fleet.sh HOLDCONN WORKDIR - one server and 4 sharded generators, each in a
# network namespace of its own joined by veth to a bridge, scraped by a real
# Prometheus. Run inside a network namespace of its own (unshare -n): the
# bridge, the links and every process die with it. Prints
# "prometheus: generators G server H targets T" from Prometheus's HTTP API.
set -eu
H=$1
W=$2
K=4
N=2000
PIDS=""
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

ip link set lo up
# A fixed MAC: a bridge otherwise takes its lowest port's, changing under ARP caches.
ip link add hcbr address 02:68:63:00:00:01 type bridge
ip addr add 198.18.0.1/15 dev hcbr
ip link set hcbr up

"$H" serve --listen 198.18.0.1:5000-5003 --metrics 198.18.0.1:9464 --json >"$W/serve.log" 2>&1 &
PIDS="$PIDS $!"
targets="'198.18.0.1:9464'"
here=$(readlink /proc/self/ns/net)
i=0
while [ $i -lt $K ]; do
	a=198.18.1.$((i + 1))
	# Every generator is offered the same 4 addresses; its shard is the one its namespace has.
	unshare -n sh -c "while [ ! -e '$W/go$i' ]; do sleep 0.02; done
		exec '$H' connect --target 198.18.0.1:5000-5003 --source 198.18.1.1-198.18.1.$K \
			--shard $i/$K --conns $N --metrics $a:9464 --json" >"$W/connect$i.log" 2>&1 &
	p=$!
	PIDS="$PIDS $p"
	while [ "$(readlink /proc/$p/ns/net 2>/dev/null)" = "$here" ]; do sleep 0.01; done
	ip link add hc$i type veth peer name eth0 netns "$p"
	ip link set hc$i master hcbr up
	nsenter -t "$p" -n sh -c "ip link set lo up && ip link set eth0 up && ip addr add $a/15 dev eth0"
	touch "$W/go$i"
	targets="$targets, '$a:9464'"
	i=$((i + 1))
done

cat >"$W/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: holdconn
    static_configs:
      - targets: [$targets]
CONF
prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/data" \
	--web.listen-address=127.0.0.1:9090 >"$W/prometheus.log" 2>&1 &
PIDS="$PIDS $!"

# Prometheus's HTTP query API: one number per query (-1 when it has none yet).
query() {
	python3 - "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
url = "http://127.0.0.1:9090/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[1]})
try:
    r = json.load(urllib.request.urlopen(url, timeout=2))["data"]["result"]
    print(int(float(r[0]["value"][1])) if r else -1)
except Exception:
    print(-1)
PY
}

end=$(($(date +%s) + 40))
while [ "$(date +%s)" -lt $end ]; do
	g=$(query 'sum(holdconn_connections_held{side="connect"})')
	h=$(query 'sum(holdconn_connections_held{side="serve"})')
	t=$(query 'count(up == 1)')
	if [ "$g" = $((K * N)) ] && [ "$h" = $((K * N)) ] && [ "$t" = $((K + 1)) ]; then
		break
	fi
	sleep 0.5
done
echo "prometheus: generators $g server $h targets $t"
