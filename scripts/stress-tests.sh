#!/usr/bin/env bash
# Runs the README's test command N times in a row (default 5), each with
# -count=1 so nothing comes from the test cache, while two busy loops keep
# both cores of a 2-core machine loaded: a test that depends on timing
# fails here first. Exits non-zero if any run failed; each run's output is
# kept in a log whose path is printed.
#
#   scripts/stress-tests.sh [N]
#
# It needs MariaDB and NATS as the tests do (.ci/run starts them); the
# variables default to the local services.
set -uo pipefail
cd "$(dirname "$0")/.."
n="${1:-5}"
export TRX_TEST_MYSQL_DSN="${TRX_TEST_MYSQL_DSN:-mysql://root@127.0.0.1:3306/test}"
export TRX_TEST_NATS_URL="${TRX_TEST_NATS_URL:-nats://127.0.0.1:4222}"
logs=$(mktemp -d "${TMPDIR:-/tmp}/trx-stress.XXXXXX")

sh -c 'while :; do :; done' &
busy1=$!
sh -c 'while :; do :; done' &
busy2=$!
gotest=
stop() {
  if [ -n "$gotest" ]; then
    pkill -TERM -P "$gotest" 2>/dev/null # its test binaries
    kill "$gotest" 2>/dev/null
  fi
  kill "$busy1" "$busy2" 2>/dev/null
  wait 2>/dev/null
}
trap stop EXIT
trap 'exit 130' INT TERM
echo "busy loops: pids $busy1 $busy2; logs in $logs"

failed=0
for i in $(seq 1 "$n"); do
  log="$logs/run-$i.log"
  start=$(date +%s)
  go test -race -count=1 -timeout 30m ./... >"$log" 2>&1 &
  gotest=$!
  if wait "$gotest"; then
    echo "run $i/$n: ok in $(($(date +%s) - start)) s"
  else
    failed=$((failed + 1))
    echo "run $i/$n: FAILED in $(($(date +%s) - start)) s ($log):"
    grep -E '^(--- FAIL|FAIL|panic:)|_test\.go:[0-9]+:' "$log" | head -40
  fi
  gotest=
done
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
