#!/bin/sh
# The TLS rows of the sessions table (docs/sessions.md): each server with TLS at --conns
# COUNT, one `holdconn bench --server ... --tls --tls-insecure` each (the wrappers' certificates
# are self-signed), held HOLD, one after another; appends to OUT the command (a "### name:
# holdconn bench ..." line) and its JSON summary.
#   flock /work/coord/machine.lock sh bench/servers/tls_table.sh OUT.jsonl 10000 10s [NAME...]
# NAMEs pick rows (default: the five TLS rows): mosquitto (mqtt), redis (resp), nginx (http),
# haproxy (http, terminating TLS), serve (holdconn serve --tls: bench --tls, no --server); and,
# only when named, the same servers in plain text, for the sessions table's plain rows:
# redis-plain (resp), nginx-plain (http), serve-plain (bench, no --server, no session), and
# serve-threads (bench --mode threads --tls: a threads serve's TLS bytes); `plain` names the
# three plain rows.
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

# Rows that run only when asked for by name (or by `plain`).
named() {
	for n in $names; do
		[ "$n" = "$1" ] && return 0
		[ "$n" = plain ] && [ "${1%-plain}" != "$1" ] && return 0
	done
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
named redis-plain && run redis-plain --server "sh $here/redis.sh {port}" --proto resp
named nginx-plain && run nginx-plain --server "sh $here/nginx.sh {port}" --proto http
named serve-plain && run serve-plain
named serve-threads && run serve-threads --mode threads --tls
exit 0
