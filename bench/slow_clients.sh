#!/usr/bin/env bash
# /metrics latency for a fresh client while the server is under a slow-client attack, for
# `steadystate serve` on its embedded default and, side by side in the same run, the anchor
# prometheus-node-exporter limited to the collectors scrape.sh uses (cpu, meminfo, loadavg,
# diskstats, filesystem).
#
# The attack (one python process, non-blocking sockets and `selectors`):
#   - SLOW_ATTACK (default 1000) connections, half idle (send nothing), half dripping (a
#     partial request head, then one byte of an endless header every ~1 s), bound round-robin
#     to the source addresses 127.0.0.2-254 and 127.0.1.1-254 (~2 per address), so that a
#     per-address connection limit (steadystate allows 256) is not what decides;
#   - 4 slow readers with a tiny SO_RCVBUF that read 8 bytes a second: they request /metrics,
#     and for steadystate two of them request the dashboard `/` instead;
#   - a connection the server closes is re-opened 0.1 s later (1 s after a failed connect),
#     so the attack is sustained past the servers' deadlines for idle and slow clients.
# The measurement starts once every attack connection has been open at least once (or after
# 60 s, and then says how many were): SLOW_SCRAPES (default 200) sequential `GET /metrics`
# from 127.0.0.1, each on a new connection with `Connection: close` (as Prometheus scrapes
# after a restart), 50 ms apart, each timed from connect to the last byte with a 10 s limit.
# A scrape that fails (timeout, reset, non-200, truncated or wrong body) counts as 10 s and
# as a failure. Before each attack, SLOW_BASELINE (default 50; 0 skips) scrapes without it
# give the unattacked figures. SCRAPE_GZIP=1 asks for gzip as Prometheus does.
#
# The servers are attacked one at a time (steadystate first), each with the whole machine
# (2 cores here) shared only with the attacker and the client, while the other server sits
# idle; attacking both at once would make each one's latency depend on the other's CPU use
# under attack and double the attacker's load on the same cores. Also printed for each
# server: how many attack connections were open during the measurement (the attacker's
# count, and the server-side ESTABLISHED sockets in /proc/net/tcp), and its private memory
# (RssAnon from /proc/PID/status, Private_Dirty from /proc/PID/smaps_rollup) before the
# attack, under it (after the measurement) and 3 s after it was withdrawn.
# Network: 127.0.0.0/8 only. Targets: steadystate's p99 under attack within 2x of
# node_exporter's and under 100 ms.
# Usage: bench/slow_clients.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: bench/slow_clients.sh BUILD_DIR}
bin=$build/app/steadystate
scrapes=${SLOW_SCRAPES:-200}
baseline=${SLOW_BASELINE:-50}
attack=${SLOW_ATTACK:-1000}
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

# Each attack connection is a descriptor in the server too: start both with the hard limit.
ulimit -S -n "$(ulimit -H -n)" 2>/dev/null || true
"$bin" serve --data "$work/data" --listen "127.0.0.1:$ss_port" >"$work/ss.log" 2>&1 &
ss_pid=$!
pids+=("$ss_pid")
prometheus-node-exporter --collector.disable-defaults --collector.cpu --collector.meminfo \
  --collector.loadavg --collector.diskstats --collector.filesystem \
  --web.listen-address="127.0.0.1:$ne_port" >"$work/ne.log" 2>&1 &
ne_pid=$!
pids+=("$ne_pid")

# The attacker; the client below runs one per server and stops it.
# Usage: attack.py PORT STATUS_FILE LIFETIME_S CONNECTIONS SLOW_READERS PATH[,PATH...]
cat >"$work/attack.py" <<'PY'
import ctypes, errno, heapq, json, os, random, resource, selectors, socket, sys, time

port, status_path = int(sys.argv[1]), sys.argv[2]
lifetime, n_attack, n_slow = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
slow_paths = sys.argv[6].split(",")
ctypes.CDLL(None).prctl(1, 15)  # PR_SET_PDEATHSIG: SIGTERM when the client dies

