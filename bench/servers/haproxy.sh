#!/bin/sh
# haproxy as an idle HTTP frontend for `holdconn bench --server 'sh bench/servers/haproxy.sh {port}'`.
# Settings for many idle clients, from haproxy's configuration manual:
#   maxconn (global and frontend)  as many as descriptors allow; haproxy sizes its fd
#                                  needs from it and refuses past its RLIMIT_NOFILE
#   mode http, timeout client/http-request 1h   an idle client is held, not closed;
#                                  no backend connection is made until a request
#   no strict-limits               haproxy asks for 2 fds per maxconn (a backend side each);
#                                  an idle frontend needs one, so it runs under the hard
#                                  limit instead of refusing to start
#   nbthread 1                     one thread, as the other servers here
#   http-request return status 204 a request (--proto http) is answered by haproxy itself
# `haproxy.sh PORT --tls` terminates TLS on PORT (a self-signed certificate, selfsigned.sh).
# Runs in the foreground (-db); SIGTERM stops it and removes its temp dir.
set -eu
port=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/holdconn-haproxy.XXXXXX")
ssl=""
if [ "${2:-}" = --tls ]; then
	sh "$(cd "$(dirname "$0")" && pwd)/selfsigned.sh" "$dir"
	ssl="ssl crt $dir/both.pem"
fi
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
maxconn=$(( (hard - 100) ))
cat >"$dir/haproxy.cfg" <<CONF
global
	maxconn $maxconn
	nbthread 1
	no strict-limits
defaults
	mode http
	timeout connect 5s
	timeout client 1h
	timeout http-request 1h
	timeout server 1h
frontend idle
	bind 127.0.0.1:$port $ssl
	maxconn $maxconn
	http-request return status 204
	default_backend none
backend none
	server s 127.0.0.1:9 disabled
CONF
haproxy -db -f "$dir/haproxy.cfg" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; rm -rf "$dir"; exit 0' TERM INT
wait $child
rm -rf "$dir"
