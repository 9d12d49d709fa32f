#include "chaos/attack.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "chaos/limits.h"
#include "common/time.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_store.h"

namespace steadystate::chaos {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using ::testing::HasSubstr;

class AttackLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = steadystate::test_support::OpenTestStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    log_ = std::make_unique<AttackLog>(*store_, clock_);
  }

  steadystate::test_support::TempDir dir_;
  FakeClock clock_{*ParseRfc3339("2026-11-25T17:00:00Z")};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AttackLog> log_;
};

TEST_F(AttackLogTest, StartAndEndRoundTripThroughTheStore) {
  auto start = ParseAttackStart(
      R"({"type":"cpu","name":"burn","targets":["web-1"],"services":["www"],"created_by":"ana"})");
  ASSERT_TRUE(start.ok()) << start.error().message;
  auto started = log_->Start(*start);
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->id.size(), 26u);
  EXPECT_EQ(started->start, clock_.Now());
  EXPECT_EQ(started->outcome, "running");

  clock_.Advance(minutes(5));
  AttackEnd end;
  end.steady_state = "held";
  auto ended = log_->End(started->id, end);
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended->outcome, "completed");
  EXPECT_EQ(*ended->end, clock_.Now());

  auto got = log_->Get(started->id);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(AttackToJson(**got), AttackToJson(*ended));
  EXPECT_EQ((*got)->targets, std::vector<std::string>{"web-1"});
  EXPECT_EQ((*got)->steady_state, "held");
}

TEST_F(AttackLogTest, EndingTwiceOrUnknownIsAnError) {
  auto started = log_->Start(*ParseAttackStart(R"({"type":"dns"})"));
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(log_->End(started->id, {}).ok());
  auto again = log_->End(started->id, {});
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.error().message, HasSubstr("already ended (completed)"));
  auto unknown = log_->End("NOPE", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(AttackLogTest, TheOwnersLateEndReplacesAnAbandonedGuess) {
  auto started = log_->Start(*ParseAttackStart(R"({"type":"cpu","owner":"4242@web-1"})"));
  ASSERT_TRUE(started.ok());
  clock_.Advance(minutes(2));
  const Timestamp real_end = clock_.Now();
  clock_.Advance(minutes(10));
  auto closed = log_->CloseAbandoned(hours(1), [](const Attack&) { return true; });
  ASSERT_TRUE(closed.ok());
  ASSERT_EQ(closed->size(), 1u);
  EXPECT_EQ((*closed)[0].outcome, "abandoned");

  AttackEnd end;
  end.end = real_end;
  end.exit_status = 0;
  auto ended = log_->End(started->id, end);
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended->outcome, "completed");
  EXPECT_EQ(*ended->end, real_end);
  EXPECT_TRUE(ended->halted_reason.empty());
  // Once the owner said how it ended, neither it nor another guess changes it again.
  EXPECT_FALSE(log_->End(started->id, end).ok());
  AttackEnd guess;
  guess.outcome = "abandoned";
  EXPECT_FALSE(log_->End(started->id, guess).ok());
}

TEST_F(AttackLogTest, AnAbandonedWindowWithoutAnOwnerStaysAbandoned) {
  auto started = log_->Start(*ParseAttackStart(R"({"type":"cpu"})"));
  ASSERT_TRUE(started.ok());
  clock_.Advance(hours(3));
  auto closed = log_->CloseAbandoned(hours(1), nullptr);
  ASSERT_TRUE(closed.ok());
  ASSERT_EQ(closed->size(), 1u);
  auto ended = log_->End(started->id, {});
  ASSERT_FALSE(ended.ok());
  EXPECT_THAT(ended.error().message, HasSubstr("already ended (abandoned)"));
}

TEST_F(AttackLogTest, EndBeforeStartIsRejected) {
  auto started = log_->Start(*ParseAttackStart(R"({"type":"dns"})"));
  ASSERT_TRUE(started.ok());
  AttackEnd end;
  end.end = clock_.Now() - minutes(1);
  auto ended = log_->End(started->id, end);
  ASSERT_FALSE(ended.ok());
  EXPECT_THAT(ended.error().message, HasSubstr("is before the attack's start"));
}

