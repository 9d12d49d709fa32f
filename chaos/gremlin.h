// Gremlin attacks as attack windows: a pure page parser and a small API client.
//
// The client reads GET {base}/attacks/range?startTime&endTime&pageSize&pageToken (all
// pages) and GET {base}/attacks/active, with `Authorization: Key <key>` and `teamId` when
// configured. 429 and 5xx are retried with backoff (1s, 2s, 4s, ... capped at 30s, at
// most kGremlinMaxAttempts tries per request, Retry-After honoured) through
// Clock::SleepFor, so it belongs on a thread that may block (the CLI, or the daemon's
// chaos scheduler), never on the sampling thread. A raised stop signal (options) ends a
// retry wait at once with "... stopped: shutting down". What Gremlin answers is redacted
// (common/redact.h) before it goes into an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chaos/attack.h"
#include "common/clock.h"
#include "common/http_client.h"
#include "common/result.h"
#include "common/stop_signal.h"
#include "common/time.h"
#include "config/secret.h"

namespace steadystate::chaos {

struct GremlinPage {
  std::vector<Attack> attacks;
  std::string next_page_token;  // empty: last page
  int skipped = 0;              // attacks that have not started yet (no startTime)
};

// Parses one response body: a bare list of attacks, or {items | attacks, pageToken |
// page_token | nextPageToken | next_page_token}. Accepts camelCase and snake_case field
// names. Errors name the field and the attack's guid.
Result<GremlinPage> ParseGremlinAttacksPage(std::string_view body);

// Gremlin's command type ("CPU", "Packet_Loss", "certificate expiry") -> our type; "other"
// for types we have no name for.
std::string GremlinAttackType(std::string_view command_type);
// stage (and stageLifecycle when the stage is missing or unknown) -> our outcome.
std::string GremlinOutcome(std::string_view stage, std::string_view stage_lifecycle);

inline constexpr int kGremlinMaxAttempts = 5;

struct GremlinClientOptions {
  std::string base_url = "https://api.gremlin.com/v1";
  std::string team_id;  // empty: not sent
  int page_size = 100;
  Duration timeout = std::chrono::seconds(30);
  const StopSignal* stop = nullptr;  // ends a retry wait early (shutdown); outlives the client
};

class GremlinClient {
 public:
  // `http` and `clock` must outlive the client. Thread-compatible.
  GremlinClient(GremlinClientOptions options, config::Secret api_key, const HttpClient& http,
                const Clock& clock);

  // Every attack in [since, until), following pageToken to the last page.
  Result<std::vector<Attack>> FetchRange(Timestamp since, Timestamp until) const;
  // Attacks running now.
  Result<std::vector<Attack>> FetchActive() const;

 private:
  Result<GremlinPage> Get(const std::string& path_and_query) const;

  GremlinClientOptions options_;
  config::Secret api_key_;
  const HttpClient& http_;
  const Clock& clock_;
};

}  // namespace steadystate::chaos
