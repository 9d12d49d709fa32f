#include "chaos/gremlin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_gremlin.h"
#include "tests/support/test_store.h"

namespace steadystate::chaos {
namespace {

using steadystate::test_support::FakeGremlin;
using steadystate::test_support::FakeGremlinAttack;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Timestamp T(const char* text) { return *ParseRfc3339(text); }

TEST(GremlinParse, CamelCaseCompletedAttack) {
  auto page = ParseGremlinAttacksPage(R"({"items":[{"guid":"g-1","createUser":"alice@example.com",
    "stage":"Successful","stageLifecycle":"Complete","startTime":"2026-11-20T10:00:00.000Z",
    "endTime":"2026-11-20T10:05:00.123Z","targets":["web-1","web-2"],
    "infraCommand":{"type":"CPU","args":["-c","2"]}}],"pageToken":"abc"})");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->next_page_token, "abc");
  ASSERT_EQ(page->attacks.size(), 1u);
  const Attack& a = page->attacks[0];
  EXPECT_EQ(a.source, "gremlin");
  EXPECT_EQ(a.source_id, "g-1");
  EXPECT_EQ(a.type, "cpu");
  EXPECT_EQ(a.created_by, "alice@example.com");
  EXPECT_THAT(a.targets, ElementsAre("web-1", "web-2"));
  EXPECT_EQ(a.start, T("2026-11-20T10:00:00Z"));
  EXPECT_EQ(*a.end, T("2026-11-20T10:05:00.123Z"));
  EXPECT_EQ(a.outcome, "completed");
}

TEST(GremlinParse, SnakeCaseActiveAttackIsRunning) {
  auto page = ParseGremlinAttacksPage(R"({"items":[{"guid":"g-2","create_user":"bob",
    "stage":"Running","stage_lifecycle":"Active","start_time":"2026-11-20T10:00:00Z",
    "end_time":null,"targets":[{"identifier":"db-1"}],
    "infra_command":{"type":"Packet_Loss"}}],"page_token":""})");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->attacks.size(), 1u);
  const Attack& a = page->attacks[0];
  EXPECT_EQ(a.type, "packet_loss");
  EXPECT_EQ(a.created_by, "bob");
  EXPECT_THAT(a.targets, ElementsAre("db-1"));
  EXPECT_EQ(a.outcome, "running");
  EXPECT_FALSE(a.end.has_value());
  EXPECT_TRUE(page->next_page_token.empty());
}

TEST(GremlinParse, BareListAndPendingAttacksAreSkipped) {
  auto page = ParseGremlinAttacksPage(R"([{"guid":"g-3","stage":"Pending"},
    {"guid":"g-4","stage":"UserHalted","startTime":"2026-11-20T10:00:00Z",
     "endTime":"2026-11-20T10:01:00Z","command":{"type":"blackhole"}}])");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->skipped, 1);
  ASSERT_EQ(page->attacks.size(), 1u);
  EXPECT_EQ(page->attacks[0].type, "blackhole");
  EXPECT_EQ(page->attacks[0].outcome, "halted");
  EXPECT_THAT(page->attacks[0].halted_reason, HasSubstr("UserHalted"));
}

TEST(GremlinParse, MalformedInputNamesTheField) {
  EXPECT_THAT(ParseGremlinAttacksPage(R"({"items":[{"guid":"g)").error().message,
              HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseGremlinAttacksPage(R"({"nope":1})").error().message, HasSubstr("items"));
  EXPECT_THAT(ParseGremlinAttacksPage(R"([{"startTime":"2026-11-20T10:00:00Z"}])").error().message,
              HasSubstr("guid"));
  EXPECT_THAT(
      ParseGremlinAttacksPage(R"([{"guid":"g-9","startTime":"last tuesday"}])").error().message,
      HasSubstr("attack g-9: startTime"));
}