TEST_F(AttackLogTest, ListReturnsWindowsOverlappingTheRangeByStart) {
  const Timestamp t0 = clock_.Now();
  auto a = log_->Start(*ParseAttackStart(R"({"type":"cpu","start":"2026-11-25T16:00:00Z"})"));
  auto b = log_->Start(*ParseAttackStart(R"({"type":"io"})"));
  ASSERT_TRUE(a.ok() && b.ok());
  AttackEnd end;
  end.end = t0 - minutes(30);
  ASSERT_TRUE(log_->End(a->id, end).ok());

  auto all = log_->List(std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, a->id);
  EXPECT_EQ((*all)[1].id, b->id);

  auto recent = log_->List(t0 - minutes(10), std::nullopt);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].id, b->id);

  auto early = log_->List(std::nullopt, t0 - minutes(40));
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(early->size(), 1u);
  EXPECT_EQ((*early)[0].id, a->id);
}

TEST_F(AttackLogTest, PagesReturnEveryWindowOnceInStartOrderWhileOthersStart) {
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) {
    Attack a;
    a.type = "cpu";
    a.start = clock_.Now() - hours(10 - i);
    auto started = log_->Start(a);
    ASSERT_TRUE(started.ok());
    expected.push_back(started->id);
  }
  std::vector<std::string> ids;
  std::string after;
  size_t earlier_count = 0;
  for (int pages = 0; pages < 20; ++pages) {
    auto page = log_->ListPage(std::nullopt, std::nullopt, after, 3);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_LE(page->attacks.size(), 3u);
    for (const Attack& a : page->attacks) ids.push_back(a.id);
    if (!page->next) break;
    after = *page->next;
    Attack earlier;  // starts before every listed window: not in this reading
    earlier.start = clock_.Now() - hours(48);
    ASSERT_TRUE(log_->Start(earlier).ok());
    ++earlier_count;
  }
  EXPECT_EQ(ids, expected);
  EXPECT_GT(earlier_count, 0u);

  // The range filter applies within pages: the two first windows and the earlier ones.
  auto early = log_->ListPage(std::nullopt, clock_.Now() - minutes(510), "", 100);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->attacks.size(), 2 + earlier_count);
  EXPECT_FALSE(early->next.has_value());
}

TEST(AttackJson, StartBodyErrorsNameTheField) {
  EXPECT_THAT(ParseAttackStart(R"({"type":"meteor"})").error().message,
              HasSubstr("type: \"meteor\" is not an attack type"));
  EXPECT_THAT(ParseAttackStart(R"({"name":"x"})").error().message, HasSubstr("type: required"));
  EXPECT_THAT(ParseAttackStart(R"({"type":"cpu","targets":"web-1"})").error().message,
              HasSubstr("targets: expected a list of strings"));
  EXPECT_THAT(ParseAttackStart(R"({"type":"cpu","start":"yesterday"})").error().message,
              HasSubstr("start: \"yesterday\" is not an RFC 3339 instant"));
  EXPECT_THAT(ParseAttackStart(R"({"type":"cpu","id":"mine"})").error().message,
              HasSubstr("unknown field \"id\""));
  EXPECT_THAT(ParseAttackStart("[1]").error().message, HasSubstr("must be a JSON object"));
  EXPECT_THAT(ParseAttackStart("{").error().message, HasSubstr("not valid JSON"));
}

