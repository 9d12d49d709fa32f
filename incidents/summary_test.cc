#include "incidents/summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace steadystate::incidents {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

Timestamp T(Duration offset = Duration(0)) {
  return Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 11 / 2)) + hours(10) + offset;
}

// 1..10: mean 5.5; median between 5 and 6 = 5.5; p90 at rank 0.9 * 9 = 8.1, i.e.
// 9 + 0.1 * (10 - 9) = 9.1; max 10.
TEST(Summary, CountMeanMedianP90Max) {
  const Summary s = Summarize({10, 3, 1, 2, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(s.count, 10u);
  EXPECT_DOUBLE_EQ(*s.mean, 5.5);
  EXPECT_DOUBLE_EQ(*s.median, 5.5);
  EXPECT_DOUBLE_EQ(*s.p90, 9.1);
  EXPECT_DOUBLE_EQ(*s.max, 10);
}

TEST(Summary, EmptyAndSingle) {
  const Summary empty = Summarize({});
  EXPECT_EQ(empty.count, 0u);
  EXPECT_FALSE(empty.mean.has_value());
  EXPECT_FALSE(empty.p90.has_value());
  const Summary one = Summarize({-4});  // negative durations are kept, not clamped
  EXPECT_EQ(one.median, -4);
  EXPECT_EQ(one.p90, -4);
}

TEST(GroupByParse, AcceptsTheThreeChoices) {
  EXPECT_EQ(*ParseGroupBy("service"), GroupBy::kService);
  EXPECT_EQ(*ParseGroupBy("severity"), GroupBy::kSeverity);
  EXPECT_EQ(*ParseGroupBy("none"), GroupBy::kNone);
  auto bad = ParseGroupBy("team");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("group_by"));
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
}

// A hand-built correlation:
//   www sev1 chaos  ttd 600 tta 60  ttr 1800 tbf -
//   www sev2        ttd -   tta 120 ttr 600  tbf 3600
//   www sev1 open   ttd 300 tta -   ttr -    tbf 0
//   db  sev1        ttd -   tta 30  ttr 300  tbf -
//   ""  sev2        (no service)    ttr 900
// Attacks: x broke www (detected), y broke www and db (missed).
Correlation Fixture() {
  auto inc = [](std::string service, std::string severity, Duration created) {
    Incident i;
    i.service = std::move(service);
    i.severity = std::move(severity);
    i.created_at = T(created);
    CorrelatedIncident c;
    c.incident = std::make_shared<const Incident>(std::move(i));
    return c;
  };
  Correlation c;
  CorrelatedIncident a = inc("www", "sev1", minutes(0));
  a.attack_id = "x";
  a.ttd_seconds = 600;
  a.tta_seconds = 60;
  a.ttr_seconds = 1800;
  CorrelatedIncident b = inc("www", "sev2", minutes(90));
  b.tta_seconds = 120;
  b.ttr_seconds = 600;
  b.tbf_seconds = 3600;
  CorrelatedIncident o = inc("www", "sev1", minutes(95));
  o.open = true;
  o.ttd_seconds = 300;
  o.tbf_seconds = 0;
  CorrelatedIncident d = inc("db", "sev1", minutes(10));
  d.tta_seconds = 30;
  d.ttr_seconds = 300;
  CorrelatedIncident n = inc("", "sev2", minutes(20));
  n.ttr_seconds = 900;
  c.incidents = {a, d, n, b, o};
  AttackDetection x;
  x.attack_id = "x";
  x.start = T();
  x.broken_services = {"www"};
  x.incident_ids = {"a"};
  AttackDetection y;
  y.attack_id = "y";
  y.start = T(hours(1));
  y.broken_services = {"www", "db"};
  AttackDetection z;  // broke nothing: not counted
  z.attack_id = "z";
  z.start = T(hours(2));
  c.attacks = {x, y, z};
  return c;
}

TEST(MetricsRows, GroupedByService) {
  const std::vector<MetricsRow> rows = MetricsRows(Fixture(), GroupBy::kService);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].group, "db");
  EXPECT_EQ(rows[0].incidents, 1u);
  EXPECT_EQ(rows[0].mttr_seconds, 300);
  EXPECT_FALSE(rows[0].mtbf_seconds.has_value());
  EXPECT_EQ(rows[0].detection_coverage, 0.0);  // db broke in y only, missed

  const MetricsRow& www = rows[1];
  EXPECT_EQ(www.group, "www");
  EXPECT_EQ(www.incidents, 3u);
  EXPECT_EQ(www.chaos_incidents, 1u);
  EXPECT_EQ(www.mttd_seconds, 450);        // (600 + 300) / 2
  EXPECT_EQ(www.mtta_seconds, 90);         // (60 + 120) / 2
  EXPECT_EQ(www.mttr_seconds, 1200);       // (1800 + 600) / 2, the open one has none
  EXPECT_EQ(www.p50_ttr_seconds, 1200);    // midway between 600 and 1800
  EXPECT_EQ(www.p90_ttr_seconds, 1680);    // 600 + 0.9 * 1200
  EXPECT_EQ(www.mtbf_seconds, 1800);       // (3600 + 0) / 2
  EXPECT_EQ(www.detection_coverage, 0.5);  // x detected, y missed

  EXPECT_FALSE(rows[2].group.has_value());  // the incident without a service, last
  EXPECT_EQ(rows[2].incidents, 1u);
  EXPECT_FALSE(rows[2].detection_coverage.has_value());
}

