#include "incidents/pagerduty/importer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/time.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_pagerduty.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace steadystate::incidents::pagerduty {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using steadystate::test_support::FakePagerDuty;
using steadystate::test_support::FakePdFault;
using steadystate::test_support::FakePdIncident;
using steadystate::test_support::OpenTestStore;
using steadystate::test_support::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

Timestamp At(const char* text) { return ParseRfc3339(text).value(); }
const Timestamp kNow = At("2026-11-25T12:00:00Z");

FakePdIncident Make(int i, Timestamp created) {
  FakePdIncident in;
  char id[16];
  std::snprintf(id, sizeof id, "Q%06d", i);
  in.id = id;
  in.number = i;
  in.title = "Error rate " + std::to_string(i) + "% on host-" + std::to_string(i % 7);
  in.created_at = created;
  return in;
}

Timestamp Param(const steadystate::test_support::FakePdRequest& r, const char* name) {
  return ParseRfc3339(r.params.find(name)->second).value();
}

class ImporterTest : public ::testing::Test {
 protected:
  ImporterTest() {
    PagerDutyClientOptions options;
    options.base_url = fake_.url();
    options.timeout = std::chrono::seconds(5);
    client_ = std::make_unique<PagerDutyClient>(options, token_, *http_, clock_, bucket_);
    mapping_.services = {{"PSVC001", "checkout"}};
    mapping_.severity_map = {{"P1", "sev0"}, {"P2", "sev1"}};
    importer_ =
        std::make_unique<PagerDutyImporter>(*client_, incidents_, *store_, mapping_, clock_);
  }

  std::vector<Incident> Stored() { return incidents_.List({}).value(); }

  std::string token_ = "pd-test-token";
  FakePagerDuty fake_{token_};
  FakeClock clock_{kNow};
  TempDir dir_;
  std::unique_ptr<store::Store> store_ = OpenTestStore(dir_, clock_);
  IncidentStore incidents_{*store_};
  TokenBucket bucket_{clock_, kPagerDutyRequestsPerMinute};
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  std::unique_ptr<PagerDutyClient> client_;
  PagerDutyMapping mapping_;
  std::unique_ptr<PagerDutyImporter> importer_;
};

TEST_F(ImporterTest, ImportsTimesMappingAndAcknowledgementsFromLogEntries) {
  FakePdIncident resolved = Make(1, At("2026-11-20T10:00:00Z"));
  resolved.priority = "P1";
  resolved.incident_key = "checkout-5xx";
  resolved.acknowledged_at = At("2026-11-20T10:02:00Z");
  resolved.resolved_at = At("2026-11-20T10:45:30Z");
  resolved.alert_count = 3;
  FakePdIncident acked = Make(2, At("2026-11-21T10:00:00Z"));
  acked.acknowledged_at = At("2026-11-21T10:00:30Z");
  acked.service_id = "POTHER";
  acked.service_summary = "Search";
  acked.urgency = "low";
  FakePdIncident open = Make(3, At("2026-11-22T10:00:00Z"));
  open.priority = "P4";
  for (const auto& in : {resolved, acked, open}) fake_.Add(in);

  auto summary = importer_->Import(At("2026-11-01T00:00:00Z"), kNow);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->fetched, 3);
  EXPECT_EQ(summary->counts.added, 3);

  auto stored = Stored();
  ASSERT_EQ(stored.size(), 3u);
  const Incident& r = stored[0];
  EXPECT_EQ(r.id, "pagerduty:Q000001");
  EXPECT_EQ(r.service, "checkout");  // through pagerduty_service_ids
  EXPECT_EQ(r.service_id, "PSVC001");
  EXPECT_EQ(r.severity, "sev0");
  EXPECT_EQ(r.status, "resolved");
  EXPECT_EQ(r.created_at, resolved.created_at);
  EXPECT_EQ(r.acknowledged_at, resolved.acknowledged_at);  // though acknowledgements[] is empty
  EXPECT_EQ(r.resolved_at, resolved.resolved_at);          // not updated_at
  EXPECT_EQ(r.alert_count, 3);
  EXPECT_EQ(r.fingerprint, "checkout-5xx");
  EXPECT_EQ(stored[1].service, "Search");    // unmapped: the PagerDuty summary
  EXPECT_EQ(stored[1].severity, "unknown");  // no priority
  EXPECT_EQ(stored[1].acknowledged_at, acked.acknowledged_at);
  EXPECT_EQ(stored[1].fingerprint, "error rate # on host #");
  EXPECT_EQ(stored[2].severity, "unknown");  // a priority the map does not name
  EXPECT_FALSE(stored[2].acknowledged_at.has_value());
  EXPECT_EQ(fake_.CountPath("/log_entries"), 1);
  EXPECT_EQ(fake_.CountStatus(429), 0);
}

