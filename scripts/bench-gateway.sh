#!/usr/bin/env bash
# Gateway overhead (issue 6): the same GETs of transactions straight to a
# transactions service and through a gateway in front of it, in one run, on
# MariaDB. Starts both processes on loopback, runs `trx-bench crud
# --mix get=100` against each (alternating, twice), stops them.
#   bash scripts/bench-gateway.sh [DURATION] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10s}
conc=${2:-32}
db=${TRX_BENCH_DB:-mysql://root@127.0.0.1:3306/trx_gwbench}
name=${db##*/}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

go build -o "$work/trx" ./cmd/trx
go build -o "$work/trx-bench" ./cmd/trx-bench
mysql --protocol=tcp -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $name; CREATE DATABASE $name"
"$work/trx" migrate --db "$db" >/dev/null
key=$("$work/trx" users add bench --db "$db")
"$work/trx" serve --db "$db" --components transactions --addr 127.0.0.1:18201 --data "$work/tx" --log-level warn &
"$work/trx" serve --db "$db" --components gateway --upstream transactions=http://127.0.0.1:18201 \
  --addr 127.0.0.1:18200 --data "$work/gw" --log-level warn &
for port in 18201 18200; do
  for _ in $(seq 1 100); do "$work/trx" healthcheck --addr 127.0.0.1:$port --ready >/dev/null 2>&1 && break; sleep 0.2; done
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in 1 2; do
  for target in direct:18201 gateway:18200; do
    echo "== round $round, ${target%%:*}"
    "$work/trx-bench" crud --target "http://127.0.0.1:${target##*:}" --key "$key" --mix get=100 --seed 1000 \
      --duration "$dur" --concurrency "$conc" --progress 0 | grep -E '^(operation|api get)'
  done
done
