// PagerDutyImporter: brings PagerDuty incidents into the IncidentStore exactly once.
//
// Import(since, until):
//   - splits the range into windows of at most 180 days (the API rejects more than six
//     months), oldest first;
//   - pages /incidents?since&until&limit=100&offset=N on `more`, advancing offset by the
//     items received; the first page of a window asks total=true, and a window holding
//     more than the 10,000 offset wall allows is split at once into parts of ~5,000; when
//     offset+limit would still pass 10,000 (or the API answers 400/2002) the window is
//     halved and each half fetched on its own;
//   - fetches acknowledgement times in bulk from /log_entries?is_overview=true over the
//     same window (extended by kAckHorizon, since an incident is acknowledged after it is
//     created), taking each incident's earliest acknowledge_log_entry; an incident that is
//     `acknowledged` but whose ack fell outside that range gets /incidents/{id}/log_entries;
//   - de-duplicates by id, maps (PagerDutyMapping) and upserts each window in one synced
//     batch together with the cursor, so the cursor never passes data that is not written.
// Sync(lookback): Import(cursor - kSyncOverlap or now - lookback, now), then re-fetches
//   every stored incident not yet resolved through /incidents/{id} and its log entries.
//
// Not thread-safe: one import at a time per importer (callers serialise). Cancel() may be
// called from any thread; the import stops before its next request.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "incidents/incident.h"
#include "incidents/incident_store.h"
#include "incidents/pagerduty/client.h"
#include "incidents/pagerduty/parse.h"
#include "store/store.h"

namespace steadystate::incidents::pagerduty {

inline constexpr Duration kMaxWindow = std::chrono::days(180);
inline constexpr Duration kAckHorizon = std::chrono::days(7);
inline constexpr Duration kSyncOverlap = std::chrono::hours(1);
inline constexpr int64_t kPageLimit = 100;
inline constexpr int64_t kOffsetWall = 10000;
inline constexpr std::string_view kCursorKey = "import/pagerduty/cursor";

// How PagerDuty's names become steadystate's (built from config by app/).
struct PagerDutyMapping {
  std::map<std::string, std::string> services;  // PagerDuty service id -> our service name
  bool severity_from_urgency = false;           // else from priority.summary
  std::map<std::string, std::string> severity_map;
};

// Lower case, digit runs as "#", other non-alphanumerics collapsed to one space, trimmed:
// "DB latency 503ms on host-12" -> "db latency #ms on host #".
std::string NormaliseTitle(std::string_view title);
// The steadystate Incident for a PagerDuty incident and its first acknowledgement.
Incident MapIncident(const PdIncident& in, const PagerDutyMapping& mapping,
                     std::optional<Timestamp> acknowledged_at);

struct ImportProgress {
  int windows_done = 0;
  int windows_total = 0;
  int64_t pages = 0;
  int64_t incidents = 0;  // received (before de-duplication)
  int64_t requests = 0;
  double requests_per_minute = 0;
};
using ProgressFn = std::function<void(const ImportProgress&)>;

struct ImportSummary {
  Timestamp since;
  Timestamp until;
  int windows = 0;
  int64_t pages = 0;
  int64_t fetched = 0;  // distinct incidents received
  UpsertCounts counts;
  int64_t refetched = 0;  // unresolved incidents re-fetched one by one (Sync)
  int64_t skipped = 0;    // items left out because they were malformed
  int64_t requests = 0;
  int64_t rate_limited = 0;           // 429s
  std::vector<std::string> problems;  // the first few skipped items, for the log
};
std::string ImportSummaryToJson(const ImportSummary& summary);

class PagerDutyImporter {
 public:
  // Everything passed in must outlive the importer.
  PagerDutyImporter(PagerDutyClient& client, IncidentStore& incidents, store::Store& store,
                    PagerDutyMapping mapping, const Clock& clock);

  Result<ImportSummary> Import(Timestamp since, Timestamp until, const ProgressFn& progress = {});
  Result<ImportSummary> Sync(Duration lookback, const ProgressFn& progress = {});
  void Cancel() { cancelled_ = true; }

  // The instant up to which every incident is imported; nullopt before the first import.
  Result<std::optional<Timestamp>> Cursor() const;

 private:
  struct Range {
    Timestamp since;
    Timestamp until;
  };
  struct Run;  // the state of one Import/Sync call

  Status ImportWindow(Run& run, Range range);
  // Pages `path` over `range`; nullopt when the offset wall would be passed, with
  // `split_parts` the number of parts to split the range into.
  template <typename T>
  Result<std::optional<std::vector<T>>> FetchPages(
      Run& run, const std::string& path, std::vector<std::pair<std::string, std::string>> params,
      Range range, int64_t& split_parts);
  // `range` in `parts` equal pieces; an error when they would be shorter than a minute.
  static Result<std::vector<Range>> Split(Range range, int64_t parts);
  // Log entries over `range`, halving it as often as the wall needs.
  Result<std::vector<PdLogEntry>> FetchLogEntries(Run& run, Range range);
  Result<std::optional<Timestamp>> FirstAckOf(Run& run, const std::string& incident_id,
                                              Timestamp created_at);
  Status Refetch(Run& run, const Incident& stored);
  Status CheckCancelled() const;
  void Report(Run& run);

  PagerDutyClient& client_;
  IncidentStore& incidents_;
  store::Store& store_;
  PagerDutyMapping mapping_;
  const Clock& clock_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace steadystate::incidents::pagerduty
