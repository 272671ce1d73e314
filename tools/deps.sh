#!/bin/sh
# Installs what holdconn needs to build, test and bench, with apt-get, only
# when something is missing. Called by `make run`, `make test` and `make bench`.
set -eu

# libclang-rt-14-dev: clang's ASan, UBSan and libFuzzer runtimes (make check, make fuzz);
# --no-install-recommends below would otherwise leave them out.
# libmicrohttpd-dev: the --metrics endpoint; prometheus: promtool checks the exposition and the
# fleet test scrapes with a real server; python3-yaml: tools/check_k8s.py; curl: the scrape
# bench (bench/results/20261201-fleet-scrape-1s.sh).
# redis-server nginx-light haproxy memcached: the servers bench --server and the tests measure;
# each test and bench starts its own.
# libssl-dev: OpenSSL 3 (the WebSocket accept's SHA-1, and TLS); openssl: bench/servers/selfsigned.sh;
# mosquitto nats-server python3-websockets: the servers the session openers are tested against.
# jq python3-jsonschema: the scripts read --json lines with jq; the tests validate them
# against docs/holdconn.schema.json.
PKGS="jq python3-jsonschema liburing-dev libjemalloc-dev libcriterion-dev pkg-config gnuplot-nox iproute2 clang libclang-rt-14-dev libmicrohttpd-dev prometheus python3-yaml curl redis-server nginx-light haproxy memcached libssl-dev openssl mosquitto nats-server python3-websockets"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "holdconn: missing packages:$missing; install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "holdconn: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A server package (prometheus, redis-server, nginx, haproxy, memcached) must not leave its
# system service running:
# policy-rc.d exiting 101 forbids invoke-rc.d to start anything meanwhile.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
