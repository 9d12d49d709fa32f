// ProbeResult: the outcome of one probe of one service (DESIGN.md §3), its compact stored
// form, and the pure mapping from a result to the store writes it causes (a raw event in
// Family::kProbe and a minute RollupUpdate for series store::SeriesName::Probe(service)).
//
// A failed probe is a value, never an Error: `success` is false and `error_class` says why
// in one of the words users alert on. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "config/config.h"
#include "store/store.h"

namespace steadystate::collector {

// The error classes, exactly as they appear in results, metrics and the API.
inline constexpr std::string_view kErrorTimeout = "timeout";  // no answer within `timeout`
inline constexpr std::string_view kErrorConnect = "connect";  // refused, reset, empty reply
inline constexpr std::string_view kErrorDns = "dns";          // name did not resolve
inline constexpr std::string_view kErrorTls = "tls";          // handshake or verification
inline constexpr std::string_view kErrorStatus = "status";    // HTTP status not in valid_status
inline constexpr std::string_view kErrorBody = "body";  // body_regex no match, malformed reply

// Phase timings as blackbox_exporter splits an HTTP probe (probe_http_duration_seconds).
// A phase that did not happen (no TLS, a DNS probe) is zero. For DNS probes `resolve` is
// the lookup time (probe_dns_lookup_time_seconds).
struct PhaseTimings {
  Duration resolve{0};     // name lookup
  Duration connect{0};     // TCP connect
  Duration tls{0};         // TLS handshake
  Duration processing{0};  // request sent -> first response byte
  Duration transfer{0};    // first byte -> last byte
  friend bool operator==(const PhaseTimings&, const PhaseTimings&) = default;
};

struct ProbeResult {
  std::string service;
  config::ProbeKind kind = config::ProbeKind::kHttp;
  Timestamp time;  // wall time the probe started
  bool success = false;
  Duration duration{0};     // start to finish (or to the timeout)
  int http_status = 0;      // 0 for non-HTTP probes and when no response arrived
  std::string error_class;  // "" on success, else one of the kError* words
  std::string error;        // short human text; never a URL path, query or credential
  PhaseTimings phases;
  std::optional<Timestamp> cert_expiry;  // earliest notAfter in the served chain (TLS only)
  // How late the engine started the probe after it was due (monotonic clock): the schedule
  // accuracy (bench/schedule_bench). Not stored.
  std::chrono::microseconds start_delay{0};
  friend bool operator==(const ProbeResult&, const ProbeResult&) = default;
};

// The stored payload: one line of tab-separated fields, version-tagged ("p1"):
//   p1 kind(h|t|d) success duration_ms status class resolve connect tls processing transfer
//   cert_expiry_ms(or empty) error Service and
// time are not repeated: they are the event's series and key.
std::string SerializeProbeResult(const ProbeResult& result);
// The inverse; `service` and `time` come from the event's series and key. kCorruption on a
// payload this build cannot read.
Result<ProbeResult> ParseProbeResult(std::string_view payload, std::string service, Timestamp time);

// The threshold a probe is judged against for rollups' `latency_good`: the smallest
// `threshold` among the service's latency SLOs, or none if it has no latency SLO.
std::optional<Duration> LatencyThreshold(const config::ServiceConfig& service);

// What one result adds to the store.
struct ProbeStoreWrites {
  std::string payload;         // for store::Event{series, result.time, payload}
  store::RollupUpdate rollup;  // total=1, good, latency_good, one latency bucket
};

// Pure. latency_good = success && duration <= latency_threshold; with no threshold every
// successful probe is latency-good (so a latency SLO added later starts from the
// histogram, which is always written: latency_buckets[LatencyBucketIndex(duration)] = 1).
ProbeStoreWrites MakeProbeStoreWrites(const ProbeResult& result, uint64_t series,
                                      std::optional<Duration> latency_threshold);

// Writes one result through the store's one probe writer (store::WriteProbeResult): the
// event and the minute rollup. Thread-safe as Store is.
Status WriteProbeResult(store::Store& store, const ProbeResult& result,
                        std::optional<Duration> latency_threshold);

// Parses OpenSSL's certificate date as libcurl's CURLINFO_CERTINFO "Expire date" gives it:
// "Nov 26 19:20:00 2026 GMT" (day may be space-padded). kInvalidInput otherwise.
Result<Timestamp> ParseCertDate(std::string_view text);

}  // namespace steadystate::collector