TEST(AttackJson, EndBodyAllowsEmptyAndRejectsRunning) {
  auto empty = ParseAttackEnd("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->outcome, "completed");
  EXPECT_THAT(ParseAttackEnd(R"({"outcome":"running"})").error().message,
              HasSubstr("is not a final outcome"));
  EXPECT_THAT(ParseAttackEnd(R"({"steady_state":"wobbly"})").error().message,
              HasSubstr("steady_state: \"wobbly\""));
}

TEST(AttackJson, SerialisesInContractOrderWithNulls) {
  Attack a;
  a.id = "01J";
  a.type = "cpu";
  a.start = *ParseRfc3339("2026-11-25T17:00:00Z");
  EXPECT_EQ(AttackToJson(a),
            R"({"id":"01J","source":"api","source_id":null,"type":"cpu","targets":[],)"
            R"("services":[],"start":"2026-11-25T17:00:00.000Z","end":null,"created_by":null,)"
            R"("name":null,"outcome":"running","steady_state":"unknown","halted_reason":null,)"
            R"("reproduces":[],"expected_duration":null,"exit_status":null,"owner":null,)"
            R"("steps":[]})");
}

TEST(AttackJson, ExtraFieldsRoundTrip) {
  Attack a;
  a.id = "01J";
  a.start = *ParseRfc3339("2026-11-25T17:00:00Z");
  a.exit_status = 143;
  a.owner = "123@web-1";
  a.expected_duration = minutes(5);
  AttackStep step;
  step.name = "add-latency";
  step.type = "action";
  step.start = a.start;
  step.status = "succeeded";
  a.steps.push_back(step);
  auto back = AttackFromJson(AttackToJson(a));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->exit_status, 143);
  EXPECT_EQ(back->owner, "123@web-1");
  EXPECT_EQ(back->expected_duration, minutes(5));
  ASSERT_EQ(back->steps.size(), 1u);
  EXPECT_EQ(back->steps[0], step);
  EXPECT_THAT(AttackFromJson(R"({"steps":[{"start":"soon"}]})").error().message,
              HasSubstr("steps[0].start"));
}

TEST(AttackIds, DerivedIdsSortByStartAndAreStable) {
  const Timestamp t = *ParseRfc3339("2026-11-25T17:00:00Z");
  EXPECT_EQ(DerivedAttackId(t, "gremlin", "g-1"), DerivedAttackId(t, "gremlin", "g-1"));
  EXPECT_NE(DerivedAttackId(t, "gremlin", "g-1"), DerivedAttackId(t, "gremlin", "g-2"));
  EXPECT_LT(DerivedAttackId(t, "gremlin", "zzz"), DerivedAttackId(t + minutes(1), "gremlin", "a"));
  EXPECT_EQ(DerivedAttackId(t, "gremlin", "g-1").size(), 26u);
}

TEST_F(AttackLogTest, ImportIsIdempotentAndUpdatesChangedWindows) {
  Attack a;
  a.source = "gremlin";
  a.source_id = "g-1";
  a.type = "cpu";
  a.start = clock_.Now();
  auto first = log_->Import(a);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created);
  auto again = log_->Import(a);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(again->attack.id, first->attack.id);

  a.outcome = "completed";
  a.end = clock_.Now() + minutes(3);
  auto updated = log_->Import(a);
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(updated->changed);
  EXPECT_EQ(updated->attack.id, first->attack.id);
  auto all = log_->List(std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].outcome, "completed");

  Attack nameless = a;
  nameless.source_id.clear();
  EXPECT_THAT(log_->Import(nameless).error().message, HasSubstr("source_id"));
}

