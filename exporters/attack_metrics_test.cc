#include "exporters/attack_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "common/time.h"

namespace steadystate::exporters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

chaos::Attack Window(std::string type, std::string outcome, std::vector<std::string> targets) {
  chaos::Attack a;
  a.type = std::move(type);
  a.outcome = std::move(outcome);
  a.targets = std::move(targets);
  a.start = *ParseRfc3339("2026-11-25T17:00:00Z");
  return a;
}

std::string Scrape(const AttackMetrics& metrics) {
  return prometheus::TextSerializer().Serialize(metrics.Collect());
}

TEST(AttackMetrics, ActiveWindowsPerTargetAndEndedWindowsByOutcome) {
  AttackMetrics metrics([] {
    return Result<std::vector<chaos::Attack>>(std::vector<chaos::Attack>{
        Window("cpu", "running", {"web-1", "web-2"}),
        Window("latency", "running", {}),
        Window("cpu", "completed", {"web-1"}),
        Window("cpu", "completed", {"web-3"}),
        Window("cpu", "halted", {"web-1"}),
        Window("blackhole", "abandoned", {"db-1"}),
    });
  });
  const std::string text = Scrape(metrics);
  EXPECT_THAT(text, HasSubstr("steadystate_attack_active{target=\"web-1\",type=\"cpu\"} 1"));
  EXPECT_THAT(text, HasSubstr("steadystate_attack_active{target=\"web-2\",type=\"cpu\"} 1"));
  EXPECT_THAT(text, HasSubstr("steadystate_attack_active{target=\"\",type=\"latency\"} 1"));
  EXPECT_THAT(text, Not(HasSubstr("target=\"web-3\"")));
  EXPECT_THAT(text, HasSubstr("steadystate_attacks_total{outcome=\"completed\",type=\"cpu\"} 2"));
  EXPECT_THAT(text, HasSubstr("steadystate_attacks_total{outcome=\"halted\",type=\"cpu\"} 1"));
  EXPECT_THAT(text,
              HasSubstr("steadystate_attacks_total{outcome=\"abandoned\",type=\"blackhole\"} 1"));
  EXPECT_THAT(text, Not(HasSubstr("outcome=\"running\"")));
}

TEST(AttackMetrics, AStoreErrorYieldsEmptyFamilies) {
  AttackMetrics metrics(
      [] { return Result<std::vector<chaos::Attack>>(MakeError(ErrorCode::kIo, "disk on fire")); });
  auto families = metrics.Collect();
  ASSERT_EQ(families.size(), 2u);
  EXPECT_TRUE(families[0].metric.empty());
  EXPECT_TRUE(families[1].metric.empty());
}

}  // namespace
}  // namespace steadystate::exporters
