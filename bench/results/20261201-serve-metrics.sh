#!/bin/sh
# serve --metrics while connect holds 100,000: /metrics scraped every second.
cd "$(dirname "$0")/../.."
./holdconn serve --listen 127.0.0.1:5000-5003 --metrics 127.0.0.1:9464 --json > /tmp/fleet-bench/serve.json 2>&1 &
S=$!
sleep 0.5
./holdconn connect --target 127.0.0.1:5000-5003 --conns 100000 --report-every 100000 --json > /tmp/fleet-bench/connect.json 2>&1 &
C=$!
for i in 1 2 3 4 5 6 7 8; do
  sleep 1
  curl -s -o /tmp/fleet-bench/scrape.txt -w "scrape $i: %{http_code} %{size_download} bytes in %{time_total}s\n" http://127.0.0.1:9464/metrics
  grep -E '^holdconn_connections_held|^holdconn_ramp_info' /tmp/fleet-bench/scrape.txt
done
echo "connect's last report:"; grep '"event":"report"' /tmp/fleet-bench/connect.json | tail -1 | cut -c1-80
echo "promtool check metrics < scrape:"; promtool check metrics < /tmp/fleet-bench/scrape.txt; echo "exit $?"
kill -INT $C; wait $C; kill -INT $S; wait $S
