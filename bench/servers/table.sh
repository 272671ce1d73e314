#!/bin/sh
# The servers table (docs/servers.md): each server at --conns COUNT, one
# `holdconn bench --server` each, one after another; appends to OUT the
# command (a "### name: holdconn bench ..." line) and its JSON summary.
#   flock /tmp/holdconn-machine.lock sh bench/servers/table.sh OUT.jsonl 10000 [NAME...]
# COUNT is a count or max; NAMEs pick rows (default: all). Settings per server:
#   redis-server  --maxclients 1000000 (redis lowers it to RLIMIT_NOFILE - 32),
#                 --save "" --appendonly no (no persistence), protected-mode off
#   nginx         bench/servers/nginx.sh, haproxy  bench/servers/haproxy.sh (each says why)
#   memcached     -c 19000 (its connection cap; it refuses to start when RLIMIT_NOFILE
#                 cannot be raised to it), -t 4 (its default), -U 0 (no UDP)
#   holdconn      serve --mode uring | --mode epoll, defaults
set -eu
out=$1
conns=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
H=${HOLDCONN:-$here/../../holdconn}
every=1000
[ "$conns" = max ] && every=5000

run() {
	name=$1
	cmd=$2
	[ $# -gt 2 ] && every=$3
	printf '### %s: holdconn bench --conns %s --report-every %s --json --server %s\n' \
		"$name" "$conns" "$every" "'$cmd'" >>"$out"
	"$H" bench --conns "$conns" --report-every "$every" --json --server "$cmd" |
		grep '"event":"summary"' >>"$out" || echo "### $name: failed" >>"$out"
}

want() {
	[ -z "$names" ] && return 0
	for n in $names; do [ "$n" = "$1" ] && return 0; done
	return 1
}

names=$*
want redis && run redis 'redis-server --port {port} --save "" --appendonly no --protected-mode no --maxclients 1000000'
want nginx && run nginx "sh $here/nginx.sh {port}"
want haproxy && run haproxy "sh $here/haproxy.sh {port}"
want memcached && run memcached 'memcached -u nobody -l 127.0.0.1 -p {port} -U 0 -c 19000 -t 4'
want serve-epoll && run serve-epoll "$H serve --listen 127.0.0.1:{port} --mode epoll"
if want serve-uring; then
	[ "$conns" = max ] && every=100000
	run serve-uring "$H serve --listen 127.0.0.1:{port} --mode uring"
fi
