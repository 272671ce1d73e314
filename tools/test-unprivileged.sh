#!/bin/sh
# The integration suite again as an unprivileged user (default nobody), as
# most people run holdconn: no network namespace, no /proc/slabinfo, rings
# charged to RLIMIT_MEMLOCK. Tests that need root skip and say why.
# Run after `make test` (it uses build/integration_tests and ./holdconn).
set -eu
cd "$(dirname "$0")/.."
user=${1:-nobody}
dir=$(mktemp -d /tmp/holdconn-unpriv.XXXXXX)
trap 'rm -rf "$dir"' EXIT
# A copy the user can read and run wherever the checkout lives.
# bench/servers holds the wrappers the server tests run (from the current directory).
cp holdconn build/integration_tests "$dir/"
# test_tls reads TLS bytes in memory with build/unit_tests --tls-bytes, beside the binary.
mkdir "$dir/bench" "$dir/build"
cp build/unit_tests "$dir/build/"
cp -R bench/servers "$dir/bench/"
chmod 755 "$dir" "$dir/holdconn" "$dir/integration_tests" "$dir/build" "$dir/build/unit_tests"
chmod -R a+rX "$dir/bench"
cd "$dir"
setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
	env HOLDCONN="$dir/holdconn" HOME="$dir" "$dir/integration_tests" --jobs 1
