#include "incidents/optional_seconds.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace steadystate::incidents {
namespace {

TEST(OptionalSeconds, AbsentByDefaultAndAfterReset) {
  OptionalSeconds s;
  EXPECT_FALSE(s.has_value());
  EXPECT_FALSE(static_cast<bool>(s));
  EXPECT_EQ(s, std::nullopt);
  EXPECT_EQ(s.value_or(-1), -1);
  EXPECT_THROW((void)s.value(), std::bad_optional_access);
  s = 600;
  ASSERT_TRUE(s.has_value());
  s.reset();
  EXPECT_FALSE(s.has_value());
}

// Zero and negative durations (clock skew) are values, not absence.
TEST(OptionalSeconds, ZeroAndNegativeAreValues) {
  const OptionalSeconds zero = 0.0;
  const OptionalSeconds skew = -60.0;
  EXPECT_TRUE(zero.has_value());
  EXPECT_EQ(*zero, 0);
  EXPECT_TRUE(skew.has_value());
  EXPECT_EQ(skew, -60.0);
  EXPECT_NE(zero, skew);
  EXPECT_NE(zero, OptionalSeconds());
}

TEST(OptionalSeconds, ConvertsToAndFromStdOptional) {
  const std::optional<double> some = 1.5;
  const std::optional<double> none;
  const OptionalSeconds a = some;
  const OptionalSeconds b = none;
  EXPECT_EQ(a, 1.5);
  EXPECT_FALSE(b.has_value());
  const std::optional<double> back_a = a;
  const std::optional<double> back_b = b;
  EXPECT_EQ(back_a, some);
  EXPECT_EQ(back_b, std::nullopt);
  // A NaN is absent: no duration computed from instants is NaN.
  EXPECT_FALSE(OptionalSeconds(std::nan("")).has_value());
}

TEST(OptionalSeconds, Prints) {
  std::ostringstream out;
  out << OptionalSeconds(2.5) << " " << OptionalSeconds();
  EXPECT_EQ(out.str(), "2.5 (nullopt)");
}

static_assert(sizeof(OptionalSeconds) == sizeof(double));

}  // namespace
}  // namespace steadystate::incidents
