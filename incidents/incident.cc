#include "incidents/incident.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "common/time.h"

namespace steadystate::incidents {
namespace {

using Json = nlohmann::ordered_json;

Json TimeOrNull(const std::optional<Timestamp>& t) {
  return t ? Json(FormatRfc3339(*t)) : Json(nullptr);
}
Json NumberOrNull(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

std::string TimeCell(const std::optional<Timestamp>& t) { return t ? FormatRfc3339(*t) : ""; }
// Seconds with millisecond precision and no trailing zeros: "60", "1.5".
std::string NumberCell(const std::optional<double>& v) {
  if (!v) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", *v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

IncidentCorrelation Resolve(const Incident& incident,
                            const std::optional<IncidentCorrelation>& correlation) {
  IncidentCorrelation c = correlation.value_or(IncidentCorrelation{});
  if (!c.tta_seconds) c.tta_seconds = TtaSeconds(incident);
  if (!c.ttr_seconds) c.ttr_seconds = TtrSeconds(incident);
  return c;
}

Error Invalid(const std::string& field, const std::string& what) {
  return MakeError(ErrorCode::kCorruption, "incident record: " + field + ": " + what);
}

}  // namespace

std::optional<double> TtaSeconds(const Incident& incident) {
  if (!incident.acknowledged_at) return std::nullopt;
  return ToSeconds(*incident.acknowledged_at - incident.created_at);
}

std::optional<double> TtrSeconds(const Incident& incident) {
  if (!incident.resolved_at) return std::nullopt;
  return ToSeconds(*incident.resolved_at - incident.created_at);
}

const std::vector<std::string>& IncidentFieldNames() {
  static const std::vector<std::string> kNames{
      "id",          "source",      "number",      "title",         "service",
      "severity",    "urgency",     "status",      "created_at",    "acknowledged_at",
      "resolved_at", "alert_count", "attack_id",   "onset_at",      "onset_source",
      "ttd_seconds", "tta_seconds", "ttr_seconds", "impact_seconds"};
  return kNames;
}

std::string IncidentToJson(const Incident& incident,
                           const std::optional<IncidentCorrelation>& correlation) {
  const IncidentCorrelation c = Resolve(incident, correlation);
  Json j;
  j["id"] = incident.id;
  j["source"] = incident.source;
  j["number"] = incident.number;
  j["title"] = incident.title;
  j["service"] = incident.service;
  j["severity"] = incident.severity;
  j["urgency"] = incident.urgency;
  j["status"] = incident.status;
  j["created_at"] = FormatRfc3339(incident.created_at);
  j["acknowledged_at"] = TimeOrNull(incident.acknowledged_at);
  j["resolved_at"] = TimeOrNull(incident.resolved_at);
  j["alert_count"] = incident.alert_count;
  j["attack_id"] = c.attack_id ? Json(*c.attack_id) : Json(nullptr);
  j["onset_at"] = TimeOrNull(c.onset_at);
  j["onset_source"] = c.onset_source;
  j["ttd_seconds"] = NumberOrNull(c.ttd_seconds);
  j["tta_seconds"] = NumberOrNull(c.tta_seconds);
  j["ttr_seconds"] = NumberOrNull(c.ttr_seconds);
  j["impact_seconds"] = NumberOrNull(c.impact_seconds);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::vector<std::string> IncidentCsvFields(const Incident& incident,
                                           const std::optional<IncidentCorrelation>& correlation) {
  const IncidentCorrelation c = Resolve(incident, correlation);
  return {incident.id,
          incident.source,
          std::to_string(incident.number),
          incident.title,
          incident.service,
          incident.severity,
          incident.urgency,
          incident.status,
          FormatRfc3339(incident.created_at),
          TimeCell(incident.acknowledged_at),
          TimeCell(incident.resolved_at),
          std::to_string(incident.alert_count),
          c.attack_id.value_or(""),
          TimeCell(c.onset_at),
          c.onset_source,
          NumberCell(c.ttd_seconds),
          NumberCell(c.tta_seconds),
          NumberCell(c.ttr_seconds),
          NumberCell(c.impact_seconds)};
}

std::string IncidentToRecord(const Incident& incident) {
  Json j;
  j["id"] = incident.id;
  j["source"] = incident.source;
  j["number"] = incident.number;
  j["title"] = incident.title;
  j["service"] = incident.service;
  j["service_id"] = incident.service_id;
  j["severity"] = incident.severity;
  j["urgency"] = incident.urgency;
  j["status"] = incident.status;
  j["created_at"] = FormatRfc3339(incident.created_at);
  j["acknowledged_at"] = TimeOrNull(incident.acknowledged_at);
  j["resolved_at"] = TimeOrNull(incident.resolved_at);
  j["alert_count"] = incident.alert_count;
  j["url"] = incident.url;
  j["fingerprint"] = incident.fingerprint;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Incident> IncidentFromRecord(std::string_view record) {
  Json j = Json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Invalid("(record)", "not a JSON object");
  Incident out;
  auto str = [&](const char* key, std::string& dst, bool required) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      return required ? Invalid(key, "missing") : OkStatus();
    }
    if (!it->is_string()) return Invalid(key, "expected a string");
    dst = it->get<std::string>();
    return OkStatus();
  };
  auto num = [&](const char* key, int64_t& dst) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return OkStatus();
    if (!it->is_number_integer()) return Invalid(key, "expected an integer");
    dst = it->get<int64_t>();
    return OkStatus();
  };
  auto time = [&](const char* key, std::optional<Timestamp>& dst) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return OkStatus();
    if (!it->is_string()) return Invalid(key, "expected an RFC 3339 string");
    auto t = ParseRfc3339(it->get<std::string>());
    if (!t.ok()) return Invalid(key, t.error().message);
    dst = *t;
    return OkStatus();
  };
  RETURN_IF_ERROR(str("id", out.id, true));
  RETURN_IF_ERROR(str("source", out.source, false));
  RETURN_IF_ERROR(num("number", out.number));
  RETURN_IF_ERROR(str("title", out.title, false));
  RETURN_IF_ERROR(str("service", out.service, false));
  RETURN_IF_ERROR(str("service_id", out.service_id, false));
  RETURN_IF_ERROR(str("severity", out.severity, false));
  RETURN_IF_ERROR(str("urgency", out.urgency, false));
  RETURN_IF_ERROR(str("status", out.status, false));
  std::optional<Timestamp> created;
  RETURN_IF_ERROR(time("created_at", created));
  if (!created) return Invalid("created_at", "missing");
  out.created_at = *created;
  RETURN_IF_ERROR(time("acknowledged_at", out.acknowledged_at));
  RETURN_IF_ERROR(time("resolved_at", out.resolved_at));
  RETURN_IF_ERROR(num("alert_count", out.alert_count));
  RETURN_IF_ERROR(str("url", out.url, false));
  RETURN_IF_ERROR(str("fingerprint", out.fingerprint, false));
  return out;
}

}  // namespace steadystate::incidents
