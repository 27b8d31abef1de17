#!/bin/bash
# System calls per message, server against relay: runs one bench scenario (default: chat --quick,
# one run) with `strace -c -f` attached to each target process, and prints the socket calls each
# made. The I/O floor of the message path (docs/performance.md "Message path against the batching
# relay"): strace slows both targets, so read the counts, never the bench's timings.
#
#   bash bench/syscalls.sh [scenario] [extra bench args…]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v strace >/dev/null || { echo "strace is not installed (apt-get install strace)" >&2; exit 1; }
scenario=${1:-chat}
shift || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npx tsx bench/run.ts --scenario "$scenario" --quick --runs 1 --out "$tmp/results" "$@" >"$tmp/bench.txt" 2>&1 &
bench=$!
declare -A seen
while kill -0 "$bench" 2>/dev/null; do
  for pid in $(pgrep -f 'server/src/main.ts|bench/relay.ts' || true); do
    [[ -n "${seen[$pid]:-}" ]] && continue
    grep -qx node "/proc/$pid/comm" 2>/dev/null || continue
    seen[$pid]=1
    target=$(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q relay.ts && echo relay || echo server)
    strace -c -f -p "$pid" -o "$tmp/strace.$target.$pid" 2>/dev/null &
  done
  sleep 0.1
done
wait "$bench" || { cat "$tmp/bench.txt"; exit 1; }
sleep 1
grep -E '^(messages sent|delivered msgs/s|light: delivered)' "$tmp/bench.txt" || true
# The bench starts more than one process per target (fixtures, a warm-up): the one that wrote the
# most is the measured run's.
for target in relay server; do
  best=$(for f in "$tmp"/strace."$target".*; do
    if [[ -s "$f" ]]; then echo "$(awk '$NF == "sendto" { print $4 }' "$f" | head -1) $f"; fi
  done | sort -n | tail -1 | cut -d' ' -f2 || true)
  [[ -n "$best" ]] || continue
  # strace -c columns: % time, seconds, usecs/call, calls, [errors], syscall.
  awk -v t="$target" '$NF ~ /^(sendto|sendmsg|recvfrom|recvmsg|epoll_pwait|epoll_wait|writev|total)$/ {
    printf "%-7s %-12s %10s calls\n", t, $NF, $4 }' "$best"
done
