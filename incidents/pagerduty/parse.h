// Pure parsers for PagerDuty REST API v2 responses (REFERENCE.md, "PagerDuty REST API v2"):
// list pages of /incidents and /log_entries, one /incidents/{id}, and the error body.
// No I/O; tested on literal strings and the recorded pages in tests/data/pagerduty/.
//
// A page that is not valid JSON, or lacks its list, is an Error naming the page (the
// caller retries it). One item with a missing required field or an unparseable time is
// left out of `items` and described in `skipped` (naming its id), so one bad incident
// never blocks the rest and is never half-written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace steadystate::incidents::pagerduty {

struct PdIncident {
  std::string id;
  int64_t number = 0;
  std::string title;
  std::string status;                   // triggered, acknowledged, resolved
  std::string urgency;                  // high, low
  std::optional<std::string> priority;  // priority.summary, e.g. "P1"; null when unset
  std::string service_id;
  std::string service_summary;
  Timestamp created_at;
  std::optional<Timestamp> resolved_at;  // never updated_at or last_status_change_at
  int64_t alert_count = 0;               // alert_counts.all
  std::string incident_key;              // may be empty
  std::string html_url;
};

struct PdLogEntry {
  std::string id;
  std::string type;  // trigger_log_entry, acknowledge_log_entry, ...
  Timestamp created_at;
  std::string incident_id;
};

template <typename T>
struct PdPage {
  std::vector<T> items;
  std::vector<std::string> skipped;  // "incident Q1: created_at: ..." per left-out item
  bool more = false;
  int64_t offset = 0;
  int64_t limit = 0;
  std::optional<int64_t> total;  // null unless the request asked total=true
};

// `context` names the page in errors, e.g. "GET /incidents offset 200".
Result<PdPage<PdIncident>> ParsePagerDutyIncidentsPage(std::string_view body,
                                                       std::string_view context = "page");
Result<PdPage<PdLogEntry>> ParsePagerDutyLogEntriesPage(std::string_view body,
                                                        std::string_view context = "page");
// GET /incidents/{id}: {"incident": {...}}.
Result<PdIncident> ParsePagerDutyIncident(std::string_view body, std::string_view context = "page");

struct PdError {
  std::string message;
  int code = 0;  // 0 when absent
  std::vector<std::string> errors;
  // "Invalid Input Provided (code 2001): Offset must be ..." or "" for an empty body.
  std::string ToString() const;
};
// The {"error": {"message", "code", "errors"}} body; nullopt when the body is not one.
std::optional<PdError> ParsePagerDutyError(std::string_view body);

}  // namespace steadystate::incidents::pagerduty
