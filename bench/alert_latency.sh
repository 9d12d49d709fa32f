#!/usr/bin/env bash
# End-to-end CPU-spike alert latency: from the instant a CPU burn starts (stress-ng --cpu 0,
# every core) to the notification arriving at a loopback webhook receiver, for steadystate
# and, side by side on the same burn, the anchor pipeline node_exporter -> Prometheus ->
# Alertmanager.
#
#   steadystate  host.interval 1s; alert cpu_utilisation above 0.80 for 0s; a webhook
#                notifier (format alertmanager) POSTing to /steadystate/RUN
#   anchor       node_exporter (cpu collector); Prometheus scraping and evaluating every 1s
#                `1 - avg(irate(node_cpu_seconds_total{mode="idle"}[5s])) > 0.80` for 0s
#                (irate: the last two scrapes, Prometheus's fastest honest reaction);
#                Alertmanager with group_wait 0s, group_interval 1s and a webhook receiver
#                POSTing to /prometheus/RUN
#
# Every run starts both pipelines afresh on new ports: each pipeline's 1 s cycles keep the
# phase they start with (steadystate's from its start; Prometheus's scrape and evaluation
# offsets are hashed from the target and group), so only restarting varies how they line
# up with each other. A run then waits until the machine is quiet (CPU below 0.30 for 3 s
# in a row) and no alert is pending or firing, sleeps a random 0-1 s (a random burn phase),
# takes t0 (CLOCK_MONOTONIC, shared by every process), starts stress-ng, waits for both
# firing notifications (at most 60 s), stops the burn and both pipelines. It prints both
# latencies and, from the notified alert's startsAt, when the alert fired (steadystate's
# host tick, Prometheus's rule evaluation); the rest is the notification path. Then the
# medians over all runs.
# Usage: bench/alert_latency.sh BUILD_DIR [RUNS]   (default 3 runs)
set -euo pipefail
build=${1:?usage: bench/alert_latency.sh BUILD_DIR [RUNS]}
runs=${2:-3}
bin=$build/app/steadystate
for tool in prometheus promtool prometheus-alertmanager prometheus-node-exporter stress-ng; do
  command -v "$tool" >/dev/null || {
    echo "alert_latency.sh: $tool not found (scripts/install-deps bench)" >&2
    exit 1
  }
done
work=$(mktemp -d)
pids=()