TEST(GremlinMapping, TypesAndOutcomes) {
  EXPECT_EQ(GremlinAttackType("CPU"), "cpu");
  EXPECT_EQ(GremlinAttackType("Memory"), "memory");
  EXPECT_EQ(GremlinAttackType("IO"), "io");
  EXPECT_EQ(GremlinAttackType("Disk"), "disk");
  EXPECT_EQ(GremlinAttackType("DNS"), "dns");
  EXPECT_EQ(GremlinAttackType("Latency"), "latency");
  EXPECT_EQ(GremlinAttackType("Shutdown"), "shutdown");
  EXPECT_EQ(GremlinAttackType("Time_Travel"), "time_travel");
  EXPECT_EQ(GremlinAttackType("time travel"), "time_travel");
  EXPECT_EQ(GremlinAttackType("Process_Killer"), "process_killer");
  EXPECT_EQ(GremlinAttackType("certificate expiry"), "other");
  EXPECT_EQ(GremlinAttackType("Thread_Bomb"), "other");
  EXPECT_EQ(GremlinOutcome("Successful", "Complete"), "completed");
  EXPECT_EQ(GremlinOutcome("UserHalted", "Complete"), "halted");
  EXPECT_EQ(GremlinOutcome("Halted", ""), "halted");
  EXPECT_EQ(GremlinOutcome("Failed", "Error"), "failed");
  EXPECT_EQ(GremlinOutcome("Error", ""), "failed");
  EXPECT_EQ(GremlinOutcome("LostCommunication", "Error"), "failed");
  EXPECT_EQ(GremlinOutcome("Running", "Active"), "running");
  EXPECT_EQ(GremlinOutcome("", "Active"), "running");
}

class GremlinClientTest : public ::testing::Test {
 protected:
  GremlinClient Client() {
    GremlinClientOptions options;
    options.base_url = fake_.url();
    options.team_id = "team-1";
    options.page_size = 2;
    return GremlinClient(options, config::Secret("secret-key"), *http_, clock_);
  }
  void AddFive() {
    for (int i = 0; i < 5; ++i) {
      FakeGremlinAttack a;
      a.guid = "g-" + std::to_string(i);
      a.start_time = "2026-11-20T10:0" + std::to_string(i) + ":00.000Z";
      a.end_time = "2026-11-20T10:0" + std::to_string(i) + ":30.000Z";
      fake_.Add(a);
    }
  }

  FakeGremlin fake_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  FakeClock clock_;
};

TEST_F(GremlinClientTest, FollowsPageTokensToTheLastPage) {
  AddFive();
  auto attacks = Client().FetchRange(T("2026-11-20T00:00:00Z"), T("2026-11-21T00:00:00Z"));
  ASSERT_TRUE(attacks.ok()) << attacks.error().message;
  ASSERT_EQ(attacks->size(), 5u);
  EXPECT_EQ((*attacks)[4].source_id, "g-4");
  auto requests = fake_.Requests();
  ASSERT_EQ(requests.size(), 3u);  // 2 + 2 + 1
  EXPECT_EQ(requests[0].authorization, "Key secret-key");
  EXPECT_THAT(requests[0].query, HasSubstr("teamId=team-1"));
  EXPECT_THAT(requests[1].query, HasSubstr("pageToken=p2"));
}

TEST_F(GremlinClientTest, SnakeCaseServer) {
  AddFive();
  fake_.SetSnakeCase(true);
  auto attacks = Client().FetchRange(T("2026-11-20T00:00:00Z"), T("2026-11-21T00:00:00Z"));
  ASSERT_TRUE(attacks.ok()) << attacks.error().message;
  EXPECT_EQ(attacks->size(), 5u);
  EXPECT_EQ((*attacks)[0].created_by, "alice@example.com");
}