TEST(MetricsRows, GroupedBySeverityHasNoCoverage) {
  const std::vector<MetricsRow> rows = MetricsRows(Fixture(), GroupBy::kSeverity);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].group, "sev1");
  EXPECT_EQ(rows[0].incidents, 3u);
  EXPECT_EQ(rows[0].mttr_seconds, 1050);  // (1800 + 300) / 2
  EXPECT_EQ(rows[0].mtbf_seconds, 0);     // only the open www incident has a gap: 0
  EXPECT_FALSE(rows[0].detection_coverage.has_value());
  EXPECT_EQ(rows[1].group, "sev2");
  EXPECT_EQ(rows[1].mttr_seconds, 750);  // (600 + 900) / 2
}

// Not the mean of per-service means: all TTRs pooled, (1800+600+300+900)/4 = 900.
TEST(MetricsRows, UngroupedPoolsDurationsAndCountsCoverage) {
  const std::vector<MetricsRow> rows = MetricsRows(Fixture(), GroupBy::kNone);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].group, "all");
  EXPECT_EQ(rows[0].incidents, 5u);
  EXPECT_EQ(rows[0].mttr_seconds, 900);
  EXPECT_EQ(rows[0].detection_coverage, 0.5);  // 1 of 2 broken attacks detected
}

TEST(MetricsRows, PeriodFiltersIncidentsAndAttacks) {
  Period period{T(minutes(30)), T(hours(3))};
  const std::vector<MetricsRow> rows = MetricsRows(Fixture(), GroupBy::kNone, period);
  EXPECT_EQ(rows[0].incidents, 2u);            // created 11:30 and 11:35
  EXPECT_EQ(rows[0].detection_coverage, 0.0);  // only y, missed

  const std::vector<MetricsRow> empty = MetricsRows(Correlation{}, GroupBy::kNone);
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].incidents, 0u);
  EXPECT_FALSE(empty[0].mttr_seconds.has_value());
}

// The rows' TTR quantiles and mean are those of Summarize() over the same durations,
// whatever order the incidents come in: 0-10 minutes but 6 (and one open), scrambled.
TEST(MetricsRows, TtrQuantilesMatchTheSortedDefinition) {
  Correlation c;
  std::vector<double> ttrs;
  for (int k = 0; k < 11; ++k) {
    Incident i;
    i.id = "i" + std::to_string(k);
    i.service = "www";
    i.created_at = T(minutes(k));
    CorrelatedIncident x;
    x.incident = std::make_shared<const Incident>(std::move(i));
    if (k == 4) {
      x.open = true;
    } else {
      x.ttr_seconds = 60.0 * ((k * 7) % 11);  // 0, 7, 3, 10, -, 2, 9, 5, 1, 8, 4 minutes
      ttrs.push_back(*x.ttr_seconds);
    }
    c.incidents.push_back(x);
  }
  const Summary expected = Summarize(ttrs);
  const std::vector<MetricsRow> rows = MetricsRows(c, GroupBy::kNone);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].incidents, 11u);
  EXPECT_EQ(rows[0].mttr_seconds, expected.mean);
  EXPECT_EQ(rows[0].p50_ttr_seconds, expected.median);
  EXPECT_EQ(rows[0].p90_ttr_seconds, expected.p90);
  EXPECT_DOUBLE_EQ(*rows[0].p90_ttr_seconds, 546);  // 540 + 0.1 * 60 (type 7 over 10 values)
}

TEST(MetricsRows, JsonAndCsvInContractOrderWithAbsentValues) {
  std::vector<MetricsRow> rows(2);
  rows[0].group = "web, \"edge\"";
  rows[0].incidents = 3;
  rows[0].chaos_incidents = 1;
  rows[0].mttr_seconds = 1200;
  rows[0].detection_coverage = 2.0 / 3.0;
  rows[1].mtta_seconds = 90.5;
  EXPECT_EQ(MetricsRowsToJson(rows),
            "[{\"group\":\"web, \\\"edge\\\"\",\"incidents\":3,\"chaos_incidents\":1,"
            "\"mttd_seconds\":null,\"mtta_seconds\":null,\"mttr_seconds\":1200,"
            "\"p50_ttr_seconds\":null,\"p90_ttr_seconds\":null,\"mtbf_seconds\":null,"
            "\"detection_coverage\":0.6666666666666666},"
            "{\"group\":null,\"incidents\":0,\"chaos_incidents\":0,\"mttd_seconds\":null,"
            "\"mtta_seconds\":90.5,\"mttr_seconds\":null,\"p50_ttr_seconds\":null,"
            "\"p90_ttr_seconds\":null,\"mtbf_seconds\":null,\"detection_coverage\":null}]");
  EXPECT_EQ(MetricsRowsToCsv(rows),
            "group,incidents,chaos_incidents,mttd_seconds,mtta_seconds,mttr_seconds,"
            "p50_ttr_seconds,p90_ttr_seconds,mtbf_seconds,detection_coverage\n"
            "\"web, \"\"edge\"\"\",3,1,,,1200,,,,0.6666666666666666\n"
            ",0,0,,90.5,,,,,\n");
}

}  // namespace
}  // namespace steadystate::incidents
