#!/bin/sh
# nats-server for `holdconn bench --server 'sh bench/servers/nats.sh {port} 10s' --proto nats`.
#   nats.sh PORT [PING_INTERVAL]   (default 10s; nats-server's own default is 2m)
# Settings for many idle clients, from nats-server's configuration reference:
#   ping_interval, ping_max 2   the server PINGs every client each interval and closes one
#                               that leaves 2 unanswered: a client must answer to be held
#   max_connections 1000000     its default is 64K
#   write_deadline 10s, no monitoring port, no JetStream
# Runs in the foreground with its own config in a temp dir; SIGTERM stops it and removes it.
set -eu
port=$1
interval=${2:-10s}
dir=$(mktemp -d "${TMPDIR:-/tmp}/holdconn-nats.XXXXXX")
cat >"$dir/nats.conf" <<CONF
listen: 127.0.0.1:$port
ping_interval: "$interval"
ping_max: 2
max_connections: 1000000
write_deadline: "10s"
CONF
nats-server -c "$dir/nats.conf" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; rm -rf "$dir"; exit 0' TERM INT
wait $child
rm -rf "$dir"
