#include "slo/alert.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>

namespace steadystate::slo {

std::string_view ToString(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
  }
  return "inactive";
}

std::string Alert::Fingerprint() const {
  // FNV-1a over the sorted label set (std::map is sorted): short, stable across builds.
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  mix(name);
  for (const auto& [k, v] : labels) {
    mix(k);
    mix(v);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string Alert::InstanceKey() const {
  return "steadystate/" + name + "/" + Fingerprint() + "/" +
         std::to_string(active_at.time_since_epoch().count());
}

std::string Alert::Summary() const {
  char value_buf[64];
  std::snprintf(value_buf, sizeof value_buf, "%.2f above %.2f", value, threshold);
  std::string out = name;
  out += ": ";
  out += value_buf;
  for (const auto& [k, v] : labels) {
    if (k == "alertname" || k == "severity") continue;
    out += " " + k + "=" + v;
  }
  for (size_t i = 0; i < attacks.size(); ++i) {
    const auto& a = attacks[i];
    out += i == 0 ? " during chaos attack " : ", and chaos attack ";
    out += a.id + " (" + a.type;
    if (!a.name.empty()) out += " \"" + a.name + "\"";
    if (!a.created_by.empty()) out += ", started by " + a.created_by;
    out += ")";
  }
  return out;
}

TransitionKind Step(Alert& alert, const ThresholdRule& rule, std::optional<double> value,
                    Timestamp now, MonotonicTime monotonic_now) {
  alert.threshold = rule.above;
  if (value) alert.value = *value;
  const bool breaching = value && *value > rule.above;
  switch (alert.state) {
    case AlertState::kInactive:
    case AlertState::kResolved:
      if (!breaching) return TransitionKind::kNone;
      alert.state = AlertState::kPending;
      alert.active_at = now;
      alert.active_monotonic = monotonic_now;
      alert.fired_at.reset();
      alert.resolved_at.reset();
      alert.attacks.clear();
      if (rule.for_duration > Duration{0}) return TransitionKind::kPending;
      [[fallthrough]];
    case AlertState::kPending:
      if (!breaching) {
        alert.state = AlertState::kInactive;
        return TransitionKind::kCancelled;
      }
      if (monotonic_now - alert.active_monotonic < rule.for_duration) return TransitionKind::kNone;
      alert.state = AlertState::kFiring;
      alert.fired_at = now;
      return TransitionKind::kFired;
    case AlertState::kFiring:
      if (!value || *value >= rule.recover_below) return TransitionKind::kNone;
      alert.state = AlertState::kResolved;
      alert.resolved_at = now;
      alert.resolved_monotonic = monotonic_now;
      return TransitionKind::kResolved;
  }
  return TransitionKind::kNone;
}

namespace {

nlohmann::json TimeOrNull(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(FormatRfc3339(*t)) : nlohmann::json(nullptr);
}

}  // namespace

std::string AlertToJson(const Alert& a) {
  nlohmann::ordered_json j;
  j["name"] = a.name;
  j["labels"] = a.labels;
  j["state"] = ToString(a.state);
  j["active_at"] = FormatRfc3339(a.active_at);
  j["fired_at"] = TimeOrNull(a.fired_at);
  j["resolved_at"] = TimeOrNull(a.resolved_at);
  j["value"] = a.value;
  j["threshold"] = a.threshold;
  j["fingerprint"] = a.Fingerprint();
  j["summary"] = a.Summary();
  auto attacks = nlohmann::ordered_json::array();
  for (const auto& at : a.attacks) {
    attacks.push_back(
        {{"id", at.id}, {"type", at.type}, {"created_by", at.created_by}, {"name", at.name}});
  }
  j["attacks"] = attacks;
  return j.dump();
}

Result<Alert> AlertFromJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kCorruption, "alert record is not a JSON object");
  }
  try {
    Alert a;
    a.name = j.at("name").get<std::string>();
    a.labels = j.at("labels").get<std::map<std::string, std::string>>();
    const std::string state = j.at("state").get<std::string>();
    if (state == "pending")
      a.state = AlertState::kPending;
    else if (state == "firing")
      a.state = AlertState::kFiring;
    else if (state == "resolved")
      a.state = AlertState::kResolved;
    auto time = [&](const char* key) -> std::optional<Timestamp> {
      if (!j.contains(key) || j[key].is_null()) return std::nullopt;
      auto t = ParseRfc3339(j[key].get<std::string>());
      return t.ok() ? std::optional<Timestamp>(*t) : std::nullopt;
    };
    a.active_at = time("active_at").value_or(Timestamp{});
    a.fired_at = time("fired_at");
    a.resolved_at = time("resolved_at");
    a.value = j.value("value", 0.0);
    a.threshold = j.value("threshold", 0.0);
    for (const auto& at : j.value("attacks", nlohmann::json::array())) {
      a.attacks.push_back({at.value("id", ""), at.value("type", ""), at.value("created_by", ""),
                           at.value("name", "")});
    }
    return a;
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kCorruption, std::string("alert record: ") + e.what());
  }
}

}  // namespace steadystate::slo
