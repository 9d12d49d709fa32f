#include "incidents/pagerduty/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/time.h"

namespace steadystate::incidents::pagerduty {
namespace {

using ::testing::HasSubstr;

Timestamp At(const char* text) { return ParseRfc3339(text).value(); }

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(STEADYSTATE_PD_TEST_DATA) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* kMinimal = R"({
  "incidents": [{
    "id": "Q1", "incident_number": 7, "title": "DB down", "status": "resolved",
    "urgency": "high", "created_at": "2026-11-20T10:00:00Z",
    "updated_at": "2026-11-20T18:00:00Z", "last_status_change_at": "2026-11-20T12:00:00Z",
    "resolved_at": "2026-11-20T11:00:00Z",
    "service": {"id": "PSVC", "type": "service_reference", "summary": "Database"},
    "priority": null, "alert_counts": {"all": 2, "triggered": 0, "resolved": 2},
    "incident_key": "db-down", "html_url": "https://x.pagerduty.com/incidents/Q1"
  }],
  "limit": 100, "offset": 0, "more": true, "total": null})";

TEST(ParseIncidentsPage, ReadsEveryFieldWeUse) {
  auto page = ParsePagerDutyIncidentsPage(kMinimal);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  const PdIncident& in = page->items[0];
  EXPECT_EQ(in.id, "Q1");
  EXPECT_EQ(in.number, 7);
  EXPECT_EQ(in.title, "DB down");
  EXPECT_EQ(in.status, "resolved");
  EXPECT_EQ(in.urgency, "high");
  EXPECT_FALSE(in.priority.has_value());
  EXPECT_EQ(in.service_id, "PSVC");
  EXPECT_EQ(in.service_summary, "Database");
  EXPECT_EQ(in.created_at, At("2026-11-20T10:00:00Z"));
  // resolved_at, never updated_at or last_status_change_at.
  EXPECT_EQ(in.resolved_at, At("2026-11-20T11:00:00Z"));
  EXPECT_EQ(in.alert_count, 2);
  EXPECT_EQ(in.incident_key, "db-down");
  EXPECT_EQ(in.html_url, "https://x.pagerduty.com/incidents/Q1");
  EXPECT_TRUE(page->more);
  EXPECT_EQ(page->limit, 100);
  EXPECT_FALSE(page->total.has_value());
}

TEST(ParseIncidentsPage, RecordedPageWithOffsetsAndPriorities) {
  auto page = ParsePagerDutyIncidentsPage(Fixture("incidents-page.json"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_TRUE(page->skipped.empty());
  EXPECT_EQ(page->items[0].priority, "P1");
  EXPECT_EQ(page->items[0].incident_key, "checkout-5xx");
  EXPECT_FALSE(page->items[1].priority.has_value());
  EXPECT_EQ(page->items[1].created_at, At("2026-11-20T18:00:00Z"));  // -07:00
  EXPECT_EQ(page->items[2].created_at, At("2026-11-21T08:15:00Z"));  // +01:00
  EXPECT_FALSE(page->items[2].resolved_at.has_value());
  EXPECT_FALSE(page->more);
}

TEST(ParseIncidentsPage, TruncatedOrMalformedPageIsAnErrorNamingThePage) {
  auto truncated =
      ParsePagerDutyIncidentsPage(Fixture("incidents-truncated.json"), "GET /incidents offset 200");
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(truncated.error().message, HasSubstr("GET /incidents offset 200"));
  EXPECT_THAT(truncated.error().message, HasSubstr("not valid JSON"));
  EXPECT_FALSE(ParsePagerDutyIncidentsPage("").ok());
  EXPECT_FALSE(ParsePagerDutyIncidentsPage("<html>502 Bad Gateway</html>").ok());
  auto no_list = ParsePagerDutyIncidentsPage(R"({"limit": 100})");
  ASSERT_FALSE(no_list.ok());
  EXPECT_THAT(no_list.error().message, HasSubstr("\"incidents\""));
}

TEST(ParseIncidentsPage, BadIncidentIsSkippedAndNamedTheRestKept) {
  const char* body = R"({"incidents": [
    {"id": "QBAD1", "incident_number": 1, "status": "triggered", "created_at": "yesterday",
     "service": {"id": "P1"}},
    {"id": "QBAD2", "incident_number": 2, "created_at": "2026-11-20T10:00:00Z",
     "service": {"id": "P1"}},
    {"id": "QBAD3", "incident_number": 3, "status": "triggered",
     "created_at": "2026-11-20T10:00:00Z"},
    {"incident_number": 4, "status": "triggered", "created_at": "2026-11-20T10:00:00Z",
     "service": {"id": "P1"}},
    {"id": "QOK", "incident_number": 5, "status": "triggered",
     "created_at": "2026-11-20T10:00:00+05:30", "service": {"id": "P1"}}
  ], "more": false})";
  auto page = ParsePagerDutyIncidentsPage(body, "page 3");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, "QOK");
  EXPECT_EQ(page->items[0].created_at, At("2026-11-20T04:30:00Z"));
  ASSERT_EQ(page->skipped.size(), 4u);
  EXPECT_THAT(page->skipped[0], HasSubstr("page 3: incident QBAD1: created_at"));
  EXPECT_THAT(page->skipped[1], HasSubstr("incident QBAD2: status: missing"));
  EXPECT_THAT(page->skipped[2], HasSubstr("incident QBAD3: service: missing"));
  EXPECT_THAT(page->skipped[3], HasSubstr("(no id): id: missing"));
}

