// Multiwindow, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", table 5-8):
//
//   tier    long  short  budget share  threshold for a 30d window
//   page    1h    5m     2%            14.4
//   page    6h    30m    5%            6
//   ticket  3d    6h     10%           1
//
// A tier breaches while the burn rates over both its long and short lookbacks exceed its
// threshold. The workbook's thresholds assume a 30-day window; for any other window
//
//   threshold = budget share * window hours / long-window hours
//
// (2% of a 28d budget in 1h: 0.02 * 672 / 1 = 13.44), capped just below the highest burn
// rate possible, 1 / (1 - objective) (every probe failing), so a tier whose scaled threshold
// is unreachable still fires when everything fails.
//
// Each tier becomes one ThresholdRule evaluated by the shared AlertEngine, on one series per
// service x SLO whose value is min(long burn, short burn) / threshold: above 1.0 fires (after
// the tier's `for`, 0s by default), below 1.0 resolves. `slo_alerts.tiers` in the config
// replaces the three tiers above. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "slo/alert.h"
#include "slo/alert_engine.h"

namespace steadystate::slo {

struct BurnRateTier {
  std::string tier;  // "page" or "ticket": the `tier` label
  Duration long_window{0};
  Duration short_window{0};
  double budget_share = 0;   // of the whole window's error budget, spent in long_window
  std::string severity;      // page -> critical, ticket -> warning
  Duration for_duration{0};  // how long a breach must last before the alert fires
};

// The workbook's three tiers above.
std::vector<BurnRateTier> DefaultBurnRateTiers();

// The tiers of `slo_alerts.tiers`, in order, or the workbook's when none are configured.
std::vector<BurnRateTier> BurnRateTiers(const config::SloAlertsConfig& config);

// The burn rate lookbacks every SLO reports (5m, 30m, 1h, 6h, 1d, 3d), shortest first.
const std::vector<Duration>& StandardLookbacks();

// The threshold of `tier` for an SLO with `objective_ratio` (0.999) over `window_length`.
double BurnRateThreshold(const BurnRateTier& tier, Duration window_length, double objective_ratio);

// "SloBurnRatePage1h5m", "SloBurnRateTicket3d6h".
std::string BurnRateRuleName(const BurnRateTier& tier);

// The AlertEngine rule of `tier`: above 1.0, recover_below 1.0, for the tier's for_duration.
ThresholdRule BurnRateRule(const BurnRateTier& tier);

// Labels of a tier's series: service, slo, tier, long_window, short_window.
std::map<std::string, std::string> BurnRateLabels(const BurnRateTier& tier,
                                                  const std::string& service,
                                                  const std::string& slo);

// min(long_burn, short_burn) / threshold; nullopt when either lookback has no data.
std::optional<double> BurnRateAlertValue(std::optional<double> long_burn,
                                         std::optional<double> short_burn, double threshold);

}  // namespace steadystate::slo