TEST_F(ImporterTest, PagesOnMoreWithLimit100AndAsksTotalOnlyOnTheFirstPage) {
  for (int i = 0; i < 250; ++i) fake_.Add(Make(i, At("2026-11-01T00:00:00Z") + minutes(i)));
  auto summary = importer_->Import(At("2026-11-01T00:00:00Z"), kNow);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->counts.added, 250);
  std::vector<std::string> offsets;
  for (const auto& r : fake_.Requests()) {
    if (r.path != "/incidents") continue;
    EXPECT_EQ(r.params.find("limit")->second, "100");
    EXPECT_EQ(r.params.count("total"), r.params.find("offset")->second == "0" ? 1u : 0u);
    EXPECT_THAT(r.params.find("since")->second, HasSubstr("Z"));  // UTC instants
    offsets.push_back(r.params.find("offset")->second);
  }
  EXPECT_EQ(offsets, (std::vector<std::string>{"0", "100", "200"}));
}

TEST_F(ImporterTest, DuplicatesAcrossPagesAreStoredOnce) {
  fake_.SetRepeatAcrossPages(true);
  for (int i = 0; i < 250; ++i) fake_.Add(Make(i, At("2026-11-01T00:00:00Z") + minutes(i)));
  auto summary = importer_->Import(At("2026-11-01T00:00:00Z"), kNow);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->fetched, 250);
  EXPECT_EQ(summary->counts.added, 250);
  EXPECT_EQ(Stored().size(), 250u);
}

TEST_F(ImporterTest, LongRangesAreSplitIntoWindowsOfAtMostSixMonths) {
  const Timestamp since = kNow - days(400);
  for (int i = 0; i < 40; ++i) fake_.Add(Make(i, since + days(10 * i) + hours(1)));
  auto summary = importer_->Import(since, kNow);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->windows, 3);
  EXPECT_EQ(summary->counts.added, 40);
  EXPECT_EQ(fake_.CountStatus(400), 0);
  for (const auto& r : fake_.Requests()) {
    EXPECT_LE(Param(r, "until") - Param(r, "since"), kMaxWindow) << r.path;
  }
  auto cursor = importer_->Cursor();
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, kNow);
}

TEST_F(ImporterTest, WindowOverSixMonthsIsRejectedByTheFake) {
  // The fake enforces the API's rule, so the test above means something.
  auto reply = client_->Get(
      "/incidents", {{"since", FormatRfc3339(kNow - days(200))}, {"until", FormatRfc3339(kNow)}});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(reply->error->code, 2001);
}

TEST_F(ImporterTest, FakeClampsTheLimitAndGivesTotalOnlyWhenAsked) {
  for (int i = 0; i < 150; ++i) fake_.Add(Make(i, At("2026-11-01T00:00:00Z") + minutes(i)));
  const std::vector<std::pair<std::string, std::string>> window{
      {"since", "2026-11-01T00:00:00Z"}, {"until", "2026-11-02T00:00:00Z"}, {"limit", "500"}};
  auto reply = client_->Get("/incidents", window);
  ASSERT_TRUE(reply.ok());
  auto page = ParsePagerDutyIncidentsPage(reply->body);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->limit, 100);
  EXPECT_EQ(page->items.size(), 100u);
  EXPECT_TRUE(page->more);
  EXPECT_FALSE(page->total.has_value());
  auto with_total = window;
  with_total.emplace_back("total", "true");
  page = ParsePagerDutyIncidentsPage(client_->Get("/incidents", with_total)->body);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 150);
}

TEST_F(ImporterTest, OffsetWallAnswerHalvesTheWindow) {
  fake_.SetOffsetWall(300);
  for (int i = 0; i < 350; ++i) fake_.Add(Make(i, At("2026-11-10T00:00:00Z") + minutes(i)));
  auto summary = importer_->Import(At("2026-11-10T00:00:00Z"), At("2026-11-11T00:00:00Z"));
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->counts.added, 350);
  EXPECT_GE(fake_.CountStatus(400), 1);  // 400/2002, then halves
  EXPECT_GE(summary->windows, 2);
}

