// PagerDutyClient: GET requests against the PagerDuty REST API v2 within its rate limit.
//
// - Every request first takes a token from a TokenBucket shared by all PagerDuty calls
//   of the process (960 requests/minute per API key; REFERENCE.md). The bucket paces
//   requests evenly (no burst), so a long import runs at the limit without 429s.
// - When a response says `ratelimit-remaining: 0`, the bucket pauses until
//   `ratelimit-reset` seconds; an announced `ratelimit-limit` below ours lowers our rate.
// - 429: waits `ratelimit-reset` seconds, or without that header backs off exponentially
//   (1 s, 2 s, 4 s, ... up to 64 s) with jitter; 5xx, timeouts and broken connections are
//   retried the same way. Both are bounded (Options::max_attempts).
// - Other 4xx are returned as a PdReply (the importer handles 400/2002, the offset wall).
//
// The token is sent as `Authorization: Token token=...` and appears in no message; what
// PagerDuty answers is redacted (common/redact.h) before it goes into one, as its error
// messages may echo the request.
// Every wait (the bucket's pacing, a ratelimit-reset pause, a retry backoff) ends early
// when the StopSignal given in the options is raised: Get then fails at once with
// "... stopped: shutting down", so SIGTERM never waits out an hour-long rate limit.
// Thread-safe: concurrent Gets share the bucket.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/result.h"
#include "common/stop_signal.h"
#include "common/text.h"
#include "common/time.h"
#include "incidents/pagerduty/parse.h"

namespace steadystate::incidents::pagerduty {

inline constexpr int kPagerDutyRequestsPerMinute = 960;

// An evenly paced limiter: one request per (60 s / rate). Thread-safe.
class TokenBucket {
 public:
  // `stop` (may be null) ends a wait in Acquire early; it must outlive the bucket.
  TokenBucket(const Clock& clock, int requests_per_minute, const StopSignal* stop = nullptr);
  // Blocks (Clock::SleepFor) until the next request may go: true then, false when the
  // stop signal ended the wait.
  bool Acquire();
  // No request before `until` (a server's ratelimit-reset).
  void PauseUntil(MonotonicTime until);
  // Lowers the rate (never raises it above the configured one).
  void LimitTo(int requests_per_minute);
  int requests_per_minute() const;

 private:
  const Clock& clock_;
  const StopSignal* stop_;
  mutable std::mutex mu_;
  int configured_;
  int rate_;
  MonotonicTime next_{};
};

struct PagerDutyClientOptions {
  std::string base_url = "https://api.pagerduty.com";
  int max_attempts = 6;  // per request, for 429, 5xx and transport failures
  Duration timeout = std::chrono::seconds(30);
  Duration first_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::seconds(64);
  const StopSignal* stop = nullptr;  // ends waits early (shutdown); must outlive the client
};

struct PdReply {
  int status = 0;
  std::string body;
  std::optional<PdError> error;  // for non-2xx with a PagerDuty error body
};

struct PagerDutyClientStats {
  int64_t requests = 0;      // HTTP exchanges attempted
  int64_t rate_limited = 0;  // 429s received
  int64_t retries = 0;       // attempts after the first
};

class PagerDutyClient {
 public:
  // `http`, `clock` and `bucket` must outlive the client. `token` is the API key.
  PagerDutyClient(PagerDutyClientOptions options, std::string token, const HttpClient& http,
                  const Clock& clock, TokenBucket& bucket);

  // GET base_url + path with `params` (repeat a name for array params). 2xx and other
  // 4xx are replies; an Error when retries ran out or the transport failed for good,
  // with a message naming the path, never the token.
  Result<PdReply> Get(const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& params);

  PagerDutyClientStats stats() const;
  // Called before each retry wait with a line for the log.
  void set_on_retry(std::function<void(const std::string&)> fn) { on_retry_ = std::move(fn); }

 private:
  Duration Backoff(int attempt);

  PagerDutyClientOptions options_;
  std::string token_;
  const HttpClient& http_;
  const Clock& clock_;
  TokenBucket& bucket_;
  std::function<void(const std::string&)> on_retry_;
  mutable std::mutex mu_;
  std::mt19937 rng_;
  PagerDutyClientStats stats_;
};

// Percent-encodes a query component (common/text.h).
using steadystate::UrlEncode;

}  // namespace steadystate::incidents::pagerduty