need = n_attack + n_slow + 64
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < need:
    if hard != resource.RLIM_INFINITY and hard < need:
        sys.exit(f"attack.py: RLIMIT_NOFILE hard limit {hard} < {need}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))

sources = [f"127.0.0.{i}" for i in range(2, 255)] + [f"127.0.1.{i}" for i in range(1, 255)]
IP_BIND_ADDRESS_NO_PORT = 24  # the port is picked at connect, by the whole 4-tuple
head = (f"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: drip\r\n"
        "X-Drip: ").encode()

class Slot:
    def __init__(self, index, kind, source, path=None):
        self.index, self.kind, self.source, self.path = index, kind, source, path
        self.sock, self.state, self.gen, self.ever = None, "down", 0, False

slots = []
for i in range(n_attack):
    slots.append(Slot(i, "idle" if i % 2 == 0 else "drip", sources[i % len(sources)]))
for j in range(n_slow):
    slots.append(Slot(n_attack + j, "slow", sources[(n_attack + j) % len(sources)],
                      slow_paths[j % len(slow_paths)]))

sel = selectors.DefaultSelector()
timers, seq = [], 0
stats = dict(opens=0, server_closes=0, connect_errors=0, slow_bytes=0, replies_to_attack=0)

def at(when, slot, action):
    global seq
    seq += 1
    heapq.heappush(timers, (when, seq, slot.index, slot.gen, action))

def drop(slot, delay, closed_by_server):
    if slot.sock is not None:
        try:
            sel.unregister(slot.sock)
        except (KeyError, ValueError):
            pass
        slot.sock.close()
    if closed_by_server:
        stats["server_closes"] += 1
    slot.sock, slot.state = None, "down"
    slot.gen += 1
    at(time.monotonic() + delay, slot, "open")

def open_slot(slot):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError:  # out of descriptors: try again later
        stats["connect_errors"] += 1
        at(time.monotonic() + 1.0, slot, "open")
        return
    slot.sock, slot.state = s, "connecting"
    try:
        s.setblocking(False)
        if slot.kind == "slow":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)  # the kernel's minimum
        s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        s.bind((slot.source, 0))
        rc = s.connect_ex(("127.0.0.1", port))
    except OSError as e:
        rc = e.errno
    if rc not in (0, errno.EINPROGRESS):
        stats["connect_errors"] += 1
        drop(slot, 1.0, False)
        return
    sel.register(s, selectors.EVENT_WRITE, slot)

def connected(slot):
    err = slot.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        stats["connect_errors"] += 1
        drop(slot, 1.0, False)
        return
    slot.state, slot.ever = "open", True
    stats["opens"] += 1
    now = time.monotonic()
    try:
        if slot.kind == "slow":
            sel.unregister(slot.sock)  # read by a timer, a few bytes at a time
            slot.sock.send(f"GET {slot.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Connection: close\r\n\r\n".encode())
            at(now + 1.0, slot, "read")
            return
        sel.modify(slot.sock, selectors.EVENT_READ, slot)  # to see the server close it
        if slot.kind == "drip":
            slot.sock.send(head)
            at(now + random.uniform(0.5, 1.5), slot, "drip")
    except OSError:
        drop(slot, 0.1, True)

def readable(slot):
    try:
        data = slot.sock.recv(4096)
    except BlockingIOError:
        return
    except OSError:
        data = b""
    if data:
        stats["replies_to_attack"] += 1  # e.g. 408; the close follows
    else:
        drop(slot, 0.1, True)

def timer(slot, action):
    if action == "open":
        open_slot(slot)
    elif action == "drip":
        try:
            slot.sock.send(b"a")
        except BlockingIOError:
            pass
        except OSError:
            drop(slot, 0.1, True)
            return
        at(time.monotonic() + random.uniform(0.8, 1.2), slot, "drip")
    elif action == "read":
        try:
            data = slot.sock.recv(8)
        except BlockingIOError:
            data = None
        except OSError:
            data = b""
        if data == b"":
            drop(slot, 0.1, True)
            return
        if data:
            stats["slow_bytes"] += len(data)
        at(time.monotonic() + 1.0, slot, "read")

