#!/bin/sh
# mosquitto (MQTT 3.1.1 broker) for `holdconn bench --server 'sh bench/servers/mosquitto.sh {port}'
# --proto mqtt`; `... {port} --tls` listens with TLS (a self-signed certificate, selfsigned.sh).
# Settings for many idle clients, from mosquitto.conf(5):
#   listener PORT 127.0.0.1     loopback only
#   allow_anonymous true        no user needed (mosquitto 2 refuses anonymous clients by default)
#   persistence false           no session store written
#   max_connections -1          no cap of its own: RLIMIT_NOFILE binds
#   max_keepalive 65535         any --keepalive a client asks for is accepted
# Runs in the foreground with its own config in a temp dir; SIGTERM stops it and removes it.
set -eu
port=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/holdconn-mosquitto.XXXXXX")
here=$(cd "$(dirname "$0")" && pwd)
cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_connections -1
max_keepalive 65535
log_dest stderr
log_type error
log_type warning
CONF
if [ "${2:-}" = --tls ]; then
	sh "$here/selfsigned.sh" "$dir"
	# Started as root, mosquitto reads its certificate as user mosquitto: let it (a throwaway key).
	chmod a+rx "$dir" && chmod a+r "$dir"/*.pem
	printf 'certfile %s/cert.pem\nkeyfile %s/key.pem\n' "$dir" "$dir" >>"$dir/mosquitto.conf"
fi
mosquitto -c "$dir/mosquitto.conf" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; rm -rf "$dir"; exit 0' TERM INT
wait $child
rm -rf "$dir"
