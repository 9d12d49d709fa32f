#!/usr/bin/env bash
# CPU and bytes per /metrics scrape, and resident memory, of `steadystate serve` on its
# embedded default, side by side with the anchor prometheus-node-exporter limited to the
# collectors that cover the same data (cpu, meminfo, loadavg, diskstats, filesystem).
# Both run at once. Requests are plain text (Accept: text/plain;version=0.0.4, no
# compression; SCRAPE_GZIP=1 asks for gzip as Prometheus does) over keep-alive
# connections, reopened when the server closes them, as Prometheus's client does.
#
#   burst: after 50 warm-up scrapes, each server is scraped N times in a row, one request
#          at a time; its CPU is counted over its own N scrapes only.
#   paced: PACED_SCRAPES (default 8) scrapes of both, PACED_INTERVAL (default 3) seconds
#          apart, as Prometheus scrapes; CPU per scrape is that window's CPU minus the
#          CPU of an unscraped window of the same length measured just before it, so it
#          includes whatever a server does after answering (idle keep-alive connections).
#          PACED_SCRAPES=0 skips it.
#
# A server's CPU is the sum over its threads of /proc/PID/task/*/schedstat (ns); the
# client's is not counted. RSS (VmRSS, and RssAnon: the part not backed by files such as
# the binary and shared libraries) is read after the burst.
# Usage: bench/scrape.sh BUILD_DIR [N]
set -euo pipefail
build=${1:?usage: bench/scrape.sh BUILD_DIR [N]}
scrapes=${2:-500}
bin=$build/app/steadystate
work=$(mktemp -d)
pids=()
# Stops what this script started (by pid; SIGKILL after 10 s) and removes the temp dir.
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
ss_port=$(port)
ne_port=$(port)

"$bin" serve --data "$work/data" --listen "127.0.0.1:$ss_port" >"$work/ss.log" 2>&1 &
ss_pid=$!
pids+=("$ss_pid")
prometheus-node-exporter --collector.disable-defaults --collector.cpu --collector.meminfo \
  --collector.loadavg --collector.diskstats --collector.filesystem \
  --web.listen-address="127.0.0.1:$ne_port" >"$work/ne.log" 2>&1 &
ne_pid=$!
pids+=("$ne_pid")

paced=${PACED_SCRAPES:-8}
interval=${PACED_INTERVAL:-3}
budget=$(python3 -c "print(int(120 + 2 * $paced * $interval + $scrapes * 0.1))")
# The client runs in the background so that INT/TERM reach the traps at once.
timeout "$budget" python3 - "$scrapes" "$ss_pid" "$ss_port" "$ne_pid" "$ne_port" \
  "${SCRAPE_GZIP:-0}" "$paced" "$interval" <<'PY' &
import glob, http.client, os, sys, time, zlib

scrapes, ss_pid, ss_port, ne_pid, ne_port, gzip, paced = map(int, sys.argv[1:8])
interval = float(sys.argv[8])
headers = {"Accept": "text/plain;version=0.0.4",
           "Accept-Encoding": "gzip" if gzip else "identity"}

def cpu_ns(pid):
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that exited between glob and open
    return total

