#!/usr/bin/env bash
# The fan-out maximum (issue 16): for each number of WebSocket clients, the
# offered rate of price updates is raised step by step until delivery stops
# keeping up. Each step is one `trx-bench ws --rate R` run of about
# STEP_SECONDS against one trx server per client count (embedded defaults,
# fresh --data), with the clients in two processes of their own.
#
#   bash scripts/bench-fanout.sh [CLIENTS...]       (default: 1000 5000 10000)
#
# Environment: RATES (updates/s offered, in order; default "2 5 10 20 40 80
# 160 320"), STEP_SECONDS (default 10). A step "keeps up" when every message
# arrives (0 lost), the messages delivered per second reach 90% of those
# offered (rate × clients) and the p99 latency stays under a second (a
# queue that grows for the whole step shows there first); the sweep for a
# client count stops after the first step that does not. "delivered" counts
# from the first update sent to the last message received, so a short step
# can show a little more than was offered. One line per step:
#
#   clients rate offered/s delivered/s ratio p50 p99 lost cpu-µs/msg keeps-up
#
# Run it on a quiet machine: client and server share its cores.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(1000 5000 10000)
read -r -a rates <<<"${RATES:-2 5 10 20 40 80 160 320}"
step=${STEP_SECONDS:-10}
port=${FANOUT_PORT:-18310}
work=$(mktemp -d)
server=
stop_server() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

go build -o "$work/trx" ./cmd/trx
go build -o "$work/trx-bench" ./cmd/trx-bench
echo "machine: $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
printf '%-7s %5s %10s %11s %5s %8s %8s %6s %10s %s\n' clients rate offered/s delivered/s ratio p50-ms p99-ms lost cpu-µs/msg keeps-up

for n in "${clients[@]}"; do
  rm -rf "$work/data"
  "$work/trx" serve --data "$work/data" --addr "127.0.0.1:$port" --log-level warn \
    --ws-conns-per-credential $((n * 2)) --ws-conns-per-ip $((n * 2)) >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 200); do
    "$work/trx" healthcheck --addr "127.0.0.1:$port" --ready >/dev/null 2>&1 && break
    sleep 0.1
  done
  export TRX_KEY
  TRX_KEY=$(cat "$work/data/admin-api-key")
  for r in "${rates[@]}"; do
    out="$work/run-$n-$r.txt"
    if ! "$work/trx-bench" ws --target "http://127.0.0.1:$port" --server-pid "$server" --clients "$n" \
      --procs 2 --dial-concurrency 256 --rate "$r" --updates $((r * step)) --drain 10s >"$out" 2>&1; then
      echo "trx-bench ws failed at $n clients, rate $r (its output follows)" >&2
      cat "$out" >&2
      exit 1
    fi
    # The figures of the step, from trx-bench ws's report.
    delivered=$(sed -n 's/^delivered: \([0-9]*\) messages\/s.*/\1/p' "$out")
    lost=$(sed -n 's/^messages: .* received, \([0-9]*\) lost.*/\1/p' "$out")
    p50=$(sed -n 's/^latency commit→receive ms: p50 \([^,]*\),.*/\1/p' "$out")
    p99=$(sed -n 's/^latency commit→receive ms: .* p99 \([^,]*\),.*/\1/p' "$out")
    cpu=$(sed -n 's/.*: \([0-9.]*\) µs per message delivered.*/\1/p' "$out")
    offered=$((r * n))
    ratio=$(awk -v d="${delivered:-0}" -v o="$offered" 'BEGIN { printf "%.2f", d / o }')
    ok=yes
    if [ "${lost:-1}" != 0 ] || awk -v x="$ratio" -v p="${p99:-1e9}" 'BEGIN { exit !(x < 0.9 || p >= 1000) }'; then ok=no; fi
    printf '%-7s %5s %10s %11s %5s %8s %8s %6s %10s %s\n' "$n" "$r" "$offered" "${delivered:-?}" "$ratio" \
      "${p50:-?}" "${p99:-?}" "${lost:-?}" "${cpu:-?}" "$ok"
    [ "$ok" = yes ] || break
  done
  stop_server
done