# Stops the given pids (SIGTERM, SIGKILL after 10 s) and reaps them.
stop() {
  local pid alive
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "$@"; do
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  if [[ -s $work/stress.pgid ]]; then kill -- "-$(cat "$work/stress.pgid")" 2>/dev/null || true; fi
  ((${#pids[@]} == 0)) || stop "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
recv_port=$(port)

# The receiver, up for all runs: answers 200 to every POST and appends one JSON line per
# request (arrival time, path, status, the first alert's startsAt) to events.jsonl.
# Bounded lifetime in case the trap never runs.
python3 - "$recv_port" "$work/events.jsonl" <<'PY' >"$work/receiver.log" 2>&1 &
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, path = int(sys.argv[1]), sys.argv[2]
log = open(path, "a", buffering=1)
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        arrived, wall = time.monotonic(), time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        try:
            doc = json.loads(body)
            status, starts_at = doc["status"], doc["alerts"][0]["startsAt"]
        except (ValueError, TypeError, KeyError, IndexError):
            status, starts_at = "unparsed", None
        with lock:
            log.write(json.dumps({"mono": arrived, "wall": wall, "path": self.path,
                                  "status": status, "startsAt": starts_at}) + "\n")

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
threading.Timer(3600, server.shutdown).start()
server.serve_forever()
PY
pids+=("$!")

# One run, given RUN DIR SS_URL PROM_URL AM_URL "PIDS": waits for the pipelines, burns,
# appends {"steadystate": [latency, fired], "prometheus": [...]} to results.jsonl.
cat >"$work/run.py" <<'PY'
import datetime, json, os, random, re, signal, subprocess, sys, time, urllib.parse
import urllib.request

run, work = sys.argv[1], sys.argv[2]
ss, prom, am = sys.argv[3:6]
daemons = [int(pid) for pid in sys.argv[6].split()]
paths = {f"/steadystate/{run}": "steadystate", f"/prometheus/{run}": "prometheus"}
events_path = os.path.join(work, "events.jsonl")
QUIET = 0.30

def get(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read()

def check_alive():
    for pid in daemons:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    continue
        except FileNotFoundError:
            pass
        sys.exit(f"alert_latency.sh: run {run}: a pipeline process ({pid}) exited")

def wait_for(what, check, timeout_s):
    deadline = time.monotonic() + timeout_s
    while True:
        check_alive()
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"alert_latency.sh: run {run}: no {what} after {timeout_s}s")
        time.sleep(0.25)

def events():
    try:
        with open(events_path) as f:
            return [e for e in map(json.loads, filter(str.strip, f)) if e["path"] in paths]
    except FileNotFoundError:
        return []

def cpu_busy_over(seconds):
    def read():
        with open("/proc/stat") as f:
            v = [float(x) for x in f.readline().split()[1:]]
        return sum(v), v[3]  # total, idle
    t0, i0 = read()
    time.sleep(seconds)
    t1, i1 = read()
    return 1 - (i1 - i0) / (t1 - t0) if t1 > t0 else 0.0

def alerts_quiet():
    if any(a.get("state") in ("pending", "firing") for a in json.loads(get(f"{ss}/api/v1/alerts"))):
        return False
    if json.loads(get(f"{prom}/api/v1/alerts"))["data"]["alerts"]:
        return False
    if json.loads(get(f"{am}/api/v2/alerts?active=true")):
        return False
    last = {}
    for e in events():
        last[e["path"]] = e["status"]
    return all(s != "firing" for s in last.values())

def wall_seconds(rfc3339):
    # Alertmanager may send nanoseconds; datetime takes at most microseconds.
    text = re.sub(r"(\.\d{6})\d+", r"\1", rfc3339).replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(text).timestamp()

# Up: Prometheus and Alertmanager ready, Prometheus has scraped node_exporter twice (the
# rule's expression has a value), steadystate has a CPU utilisation (two host samples).
wait_for("Prometheus and Alertmanager",
         lambda: get(f"{prom}/-/ready") is not None and get(f"{am}/-/ready") is not None, 60)
wait_for("CPU utilisation from steadystate",
         lambda: b"steadystate_host_cpu_utilisation_ratio" in get(f"{ss}/metrics"), 60)
expr = '1 - avg(irate(node_cpu_seconds_total{mode="idle"}[5s]))'
wait_for("value of the rule's expression in Prometheus",
         lambda: json.loads(get(f"{prom}/api/v1/query?" + urllib.parse.urlencode(
             {"query": expr})))["data"]["result"], 60)

# Quiet: 3 consecutive seconds below QUIET and no alert anywhere (at most 120 s).
deadline = time.monotonic() + 120
calm = 0
while calm < 3:
    if time.monotonic() > deadline:
        sys.exit(f"alert_latency.sh: run {run}: the machine or an alert did not calm down "
                 "in 120s (is something else running?)")
    check_alive()
    busy = cpu_busy_over(1.0)
    try:
        quiet = busy < QUIET and alerts_quiet()
    except OSError:
        quiet = False
    calm = calm + 1 if quiet else 0

time.sleep(random.uniform(0, 1))
t0, t0_wall = time.monotonic(), time.time()
# A session of its own so the whole burn (parent and workers) can be killed by pgid;
# --timeout bounds it even if everything else dies.
burn = subprocess.Popen(["stress-ng", "--cpu", "0", "--timeout", "90s", "--quiet"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        start_new_session=True)
with open(os.path.join(work, "stress.pgid"), "w") as f:
    f.write(str(burn.pid))
result = {}
try:
    while len(result) < 2 and time.monotonic() - t0 < 60:
        for e in events():
            name = paths[e["path"]]
            if e["status"] == "firing" and e["mono"] >= t0 and name not in result:
                # startsAt: wall clock, millisecond precision.
                result[name] = [e["mono"] - t0, wall_seconds(e["startsAt"]) - t0_wall]
        time.sleep(0.02)
finally:
    os.killpg(burn.pid, signal.SIGTERM)
    burn.wait(timeout=10)
    os.remove(os.path.join(work, "stress.pgid"))

def show(name):
    if name not in result:
        return "none in 60 s" + " " * 16
    latency, fired = result[name]
    return f"{latency:6.3f} s (fired +{fired:5.3f} s)"

ratio = (f"{result['prometheus'][0] / result['steadystate'][0]:5.2f}x"
         if len(result) == 2 else "  n/a")
print(f"  run {run}: steadystate {show('steadystate')}  prometheus stack "
      f"{show('prometheus')}  ratio prometheus/steadystate {ratio}", flush=True)
with open(os.path.join(work, "results.jsonl"), "a") as f:
    f.write(json.dumps(result) + "\n")
sys.exit(0 if len(result) == 2 else f"alert_latency.sh: run {run}: a pipeline did not notify")
PY

for run in $(seq "$runs"); do
  dir=$work/run$run
  mkdir "$dir"
  ss_port=$(port)
  ne_port=$(port)
  prom_port=$(port)
  am_port=$(port)
  cat >"$dir/steadystate.yaml" <<EOF
host: {interval: 1s}
alerts:
  - {name: HostCpuHigh, metric: cpu_utilisation, above: 0.80, for: 0s, severity: critical,
     notify: [hook]}
notifiers:
  - {name: hook, webhook: {url: "http://127.0.0.1:$recv_port/steadystate/$run", format: alertmanager}}
EOF
  cat >"$dir/rules.yml" <<'EOF'
groups:
  - name: bench
    interval: 1s
    rules:
      - alert: HostCpuHigh
        expr: 1 - avg(irate(node_cpu_seconds_total{mode="idle"}[5s])) > 0.80
        for: 0s
        labels: {severity: critical}
EOF
  cat >"$dir/prometheus.yml" <<EOF
global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
rule_files: ["$dir/rules.yml"]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:$am_port"]}]
scrape_configs:
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$ne_port"]}]
EOF
  cat >"$dir/alertmanager.yml" <<EOF
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{url: "http://127.0.0.1:$recv_port/prometheus/$run", send_resolved: true}]
EOF
  "$bin" check-config "$dir/steadystate.yaml" >/dev/null
  promtool check rules "$dir/rules.yml" >/dev/null
  promtool check config "$dir/prometheus.yml" >/dev/null

  run_pids=()
  "$bin" serve --config "$dir/steadystate.yaml" --data "$dir/ss-data" \
    --listen "127.0.0.1:$ss_port" >"$dir/steadystate.log" 2>&1 &
  run_pids+=("$!")
  prometheus-node-exporter --collector.disable-defaults --collector.cpu \
    --web.listen-address="127.0.0.1:$ne_port" >"$dir/node_exporter.log" 2>&1 &
  run_pids+=("$!")
  prometheus-alertmanager --config.file="$dir/alertmanager.yml" --storage.path="$dir/am-data" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
    >"$dir/alertmanager.log" 2>&1 &
  run_pids+=("$!")
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prom-data" \
    --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
  run_pids+=("$!")
  pids+=("${run_pids[@]}")

  # In the background so that INT/TERM reach the traps at once.
  timeout 300 python3 "$work/run.py" "$run" "$work" "http://127.0.0.1:$ss_port" \
    "http://127.0.0.1:$prom_port" "http://127.0.0.1:$am_port" "${run_pids[*]}" &
  driver=$!
  pids+=("$driver")
  if ! wait "$driver"; then
    echo "alert_latency.sh: run $run failed; logs:" >&2
    tail -n 15 "$dir"/*.log >&2
    exit 1
  fi
  stop "${run_pids[@]}"
  pids=("${pids[0]}")
done

python3 - "$work/results.jsonl" <<'PY'
import json, sys

results = [json.loads(line) for line in open(sys.argv[1])]

def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

ms, fs, mp, fp = (median([r[name][i] for r in results])
                  for name in ("steadystate", "prometheus") for i in (0, 1))
print(f"  median of {len(results)}: steadystate {ms:.3f} s (fired +{fs:.3f} s)  "
      f"prometheus stack {mp:.3f} s (fired +{fp:.3f} s)  ratio {mp / ms:.2f}x")
print(f"  target steadystate <= 1.1 s (one interval + 100 ms): "
      f"{'met' if ms <= 1.1 else 'MISSED'}; faster than the Prometheus stack: "
      f"{'met' if ms < mp else 'MISSED'}")
PY