def rss_kib(pid):
    """(VmRSS, RssAnon) in KiB: all resident pages, and those not backed by a file."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value
    return int(fields["VmRSS"].split()[0]), int(fields["RssAnon"].split()[0])

def scrape(conn):
    # A keep-alive connection the server has closed fails on first use; retry once on a
    # new one, as Go's HTTP client (Prometheus) does for a GET.
    for attempt in (1, 2):
        try:
            conn.request("GET", "/metrics", headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            break
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            if attempt == 2:
                raise
    if resp.status != 200:
        raise RuntimeError(f"/metrics answered {resp.status}")
    return body, resp.getheader("Content-Encoding") == "gzip"

def wait_ready(pid, port, needle, timeout_s):
    deadline = time.monotonic() + timeout_s
    while True:
        if not os.path.exists(f"/proc/{pid}"):
            sys.exit(f"scrape.sh: server on port {port} exited during start-up")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            body, gzipped = scrape(conn)
            if needle in (zlib.decompress(body, 31) if gzipped else body):
                return conn
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"scrape.sh: no {needle.decode()} on port {port} after {timeout_s}s")
        time.sleep(0.2)

# steadystate's CPU utilisation needs two host samples (5 s apart by default).
servers = {"steadystate": (ss_pid, wait_ready(ss_pid, ss_port,
                                              b"steadystate_host_cpu_utilisation_ratio", 30)),
           "node_exporter": (ne_pid, wait_ready(ne_pid, ne_port, b"node_cpu_seconds_total", 30))}
for _, conn in servers.values():
    for _ in range(50):
        scrape(conn)
time.sleep(3)  # past steadystate's 2 s keep-alive timeout: both start from the same state

def verdict(ok):
    return "met" if ok else "MISSED"

burst = {}
for name, (pid, conn) in servers.items():
    cpu0, t0 = cpu_ns(pid), time.monotonic()
    size = 0  # on the wire: compressed when gzip was asked for and given
    for _ in range(scrapes):
        size += len(scrape(conn)[0])
    cpu1, t1 = cpu_ns(pid), time.monotonic()
    burst[name] = ((cpu1 - cpu0) / scrapes / 1e6, size / scrapes, rss_kib(pid), t1 - t0)

ss, ne = burst["steadystate"], burst["node_exporter"]
enc = "gzip" if gzip else "identity"
print(f"burst: {scrapes} sequential scrapes each ({enc}), after 50 warm-up scrapes:")
for name, (cpu_ms, size, (rss, anon), secs) in burst.items():
    role = "" if name == "steadystate" else "  (anchor)"
    print(f"  {name:<13} cpu {cpu_ms:7.3f} ms/scrape  {size / 1024:6.1f} KiB/scrape  "
          f"rss {rss / 1024:5.1f} MiB (anon {anon / 1024:4.1f})  "
          f"wall {secs / scrapes * 1e3:6.2f} ms/scrape{role}")
cpu_ratio, rss_ratio = ne[0] / ss[0], ss[2][0] / ne[2][0]
print(f"  cpu per scrape node_exporter/steadystate: {cpu_ratio:.2f}x  "
      f"(target >= 5x: {verdict(cpu_ratio >= 5)})")
print(f"  rss steadystate/node_exporter: {rss_ratio:.2f}x  (target <= 1x: {verdict(rss_ratio <= 1)}); "
      f"anon only: {ss[2][1] / ne[2][1]:.2f}x")
print(f"  bytes per scrape steadystate/node_exporter: {ss[1] / ne[1]:.2f}x")

if paced > 0:
    time.sleep(3)
    window = paced * interval
    idle0 = {n: cpu_ns(p) for n, (p, _) in servers.items()}
    time.sleep(window)
    idle1 = {n: cpu_ns(p) for n, (p, _) in servers.items()}
    start = time.monotonic()
    for i in range(paced):
        for _, conn in servers.values():
            scrape(conn)
        time.sleep(max(0.0, start + (i + 1) * interval - time.monotonic()))
    busy1 = {n: cpu_ns(p) for n, (p, _) in servers.items()}
    per = {n: ((busy1[n] - idle1[n]) - (idle1[n] - idle0[n])) / paced / 1e6 for n in servers}
    print(f"paced: {paced} scrapes of both, {interval:g}s apart, "
          f"minus an unscraped {window:g}s window:")
    for name in servers:
        idle_ms = (idle1[name] - idle0[name]) / window / 1e6
        role = "" if name == "steadystate" else "  (anchor)"
        print(f"  {name:<13} cpu {per[name]:7.3f} ms/scrape  (idle {idle_ms:.3f} ms/s){role}")
    ratio = per["node_exporter"] / per["steadystate"]
    print(f"  cpu per scrape node_exporter/steadystate: {ratio:.2f}x  "
          f"(target >= 5x: {verdict(ratio >= 5)})")
PY
client=$!
pids+=("$client")
if ! wait "$client"; then
  echo "scrape.sh: failed; server logs:" >&2
  tail -n 20 "$work/ss.log" "$work/ne.log" >&2
  exit 1
fi
