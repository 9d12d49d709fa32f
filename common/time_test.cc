#include "common/time.h"

#include <gtest/gtest.h>

#include <string>

namespace steadystate {
namespace {

using std::chrono::milliseconds;

struct InstantCase {
  std::string text;
  std::string utc;  // expected FormatRfc3339 of the parsed instant
};

class Rfc3339Valid : public testing::TestWithParam<InstantCase> {};

TEST_P(Rfc3339Valid, ParsesToUtc) {
  auto parsed = ParseRfc3339(GetParam().text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(FormatRfc3339(*parsed), GetParam().utc);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Rfc3339Valid,
    testing::Values(InstantCase{"2026-11-25T17:20:23Z", "2026-11-25T17:20:23.000Z"},
                    InstantCase{"2026-11-25T17:20:23.000Z", "2026-11-25T17:20:23.000Z"},
                    InstantCase{"2026-11-25t17:20:23z", "2026-11-25T17:20:23.000Z"},
                    InstantCase{"2026-11-25 17:20:23Z", "2026-11-25T17:20:23.000Z"},
                    InstantCase{"2026-11-25T17:20:23+00:00", "2026-11-25T17:20:23.000Z"},
                    InstantCase{"2026-11-25T10:20:23-07:00", "2026-11-25T17:20:23.000Z"},
                    InstantCase{"2026-11-26T03:50:23+10:30", "2026-11-25T17:20:23.000Z"},
                    // Chaos Toolkit >= 1.43.1: microseconds with an offset.
                    InstantCase{"2024-05-07T10:11:12.123456+00:00", "2024-05-07T10:11:12.123Z"},
                    // Older chaostoolkit-lib: no offset means UTC.
                    InstantCase{"2024-05-07T10:11:12.123456", "2024-05-07T10:11:12.123Z"},
                    InstantCase{"2024-05-07T10:11:12", "2024-05-07T10:11:12.000Z"},
                    InstantCase{"2024-05-07T10:11:12.5Z", "2024-05-07T10:11:12.500Z"},
                    InstantCase{"2024-05-07T10:11:12.999999999Z", "2024-05-07T10:11:12.999Z"},
                    InstantCase{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"},
                    InstantCase{"2000-02-29T23:59:59Z", "2000-02-29T23:59:59.000Z"},
                    InstantCase{"2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00.000Z"},
                    InstantCase{"1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"},
                    InstantCase{"2026-11-25", "2026-11-25T00:00:00.000Z"}));

class Rfc3339Invalid : public testing::TestWithParam<std::string> {};

TEST_P(Rfc3339Invalid, IsRejectedWithTheInputNamed) {
  auto parsed = ParseRfc3339(GetParam());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(parsed.error().message.find("\"" + GetParam() + "\" is not an RFC 3339 instant"),
            std::string::npos)
      << parsed.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Rfc3339Invalid,
    testing::Values("", "yesterday", "2026-11-25T", "2026-11-25T17:20", "2026-11-25T17:20:23+0100",
                    "2026-11-25T17:20:23+01", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
                    "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-25T24:00:00Z",
                    "2026-11-25T23:60:00Z", "2026-11-25T23:59:60Z", "2026-11-25T17:20:23.Z",
                    "2026-11-25T17:20:23ZZ", "2026-11-25T17:20:23 UTC", "2026/11/25T17:20:23Z",
                    "26-11-25T17:20:23Z", "2026-11-25T17:20:23+24:00"));

TEST(Rfc3339, FormatsMillisecondsAndUtc) {
  Timestamp t{milliseconds(1'764'091'223'007)};
  EXPECT_EQ(FormatRfc3339(t), "2025-11-25T17:20:23.007Z");
  EXPECT_EQ(FormatRfc3339(Timestamp{milliseconds(0)}), "1970-01-01T00:00:00.000Z");
}

TEST(Rfc3339, RoundTripsThroughFormat) {
  for (int64_t ms : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{951'782'400'000},
                     int64_t{4'102'444'799'999}}) {
    Timestamp t{milliseconds(ms)};
    auto back = ParseRfc3339(FormatRfc3339(t));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, t) << ms;
  }
}

struct DurationCase {
  std::string text;
  int64_t millis;
};

class DurationValid : public testing::TestWithParam<DurationCase> {};

TEST_P(DurationValid, Parses) {
  auto d = ParseDuration(GetParam().text);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->count(), GetParam().millis);
}

INSTANTIATE_TEST_SUITE_P(Table, DurationValid,
                         testing::Values(DurationCase{"500ms", 500}, DurationCase{"30s", 30'000},
                                         DurationCase{"5m", 300'000}, DurationCase{"2h", 7'200'000},
                                         DurationCase{"30d", 2'592'000'000},
                                         DurationCase{"1w", 604'800'000},
                                         DurationCase{"1h30m", 5'400'000},
                                         DurationCase{"1m500ms", 60'500}, DurationCase{"0", 0},
                                         DurationCase{"0s", 0}));

TEST(Duration, RejectsWithExamples) {
  for (const char* text : {"10", "", "10x", "5 m", "-5m", "1m1h", "1.5h", "m", "5mm", "1s1s"}) {
    auto d = ParseDuration(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_NE(d.error().message.find("is not a duration"), std::string::npos) << text;
    EXPECT_NE(d.error().message.find("(examples: 10s, 5m)"), std::string::npos) << text;
  }
  EXPECT_EQ(ParseDuration("10").error().message,
            "\"10\" is not a duration (missing unit) (examples: 10s, 5m)");
}

TEST(Duration, FormatsShortestExactForm) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds(500)), "500ms");
  EXPECT_EQ(FormatDuration(std::chrono::hours(24 * 14)), "2w");
  EXPECT_EQ(FormatDuration(milliseconds(-1500)), "-1s500ms");
  for (const char* text : {"1w2d3h4m5s6ms", "400d", "15m"}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(*ParseDuration(text))), *ParseDuration(text));
  }
}

}  // namespace
}  // namespace steadystate
