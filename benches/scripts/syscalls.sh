#!/usr/bin/env bash
# Syscalls per request, by name, for zenio's servers under a small loopback load.
#
# Usage: benches/scripts/syscalls.sh            (needs strace: apt-get install strace)
#        PEERS="floor tokio" benches/scripts/syscalls.sh
#
# PEERS, if set, adds rows for the benchmark peers (benches/src/bin/, benches/peers/) under
# the same workloads: any of floor, tokio (current-thread), tokio-multi, tokio-per-core (one
# runtime per core), smol, asyncio-callback and asyncio-coroutine (zen only).
#
# For each server and workload it starts the release binary, attaches `strace -c -f`, runs
# benches/scripts/load.py, and divides each syscall's count by the number of requests.
# strace slows the server down a lot, so read these as counts, never as times.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v strace >/dev/null || { echo "strace is not installed (apt-get install strace)"; exit 1; }

peer() { # name, proto: prints the peer's command line, one word a line
  case $1 in
    floor) printf '%s\n' target/release/floor-server --proto "$2" ;;
    tokio) printf '%s\n' target/release/tokio-server --proto "$2" --flavor current-thread ;;
    tokio-multi) printf '%s\n' target/release/tokio-server --proto "$2" --flavor multi-thread ;;
    tokio-per-core) printf '%s\n' target/release/tokio-server --proto "$2" --flavor per-core ;;
    smol) printf '%s\n' target/release/smol-server --proto "$2" ;;
    asyncio-*) printf '%s\n' python3 benches/peers/asyncio_zen.py 127.0.0.1 --style "${1#asyncio-}" ;;
    *) echo "PEERS: unknown peer $1" >&2; exit 1 ;;
  esac
}
for name in ${PEERS:-}; do peer "$name" zen >/dev/null; done # fail early on an unknown name

cargo build --release --quiet --bin zen-server --bin hello-server
if [ -n "${PEERS:-}" ]; then
  cargo build --release --quiet -p zenio-benches --bin floor-server --bin tokio-server --bin smol-server
fi
port=7390

measure() { # name, server command..., then -- kind clients requests
  local name=$1; shift
  local server=()
  while [ "$1" != "--" ]; do server+=("$1"); shift; done
  shift
  local kind=$1 clients=$2 requests=$3
  "${server[@]}" -p $port >/dev/null &
  local pid=$!
  sleep 0.5
  strace -c -f -p "$pid" -o /tmp/zenio-strace.txt 2>/dev/null &
  local tracer=$!
  sleep 0.5
  python3 benches/scripts/load.py $port "$kind" "$clients" "$requests"
  kill -INT $tracer; wait $tracer 2>/dev/null || true
  kill $pid; wait $pid 2>/dev/null || true
  local total=$((clients * requests))
  python3 - "$name" "$total" /tmp/zenio-strace.txt <<'PY'
import sys
name, total, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
counts = {}
for line in open(path):
    fields = line.split()
    if len(fields) >= 5 and fields[3].isdigit() and fields[-1] not in ("total", "syscall"):
        counts[fields[-1]] = int(fields[3])
by_name = " ".join(f"{s} {c / total:.2f}" for s, c in sorted(counts.items()))
print(f"| {name} | {sum(counts.values()) / total:.2f} | {by_name} |")
PY
}

echo "| server, workload | syscalls per request | by name |"
echo "|---|---|---|"
for arch in coroutine callback poll; do
  measure "zen $arch, keep-alive, 1 connection" target/release/zen-server --arch $arch -- zen-keepalive 1 20000
  measure "zen $arch, keep-alive, 16 connections" target/release/zen-server --arch $arch -- zen-keepalive 16 2000
done
for style in coroutine callback; do
  measure "hello $style, connection per request, 1 client" target/release/hello-server --style $style -- hello-close 1 3000
  measure "hello $style, connection per request, 16 clients" target/release/hello-server --style $style -- hello-close 16 300
  measure "zen $style, one-question conversation, 1 client" target/release/zen-server --arch $style -- zen-one 1 3000
  measure "zen $style, one-question conversation, 16 clients" target/release/zen-server --arch $style -- zen-one 16 300
done

for name in ${PEERS:-}; do
  mapfile -t zen < <(peer "$name" zen)
  measure "zen $name, keep-alive, 1 connection" "${zen[@]}" -- zen-keepalive 1 20000
  measure "zen $name, keep-alive, 16 connections" "${zen[@]}" -- zen-keepalive 16 2000
  if [[ $name != asyncio-* ]]; then
    mapfile -t hello < <(peer "$name" hello)
    measure "hello $name, connection per request, 1 client" "${hello[@]}" -- hello-close 1 3000
    measure "hello $name, connection per request, 16 clients" "${hello[@]}" -- hello-close 16 300
  fi
  measure "zen $name, one-question conversation, 1 client" "${zen[@]}" -- zen-one 1 3000
  measure "zen $name, one-question conversation, 16 clients" "${zen[@]}" -- zen-one 16 300
done
