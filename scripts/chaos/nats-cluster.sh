#!/usr/bin/env bash
# A 3-node NATS JetStream cluster on loopback, for fault tests of trx (and
# for checking your own deployment's behaviour against one):
#
#   scripts/chaos/nats-cluster.sh start DIR     three nats-server processes, state in DIR
#   scripts/chaos/nats-cluster.sh kill N DIR    SIGKILL node N (1-3): a crash
#   scripts/chaos/nats-cluster.sh restart N DIR start node N again on its store
#   scripts/chaos/nats-cluster.sh stop DIR      stop every node (SIGTERM, then SIGKILL)
#   scripts/chaos/nats-cluster.sh urls          the client URLs, for --nats
#
# Client ports 14222-14224, cluster ports 16222-16224 on 127.0.0.1 (set
# CHAOS_PORT_BASE to move both: client BASE+N, cluster BASE+2000+N). The
# server is $NATS_SERVER, else nats-server on PATH, else Debian's
# /usr/sbin/nats-server, else one built from the Go module in go.mod. Every
# wait is bounded (20 s); nothing is left running after stop.
set -euo pipefail

base=${CHAOS_PORT_BASE:-14221}
client_port() { echo $((base + $1)); }
cluster_port() { echo $((base + 2000 + $1)); }
routes() { echo "nats://127.0.0.1:$(cluster_port 1),nats://127.0.0.1:$(cluster_port 2),nats://127.0.0.1:$(cluster_port 3)"; }

server() {
  if [ -n "${NATS_SERVER:-}" ]; then echo "$NATS_SERVER"; return; fi
  if command -v nats-server >/dev/null 2>&1; then command -v nats-server; return; fi
  if [ -x /usr/sbin/nats-server ]; then echo /usr/sbin/nats-server; return; fi
  local bin=${TMPDIR:-/tmp}/trx-chaos-nats-server
  if [ ! -x "$bin" ]; then
    (cd "$(dirname "$0")/../.." && go build -o "$bin" github.com/nats-io/nats-server/v2) >&2
  fi
  echo "$bin"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port
  for _ in $(seq 1 200); do
    port_open "$1" && return 0
    sleep 0.1
  done
  echo "nats-cluster: nothing listens on :$1 after 20 s" >&2
  return 1
}

start_node() { # n dir
  local n=$1 dir=$2
  mkdir -p "$dir/n$n"
  "$(server)" -a 127.0.0.1 -p "$(client_port "$n")" -js -sd "$dir/n$n" --server_name "n$n" \
    --cluster_name trx-chaos --cluster "nats://127.0.0.1:$(cluster_port "$n")" --routes "$(routes)" \
    -l "$dir/n$n.log" </dev/null >>"$dir/n$n.log" 2>&1 &
  echo $! >"$dir/n$n.pid"
  wait_port "$(client_port "$n")"
}

stop_node() { # n dir signal
  local pidf="$2/n$1.pid"
  [ -f "$pidf" ] || return 0
  local pid
  pid=$(cat "$pidf")
  kill "-$3" "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidf"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidf"
}

cmd=${1:-}
case "$cmd" in
start)
  dir=${2:?usage: $0 start DIR}
  for n in 1 2 3; do start_node "$n" "$dir"; done
  echo "nats-cluster: 3 nodes up: $("$0" urls)"
  ;;
kill) stop_node "${2:?node}" "${3:?dir}" KILL ;;
restart) start_node "${2:?node}" "${3:?dir}" ;;
stop)
  dir=${2:?usage: $0 stop DIR}
  for n in 1 2 3; do stop_node "$n" "$dir" TERM; done
  ;;
urls) echo "nats://127.0.0.1:$(client_port 1),nats://127.0.0.1:$(client_port 2),nats://127.0.0.1:$(client_port 3)" ;;
*)
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
