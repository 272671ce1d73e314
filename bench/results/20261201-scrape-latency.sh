#!/bin/sh
# Does a 1 s scrape disturb the holder? bench with heartbeats, /metrics served
# both times, scraped every 100 ms in one run and never in the other, A/B twice.
cd "$(dirname "$0")/../.."
for r in 1 2; do
  for scrape in yes no; do
    echo "### ./holdconn bench --conns 100k --send 64 --every 10s --hold 20s --metrics 127.0.0.1:9464 --json (scraped: $scrape, round $r)"
    ./holdconn bench --conns 100k --send 64 --every 10s --hold 20s --metrics 127.0.0.1:9464 --json > /tmp/scrape-bench.json 2>&1 &
    B=$!
    n=0
    while kill -0 $B 2>/dev/null; do
      if [ $scrape = yes ] && curl -s -o /dev/null http://127.0.0.1:9464/metrics; then n=$((n + 1)); fi
      sleep 0.1
    done
    wait $B
    echo "scrapes: $n"
    grep '"event":"summary"' /tmp/scrape-bench.json
  done
done