TEST(AttackLimits, ApiBodiesOverALimitAreRefusedNamingTheFieldAndTheLimit) {
  const std::string name(257, 'n');
  auto start = ParseAttackStart(R"({"type":"cpu","name":")" + name + R"("})");
  ASSERT_FALSE(start.ok());
  EXPECT_EQ(start.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(start.error().message, "name: 257 bytes, over the limit of 256");
  EXPECT_TRUE(ParseAttackStart(R"({"type":"cpu","name":")" + name.substr(1) + R"("})").ok());

  auto type = ParseAttackStart(R"({"type":")" + std::string(100000, 'x') + R"("})");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.error().message, "type: 100000 bytes, over the limit of 32");

  std::string targets;
  for (int i = 0; i < 101; ++i)
    targets += std::string(i ? "," : "") + "\"h" + std::to_string(i) + "\"";
  auto many = ParseAttackStart(R"({"type":"cpu","targets":[)" + targets + "]}");
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().message, "targets: 101 entries, over the limit of 100");
  auto wide =
      ParseAttackStart(R"({"type":"cpu","services":["www",")" + std::string(300, 's') + R"("]})");
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.error().message, "services[1]: 300 bytes, over the limit of 256");
  auto by = ParseAttackStart(R"({"type":"cpu","created_by":")" + std::string(300, 'c') + R"("})");
  EXPECT_EQ(by.error().message, "created_by: 300 bytes, over the limit of 256");

  auto end =
      ParseAttackEnd(R"({"outcome":"halted","halted_reason":")" + std::string(1025, 'r') + R"("})");
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().message, "halted_reason: 1025 bytes, over the limit of 1024");
}

TEST_F(AttackLogTest, ImportsKeepIdentifiersWholeAndCutFreeTextWithAMarker) {
  Attack a;
  a.source = "chaostoolkit";
  a.source_id = "j-1";
  a.type = "cpu";
  a.start = clock_.Now();
  a.name = std::string(300, 'n');
  a.halted_reason = "\u00e9" + std::string(2000, 'r');
  for (int i = 0; i < 150; ++i) a.targets.push_back("host-" + std::to_string(i));
  auto imported = log_->Import(a);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->attack.name, std::string(248, 'n') + "...[cut]");
  EXPECT_EQ(imported->attack.halted_reason.size(), 1024u);
  EXPECT_TRUE(imported->attack.halted_reason.ends_with("...[cut]"));
  ASSERT_EQ(imported->attack.targets.size(), 100u);
  EXPECT_EQ(imported->attack.targets[98], "host-98");
  EXPECT_EQ(imported->attack.targets[99], "...[cut]");

  a.source_id = std::string(257, 'g');
  auto long_id = log_->Import(a);
  ASSERT_FALSE(long_id.ok());
  EXPECT_EQ(long_id.error().message, "source_id: 257 bytes, over the limit of 256");
}

TEST(AttackLimits, CutNeverSplitsAUtf8Character) {
  std::string text = "ab" + std::string("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9");  // 2 + 12 bytes
  CutToLength(text, 11);  // 3 bytes kept before the 8-byte marker would split an e-acute
  EXPECT_EQ(text, "ab...[cut]");
}

TEST_F(AttackLogTest, ObserverHearsStartsAndEndsAndTheJudgeDecidesSteadyState) {
  std::vector<std::pair<std::string, AttackEvent>> events;
  log_->SetObserver(
      [&](const Attack& a, AttackEvent event) { events.emplace_back(a.outcome, event); });
  log_->SetSteadyStateJudge([](const Attack& a) {
    return a.services.empty() ? std::string("unknown") : std::string("broken");
  });
  Attack a;
  a.type = "cpu";
  a.services = {"www"};
  auto started = log_->Start(a);
  ASSERT_TRUE(started.ok());
  auto ended = log_->End(started->id, AttackEnd{});
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->steady_state, "broken");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].second, AttackEvent::kStarted);
  EXPECT_EQ(events[1], std::make_pair(std::string("completed"), AttackEvent::kEnded));

  // An explicit steady state wins over the judge.
  auto second = log_->Start(a);
  AttackEnd held;
  held.steady_state = "held";
  EXPECT_EQ(log_->End(second->id, held)->steady_state, "held");
}

TEST_F(AttackLogTest, EndMayMoveTheStartLaterButNeverEarlier) {
  Attack a;
  a.type = "cpu";
  auto started = log_->Start(a);
  const Timestamp recorded = started->start;
  clock_.Advance(minutes(1));
  AttackEnd end;
  end.start = recorded + std::chrono::milliseconds(15);
  auto ended = log_->End(started->id, end);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->start, recorded + std::chrono::milliseconds(15));

  auto second = log_->Start(a);
  end.start = second->start - minutes(1);  // earlier: ignored
  EXPECT_EQ(log_->End(second->id, end)->start, second->start);
  auto parsed = ParseAttackEnd(R"({"start":"2026-11-25T17:00:00.015Z"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed->start, *ParseRfc3339("2026-11-25T17:00:00.015Z"));
}

