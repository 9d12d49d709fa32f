#include "slo/steady_state.h"

#include <gtest/gtest.h>

namespace steadystate::slo {
namespace {

TEST(SteadyState, UnknownWithoutProbes) {
  EXPECT_EQ(JudgeSteadyState({0, 0}, kEveryProbe), SteadyState::kUnknown);
  EXPECT_EQ(JudgeSteadyState({0, 0}, 0.5), SteadyState::kUnknown);
}

TEST(SteadyState, EveryProbeMeansOneFailureBreaksIt) {
  EXPECT_EQ(JudgeSteadyState({5, 5}, kEveryProbe), SteadyState::kHeld);
  EXPECT_EQ(JudgeSteadyState({4, 5}, kEveryProbe), SteadyState::kBroken);
  EXPECT_EQ(JudgeSteadyState({999'999, 1'000'000}, kEveryProbe), SteadyState::kBroken);
  EXPECT_EQ(JudgeSteadyState({0, 1}, kEveryProbe), SteadyState::kBroken);
}

TEST(SteadyState, HeldExactlyAtTheObjective) {
  // 99.9 / 100 is a little above 0.999 in binary: 999 of 1000 still meets it.
  EXPECT_EQ(JudgeSteadyState({999, 1000}, 99.9 / 100), SteadyState::kHeld);
  EXPECT_EQ(JudgeSteadyState({998, 1000}, 99.9 / 100), SteadyState::kBroken);
  EXPECT_EQ(JudgeSteadyState({1, 2}, 0.5), SteadyState::kHeld);
  EXPECT_EQ(JudgeSteadyState({0, 2}, 0.5), SteadyState::kBroken);
}

TEST(SteadyState, PrintsTheWordsAttacksRecord) {
  EXPECT_EQ(ToString(SteadyState::kHeld), "held");
  EXPECT_EQ(ToString(SteadyState::kBroken), "broken");
  EXPECT_EQ(ToString(SteadyState::kUnknown), "unknown");
}

}  // namespace
}  // namespace steadystate::slo
