#include "incidents/pagerduty/parse.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

#include "chaos/limits.h"
#include "common/time.h"

namespace steadystate::incidents::pagerduty {
namespace {

using nlohmann::json;

// The fields we read; everything else in an item (assignments, escalation_policy, teams,
// channel, agent, ...) is dropped while parsing, which keeps a 100-incident page cheap.
constexpr std::array<std::string_view, 13> kIncidentKeys{
    "id",           "incident_number", "title",      "status",      "urgency",
    "priority",     "service",         "created_at", "resolved_at", "alert_counts",
    "incident_key", "html_url",        "type"};
constexpr std::array<std::string_view, 4> kLogEntryKeys{"id", "type", "created_at", "incident"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Keeps only `keys` in objects at depth `item_depth` (the items of the page's list, or
// the single object of /incidents/{id}).
template <size_t N>
json::parser_callback_t KeepOnly(const std::array<std::string_view, N>& keys, int item_depth) {
  return [&keys, item_depth](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == item_depth + 1) {
      return Contains(keys, parsed.get<std::string>());
    }
    return true;
  };
}

Error Malformed(std::string_view context, const std::string& what) {
  return MakeError(ErrorCode::kInvalidInput, "PagerDuty " + std::string(context) + ": " + what);
}

// Field readers: each returns an error message naming the field, or "".
std::string ReadString(const json& o, const char* key, std::string& out, bool required) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return required ? std::string(key) + ": missing" : "";
  if (!it->is_string()) return std::string(key) + ": expected a string";
  out = it->get<std::string>();
  return "";
}

std::string ReadTime(const json& o, const char* key, std::optional<Timestamp>& out, bool required) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return required ? std::string(key) + ": missing" : "";
  if (!it->is_string()) return std::string(key) + ": expected an RFC 3339 string";
  auto t = ParseRfc3339(it->get<std::string>());
  if (!t.ok()) return std::string(key) + ": " + t.error().message;
  out = *t;
  return "";
}

// One incident object; on failure the message names the incident (when it has an id).
Result<PdIncident> ReadIncident(const json& o) {
  if (!o.is_object()) return MakeError(ErrorCode::kInvalidInput, "an incident is not an object");
  PdIncident in;
  std::string problem = ReadString(o, "id", in.id, true);
  auto fail = [&](const std::string& what) {
    return MakeError(ErrorCode::kInvalidInput,
                     "incident " +
                         (in.id.empty()                       ? std::string("(no id)")
                          : in.id.size() > chaos::kMaxIdBytes ? std::string("(id too long)")
                                                              : in.id) +
                         ": " + what);
  };
  if (!problem.empty()) return fail(problem);
  auto number = o.find("incident_number");
  if (number == o.end() || !number->is_number_integer()) {
    return fail("incident_number: missing or not an integer");
  }
  in.number = number->get<int64_t>();
  std::optional<Timestamp> created;
  for (const std::string& p :
       {ReadString(o, "title", in.title, false), ReadString(o, "status", in.status, true),
        ReadString(o, "urgency", in.urgency, false), ReadTime(o, "created_at", created, true),
        ReadTime(o, "resolved_at", in.resolved_at, false),
        ReadString(o, "incident_key", in.incident_key, false),
        ReadString(o, "html_url", in.html_url, false)}) {
    if (!p.empty()) return fail(p);
  }
  in.created_at = *created;
  if (auto p = o.find("priority"); p != o.end() && p->is_object()) {
    std::string summary;
    if (auto e = ReadString(*p, "summary", summary, false); !e.empty())
      return fail("priority." + e);
    if (!summary.empty()) in.priority = summary;
  }
  auto service = o.find("service");
  if (service == o.end() || !service->is_object()) return fail("service: missing");
  if (auto e = ReadString(*service, "id", in.service_id, true); !e.empty()) {
    return fail("service." + e);
  }
  if (auto e = ReadString(*service, "summary", in.service_summary, false); !e.empty()) {
    return fail("service." + e);
  }
  // Identifiers and the URL over their limit reject the incident (a cut one could name
  // another); free text is cut with a marker.
  for (const Status& limit :
       {chaos::CheckLength("id", in.id, chaos::kMaxIdBytes),
        chaos::CheckLength("status", in.status, chaos::kMaxTypeBytes),
        chaos::CheckLength("urgency", in.urgency, chaos::kMaxTypeBytes),
        chaos::CheckLength("incident_key", in.incident_key, chaos::kMaxTextBytes),
        chaos::CheckLength("html_url", in.html_url, chaos::kMaxUrlBytes),
        chaos::CheckLength("service.id", in.service_id, chaos::kMaxIdBytes)}) {
    if (!limit.ok()) return fail(limit.error().message);
  }
  chaos::CutToLength(in.title, chaos::kMaxTextBytes);
  chaos::CutToLength(in.service_summary, chaos::kMaxNameBytes);
  if (in.priority) chaos::CutToLength(*in.priority, chaos::kMaxNameBytes);
  if (auto counts = o.find("alert_counts"); counts != o.end() && counts->is_object()) {
    if (auto all = counts->find("all"); all != counts->end() && all->is_number_integer()) {
      in.alert_count = all->get<int64_t>();
    }
  }
  return in;
}

Result<PdLogEntry> ReadLogEntry(const json& o) {
  if (!o.is_object()) return MakeError(ErrorCode::kInvalidInput, "a log entry is not an object");
  PdLogEntry e;
  std::optional<Timestamp> created;
  std::string problem = ReadString(o, "id", e.id, false);
  if (problem.empty()) problem = ReadString(o, "type", e.type, true);
  if (problem.empty()) problem = ReadTime(o, "created_at", created, true);
  if (problem.empty()) {
    auto incident = o.find("incident");
    if (incident == o.end() || !incident->is_object()) {
      problem = "incident: missing";
    } else if (auto p = ReadString(*incident, "id", e.incident_id, true); !p.empty()) {
      problem = "incident." + p;
    }
  }
  if (!problem.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "log entry " + (e.id.empty() ? std::string("(no id)") : e.id) +
                         (e.incident_id.empty() ? "" : " of incident " + e.incident_id) + ": " +
                         problem);
  }
  e.created_at = *created;
  return e;
}