TEST_F(AttackLogTest, CloseAbandonedEndsOverdueAndOrphanedWindowsAtTheBound) {
  Attack a;
  a.type = "cpu";
  auto overdue = log_->Start(a);
  clock_.Advance(std::chrono::hours(1));
  a.owner = "1@gone";
  auto orphan = log_->Start(a);
  a.owner = "2@alive";
  auto alive = log_->Start(a);
  clock_.Advance(std::chrono::hours(1) + minutes(1));  // overdue is 2h01m old

  auto closed = log_->CloseAbandoned(std::chrono::hours(2),
                                     [](const Attack& x) { return x.owner == "1@gone"; });
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  ASSERT_EQ(closed->size(), 2u);
  auto got = log_->Get(overdue->id);
  EXPECT_EQ((*got)->outcome, "abandoned");
  EXPECT_EQ(*(*got)->end, overdue->start + std::chrono::hours(2));  // at the bound
  EXPECT_THAT((*got)->halted_reason, HasSubstr("max_attack_duration"));
  got = log_->Get(orphan->id);
  EXPECT_EQ((*got)->outcome, "abandoned");
  EXPECT_EQ(*(*got)->end, clock_.Now());  // min(now, start + 2h)
  EXPECT_EQ((*log_->Get(alive->id))->outcome, "running");
}

// max_attack_duration is measured on the monotonic clock: a +1 day wall-clock step does not
// close a young window, a -1 day step does not keep an old one open, and the recorded end
// is the start plus the time the window was really open.
TEST_F(AttackLogTest, AWallClockStepDoesNotChangeWhenAWindowIsOverdue) {
  Attack a;
  a.type = "time_travel";
  auto young = log_->Start(a);
  clock_.SetWall(clock_.Now() + hours(24));
  clock_.Advance(std::chrono::seconds(3));
  auto closed = log_->CloseAbandoned(hours(2), nullptr);
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  EXPECT_TRUE(closed->empty());
  EXPECT_EQ((*log_->Get(young->id))->outcome, "running");

  clock_.SetWall(clock_.Now() - hours(48));  // now a day behind the window's start
  clock_.AdvanceMonotonic(hours(2) + minutes(1));
  closed = log_->CloseAbandoned(hours(2), nullptr);
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  ASSERT_EQ(closed->size(), 1u);
  auto got = log_->Get(young->id);
  EXPECT_EQ((*got)->outcome, "abandoned");
  EXPECT_EQ(*(*got)->end, young->start + hours(2));
}

// A window this log did not start (a restart, an import) is aged from its wall-clock start
// once, when first seen, and monotonically from then on.
TEST_F(AttackLogTest, AWindowFromBeforeARestartIsAgedFromItsStartOnceThenMonotonically) {
  Attack a;
  a.type = "cpu";
  auto started = log_->Start(a);
  clock_.Advance(hours(1));
  log_ = std::make_unique<AttackLog>(*store_, clock_);  // a restart: no monotonic start kept
  auto closed = log_->CloseAbandoned(hours(2), nullptr);
  ASSERT_TRUE(closed.ok() && closed->empty());
  clock_.SetWall(clock_.Now() + hours(24));
  closed = log_->CloseAbandoned(hours(2), nullptr);
  ASSERT_TRUE(closed.ok() && closed->empty()) << "the step after the first look is ignored";
  clock_.AdvanceMonotonic(hours(1) + minutes(1));
  closed = log_->CloseAbandoned(hours(2), nullptr);
  ASSERT_TRUE(closed.ok());
  ASSERT_EQ(closed->size(), 1u);
  EXPECT_EQ(*(*log_->Get(started->id))->end, started->start + hours(2));
}

}  // namespace
}  // namespace steadystate::chaos