TEST_F(ImporterTest, TenThousandOffsetWallIsNeverPassed) {
  // 10,050 incidents in one day: the window is split (from the first page's total) before
  // offset 10,000, with no page fetched and thrown away.
  for (int i = 0; i < 10050; ++i) {
    fake_.Add(Make(i, At("2026-11-10T00:00:00Z") + std::chrono::seconds(8 * i)));
  }
  auto summary = importer_->Import(At("2026-11-10T00:00:00Z"), At("2026-11-11T00:00:00Z"));
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->counts.added, 10050);
  EXPECT_EQ(fake_.CountStatus(400), 0);
  int64_t incident_pages = 0;
  for (const auto& r : fake_.Requests()) {
    EXPECT_LE(std::stoll(r.params.find("offset")->second) + 100, 10000);
    if (r.path == "/incidents") ++incident_pages;
  }
  // 101 pages of data, plus the first page of the unsplit day and of each part.
  EXPECT_LE(incident_pages, 101 + 1 + 3);
}

TEST_F(ImporterTest, TimesWithAnAccountOffsetParse) {
  fake_.SetTimeZoneOffset(-420);
  FakePdIncident in = Make(1, At("2026-11-20T10:00:00Z"));
  in.acknowledged_at = At("2026-11-20T10:03:00Z");
  in.resolved_at = At("2026-11-20T11:00:00Z");
  fake_.Add(in);
  ASSERT_TRUE(importer_->Import(At("2026-11-01T00:00:00Z"), kNow).ok());
  auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].created_at, in.created_at);
  EXPECT_EQ(stored[0].acknowledged_at, in.acknowledged_at);
  EXPECT_EQ(stored[0].resolved_at, in.resolved_at);
}

TEST_F(ImporterTest, RateLimitsServerErrorsSlowAndTruncatedResponsesAreRidden) {
  for (int i = 0; i < 150; ++i) fake_.Add(Make(i, At("2026-11-01T00:00:00Z") + minutes(i)));
  fake_.Script({FakePdFault::Kind::kRateLimited, 2});
  fake_.Script({FakePdFault::Kind::kRateLimited, -1});
  fake_.Script({FakePdFault::Kind::kServerError});
  fake_.Script({FakePdFault::Kind::kTruncated});
  fake_.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(100)});
  auto summary = importer_->Import(At("2026-11-01T00:00:00Z"), kNow);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->counts.added, 150);
  EXPECT_EQ(summary->rate_limited, 2);
}

TEST_F(ImporterTest, MalformedPageIsRetriedThenFailsWithoutWritingAnything) {
  fake_.Add(Make(1, At("2026-11-20T10:00:00Z")));
  fake_.Script({FakePdFault::Kind::kMalformed});
  auto once = importer_->Import(At("2026-11-01T00:00:00Z"), kNow);
  ASSERT_TRUE(once.ok()) << once.error().message;
  EXPECT_EQ(once->counts.added, 1);

  TempDir dir;
  auto store = OpenTestStore(dir, clock_);
  IncidentStore incidents(*store);
  PagerDutyImporter importer(*client_, incidents, *store, mapping_, clock_);
  for (int i = 0; i < 3; ++i) fake_.Script({FakePdFault::Kind::kMalformed});
  auto failed = importer.Import(At("2026-11-01T00:00:00Z"), kNow);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.error().message, HasSubstr("GET /incidents 2026-11-01T00:00:00.000Z.."));
  EXPECT_THAT(failed.error().message, HasSubstr("offset 0"));
  EXPECT_TRUE(incidents.List({}).value().empty());
  EXPECT_FALSE(importer.Cursor().value().has_value());
}

TEST_F(ImporterTest, UnauthorizedFailsNamingTheTokenSettingNotTheToken) {
  PagerDutyClientOptions options;
  options.base_url = fake_.url();
  PagerDutyClient client(options, "wrong-secret-value", *http_, clock_, bucket_);
  PagerDutyImporter importer(client, incidents_, *store_, mapping_, clock_);
  fake_.Add(Make(1, At("2026-11-20T10:00:00Z")));
  auto r = importer.Import(At("2026-11-01T00:00:00Z"), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("HTTP 401: Unauthorized (code 2006)"));
  EXPECT_THAT(r.error().message, HasSubstr("api_token_env"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("wrong-secret-value")));
  EXPECT_TRUE(Stored().empty());
}

