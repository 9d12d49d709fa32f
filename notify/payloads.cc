#include "notify/payloads.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "common/text.h"

namespace steadystate::notify {
namespace {

using Json = nlohmann::ordered_json;

std::string FormatValue(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return buf;
}

std::string LabelValue(const slo::Alert& alert, const std::string& name) {
  auto it = alert.labels.find(name);
  return it == alert.labels.end() ? "" : it->second;
}

// When the alert started firing, for startsAt and PagerDuty's timestamp.
Timestamp StartedAt(const slo::Alert& alert) { return alert.fired_at.value_or(alert.active_at); }

// "HostCpuHigh mountpoint=/ service=www": the rule and the labels that tell instances apart.
std::string Headline(const slo::Alert& alert) {
  std::string out = alert.name;
  for (const auto& [k, v] : alert.labels) {
    if (k == "alertname" || k == "severity") continue;
    out.append(" ").append(k).append("=").append(v);
  }
  return out;
}

// Slack mrkdwn treats &, < and > as control characters.
std::string SlackEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Json AttacksJson(const slo::Alert& alert) {
  Json attacks = Json::array();
  for (const auto& a : alert.attacks) {
    attacks.push_back(
        {{"id", a.id}, {"type", a.type}, {"created_by", a.created_by}, {"name", a.name}});
  }
  return attacks;
}

}  // namespace

std::string TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  if (max_bytes < 3) return std::string(max_bytes, '.');
  size_t cut = max_bytes - 3;
  // Back up over continuation bytes (10xxxxxx) so a code point is never split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

std::string_view PagerDutySeverity(const slo::Alert& alert) {
  const std::string severity = AsciiLower(LabelValue(alert, "severity"));
  if (severity == "critical" || severity == "page") return "critical";
  if (severity == "error") return "error";
  if (severity == "info") return "info";
  return "warning";
}

std::string PagerDutyDedupKey(const slo::Alert& alert) {
  std::string key = alert.InstanceKey();
  if (key.size() <= kPagerDutyMaxDedupKey) return key;
  // A very long rule name: fingerprint + episode start identify the episode just as well.
  return "steadystate/" + alert.Fingerprint() + "/" +
         std::to_string(alert.active_at.time_since_epoch().count());
}

std::string PagerDutyEventBody(const Notification& n, std::string_view routing_key,
                               const NotifierOptions& options) {
  const slo::Alert& a = n.alert;
  Json j;
  j["routing_key"] = routing_key;
  j["event_action"] = n.kind == Notification::Kind::kResolve ? "resolve" : "trigger";
  j["dedup_key"] = PagerDutyDedupKey(a);
  if (n.kind == Notification::Kind::kResolve) return j.dump();

  Json payload;
  payload["summary"] = TruncateUtf8(a.Summary(), kPagerDutyMaxSummary);
  payload["source"] = options.hostname;
  payload["severity"] = PagerDutySeverity(a);
  payload["timestamp"] = FormatRfc3339(StartedAt(a));
  const std::string service = LabelValue(a, "service");
  payload["component"] = service.empty() ? "host" : service;
  const std::string group = LabelValue(a, "group");
  payload["group"] = group.empty() ? "steadystate" : group;
  payload["class"] = a.name;
  Json details;
  details["value"] = a.value;
  details["threshold"] = a.threshold;
  details["labels"] = a.labels;
  details["active_at"] = FormatRfc3339(a.active_at);
  if (a.fired_at) details["fired_at"] = FormatRfc3339(*a.fired_at);
  details["attacks"] = AttacksJson(a);
  payload["custom_details"] = details;
  j["payload"] = payload;
  j["client"] = "steadystate";
  if (!options.external_url.empty()) {
    j["client_url"] = options.external_url;
    j["links"] = Json::array({{{"href", GeneratorUrl(a, options)}, {"text", "steadystate"}}});
  }
  return j.dump();
}

std::string ChaosPhrase(const slo::Alert& alert) {
  std::string out;
  for (size_t i = 0; i < alert.attacks.size(); ++i) {
    const auto& at = alert.attacks[i];
    out += i == 0 ? "during chaos attack " : ", and chaos attack ";
    out += at.id + " (" + at.type;
    if (!at.created_by.empty()) out += ", started by " + at.created_by;
    out += ")";
  }
  return out;
}

std::string ResolvedSummary(const slo::Alert& alert) {
  const std::string chaos = ChaosPhrase(alert);
  return Headline(alert) + ": " + FormatValue(alert.value) + " (threshold " +
         FormatValue(alert.threshold) + ")" + (chaos.empty() ? "" : ", fired " + chaos);
}

std::string SlackMessageBody(const Notification& n) {
  const slo::Alert& a = n.alert;
  const bool resolved = n.kind == Notification::Kind::kResolve;
  const std::string state = resolved ? "RESOLVED" : "FIRING";
  const std::string chaos = ChaosPhrase(a);
  // The firing line is the engine's own summary (it names the attack already); a resolve
  // says where the value is now and reminds which attack the episode belonged to.
  const std::string line = resolved ? ResolvedSummary(a) : a.Summary();

  Json blocks = Json::array();
  blocks.push_back(
      {{"type", "section"},
       {"text",
        {{"type", "mrkdwn"},
         {"text", TruncateUtf8((resolved ? ":white_check_mark: *" : ":rotating_light: *") + state +
                                   "* " + SlackEscape(line),
                               3000)}}}});
  Json fields = Json::array();
  auto field = [&](const std::string& title, const std::string& value) {
    fields.push_back({{"type", "mrkdwn"}, {"text", "*" + title + "*\n" + SlackEscape(value)}});
  };
  field("Value", FormatValue(a.value));
  field("Threshold", FormatValue(a.threshold));
  const std::string severity = LabelValue(a, "severity");
  field("Severity", severity.empty() ? "none" : severity);
  if (resolved) {
    field("Resolved at", a.resolved_at ? FormatRfc3339(*a.resolved_at) : "now");
  } else {
    field("Firing since", FormatRfc3339(StartedAt(a)));
  }
  blocks.push_back({{"type", "section"}, {"fields", fields}});
  if (!chaos.empty()) {
    std::string text = ":test_tube: Fired " + chaos;
    for (const auto& at : a.attacks) {
      if (!at.name.empty()) text += "; " + at.id + " is \"" + at.name + "\"";
    }
    blocks.push_back(
        {{"type", "context"},
         {"elements", Json::array({{{"type", "mrkdwn"}, {"text", SlackEscape(text)}}})}});
  }

  Json j;
  j["text"] = "[" + state + "] " + line;
  j["blocks"] = blocks;
  return j.dump();
}

std::map<std::string, std::string> AlertmanagerLabels(const slo::Alert& alert) {
  std::map<std::string, std::string> labels = alert.labels;
  labels["alertname"] = alert.name;
  // A label (not only an annotation) so that Alertmanager routes and inhibitions can tell
  // planned chaos from a real outage. Fixed for the whole episode, so it never changes the
  // alert's identity between trigger, resends and resolve.
  if (!alert.attacks.empty()) labels["chaos"] = "true";
  return labels;
}

std::map<std::string, std::string> AlertmanagerAnnotations(const slo::Alert& alert) {
  std::map<std::string, std::string> annotations;
  annotations["summary"] = alert.Summary();
  std::string description = Headline(alert) + ": value " + FormatValue(alert.value) +
                            ", threshold " + FormatValue(alert.threshold) + ", active since " +
                            FormatRfc3339(alert.active_at);
  if (alert.resolved_at) description += ", resolved at " + FormatRfc3339(*alert.resolved_at);
  annotations["description"] = description;
  if (!alert.attacks.empty()) {
    annotations["chaos_attack"] = ChaosPhrase(alert);
    std::string ids;
    for (const auto& at : alert.attacks) ids += (ids.empty() ? "" : ",") + at.id;
    annotations["chaos_attack_ids"] = ids;
  }
  return annotations;
}

std::string GeneratorUrl(const slo::Alert& alert, const NotifierOptions& options) {
  if (options.external_url.empty()) return "";
  std::string base = options.external_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string service = LabelValue(alert, "service");
  return service.empty() ? base + "/" : base + "/services/" + service;
}

std::string AlertmanagerAlertsBody(std::span<const slo::Alert> alerts, bool resolved, Timestamp now,
                                   const NotifierOptions& options) {
  Json list = Json::array();
  for (const auto& a : alerts) {
    Json item;
    item["labels"] = AlertmanagerLabels(a);
    item["annotations"] = AlertmanagerAnnotations(a);
    item["startsAt"] = FormatRfc3339(StartedAt(a));
    item["endsAt"] =
        FormatRfc3339(resolved ? a.resolved_at.value_or(now) : now + kAlertmanagerValidFor);
    const std::string generator = GeneratorUrl(a, options);
    if (!generator.empty()) item["generatorURL"] = generator;
    list.push_back(std::move(item));
  }
  return list.dump();
}

std::string AlertmanagerWebhookBody(const Notification& n, std::string_view receiver, Timestamp now,
                                    const NotifierOptions& options) {
  const slo::Alert& a = n.alert;
  const bool resolved = n.kind == Notification::Kind::kResolve;
  const auto labels = AlertmanagerLabels(a);
  const auto annotations = AlertmanagerAnnotations(a);
  Json alert;
  alert["status"] = resolved ? "resolved" : "firing";
  alert["labels"] = labels;
  alert["annotations"] = annotations;
  alert["startsAt"] = FormatRfc3339(StartedAt(a));
  // Alertmanager's webhook shows Go's zero time for alerts that have not ended.
  alert["endsAt"] =
      resolved ? FormatRfc3339(a.resolved_at.value_or(now)) : std::string("0001-01-01T00:00:00Z");
  alert["generatorURL"] = GeneratorUrl(a, options);
  alert["fingerprint"] = a.Fingerprint();

  Json j;
  j["version"] = "4";
  // Alertmanager's groupKey is "<route matchers>:<group labels>"; we group by alertname.
  j["groupKey"] = "{}:{alertname=\"" + a.name + "\"}";
  j["truncatedAlerts"] = 0;
  j["status"] = resolved ? "resolved" : "firing";
  j["receiver"] = receiver;
  j["groupLabels"] = {{"alertname", a.name}};
  j["commonLabels"] = labels;
  j["commonAnnotations"] = annotations;
  j["externalURL"] = options.external_url;
  j["alerts"] = Json::array({alert});
  return j.dump();
}

std::string SlackAnnouncementBody(const Notification& n) {
  Json j;
  j["text"] = ":test_tube: " + n.text;
  j["blocks"] =
      Json::array({{{"type", "section"},
                    {"text",
                     {{"type", "mrkdwn"},
                      {"text", TruncateUtf8(":test_tube: " + SlackEscape(n.text), 3000)}}}}});
  return j.dump();
}

std::string WebhookAnnouncementBody(const Notification& n) {
  Json j;
  j["kind"] = "chaos_announcement";
  j["text"] = n.text;
  j["attack"] = n.details.empty() ? Json::object() : Json::parse(n.details, nullptr, false);
  return j.dump();
}

std::string PagerDutyChangeEventBody(const Notification& n, std::string_view routing_key,
                                     const NotifierOptions& options) {
  Json j;
  j["routing_key"] = routing_key;
  Json payload;
  payload["summary"] = TruncateUtf8(n.text, kPagerDutyMaxSummary);
  payload["timestamp"] = FormatRfc3339(n.alert.active_at);
  payload["source"] = options.hostname;
  payload["custom_details"] =
      n.details.empty() ? Json::object() : Json::parse(n.details, nullptr, false);
  j["payload"] = payload;
  return j.dump();
}

std::string PagerDutyChangeUrl(const std::string& events_url) {
  const std::string suffix = "/v2/enqueue";
  if (events_url.size() >= suffix.size() &&
      events_url.compare(events_url.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return events_url.substr(0, events_url.size() - suffix.size()) + "/v2/change/enqueue";
  }
  return events_url;
}

}  // namespace steadystate::notify