TEST(ParseIncidentsPage, OverLongIdsRejectTheIncidentAndOverLongTextIsCut) {
  const std::string long_id(300, 'Q');
  const std::string body =
      R"({"incidents": [
    {"id": ")" +
      long_id + R"(", "incident_number": 1, "status": "triggered",
     "created_at": "2026-11-20T10:00:00Z", "service": {"id": "P1"}},
    {"id": "QURL", "incident_number": 2, "status": "triggered",
     "created_at": "2026-11-20T10:00:00Z", "service": {"id": "P1"}, "html_url": "https://x/)" +
      std::string(3000, 'u') + R"("},
    {"id": "QOK", "incident_number": 3, "status": "triggered", "title": ")" +
      std::string(5000, 't') + R"(",
     "created_at": "2026-11-20T10:00:00Z", "service": {"id": "P1", "summary": ")" +
      std::string(400, 's') + R"("}}
  ], "more": false})";
  auto page = ParsePagerDutyIncidentsPage(body, "page 1");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->skipped.size(), 2u);
  EXPECT_THAT(page->skipped[0], HasSubstr("(id too long): id: 300 bytes, over the limit of 256"));
  EXPECT_EQ(page->skipped[0].find(long_id), std::string::npos);
  EXPECT_THAT(page->skipped[1], HasSubstr("QURL: html_url: 3010 bytes, over the limit of 2048"));
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].title.size(), 1024u);
  EXPECT_TRUE(page->items[0].title.ends_with("...[cut]"));
  EXPECT_EQ(page->items[0].service_summary.size(), 256u);
}

TEST(ParseIncidentsPage, TotalIsReadWhenAskedFor) {
  auto page = ParsePagerDutyIncidentsPage(R"({"incidents": [], "more": false, "total": 1234})");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 1234);
}

TEST(ParseLogEntriesPage, RecordedPageInTheAccountsZone) {
  auto page = ParsePagerDutyLogEntriesPage(Fixture("log-entries-page.json"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 4u);
  EXPECT_EQ(page->items[0].type, "acknowledge_log_entry");
  EXPECT_EQ(page->items[0].incident_id, "Q0001ABCDEF");
  EXPECT_EQ(page->items[0].created_at, At("2026-11-20T10:05:00Z"));  // -08:00
  EXPECT_TRUE(page->more);
}

TEST(ParseLogEntriesPage, EntryWithoutIncidentIsSkipped) {
  auto page = ParsePagerDutyLogEntriesPage(
      R"({"log_entries": [{"id": "R1", "type": "acknowledge_log_entry",
           "created_at": "2026-11-20T10:05:00Z"}], "more": false})");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  ASSERT_EQ(page->skipped.size(), 1u);
  EXPECT_THAT(page->skipped[0], HasSubstr("log entry R1: incident: missing"));
}

TEST(ParseIncident, SingleIncidentAndErrors) {
  auto in = ParsePagerDutyIncident(
      R"({"incident": {"id": "Q9", "incident_number": 9, "status": "acknowledged",
          "created_at": "2026-11-20T10:00:00Z", "service": {"id": "P1", "summary": "S"},
          "priority": {"summary": "P2"}}})");
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->priority, "P2");
  auto bad = ParsePagerDutyIncident(R"({"incident": {"id": "Q9"}})", "GET /incidents/Q9");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("GET /incidents/Q9: incident Q9"));
}

TEST(ParseError, ReadsMessageCodeAndErrors) {
  auto e = ParsePagerDutyError(
      R"({"error": {"message": "Invalid Input Provided", "code": 2002,
                    "errors": ["Offset must be less than 10000"]}})");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, 2002);
  EXPECT_EQ(e->ToString(), "Invalid Input Provided (code 2002): Offset must be less than 10000");
  EXPECT_EQ(
      ParsePagerDutyError(R"({"error": {"message": "Unauthorized", "code": 2006}})")->ToString(),
      "Unauthorized (code 2006)");
  EXPECT_FALSE(ParsePagerDutyError("oops").has_value());
}

}  // namespace
}  // namespace steadystate::incidents::pagerduty
