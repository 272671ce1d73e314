#!/bin/sh
# fig.sh FILE... : one line per holdconn bench --json summary: server/generator/softirq ms per 1k msgs, one-way p99, lag p99, msgs, kernel B/socket, user B/conn
for f in "$@"; do
  jq -r --arg f "$(basename $f)" 'select(.event=="summary") |
   "\($f)\tsrv \(.cpu.server.cpu_seconds_per_message*1e6|.*100|round/100)\tgen \(.cpu.generator.cpu_seconds_per_message*1e6|.*100|round/100)\tsirq \(.cpu.softirq.cpu_seconds_per_message*1e6|.*100|round/100)\tp99 \(.traffic.server.latency_p99_seconds*1e3|.*10|round/10)ms\tlag99 \(.schedule.lag_p99_seconds*1e3|.*10|round/10)ms\tmsgs \(.cpu.messages)\tkB \(.kernel_bytes_per_socket)\tuB \(.user_bytes_per_socket)"' "$f" 2>/dev/null || echo "$f: no summary"
done
