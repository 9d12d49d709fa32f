// alerts[], slo_alerts and notifiers[]: what pages whom. That every `notify` names a defined
// notifier is checked in config.cc, once all notifiers are known.
#include "config/sections.h"

namespace steadystate::config {
namespace {

// Alert names become Prometheus alert names (`steadystate rules prometheus`), which must be
// valid metric names; colons are left out as Prometheus reserves them for recording rules.
ValueParser<std::string> AlertName() {
  return {"an alert name", [](std::string_view text) -> Result<std::string> {
            auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
            bool valid = !text.empty() && (letter(text[0]) || text[0] == '_');
            for (char c : text) valid = valid && (letter(c) || (c >= '0' && c <= '9') || c == '_');
            if (valid) return std::string(text);
            return Invalid(Quote(text) +
                           " is not an alert name (letters, digits and '_', not "
                           "starting with a digit; example: HostCpuHigh)");
          }};
}

// The hysteresis applied when recover_below is not given: an alert at 0.80 resolves below
// 0.75, so a value hovering around the threshold does not flap.
constexpr double kDefaultRecoveryMargin = 0.05;

}  // namespace

void ReadAlert(MapReader& map, AlertRuleConfig& out) {
  map.ReadRequired("name", out.name, AlertName());
  bool has_metric = map.ReadRequired("metric", out.metric, OneOf("a metric", kAlertMetrics));
  bool has_above = map.ReadRequired("above", out.above, Number());
  bool has_recover = map.Read("recover_below", out.recover_below, Number());
  map.Read("for", out.for_duration, AnyDuration());
  map.Read("severity", out.severity, OneOf("a severity", kAlertSeverities));
  map.ReadList("notify", out.notify, NonEmptyString());
  if (!has_above || !has_metric) return;

  std::string above_text = map.Find("above")->value.scalar;
  if (out.metric != AlertMetric::kLoad1 && (out.above <= 0 || out.above > 1)) {
    map.Error("above", above_text +
                           " is not a ratio in (0, 1]: " + std::string(ToString(out.metric)) +
                           " goes from 0 to 1 (example: 0.80 for 80%)");
    return;
  }
  if (out.above <= 0) {
    map.Error("above", above_text + " must be greater than 0");
    return;
  }
  if (!has_recover) {
    if (map.Find("recover_below") != nullptr) return;  // invalid, already reported
    out.recover_below = out.above - kDefaultRecoveryMargin;
    if (out.recover_below < 0) {
      map.Error("above",
                "recover_below defaults to above - 0.05, which is below 0; set "
                "recover_below explicitly");
    }
    return;
  }
  std::string recover_text = map.Find("recover_below")->value.scalar;
  if (out.recover_below >= out.above) {
    map.Error("recover_below", recover_text + " must be below above (" + above_text +
                                   "), or the alert could never resolve");
  } else if (out.recover_below < 0) {
    map.Error("recover_below", recover_text + " must not be negative");
  }
}

void ReadSloAlerts(MapReader& map, SloAlertsConfig& out) {
  map.ReadList("notify", out.notify, NonEmptyString());
}

void ReadNotifier(MapReader& map, NotifierConfig& out) {
  map.ReadRequired("name", out.name, Name());
  static constexpr auto kKinds = KeysOf(kNotifierKinds);
  if (std::optional<size_t> kind = map.ReadOneOf(kKinds)) out.kind = kNotifierKinds[*kind].second;
  // Every kind present is read, so that its own mistakes are reported too.
  map.ReadMap("pagerduty_events", [&](MapReader& events) {
    events.ReadSecret("routing_key", out.pagerduty_events.routing_key, /*required=*/true);
    events.Read("url", out.pagerduty_events.url, HttpUrl());
  });
  map.ReadMap("slack", [&](MapReader& slack) {
    slack.ReadSecret("webhook_url", out.slack.webhook_url, /*required=*/true);
  });
  map.ReadMap("alertmanager", [&](MapReader& alertmanager) {
    alertmanager.ReadRequired("url", out.alertmanager.url, HttpUrl());
  });
  map.ReadMap("webhook", [&](MapReader& webhook) {
    webhook.ReadRequired("url", out.webhook.url, HttpUrl());
    webhook.Read("format", out.webhook.format, OneOf("a webhook format", kWebhookFormats));
  });
  map.ReadMap("log", [](MapReader&) {});
}

}  // namespace steadystate::config
