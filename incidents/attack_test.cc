#include "incidents/attack.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "common/time.h"
#include "tests/support/test_store.h"

namespace steadystate::incidents {
namespace {

using std::chrono::minutes;
using ::testing::HasSubstr;

class AttackLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = steadystate::testing::OpenTestStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    log_ = std::make_unique<AttackLog>(*store_, clock_);
  }

  steadystate::testing::TempDir dir_;
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
            R"("reproduces":[]})");
}

}  // namespace
}  // namespace steadystate::incidents