template <typename T, size_t N>
Result<PdPage<T>> ParsePage(std::string_view body, std::string_view context, const char* list,
                            const std::array<std::string_view, N>& keys,
                            Result<T> (*read)(const json&)) {
  json j = json::parse(body.begin(), body.end(), KeepOnly(keys, 2), /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Malformed(context, "the response is not valid JSON (" + std::to_string(body.size()) +
                                  " bytes; cut short?)");
  }
  if (!j.is_object()) return Malformed(context, "the response is not a JSON object");
  auto items = j.find(list);
  if (items == j.end() || !items->is_array()) {
    return Malformed(context, std::string("the response has no \"") + list + "\" list");
  }
  PdPage<T> page;
  page.items.reserve(items->size());
  for (const json& item : *items) {
    auto parsed = read(item);
    if (parsed.ok()) {
      page.items.push_back(std::move(*parsed));
    } else {
      page.skipped.push_back(std::string(context) + ": " + parsed.error().message);
    }
  }
  if (auto more = j.find("more"); more != j.end() && more->is_boolean()) page.more = *more;
  if (auto v = j.find("offset"); v != j.end() && v->is_number_integer()) page.offset = *v;
  if (auto v = j.find("limit"); v != j.end() && v->is_number_integer()) page.limit = *v;
  if (auto v = j.find("total"); v != j.end() && v->is_number_integer()) {
    page.total = v->get<int64_t>();
  }
  return page;
}

}  // namespace

Result<PdPage<PdIncident>> ParsePagerDutyIncidentsPage(std::string_view body,
                                                       std::string_view context) {
  return ParsePage<PdIncident>(body, context, "incidents", kIncidentKeys, &ReadIncident);
}

Result<PdPage<PdLogEntry>> ParsePagerDutyLogEntriesPage(std::string_view body,
                                                        std::string_view context) {
  return ParsePage<PdLogEntry>(body, context, "log_entries", kLogEntryKeys, &ReadLogEntry);
}

Result<PdIncident> ParsePagerDutyIncident(std::string_view body, std::string_view context) {
  json j = json::parse(body.begin(), body.end(), KeepOnly(kIncidentKeys, 1),
                       /*allow_exceptions=*/false);
  if (j.is_discarded()) return Malformed(context, "the response is not valid JSON");
  if (!j.is_object() || !j.contains("incident")) {
    return Malformed(context, "the response has no \"incident\" object");
  }
  auto incident = ReadIncident(j["incident"]);
  if (!incident.ok()) return Malformed(context, incident.error().message);
  return incident;
}

std::string PdError::ToString() const {
  std::string out = message.empty() ? "error" : message;
  if (code != 0) out += " (code " + std::to_string(code) + ")";
  for (size_t i = 0; i < errors.size(); ++i) out += (i == 0 ? ": " : "; ") + errors[i];
  return out;
}

std::optional<PdError> ParsePagerDutyError(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto e = j.find("error");
  if (e == j.end() || !e->is_object()) return std::nullopt;
  PdError out;
  if (auto m = e->find("message"); m != e->end() && m->is_string()) out.message = *m;
  if (auto c = e->find("code"); c != e->end() && c->is_number_integer()) out.code = *c;
  if (auto list = e->find("errors"); list != e->end() && list->is_array()) {
    for (const auto& item : *list) {
      if (item.is_string()) out.errors.push_back(item.get<std::string>());
    }
  }
  return out;
}

}  // namespace steadystate::incidents::pagerduty
