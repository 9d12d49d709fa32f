// Incident: one incident imported from an incident tool (DESIGN.md §3), the input of the
// correlation engine (TTD, TTA, TTR, TBF, ...). Ids are "<source>:<native id>", e.g.
// "pagerduty:Q1ABCD2EFGH3IJ".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

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

// What the correlation engine adds to an incident (DESIGN.md §4). Absent: the importer's
// view, where only tta/ttr can be computed from the incident itself.
struct IncidentCorrelation {
  std::optional<std::string> attack_id;
  std::optional<Timestamp> onset_at;
  std::string onset_source = "unknown";  // attack, probe, unknown
  std::optional<double> ttd_seconds;
  std::optional<double> tta_seconds;
  std::optional<double> ttr_seconds;
  std::optional<double> impact_seconds;
};

// TTA and TTR from the incident alone (PagerDuty's own definitions): first ack - created,
// resolved - created. Negative values (clock skew) are kept, never clamped.
std::optional<double> TtaSeconds(const Incident& incident);
std::optional<double> TtrSeconds(const Incident& incident);

// The columns of DESIGN.md §6, in order: id, source, number, title, service, severity,
// urgency, status, created_at, acknowledged_at, resolved_at, alert_count, attack_id,
// onset_at, onset_source, ttd_seconds, tta_seconds, ttr_seconds, impact_seconds.
const std::vector<std::string>& IncidentFieldNames();
// The API/export JSON object of DESIGN.md §6 (absent values null). Without `correlation`,
// attack_id/onset_at/ttd/impact are null, onset_source "unknown", tta/ttr computed here.
std::string IncidentToJson(const Incident& incident,
                           const std::optional<IncidentCorrelation>& correlation = std::nullopt);
// The same fields as CSV cells (absent values empty), in IncidentFieldNames() order.
std::vector<std::string> IncidentCsvFields(
    const Incident& incident, const std::optional<IncidentCorrelation>& correlation = std::nullopt);

// The stored record: every Incident member (url, fingerprint and service_id included), as
// JSON with a fixed key order so that equal incidents have byte-identical records.
std::string IncidentToRecord(const Incident& incident);
// Parses a stored record; errors name the field.
Result<Incident> IncidentFromRecord(std::string_view record);

}  // namespace steadystate::incidents