TEST_F(ImporterTest, FailedWindowLeavesTheCursorAtTheLastWrittenOneAndAReRunAddsNothingTwice) {
  const Timestamp since = kNow - days(300);
  for (int i = 0; i < 30; ++i) fake_.Add(Make(i, since + days(10 * i) + hours(1)));
  // Window 1: /incidents + /log_entries in two requests (180 days + the 7-day horizon is
  // more than the API's six months). Window 2's first request then fails for good.
  fake_.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1)});
  fake_.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1)});
  fake_.Script({FakePdFault::Kind::kSlow, -1, std::chrono::milliseconds(1)});
  for (int i = 0; i < 6; ++i) fake_.Script({FakePdFault::Kind::kServerError});
  auto failed = importer_->Import(since, kNow);
  ASSERT_FALSE(failed.ok());
  auto cursor = importer_->Cursor();
  ASSERT_TRUE(cursor.ok() && cursor->has_value());
  EXPECT_EQ(**cursor, since + kMaxWindow);
  const auto first_count = static_cast<int64_t>(Stored().size());
  EXPECT_EQ(first_count, 18);  // days 0..170

  auto again = importer_->Import(since, kNow);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->counts.added, 30 - first_count);
  EXPECT_EQ(again->counts.unchanged, first_count);
  EXPECT_EQ(Stored().size(), 30u);
}

TEST_F(ImporterTest, SyncPicksUpNewIncidentsAndResolvesOpenOnes) {
  FakePdIncident old = Make(1, kNow - days(3));
  fake_.Add(old);
  auto first = importer_->Sync(days(180));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->counts.added, 1);
  EXPECT_FALSE(Stored()[0].resolved());

  clock_.Advance(minutes(30));
  fake_.Acknowledge(old.id, kNow + minutes(5));
  fake_.Resolve(old.id, kNow + minutes(20));
  fake_.Add(Make(2, kNow + minutes(10)));
  auto second = importer_->Sync(days(180));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->counts.added, 1);
  EXPECT_EQ(second->counts.updated, 1);
  EXPECT_EQ(second->refetched, 1);
  auto stored = Stored();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].resolved_at, kNow + minutes(20));
  EXPECT_EQ(stored[0].acknowledged_at, kNow + minutes(5));
  EXPECT_EQ(stored[0].status, "resolved");
  EXPECT_EQ(fake_.CountPath("/incidents/" + old.id), 1);
  // The sync asked only for what is new since the cursor (minus the overlap).
  const auto requests = fake_.Requests();
  Timestamp last_since{};
  for (const auto& r : requests) {
    if (r.path == "/incidents") last_since = Param(r, "since");
  }
  EXPECT_EQ(last_since, kNow - kSyncOverlap);
}

TEST_F(ImporterTest, AcknowledgedLongAfterCreationUsesTheIncidentsOwnLogEntries) {
  FakePdIncident in = Make(1, kNow - days(60));
  in.acknowledged_at = kNow - days(40);
  fake_.Add(in);
  // The bulk log entries reach 7 days past the window's end, short of the acknowledgement.
  ASSERT_TRUE(importer_->Import(kNow - days(90), kNow - days(50)).ok());
  auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].acknowledged_at, in.acknowledged_at);
  EXPECT_EQ(fake_.CountPath("/incidents/" + in.id + "/log_entries"), 1);
}

TEST_F(ImporterTest, ProgressReportsWindowsPagesAndIncidents) {
  for (int i = 0; i < 120; ++i) fake_.Add(Make(i, kNow - days(200) + hours(i)));
  std::vector<ImportProgress> seen;
  auto summary = importer_->Import(kNow - days(250), kNow,
                                   [&](const ImportProgress& p) { seen.push_back(p); });
  ASSERT_TRUE(summary.ok());
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().windows_total, 2);
  EXPECT_EQ(seen.back().windows_done, 2);
  EXPECT_EQ(seen.back().incidents, 120);
  EXPECT_GE(seen.back().pages, 3);
  EXPECT_EQ(seen.back().requests, static_cast<int64_t>(fake_.Requests().size()));
}

TEST(Mapping, SeverityFromUrgencyAndNormalisedTitles) {
  PdIncident in;
  in.id = "Q1";
  in.urgency = "high";
  in.priority = "P1";
  in.title = "DB  latency 503ms on host-12!";
  PagerDutyMapping by_urgency{{}, true, {{"high", "page"}, {"low", "ticket"}}};
  EXPECT_EQ(MapIncident(in, by_urgency, std::nullopt).severity, "page");
  EXPECT_EQ(MapIncident(in, by_urgency, std::nullopt).fingerprint, "db latency #ms on host #");
  EXPECT_EQ(NormaliseTitle("  Disk FULL: /var (98%)  "), "disk full var #");
}

}  // namespace
}  // namespace steadystate::incidents::pagerduty
