#include "slo/burn_rate.h"

#include "slo/window.h"

#include <algorithm>
#include <cctype>
#include <ratio>

namespace steadystate::slo {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

std::vector<BurnRateTier> DefaultBurnRateTiers() {
  return {
      {"page", hours(1), minutes(5), 0.02, "critical"},
      {"page", hours(6), minutes(30), 0.05, "critical"},
      {"ticket", days(3), hours(6), 0.10, "warning"},
  };
}

std::vector<BurnRateTier> BurnRateTiers(const config::SloAlertsConfig& config) {
  if (config.tiers.empty()) return DefaultBurnRateTiers();
  std::vector<BurnRateTier> tiers;
  for (const config::BurnRateTierConfig& t : config.tiers) {
    tiers.push_back({t.name, t.long_window, t.short_window, t.budget_share,
                     std::string(config::ToString(t.severity)), t.for_duration});
  }
  return tiers;
}

const std::vector<Duration>& StandardLookbacks() {
  static const std::vector<Duration> kLookbacks{minutes(5), minutes(30), hours(1),
                                                hours(6),   days(1),     days(3)};
  return kLookbacks;
}

double BurnRateThreshold(const BurnRateTier& tier, Duration window_length, double objective_ratio) {
  const double window_hours =
      std::chrono::duration<double, std::ratio<3600>>(window_length).count();
  const double long_hours =
      std::chrono::duration<double, std::ratio<3600>>(tier.long_window).count();
  const double scaled = tier.budget_share * window_hours / long_hours;
  // Just below the maximum, so that "every probe failed" (burn == max) still breaches.
  const double max_burn = 1.0 / (1.0 - objective_ratio);
  return std::min(scaled, max_burn * (1.0 - 1e-9));
}

std::string BurnRateRuleName(const BurnRateTier& tier) {
  std::string name = "SloBurnRate";
  if (!tier.tier.empty()) {
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(tier.tier[0])));
    name += tier.tier.substr(1);
  }
  return name + WindowLabel(tier.long_window) + WindowLabel(tier.short_window);
}

ThresholdRule BurnRateRule(const BurnRateTier& tier) {
  ThresholdRule rule;
  rule.name = BurnRateRuleName(tier);
  rule.metric = "slo_burn_rate_over_threshold";
  rule.above = 1.0;
  rule.recover_below = 1.0;
  rule.for_duration = tier.for_duration;
  rule.severity = tier.severity;
  return rule;
}

std::map<std::string, std::string> BurnRateLabels(const BurnRateTier& tier,
                                                  const std::string& service,
                                                  const std::string& slo) {
  return {{"service", service},
          {"slo", slo},
          {"tier", tier.tier},
          {"long_window", WindowLabel(tier.long_window)},
          {"short_window", WindowLabel(tier.short_window)}};
}

std::optional<double> BurnRateAlertValue(std::optional<double> long_burn,
                                         std::optional<double> short_burn, double threshold) {
  if (!long_burn || !short_burn || threshold <= 0) return std::nullopt;
  return std::min(*long_burn, *short_burn) / threshold;
}

}  // namespace steadystate::slo
