// alerts[], slo_alerts and notifiers[]: what pages whom. That every `notify` names a defined
// notifier is checked in config.cc, once all notifiers are known.
#include <array>
#include <chrono>
#include <optional>

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

// A tier name is the `tier` label and, capitalised, part of the alert name
// (SloBurnRatePage1h5m), so it keeps to what both allow.
ValueParser<std::string> TierName() {
  return {"a tier name", [](std::string_view text) -> Result<std::string> {
            bool valid = !text.empty() && text[0] >= 'a' && text[0] <= 'z' && text.size() <= 32;
            for (char c : text) {
              valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
            }
            if (valid) return std::string(text);
            return Invalid(Quote(text) +
                           " is not a tier name (lowercase letters, digits and '_', starting "
                           "with a letter; example: page)");
          }};
}

// The SRE workbook quotes burn-rate thresholds for a 30-day SLO window.
constexpr auto kWorkbookWindow = std::chrono::days(30);

void ReadBurnRateTier(MapReader& map, BurnRateTierConfig& out) {
  map.ReadRequired("name", out.name, TierName());
  bool has_long = map.ReadRequired("long_window", out.long_window, PositiveDuration());
  bool has_short = map.ReadRequired("short_window", out.short_window, PositiveDuration());
  map.Read("severity", out.severity, OneOf("a severity", kAlertSeverities));
  map.Read("for", out.for_duration, AnyDuration());
  map.ReadList("notify", out.notify, NonEmptyString());
  static constexpr std::array<std::string_view, 2> kThresholds{"burn_rate", "budget_percent"};
  std::optional<size_t> threshold = map.ReadOneOf(kThresholds);
  double burn_rate = 0;
  double budget_percent = 0;
  bool has_threshold = false;
  if (threshold == size_t{0}) {
    has_threshold = map.Read("burn_rate", burn_rate, Number());
    if (has_threshold && burn_rate <= 0) {
      map.Error("burn_rate", map.Find("burn_rate")->value.scalar +
                                 " must be greater than 0 (example: 14.4, the workbook's fast "
                                 "page for a 30-day window)");
      has_threshold = false;
    }
  } else if (threshold == size_t{1}) {
    has_threshold = map.Read("budget_percent", budget_percent, Number());
    if (has_threshold && (budget_percent <= 0 || budget_percent > 100)) {
      map.Error("budget_percent", map.Find("budget_percent")->value.scalar +
                                      " is not a percentage in (0, 100] (example: 2 for 2% of "
                                      "the error budget)");
      has_threshold = false;
    }
  }
  // Burn rates come from minute rollups.
  auto whole_minutes = [&](std::string_view key, Duration d, bool& has) {
    if (has && d % std::chrono::minutes(1) != Duration(0)) {
      map.Error(key, FormatDuration(d) + " is not a whole number of minutes (examples: 5m, 1h)");
      has = false;
    }
  };
  whole_minutes("long_window", out.long_window, has_long);
  whole_minutes("short_window", out.short_window, has_short);
  if (has_long && has_short && out.short_window >= out.long_window) {
    map.Error("short_window", "short_window " + FormatDuration(out.short_window) +
                                  " must be shorter than long_window " +
                                  FormatDuration(out.long_window) +
                                  " (the workbook uses 1/12: 1h and 5m)");
  }
  if (!has_threshold || !has_long) return;
  // burn_rate 14.4 over 1h of a 30d window spends 14.4 * 1h / 720h = 2% of the budget.
  const double share = threshold == size_t{0}
                           ? burn_rate * (std::chrono::duration<double>(out.long_window) /
                                          std::chrono::duration<double>(kWorkbookWindow))
                           : budget_percent / 100;
  if (share > 1) {
    map.Error("burn_rate",
              map.Find("burn_rate")->value.scalar + " over " +
                  map.Find("long_window")->value.scalar +
                  " would spend more than the whole 30-day error budget; lower it or shorten "
                  "long_window");
    return;
  }
  out.budget_share = share;
}

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
  map.ReadMapList(
      "tiers", [&](MapReader& tier, size_t) { ReadBurnRateTier(tier, out.tiers.emplace_back()); });
  // A tier's alert name is its name and windows (SloBurnRatePage1h5m): they must differ.
  for (size_t i = 0; i < out.tiers.size(); ++i) {
    const BurnRateTierConfig& tier = out.tiers[i];
    for (size_t j = 0; j < i && !tier.name.empty(); ++j) {
      const BurnRateTierConfig& first = out.tiers[j];
      if (first.name != tier.name || first.long_window != tier.long_window ||
          first.short_window != tier.short_window) {
        continue;
      }
      map.ctx().ErrorAt(map.PathOf("tiers") + "[" + std::to_string(i) + "].name",
                        "duplicate tier \"" + tier.name + "\" over " +
                            FormatDuration(tier.long_window) + " and " +
                            FormatDuration(tier.short_window) + " (first defined at tiers[" +
                            std::to_string(j) + "])");
      break;
    }
  }
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