TEST_F(GremlinClientTest, RetriesRateLimitsAndServerErrorsWithBackoff) {
  AddFive();
  fake_.ScriptFailure(429, 7);
  fake_.ScriptFailure(503);
  const MonotonicTime before = clock_.Monotonic();
  auto attacks = Client().FetchRange(T("2026-11-20T00:00:00Z"), T("2026-11-21T00:00:00Z"));
  ASSERT_TRUE(attacks.ok()) << attacks.error().message;
  EXPECT_EQ(attacks->size(), 5u);
  // Retry-After 7s, then the 2s backoff step: the fake clock slept 9s in all.
  EXPECT_EQ(clock_.Monotonic() - before, std::chrono::seconds(9));
}

TEST_F(GremlinClientTest, GivesUpAfterBoundedAttemptsWithoutLeakingTheKey) {
  for (int i = 0; i < kGremlinMaxAttempts; ++i) fake_.ScriptFailure(500);
  auto attacks = Client().FetchActive();
  ASSERT_FALSE(attacks.ok());
  EXPECT_THAT(attacks.error().message, HasSubstr("gave up after 5 attempts: HTTP 500"));
  EXPECT_THAT(attacks.error().message, ::testing::Not(HasSubstr("secret-key")));
  EXPECT_EQ(fake_.Requests().size(), static_cast<size_t>(kGremlinMaxAttempts));
}

TEST_F(GremlinClientTest, ARetryWaitEndsWhenStopped) {
  fake_.ScriptFailure(429, 300);
  StopSignal stop;
  stop.Stop();  // shutdown began while the request was out
  GremlinClientOptions options;
  options.base_url = fake_.url();
  options.stop = &stop;
  GremlinClient client(options, config::Secret("secret-key"), *http_, clock_);
  const MonotonicTime before = clock_.Monotonic();
  auto attacks = client.FetchActive();
  ASSERT_FALSE(attacks.ok());
  EXPECT_THAT(attacks.error().message, HasSubstr("stopped: shutting down"));
  EXPECT_EQ(clock_.Monotonic(), before);
  EXPECT_EQ(fake_.Requests().size(), 1u);
}

TEST_F(GremlinClientTest, ActiveAttacks) {
  FakeGremlinAttack running;
  running.guid = "g-run";
  running.start_time = "2026-11-20T10:00:00.000Z";
  running.stage = "Running";
  running.stage_lifecycle = "Active";
  fake_.Add(running);
  AddFive();
  auto active = Client().FetchActive();
  ASSERT_TRUE(active.ok()) << active.error().message;
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].outcome, "running");
}

TEST_F(GremlinClientTest, ImportIsIdempotentByGuidAndUpdatesFinishedAttacks) {
  steadystate::test_support::TempDir dir;
  auto store = steadystate::test_support::OpenTestStore(dir, clock_);
  ASSERT_NE(store, nullptr);
  AttackLog log(*store, clock_);
  FakeGremlinAttack running;
  running.guid = "g-run";
  running.start_time = "2026-11-20T10:00:00.000Z";
  running.stage = "Running";
  running.stage_lifecycle = "Active";
  fake_.Add(running);
  auto import_all = [&] {
    auto active = Client().FetchActive();
    ASSERT_TRUE(active.ok());
    for (auto& a : *active) ASSERT_TRUE(log.Import(a).ok());
    auto range = Client().FetchRange(T("2026-11-20T00:00:00Z"), T("2026-11-21T00:00:00Z"));
    ASSERT_TRUE(range.ok());
    for (auto& a : *range) ASSERT_TRUE(log.Import(a).ok());
  };
  import_all();
  import_all();
  auto listed = log.List(std::nullopt, std::nullopt);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].outcome, "running");
  const std::string id = (*listed)[0].id;

  running.stage = "Successful";
  running.stage_lifecycle = "Complete";
  running.end_time = "2026-11-20T10:10:00.000Z";
  fake_.Update(running);
  import_all();
  listed = log.List(std::nullopt, std::nullopt);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, id);
  EXPECT_EQ((*listed)[0].outcome, "completed");
  EXPECT_EQ(*(*listed)[0].end, T("2026-11-20T10:10:00Z"));
}

}  // namespace
}  // namespace steadystate::chaos
