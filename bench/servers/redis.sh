#!/bin/sh
# redis-server for `holdconn bench --server 'sh bench/servers/redis.sh {port} [--tls] [--auth PASS]'
# --proto resp`: the servers table's settings (no persistence, protected mode off,
# --maxclients 1000000: redis lowers it to RLIMIT_NOFILE - 32), plus
#   --tls          TLS only, on PORT (a self-signed certificate, selfsigned.sh; clients are not
#                  asked for certificates: --tls-auth-clients no)
#   --auth PASS    requirepass PASS: a client must authenticate (HELLO 3 AUTH default PASS)
# Runs in the foreground; SIGTERM stops it and removes its temp dir.
set -eu
port=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/holdconn-redis.XXXXXX")
here=$(cd "$(dirname "$0")" && pwd)
listen="--port $port"
extra=""
while [ $# -gt 0 ]; do
	case $1 in
	--tls)
		sh "$here/selfsigned.sh" "$dir"
		listen="--port 0 --tls-port $port"
		extra="$extra --tls-cert-file $dir/cert.pem --tls-key-file $dir/key.pem"
		extra="$extra --tls-ca-cert-file $dir/cert.pem --tls-auth-clients no" ;;
	--auth) shift; extra="$extra --requirepass $1" ;;
	esac
	shift
done
# shellcheck disable=SC2086
redis-server $listen --bind 127.0.0.1 --save "" --appendonly no --protected-mode no \
	--maxclients 1000000 --dir "$dir" $extra &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; rm -rf "$dir"; exit 0' TERM INT
wait $child
rm -rf "$dir"
