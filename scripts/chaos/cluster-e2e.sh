#!/usr/bin/env bash
# End-to-end fault test on a real NATS cluster (issue 11): starts a 3-node
# JetStream cluster on loopback (scripts/chaos/nats-cluster.sh), then runs
# TestChaosNATSCluster: two trx notifiers (each with a relay) on MariaDB and
# the cluster with a 3-replica stream, WebSocket clients on both, and price
# changes while NATS nodes are killed and restarted and the stream leader is
# moved; every client must end with every change of its symbols exactly
# once, in order. Bounded: the test has a 5-minute timeout, the cluster is
# stopped on every exit.
#
#   TRX_TEST_MYSQL_DSN=mysql://root@127.0.0.1:3306/test scripts/chaos/cluster-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TRX_TEST_MYSQL_DSN:?set TRX_TEST_MYSQL_DSN=mysql://user@host:3306/db (a database the test may create databases next to)}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/trx-chaos.XXXXXX")
cleanup() {
  scripts/chaos/nats-cluster.sh stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
scripts/chaos/nats-cluster.sh start "$dir"
set +e
TRX_CHAOS_CLUSTER="$dir" go test -count=1 -timeout 5m -run '^TestChaosNATSCluster$' -v ./cmd/trx >"$dir/test.log" 2>&1
rc=$?
set -e
if [ "$rc" -eq 0 ]; then
  grep -E '^(=== RUN|--- |PASS|ok|\s+chaos_cluster_test)' "$dir/test.log"
else
  cp "$dir/test.log" "${TMPDIR:-/tmp}/trx-chaos-last.log"; tail -n 150 "$dir/test.log"
  for n in 1 2 3; do echo "--- nats n$n (last lines)"; tail -n 15 "$dir/n$n.log" || true; done
fi
exit "$rc"