def write_status():
    attack = slots[:n_attack]
    status = dict(stats,
                  open=sum(s.state == "open" for s in attack),
                  connecting=sum(s.state == "connecting" for s in attack),
                  ever=sum(s.ever for s in attack),
                  slow_open=sum(s.state == "open" for s in slots[n_attack:]),
                  slow_ever=sum(s.ever for s in slots[n_attack:]))
    with open(status_path + ".tmp", "w") as f:
        json.dump(status, f)
    os.replace(status_path + ".tmp", status_path)

start = time.monotonic()
for k, slot in enumerate(slots):
    at(start + k * 0.001, slot, "open")  # ~1 s to open them all
next_status = start
while time.monotonic() - start < lifetime:
    now = time.monotonic()
    wait = min(0.25, max(0.0, timers[0][0] - now)) if timers else 0.25
    for key, events in sel.select(wait):
        slot = key.data
        if slot.state == "connecting":
            connected(slot)
        elif slot.state == "open":
            readable(slot)
    now = time.monotonic()
    while timers and timers[0][0] <= now:
        _, _, index, gen, action = heapq.heappop(timers)
        slot = slots[index]
        if gen == slot.gen and (action == "open" or slot.state == "open"):
            timer(slot, action)
    if now >= next_status:
        write_status()
        next_status = now + 0.25
PY

phase=$((300 + (scrapes + baseline) / 2))  # warm-up, attack start, margins + the scrapes
budget=$((120 + 2 * phase))
# The client runs in the background so that INT/TERM reach the traps at once.
timeout "$budget" python3 - "$ss_pid" "$ss_port" "$ne_pid" "$ne_port" "$scrapes" "$baseline" \
  "$attack" "${SCRAPE_GZIP:-0}" "$work" <<'PY' &
import json, math, os, socket, subprocess, sys, time, zlib

ss_pid, ss_port, ne_pid, ne_port, scrapes, baseline, n_attack, gzip = map(int, sys.argv[1:9])
work = sys.argv[9]
LIMIT = 10.0  # seconds per scrape; a failure counts as this much
N_SLOW = 4

def fail(message):
    sys.exit(f"slow_clients.sh: {message}")

def request(port):
    return (f"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "User-Agent: slow_clients.sh\r\nAccept: text/plain;version=0.0.4\r\n"
            f"Accept-Encoding: {'gzip' if gzip else 'identity'}\r\n"
            "Connection: close\r\n\r\n").encode()

def scrape(port, needle):
    """(seconds, None) or (LIMIT, why it failed): one GET /metrics on a new connection."""
    t0 = time.monotonic()
    end = t0 + LIMIT
    data = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=LIMIT) as s:
            s.settimeout(max(0.001, end - time.monotonic()))
            s.sendall(request(port))
            while True:
                s.settimeout(max(0.001, end - time.monotonic()))
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
    except socket.timeout:
        return LIMIT, "timeout"
    except OSError as e:
        return LIMIT, f"error ({e.strerror or e})"
    elapsed = time.monotonic() - t0
    if elapsed > LIMIT:
        return LIMIT, "timeout"
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1.") or lines[0].split(b" ")[1:2] != [b"200"]:
        return LIMIT, f"status {lines[0][:40].decode(errors='replace')!r}"
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(b":")
        headers[key.strip().lower()] = value.strip()
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        plain, rest = b"", body
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            plain, rest = plain + rest[:size], rest[size + 2:]
        body = plain
    elif b"content-length" in headers and int(headers[b"content-length"]) != len(body):
        return LIMIT, "truncated body"
    try:
        if headers.get(b"content-encoding", b"").lower() == b"gzip":
            body = zlib.decompress(body, 31)
    except zlib.error:
        return LIMIT, "bad gzip body"
    if needle not in body:
        return LIMIT, "body without " + needle.decode()
    return elapsed, None

