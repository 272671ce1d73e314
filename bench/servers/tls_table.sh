#!/bin/sh
# The TLS rows of the sessions table (docs/sessions.md): each server with TLS at --conns
# COUNT, one `holdconn bench --server ... --tls --tls-insecure` each (the wrappers' certificates
# are self-signed), held HOLD, one after another; appends to OUT the command (a "### name:
# holdconn bench ..." line) and its JSON summary.
#   flock /work/coord/machine.lock sh bench/servers/tls_table.sh OUT.jsonl 10000 10s [NAME...]
# NAMEs pick rows (default: all): mosquitto (mqtt), redis (resp), nginx (http), haproxy
# (http, terminating TLS), serve (holdconn serve --tls: bench --tls, no --server).
set -eu
out=$1
conns=$2
hold=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
H=${HOLDCONN:-$here/../../holdconn}
names=$*

want() {
	[ -z "$names" ] && return 0
	for n in $names; do [ "$n" = "$1" ] && return 0; done
	return 1
}

run() {
	name=$1
	shift
	printf '### %s: holdconn bench --conns %s --report-every 1000 --hold %s --json %s\n' \
		"$name" "$conns" "$hold" "$*" >>"$out"
	"$H" bench --conns "$conns" --report-every 1000 --hold "$hold" --json "$@" |
		grep '"event":"summary"' >>"$out" || echo "### $name: failed" >>"$out"
}

want mosquitto && run mosquitto --server "sh $here/mosquitto.sh {port} --tls" --proto mqtt \
	--keepalive 60s --tls --tls-insecure
want redis && run redis --server "sh $here/redis.sh {port} --tls" --proto resp --tls --tls-insecure
want nginx && run nginx --server "sh $here/nginx.sh {port} --tls" --proto http --tls --tls-insecure
want haproxy && run haproxy --server "sh $here/haproxy.sh {port} --tls" --proto http --tls \
	--tls-insecure
want serve && run serve --tls
exit 0
