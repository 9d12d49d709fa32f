#!/usr/bin/env bash
# Idle cost of `steadystate serve` on its embedded default, side by side with the anchor
# prometheus-node-exporter (default collectors) over the same window. Reads utime+stime
# and VmRSS from /proc; neither is scraped during the window.
# Usage: bench/idle.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=${1:?usage: bench/idle.sh BUILD_DIR [SECONDS]}
seconds=${2:-60}
bin=$build/app/steadystate
work=$(mktemp -d)
trap 'kill $ss_pid $ne_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

"$bin" serve --data "$work/data" --listen "127.0.0.1:$(port)" 2>"$work/ss.log" &
ss_pid=$!
prometheus-node-exporter --web.listen-address="127.0.0.1:$(port)" 2>"$work/ne.log" &
ne_pid=$!
sleep 3  # let both finish starting

# Nanoseconds on CPU, all threads (schedstat is finer than the 10 ms ticks of /proc/PID/stat).
cpu_ns() { cat /proc/$1/task/*/schedstat | awk '{s += $1} END {printf "%d", s}'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

ss0=$(cpu_ns $ss_pid); ne0=$(cpu_ns $ne_pid)
sleep "$seconds"
ss1=$(cpu_ns $ss_pid); ne1=$(cpu_ns $ne_pid)
ss_rss=$(rss_kb $ss_pid); ne_rss=$(rss_kb $ne_pid)

python3 - "$seconds" "$ss0" "$ss1" "$ne0" "$ne1" "$ss_rss" "$ne_rss" <<'PY'
import sys
secs, ss0, ss1, ne0, ne1, ss_rss, ne_rss = map(float, sys.argv[1:])
ss_cpu = (ss1 - ss0) / 1e9 / secs * 100
ne_cpu = (ne1 - ne0) / 1e9 / secs * 100
print(f"idle over {secs:.0f}s (unscraped):")
print(f"  steadystate   rss {ss_rss/1024:6.1f} MiB  cpu {ss_cpu:6.3f}% of a core  (targets: < 25 MiB, < 0.5%)")
print(f"  node_exporter rss {ne_rss/1024:6.1f} MiB  cpu {ne_cpu:6.3f}% of a core  (anchor)")
print(f"  ratio steadystate/node_exporter: rss {ss_rss/ne_rss:.2f}x")
PY