def wait_ready(pid, port, needle, timeout_s):
    deadline = time.monotonic() + timeout_s
    while True:
        if not os.path.exists(f"/proc/{pid}"):
            fail(f"server on port {port} exited during start-up")
        if scrape(port, needle)[1] is None:
            return
        if time.monotonic() > deadline:
            fail(f"no {needle.decode()} on port {port} after {timeout_s}s")
        time.sleep(0.2)

def private_mib(pid):
    """(RssAnon, Private_Dirty) in MiB."""
    def field(path, name):
        with open(path) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) / 1024
        return float("nan")
    return field(f"/proc/{pid}/status", "RssAnon"), field(f"/proc/{pid}/smaps_rollup",
                                                          "Private_Dirty")

def server_sockets(port):
    """Established TCP sockets on the server's side of `port` (accepted or in the backlog)."""
    count, local = 0, f":{port:04X}"
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1].endswith(local) and fields[3] == "01":
                count += 1
    return count

def read_status(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return None

def pct(values, q):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

def series(port, needle, count, budget_s):
    """Latencies and failures of `count` scrapes 50 ms apart; scrapes the budget leaves no
    time for count as failed."""
    latencies, failures, deadline = [], {}, time.monotonic() + budget_s
    for _ in range(count):
        if time.monotonic() > deadline:
            failures["not run: time budget"] = count - len(latencies)
            latencies += [LIMIT] * (count - len(latencies))
            break
        seconds, why = scrape(port, needle)
        latencies.append(seconds)
        if why:
            failures[why] = failures.get(why, 0) + 1
        yield_status()
        time.sleep(0.05)
    return latencies, failures

status_samples = []
current_status = None
def yield_status():
    if current_status:
        s = read_status(current_status)
        if s:
            status_samples.append(s)

servers = [("steadystate", ss_pid, ss_port, b"steadystate_host_cpu_utilisation_ratio",
            "/metrics,/"),
           ("node_exporter", ne_pid, ne_port, b"node_cpu_seconds_total", "/metrics")]
# steadystate's CPU utilisation needs two host samples (5 s apart by default).
for name, pid, port, needle, _ in servers:
    wait_ready(pid, port, needle, 60)

results = {}
for name, pid, port, needle, slow_paths in servers:
    for _ in range(10):
        scrape(port, needle)  # warm-up
    current_status = None
    base = series(port, needle, baseline, 60 + baseline * 0.5) if baseline else None
    mem_before = private_mib(pid)
    status_path = os.path.join(work, f"attack-{name}.json")
    lifetime = 60 + 30 + scrapes * 0.5 + 30
    attacker = subprocess.Popen([sys.executable, os.path.join(work, "attack.py"), str(port),
                                 status_path, str(lifetime), str(n_attack), str(N_SLOW),
                                 slow_paths])
    try:
        t0 = time.monotonic()
        status = None
        while time.monotonic() - t0 < 60:
            if attacker.poll() is not None:
                fail(f"the attacker exited ({attacker.returncode}) against {name}")
            status = read_status(status_path)
            if status and status["ever"] == n_attack and status["slow_ever"] == N_SLOW:
                break
            time.sleep(0.1)
        established_s = time.monotonic() - t0
        start_status = status or {}
        sockets_start = server_sockets(port)
        status_samples.clear()
        current_status = status_path
        latencies, failures = series(port, needle, scrapes, 60 + scrapes * 0.5)
        current_status = None
        sockets_end = server_sockets(port)
        if attacker.poll() is not None:
            fail(f"the attacker exited ({attacker.returncode}) during the scrapes of {name}")
        end_status = read_status(status_path) or {}
        if not os.path.exists(f"/proc/{pid}"):
            fail(f"{name} exited under the attack")
        mem_under = private_mib(pid)
    finally:
        attacker.terminate()
        try:
            attacker.wait(10)
        except subprocess.TimeoutExpired:
            attacker.kill()
            attacker.wait()
    time.sleep(3)
    mem_after = private_mib(pid)
    opens = [s["open"] for s in status_samples] or [start_status.get("open", 0)]
    results[name] = dict(base=base, latencies=latencies, failures=failures,
                         established_s=established_s, start=start_status, end=end_status,
                         open_min=min(opens), open_max=max(opens),
                         slow_min=min(s.get("slow_open", 0)
                                      for s in status_samples or [start_status]),
                         sockets=(sockets_start, sockets_end),
                         mem=(mem_before, mem_under, mem_after))

def verdict(ok):
    return "met" if ok else "MISSED"

def ms(seconds):
    return f"{seconds * 1e3:7.2f} ms"

enc = "gzip" if gzip else "identity"
print(f"slow-client attack: {n_attack} connections ({n_attack - n_attack // 2} idle, "
      f"{n_attack // 2} dripping 1 byte/s) from 127.0.0.2-127.0.1.254, {N_SLOW} slow readers "
      f"(8 bytes/s); {scrapes} scrapes ({enc}), each on a new connection, 50 ms apart, "
      f"{LIMIT:g} s limit; one server attacked at a time:")
for name, r in results.items():
    print(f"  {name}" + ("" if name == "steadystate" else " (anchor)"))
    if r["base"]:
        lat, fails = r["base"]
        print(f"    unattacked:   p50 {ms(pct(lat, .5))}  p99 {ms(pct(lat, .99))}  "
              f"max {ms(max(lat))}  failures {sum(fails.values())}/{len(lat)}"
              + (f" {fails}" if fails else ""))
    lat, fails = r["latencies"], r["failures"]
    print(f"    under attack: p50 {ms(pct(lat, .5))}  p99 {ms(pct(lat, .99))}  "
          f"max {ms(max(lat))}  failures {sum(fails.values())}/{len(lat)}"
          + (f" {fails}" if fails else ""))
    s, e = r["start"], r["end"]
    opened = ("all opened" if s.get("ever") == n_attack
              else f"ONLY {s.get('ever', 0)}/{n_attack} EVER OPENED")
    print(f"    attack: {opened} in {r['established_s']:.1f} s; open during the scrapes "
          f"{r['open_min']}-{r['open_max']}/{n_attack}, slow readers >= {r['slow_min']}/{N_SLOW}; "
          f"server-side established sockets {r['sockets'][0]} at start, {r['sockets'][1]} at end")
    print(f"    attacker totals: {e.get('opens', 0)} connects, {e.get('server_closes', 0)} closed "
          f"by the server (re-opened), {e.get('connect_errors', 0)} failed connects, "
          f"{e.get('replies_to_attack', 0)} replies to idle/dripping, "
          f"{e.get('slow_bytes', 0)} bytes slow-read")
    (a0, d0), (a1, d1), (a2, d2) = r["mem"]
    print(f"    private memory MiB (before / under attack / 3 s after): RssAnon {a0:.1f} / "
          f"{a1:.1f} / {a2:.1f}; Private_Dirty {d0:.1f} / {d1:.1f} / {d2:.1f}")
ss_p99 = pct(results["steadystate"]["latencies"], .99)
ne_p99 = pct(results["node_exporter"]["latencies"], .99)
ratio = ss_p99 / ne_p99
print(f"  p99 under attack steadystate/node_exporter: {ratio:.2f}x  "
      f"(target <= 2x: {verdict(ratio <= 2)}); steadystate p99 {ss_p99 * 1e3:.2f} ms "
      f"(target < 100 ms: {verdict(ss_p99 < 0.1)})")
PY
client=$!
pids+=("$client")
if ! wait "$client"; then
  echo "slow_clients.sh: failed; server logs:" >&2
  tail -n 20 "$work/ss.log" "$work/ne.log" >&2
  exit 1
fi
