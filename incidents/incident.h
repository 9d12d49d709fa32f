// Incident: one incident imported from an incident tool (DESIGN.md §3), the input of the
// correlation engine (TTD, TTA, TTR, TBF, ...). Ids are "<source>:<native id>", e.g.
// "pagerduty:Q1ABCD2EFGH3IJ".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"

namespace steadystate::incidents {

struct Incident {
  std::string id;
  std::string source = "pagerduty";
  int64_t number = 0;  // PagerDuty's incident_number
  std::string title;
  std::string service;     // steadystate service name (mapped), else the tool's service name
  std::string service_id;  // the tool's service id (PagerDuty service.id)
  std::string severity;    // from priority or urgency through pagerduty.severity_map
  std::string urgency;     // high, low
  std::string status;      // triggered, acknowledged, resolved
  Timestamp created_at;
  std::optional<Timestamp> acknowledged_at;  // the first acknowledgement
  std::optional<Timestamp> resolved_at;
  int64_t alert_count = 0;
  std::string url;
  std::string fingerprint;  // incident_key, else the normalised title

  bool resolved() const { return resolved_at.has_value(); }
  friend bool operator==(const Incident&, const Incident&) = default;
};

}  // namespace steadystate::incidents
