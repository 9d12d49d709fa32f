#include "slo/burn_rate.h"

#include <gtest/gtest.h>

namespace steadystate::slo {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

TEST(BurnRate, WorkbookThresholdsForThirtyDays) {
  std::vector<BurnRateTier> tiers = DefaultBurnRateTiers();
  ASSERT_EQ(tiers.size(), 3u);
  EXPECT_NEAR(BurnRateThreshold(tiers[0], days(30), 0.999), 14.4, 1e-9);
  EXPECT_NEAR(BurnRateThreshold(tiers[1], days(30), 0.999), 6.0, 1e-9);
  EXPECT_NEAR(BurnRateThreshold(tiers[2], days(30), 0.999), 1.0, 1e-9);
  EXPECT_EQ(tiers[0].short_window, minutes(5));
  EXPECT_EQ(tiers[1].short_window, minutes(30));
  EXPECT_EQ(tiers[2].long_window, days(3));
  EXPECT_EQ(tiers[2].short_window, hours(6));
}

TEST(BurnRate, ThresholdsScaleWithTheWindow) {
  std::vector<BurnRateTier> tiers = DefaultBurnRateTiers();
  EXPECT_NEAR(BurnRateThreshold(tiers[0], days(28), 0.999), 13.44, 1e-9);
  EXPECT_NEAR(BurnRateThreshold(tiers[1], days(28), 0.999), 5.6, 1e-9);
  EXPECT_NEAR(BurnRateThreshold(tiers[2], days(7), 0.999), 0.7 / 3, 1e-9);
}

TEST(BurnRate, ThresholdCappedJustBelowTheMaximumBurn) {
  // 90%: the worst possible burn is 10, below the page threshold of 14.4.
  const double threshold = BurnRateThreshold(DefaultBurnRateTiers()[0], days(30), 0.9);
  EXPECT_LT(threshold, 10.0);
  EXPECT_GT(threshold, 10.0 - 1e-6);
  // Every probe failing still breaches.
  EXPECT_GT(*BurnRateAlertValue(10.0, 10.0, threshold), 1.0);
}

TEST(BurnRate, AlertValueNeedsBothWindows) {
  EXPECT_NEAR(*BurnRateAlertValue(28.8, 14.4 * 3, 14.4), 2.0, 1e-12);
  EXPECT_NEAR(*BurnRateAlertValue(100, 7.2, 14.4), 0.5, 1e-12);
  EXPECT_FALSE(BurnRateAlertValue(std::nullopt, 20, 14.4).has_value());
  EXPECT_FALSE(BurnRateAlertValue(20, std::nullopt, 14.4).has_value());
}

TEST(BurnRate, RulesAndLabels) {
  std::vector<BurnRateTier> tiers = DefaultBurnRateTiers();
  ThresholdRule page = BurnRateRule(tiers[0]);
  EXPECT_EQ(page.name, "SloBurnRatePage1h5m");
  EXPECT_EQ(page.severity, "critical");
  EXPECT_EQ(page.above, 1.0);
  EXPECT_EQ(page.recover_below, 1.0);
  EXPECT_EQ(page.for_duration, Duration(0));
  EXPECT_EQ(BurnRateRule(tiers[1]).name, "SloBurnRatePage6h30m");
  ThresholdRule ticket = BurnRateRule(tiers[2]);
  EXPECT_EQ(ticket.name, "SloBurnRateTicket3d6h");
  EXPECT_EQ(ticket.severity, "warning");
  auto labels = BurnRateLabels(tiers[2], "www", "availability");
  EXPECT_EQ(labels["service"], "www");
  EXPECT_EQ(labels["slo"], "availability");
  EXPECT_EQ(labels["tier"], "ticket");
  EXPECT_EQ(labels["long_window"], "3d");
  EXPECT_EQ(labels["short_window"], "6h");
}

TEST(BurnRate, ConfiguredTiersReplaceTheWorkbooks) {
  EXPECT_EQ(BurnRateTiers(config::SloAlertsConfig{}).size(), 3u);
  config::SloAlertsConfig config;
  config::BurnRateTierConfig& slow = config.tiers.emplace_back();
  slow.name = "slow_ticket";
  slow.long_window = days(1);
  slow.short_window = hours(2);
  slow.budget_share = 0.05;
  slow.severity = config::AlertSeverity::kInfo;
  slow.for_duration = minutes(15);
  std::vector<BurnRateTier> tiers = BurnRateTiers(config);
  ASSERT_EQ(tiers.size(), 1u);
  EXPECT_EQ(tiers[0].tier, "slow_ticket");
  EXPECT_EQ(tiers[0].long_window, days(1));
  EXPECT_EQ(tiers[0].short_window, hours(2));
  // 5% of a 30d budget in a day: 0.05 * 720 / 24.
  EXPECT_NEAR(BurnRateThreshold(tiers[0], days(30), 0.999), 1.5, 1e-9);
  ThresholdRule rule = BurnRateRule(tiers[0]);
  EXPECT_EQ(rule.name, "SloBurnRateSlow_ticket1d2h");
  EXPECT_EQ(rule.severity, "info");
  EXPECT_EQ(rule.for_duration, minutes(15));
}

}  // namespace
}  // namespace steadystate::slo
