#include "incidents/incident.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/time.h"

namespace steadystate::incidents {
namespace {

using ::testing::ElementsAre;

Timestamp At(const char* text) { return ParseRfc3339(text).value(); }

Incident Sample() {
  Incident in;
  in.id = "pagerduty:Q1";
  in.number = 42;
  in.title = "Checkout, 5xx \"high\"";
  in.service = "checkout";
  in.service_id = "PSVC001";
  in.severity = "sev1";
  in.urgency = "high";
  in.status = "resolved";
  in.created_at = At("2026-11-20T10:00:00Z");
  in.acknowledged_at = At("2026-11-20T10:02:00Z");
  in.resolved_at = At("2026-11-20T10:45:30Z");
  in.alert_count = 3;
  in.url = "https://example.pagerduty.com/incidents/Q1";
  in.fingerprint = "checkout-5xx";
  return in;
}

TEST(Incident, JsonHasTheDesignFieldsInOrder) {
  auto j = nlohmann::ordered_json::parse(IncidentToJson(Sample()));
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, IncidentFieldNames());
  EXPECT_EQ(j["created_at"], "2026-11-20T10:00:00.000Z");
  EXPECT_EQ(j["tta_seconds"], 120.0);
  EXPECT_EQ(j["ttr_seconds"], 2730.0);
  EXPECT_TRUE(j["attack_id"].is_null());
  EXPECT_TRUE(j["ttd_seconds"].is_null());
  EXPECT_TRUE(j["impact_seconds"].is_null());
  EXPECT_EQ(j["onset_source"], "unknown");
}

TEST(Incident, AbsentTimesAreNullAndTheirDurationsToo) {
  Incident in = Sample();
  in.acknowledged_at.reset();
  in.resolved_at.reset();
  auto j = nlohmann::json::parse(IncidentToJson(in));
  EXPECT_TRUE(j["acknowledged_at"].is_null());
  EXPECT_TRUE(j["resolved_at"].is_null());
  EXPECT_TRUE(j["tta_seconds"].is_null());
  EXPECT_TRUE(j["ttr_seconds"].is_null());
}

TEST(Incident, CorrelationFieldsComeFromTheEngine) {
  IncidentCorrelation c;
  c.attack_id = "atk-1";
  c.onset_at = At("2026-11-20T09:58:00Z");
  c.onset_source = "attack";
  c.ttd_seconds = 120;
  c.impact_seconds = 2850;
  auto j = nlohmann::json::parse(IncidentToJson(Sample(), c));
  EXPECT_EQ(j["attack_id"], "atk-1");
  EXPECT_EQ(j["onset_at"], "2026-11-20T09:58:00.000Z");
  EXPECT_EQ(j["onset_source"], "attack");
  EXPECT_EQ(j["ttd_seconds"], 120.0);
  EXPECT_EQ(j["tta_seconds"], 120.0);  // still computed when the engine leaves it out
  EXPECT_EQ(j["impact_seconds"], 2850.0);
}

TEST(Incident, CsvCellsFollowTheSameOrderWithEmptyForAbsent) {
  Incident in = Sample();
  in.acknowledged_at.reset();
  auto cells = IncidentCsvFields(in);
  ASSERT_EQ(cells.size(), IncidentFieldNames().size());
  EXPECT_EQ(cells[0], "pagerduty:Q1");
  EXPECT_EQ(cells[2], "42");
  EXPECT_EQ(cells[3], "Checkout, 5xx \"high\"");
  EXPECT_EQ(cells[9], "");
  EXPECT_EQ(cells[10], "2026-11-20T10:45:30.000Z");
  EXPECT_EQ(cells[12], "");
  EXPECT_EQ(cells[14], "unknown");
  EXPECT_EQ(cells[16], "");
  EXPECT_EQ(cells[17], "2730");
}

TEST(Incident, NegativeDurationsAreKept) {
  Incident in = Sample();
  in.acknowledged_at = At("2026-11-20T09:59:59.500Z");
  EXPECT_DOUBLE_EQ(*TtaSeconds(in), -0.5);
  EXPECT_EQ(IncidentCsvFields(in)[16], "-0.5");
}

TEST(Incident, RecordRoundTripsEveryField) {
  const Incident in = Sample();
  auto back = IncidentFromRecord(IncidentToRecord(in));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, in);
  EXPECT_EQ(IncidentToRecord(*back), IncidentToRecord(in));
}

TEST(Incident, BadRecordNamesTheField) {
  auto r = IncidentFromRecord(R"({"id":"pagerduty:Q1","created_at":"yesterday"})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("created_at"));
  EXPECT_FALSE(IncidentFromRecord("{").ok());
  EXPECT_THAT(IncidentFromRecord(R"({"created_at":"2026-11-20T10:00:00Z"})").error().message,
              ::testing::HasSubstr("id"));
}

TEST(Incident, FieldNamesAreTheDesignContract) {
  EXPECT_THAT(IncidentFieldNames(),
              ElementsAre("id", "source", "number", "title", "service", "severity", "urgency",
                          "status", "created_at", "acknowledged_at", "resolved_at", "alert_count",
                          "attack_id", "onset_at", "onset_source", "ttd_seconds", "tta_seconds",
                          "ttr_seconds", "impact_seconds"));
}

}  // namespace
}  // namespace steadystate::incidents
