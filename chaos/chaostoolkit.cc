#include "chaos/chaostoolkit.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <utility>

#include "common/text.h"
#include "common/time.h"

namespace steadystate::chaos {
namespace {

using nlohmann::json;

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, "chaostoolkit journal: " + std::move(message));
}

bool Has(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

Result<Timestamp> TimeField(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Invalid(where + key + ": required");
  if (!it->is_string()) return Invalid(where + key + ": expected a timestamp string");
  auto t = ParseRfc3339(it->get<std::string>());
  if (!t.ok()) return Invalid(where + key + ": " + t.error().message);
  return *t;
}

std::optional<Timestamp> OptionalTime(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  auto t = ParseRfc3339(it->get<std::string>());
  if (!t.ok()) return std::nullopt;
  return *t;
}

std::string StringOr(const json& object, const char* key, std::string fallback = "") {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::move(fallback);
}

// Everything a provider says about what it runs: process path and arguments, python
// module and function, HTTP URL.
std::string ProviderText(const json& activity) {
  std::string text = StringOr(activity, "name");
  auto provider = activity.find("provider");
  if (provider == activity.end() || !provider->is_object()) return text;
  for (const char* key : {"path", "module", "func", "url"}) {
    text += " " + StringOr(*provider, key);
  }
  if (auto args = provider->find("arguments"); args != provider->end()) {
    text += " " + (args->is_string() ? args->get<std::string>() : args->dump());
  }
  return text;
}

// A stable 64-bit FNV-1a hash as 16 hex digits.
std::string HexHash(std::string_view data) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

std::string AttackTypeFromText(std::string_view text) {
  std::string t = AsciiLower(text);
  if (IsAttackType(t)) return t;
  // Network faults first: "netem loss" is packet loss even though netem also does latency.
  if (Has(t, "corrupt")) return "corruption";
  if (Has(t, "packet_loss") || Has(t, "packet-loss") || Has(t, "packet loss") ||
      (Has(t, "netem") && Has(t, "loss"))) {
    return "packet_loss";
  }
  if (Has(t, "latency") || Has(t, "netem") || Has(t, "delay")) return "latency";
  if (Has(t, "blackhole") || Has(t, "black-hole") || Has(t, "iptables") || Has(t, "partition")) {
    return "blackhole";
  }
  if (Has(t, "time_travel") || Has(t, "time-travel") || Has(t, "faketime") ||
      Has(t, "clock skew")) {
    return "time_travel";
  }
  if (Has(t, "dns")) return "dns";
  if (Has(t, "shutdown") || Has(t, "reboot") || Has(t, "poweroff") || Has(t, "terminate_node")) {
    return "shutdown";
  }
  if (Has(t, "process_killer") || Has(t, "kill") || Has(t, "terminate_pod")) {
    return "process_killer";
  }
  if (Has(t, "--vm") || Has(t, "memory") || Has(t, "mem_") || Has(t, "oom")) return "memory";
  if (Has(t, "--hdd") || Has(t, "disk") || Has(t, "fill")) return "disk";
  if (Has(t, "--io") || Has(t, " io ") || Has(t, "iostress")) return "io";
  if (Has(t, "cpu") || Has(t, "stress") || Has(t, "burn") || Has(t, "openssl speed")) {
    return "cpu";
  }
  return "";
}

Result<Attack> ParseChaosToolkitJournal(std::string_view text, std::string_view type_override) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid("not valid JSON (truncated?)");
  if (!doc.is_object()) return Invalid("expected a JSON object");
  auto experiment = doc.find("experiment");
  if (experiment == doc.end() || !experiment->is_object()) {
    return Invalid("experiment: required (is this a journal.json written by `chaos run`?)");
  }
  auto journal_start = TimeField(doc, "start", "");
  if (!journal_start.ok()) return journal_start.error();
  auto journal_end = TimeField(doc, "end", "");
  if (!journal_end.ok()) return journal_end.error();

  Attack a;
  a.source = "chaostoolkit";
  a.name = StringOr(*experiment, "title");
  if (a.name.empty()) return Invalid("experiment.title: required");
  a.created_by = StringOr(doc, "node");  // the machine that ran `chaos run`
  a.source_id = HexHash(a.name + '\0' + doc["start"].get<std::string>() + '\0' + a.created_by);

  std::string type(type_override);
  if (!type.empty() && !IsAttackType(type)) {
    return MakeError(ErrorCode::kInvalidInput, "--type: \"" + type + "\" is not an attack type");
  }
  if (auto tags = experiment->find("tags");
      type.empty() && tags != experiment->end() && tags->is_array()) {
    for (const auto& tag : *tags) {
      if (!tag.is_string()) continue;
      type = AttackTypeFromText(tag.get<std::string>());
      if (!type.empty()) break;
    }
  }

  std::optional<Timestamp> first_action;
  auto run = doc.find("run");
  if (run != doc.end() && !run->is_null() && !run->is_array()) {
    return Invalid("run: expected a list of activity records");
  }
  if (run != doc.end() && run->is_array()) {
    for (size_t i = 0; i < run->size(); ++i) {
      const json& record = (*run)[i];
      const std::string where = "run[" + std::to_string(i) + "].";
      if (!record.is_object())
        return Invalid(where.substr(0, where.size() - 1) + ": expected an object");
      auto activity = record.find("activity");
      if (activity == record.end() || !activity->is_object()) {
        return Invalid(where + "activity: required");
      }
      AttackStep step;
      step.name = StringOr(*activity, "name");
      step.type = StringOr(*activity, "type");
      step.status = StringOr(record, "status");
      if (record.contains("start") && !record["start"].is_null()) {
        auto start = TimeField(record, "start", where);
        if (!start.ok()) return start.error();
        step.start = *start;
      }
      step.end = OptionalTime(record, "end");
      if (step.type == "action") {
        if (step.start && (!first_action || *step.start < *first_action)) {
          first_action = step.start;
        }
        if (type.empty()) type = AttackTypeFromText(ProviderText(*activity));
      }
      a.steps.push_back(std::move(step));
    }
  }
  a.type = type.empty() ? "other" : type;
  a.start = first_action.value_or(*journal_start);
  a.end = *journal_end;
  if (*a.end < a.start) {
    return Invalid("end " + FormatRfc3339(*a.end) + " is before the first action's start " +
                   FormatRfc3339(a.start));
  }

  const std::string status = StringOr(doc, "status");
  if (status == "completed") {
    a.outcome = "completed";
  } else if (status == "failed" || status == "aborted") {
    a.outcome = "failed";
  } else if (status == "interrupted") {
    a.outcome = "halted";
    a.halted_reason = "interrupted (chaostoolkit status \"interrupted\")";
  } else {
    return Invalid("status: \"" + status +
                   "\" is not a journal status (completed, failed, aborted, interrupted)");
  }

  a.steady_state = "unknown";
  if (auto deviated = doc.find("deviated");
      deviated != doc.end() && deviated->is_boolean() && deviated->get<bool>()) {
    a.steady_state = "broken";
  } else if (auto states = doc.find("steady_states"); states != doc.end() && states->is_object()) {
    auto after = states->find("after");
    if (after != states->end() && after->is_object()) {
      auto met = after->find("steady_state_met");
      if (met != after->end() && met->is_boolean()) {
        a.steady_state = met->get<bool>() ? "held" : "broken";
      }
    }
  }
  return a;
}

}  // namespace steadystate::chaos
