#!/bin/sh
# nginx as an idle HTTP listener for `holdconn bench --server 'sh bench/servers/nginx.sh {port}'`.
# Settings for many idle clients, from nginx's docs (ngx_core_module, ngx_http_core_module):
#   worker_processes 1          one process, so its RLIMIT_NOFILE is the one that binds
#   worker_rlimit_nofile        raised to the hard limit (the default is the soft one)
#   worker_connections          as many as descriptors allow (each counts the listener too)
#   client_header_timeout 1h    a client that sends nothing is not closed after 60 s
#   access_log off, multi_accept on, accept_mutex off
#   return 204                  a request (--proto http) is answered at once
#   keepalive_timeout 1h        an idle keep-alive (--proto http) is held, not closed after 75 s
# `nginx.sh PORT --tls` serves HTTPS (a self-signed certificate, selfsigned.sh; nginx's
# defaults otherwise: no session cache); `--keepalive-timeout T` (nginx's syntax: 2s) closes
# idle keep-alives after T, for `--proto http`'s idle close report.
# Runs in the foreground; SIGTERM stops it and removes its temp dir.
set -eu
port=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/holdconn-nginx.XXXXXX")
ssl=""
keepalive=1h
while [ $# -gt 0 ]; do
	case $1 in
	--tls)
		sh "$(cd "$(dirname "$0")" && pwd)/selfsigned.sh" "$dir"
		ssl="ssl; ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem" ;;
	--keepalive-timeout) shift; keepalive=$1 ;;
	esac
	shift
done
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile $hard;
error_log $dir/error.log;
pid $dir/nginx.pid;
events { worker_connections $((hard - 64)); multi_accept on; accept_mutex off; }
http {
	access_log off;
	client_header_timeout 1h;
	keepalive_timeout $keepalive;
	client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir;
	uwsgi_temp_path $dir; scgi_temp_path $dir;
	server { listen 127.0.0.1:$port backlog=511 $ssl; return 204; }
}
CONF
nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off; master_process on;' &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; rm -rf "$dir"; exit 0' TERM INT
wait $child
rm -rf "$dir"
