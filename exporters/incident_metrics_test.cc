#include "exporters/incident_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "tests/support/prom_text.h"

namespace steadystate::exporters {
namespace {

using test_support::SampleValue;
using ::testing::HasSubstr;
using ::testing::Not;

incidents::CorrelatedIncident Make(std::string service, std::string severity, bool chaos,
                                   std::optional<double> ttd, std::optional<double> ttr) {
  incidents::Incident i;
  i.service = std::move(service);
  i.severity = std::move(severity);
  incidents::CorrelatedIncident c;
  c.incident = std::make_shared<const incidents::Incident>(std::move(i));
  if (chaos) c.attack_id = "atk";
  c.ttd_seconds = ttd;
  c.ttr_seconds = ttr;
  return c;
}

std::string Scrape(const IncidentMetrics& metrics) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, metrics.Collect());
  return out.str();
}

TEST(IncidentMetrics, NothingBeforeTheFirstSnapshot) {
  IncidentMetrics metrics;
  EXPECT_EQ(Scrape(metrics), "");
}

// www sev1: chaos with TTD 90 s and TTR 20 min; not chaos with TTR 3 h; an open one with
// TTD -30 s (skew). TTD histogram: -30 <= 60 and 90 <= 120; TTR: 1200 <= 1800,
// 10800 <= 14400.
TEST(IncidentMetrics, CountersHistogramsGauges) {
  incidents::Correlation c;
  c.incidents = {Make("www", "sev1", true, 90, 1200),
                 Make("www", "sev1", false, std::nullopt, 10800),
                 Make("www", "sev1", false, -30, std::nullopt), Make("db", "sev2", true, 10, 50)};
  c.services = {{"db", 1, {}, std::nullopt}, {"www", 3, {0, 600}, 300}};
  c.detection_coverage = 0.75;
  IncidentMetrics metrics;
  metrics.Update(MakeIncidentMetricsSnapshot(c));
  const std::string text = Scrape(metrics);

  EXPECT_EQ(SampleValue(
                text, R"(steadystate_incidents_total{chaos="true",service="www",severity="sev1"})"),
            1);
  EXPECT_EQ(
      SampleValue(text,
                  R"(steadystate_incidents_total{chaos="false",service="www",severity="sev1"})"),
      2);
  EXPECT_EQ(SampleValue(
                text, R"(steadystate_incidents_total{chaos="true",service="db",severity="sev2"})"),
            1);

  EXPECT_EQ(
      SampleValue(text, R"(steadystate_incident_ttd_seconds_count{service="www",severity="sev1"})"),
      2);
  EXPECT_EQ(
      SampleValue(text, R"(steadystate_incident_ttd_seconds_sum{service="www",severity="sev1"})"),
      60);
  EXPECT_EQ(
      SampleValue(
          text,
          R"(steadystate_incident_ttd_seconds_bucket{service="www",severity="sev1",le="60"})"),
      1);
  EXPECT_EQ(
      SampleValue(
          text,
          R"(steadystate_incident_ttd_seconds_bucket{service="www",severity="sev1",le="120"})"),
      2);
  EXPECT_EQ(
      SampleValue(
          text,
          R"(steadystate_incident_ttd_seconds_bucket{service="www",severity="sev1",le="+Inf"})"),
      2);
  EXPECT_EQ(
      SampleValue(
          text,
          R"(steadystate_incident_ttr_seconds_bucket{service="www",severity="sev1",le="900"})"),
      0);
  EXPECT_EQ(
      SampleValue(
          text,
          R"(steadystate_incident_ttr_seconds_bucket{service="www",severity="sev1",le="1800"})"),
      1);
  EXPECT_EQ(
      SampleValue(
          text,
          R"(steadystate_incident_ttr_seconds_bucket{service="www",severity="sev1",le="14400"})"),
      2);
  EXPECT_EQ(
      SampleValue(text, R"(steadystate_incident_ttr_seconds_count{service="www",severity="sev1"})"),
      2);
  EXPECT_EQ(
      SampleValue(text, R"(steadystate_incident_tta_seconds_count{service="www",severity="sev1"})"),
      0);

  EXPECT_EQ(SampleValue(text, R"(steadystate_mtbf_seconds{service="www"})"), 300);
  EXPECT_THAT(text, Not(HasSubstr(R"(steadystate_mtbf_seconds{service="db"})")));
  EXPECT_EQ(SampleValue(text, "steadystate_detection_coverage_ratio"), 0.75);
  EXPECT_THAT(text, HasSubstr("# TYPE steadystate_incident_ttr_seconds histogram"));
  EXPECT_THAT(text, HasSubstr("# TYPE steadystate_incidents_total counter"));

  // Without an attack that broke an SLI there is no coverage to report.
  c.detection_coverage.reset();
  metrics.Update(MakeIncidentMetricsSnapshot(c));
  EXPECT_THAT(Scrape(metrics), Not(HasSubstr("steadystate_detection_coverage_ratio")));
}

}  // namespace
}  // namespace steadystate::exporters
