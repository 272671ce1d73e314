#!/bin/sh
# Writes DIR/cert.pem and DIR/key.pem: a P-256 key and a self-signed certificate for
# localhost and 127.0.0.1, valid a year, for the TLS servers here (mosquitto, redis, nginx,
# haproxy: DIR/both.pem, certificate and key in one file). A client connects with
# --tls-insecure, or --tls-ca DIR/cert.pem --tls-sni localhost.
#   sh bench/servers/selfsigned.sh DIR
set -eu
dir=$1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
	-subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
	-keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
cat "$dir/cert.pem" "$dir/key.pem" >"$dir/both.pem"
