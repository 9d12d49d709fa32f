// ProbeEngine: probes every configured service on its own schedule (DESIGN.md §3, §7).
//
// All HTTP(S) and TCP probes run on ONE libcurl multi handle driven by one loop thread;
// DNS probes run on small worker threads (libresolv blocks) and report back to the loop,
// which enforces every probe's timeout. Each service is probed every `probe.interval`,
// starting at a deterministic offset within the interval (a hash of its name) so that many
// services never fire together, on the Clock's monotonic time: a wall-clock jump moves
// result stamps, never the schedule. A run that falls more than an interval behind skips
// the missed runs; a service is never probed twice at once.
//
// A hanging, resetting, garbage-sending or huge-body target fails within its `timeout`
// (libcurl's CURLOPT_TIMEOUT_MS) and never delays other probes: nothing on the loop blocks
// except curl_multi_poll, whose wait is bounded by the next due probe.
//
// HTTP: method, headers, body, valid_status, body_regex (RE2 search over at most
// the first ProbeEngineOptions::max_body_bytes; a body with no regex is read and
// discarded), redirects, TLS verified by default (tls.ca_file, tls.insecure_skip_verify),
// earliest certificate expiry of the served chain. Results go to `sink` on the loop thread.
//
// Threading: the constructor, Start and Stop are called from one owner thread; Wake is
// thread-safe. The Clock must outlive the engine.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "collector/probe/probe_result.h"
#include "common/clock.h"
#include "config/config.h"

namespace steadystate::collector {

struct ProbeEngineOptions {
  size_t dns_workers = 2;
  size_t max_body_bytes = 1 << 20;  // body_regex is searched in at most this much
};

class ProbeEngine {
 public:
  using Sink = std::function<void(const ProbeResult&)>;

  // Services without a `probe` are ignored. `sink` runs on the loop thread and must not
  // block for long (it delays other probes' completion handling, not their timeouts).
  ProbeEngine(std::vector<config::ServiceConfig> services, const Clock& clock, Sink sink,
              ProbeEngineOptions options = {});
  ~ProbeEngine();  // Stop()
  ProbeEngine(const ProbeEngine&) = delete;
  ProbeEngine& operator=(const ProbeEngine&) = delete;

  // Starts the loop and DNS worker threads; each service's first probe is due at
  // Start's monotonic time + StartOffset. Stop() ends the loop, abandoning probes in
  // flight (no result), and joins; a DNS worker stuck in a query is joined when the
  // query's own timeout ends. Idempotent.
  void Start();
  void Stop();

  // Makes the loop re-read the clock now (tests call it after FakeClock::Advance).
  void Wake();

  // Probes started so far (for tests and the daemon's self-metrics). Thread-safe.
  size_t probes_started() const { return started_.load(); }

  // Where in its interval a service's probes start: FNV-1a of the name modulo interval.
  static Duration StartOffset(std::string_view service, Duration interval);

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
  std::atomic<size_t> started_{0};
};

}  // namespace steadystate::collector
