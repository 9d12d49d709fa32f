#include "slo/window.h"

#include <gtest/gtest.h>

namespace steadystate::slo {
namespace {

using std::chrono::days;
using std::chrono::hours;

Timestamp T(std::string_view rfc3339) {
  Result<Timestamp> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : Timestamp{};
}

config::SloConfig Calendar(config::SloCalendar calendar, std::string zone) {
  config::SloConfig slo;
  slo.name = "monthly";
  slo.objective_percent = 99.9;
  slo.calendar = calendar;
  slo.time_zone = std::move(zone);
  return slo;
}

TEST(WindowBounds, RollingEndsNow) {
  config::SloConfig slo;
  slo.window = days(30);
  const Timestamp now = T("2026-11-25T17:20:23.456Z");
  Result<Window> w = WindowBounds(slo, now);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start, T("2026-10-26T17:20:23.456Z"));
  EXPECT_EQ(w->end, now);
  EXPECT_EQ(w->length(), days(30));
}

TEST(WindowBounds, BerlinMarchIsOneHourShortForDst) {
  // CET -> CEST on 2026-03-29: the month starts at 00:00+01:00 and ends at 00:00+02:00.
  Result<Window> w = WindowBounds(Calendar(config::SloCalendar::kMonth, "Europe/Berlin"),
                                  T("2026-03-15T12:00:00Z"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start, T("2026-02-28T23:00:00Z"));
  EXPECT_EQ(w->end, T("2026-03-31T22:00:00Z"));
  EXPECT_EQ(w->length(), days(31) - hours(1));
}

TEST(WindowBounds, BerlinOctoberIsOneHourLongForDst) {
  Result<Window> w = WindowBounds(Calendar(config::SloCalendar::kMonth, "Europe/Berlin"),
                                  T("2026-10-31T22:59:59Z"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start, T("2026-09-30T22:00:00Z"));
  EXPECT_EQ(w->end, T("2026-10-31T23:00:00Z"));
  EXPECT_EQ(w->length(), days(31) + hours(1));
}

TEST(WindowBounds, LocalMidnightDecidesTheMonth) {
  // 23:30Z on 28 February is 00:30 on 1 March in Berlin.
  Result<Window> w = WindowBounds(Calendar(config::SloCalendar::kMonth, "Europe/Berlin"),
                                  T("2026-02-28T23:30:00Z"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start, T("2026-02-28T23:00:00Z"));
}

TEST(WindowBounds, FebruaryLength) {
  auto berlin = Calendar(config::SloCalendar::kMonth, "Europe/Berlin");
  Result<Window> w = WindowBounds(berlin, T("2026-02-10T00:00:00Z"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start, T("2026-01-31T23:00:00Z"));
  EXPECT_EQ(w->length(), days(28));
  Result<Window> leap = WindowBounds(berlin, T("2028-02-29T12:00:00Z"));
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ(leap->start, T("2028-01-31T23:00:00Z"));
  EXPECT_EQ(leap->end, T("2028-02-29T23:00:00Z"));
  EXPECT_EQ(leap->length(), days(29));
}

TEST(WindowBounds, IsoWeekStartsMonday) {
  // 2026-11-25 is a Wednesday.
  Result<Window> w =
      WindowBounds(Calendar(config::SloCalendar::kWeek, "UTC"), T("2026-11-25T17:20:23Z"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start, T("2026-11-23T00:00:00Z"));
  EXPECT_EQ(w->end, T("2026-11-30T00:00:00Z"));
  // Sunday 23:30Z is already Monday in Berlin: a new week.
  Result<Window> berlin = WindowBounds(Calendar(config::SloCalendar::kWeek, "Europe/Berlin"),
                                       T("2026-11-29T23:30:00Z"));
  ASSERT_TRUE(berlin.ok());
  EXPECT_EQ(berlin->start, T("2026-11-29T23:00:00Z"));
}

TEST(WindowBounds, WeekAcrossDstChange) {
  Result<Window> w = WindowBounds(Calendar(config::SloCalendar::kWeek, "Europe/Berlin"),
                                  T("2026-03-29T12:00:00Z"));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start, T("2026-03-22T23:00:00Z"));
  EXPECT_EQ(w->end, T("2026-03-29T22:00:00Z"));
  EXPECT_EQ(w->length(), days(7) - hours(1));
}

TEST(WindowBounds, Quarter) {
  Result<Window> utc =
      WindowBounds(Calendar(config::SloCalendar::kQuarter, "UTC"), T("2026-05-10T00:00:00Z"));
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->start, T("2026-04-01T00:00:00Z"));
  EXPECT_EQ(utc->end, T("2026-07-01T00:00:00Z"));
  Result<Window> berlin = WindowBounds(Calendar(config::SloCalendar::kQuarter, "Europe/Berlin"),
                                       T("2026-02-10T00:00:00Z"));
  ASSERT_TRUE(berlin.ok());
  EXPECT_EQ(berlin->start, T("2025-12-31T23:00:00Z"));
  EXPECT_EQ(berlin->end, T("2026-03-31T22:00:00Z"));
  EXPECT_EQ(berlin->length(), days(90) - hours(1));
}

TEST(WindowBounds, UnknownZoneIsAnError) {
  Result<Window> w = WindowBounds(Calendar(config::SloCalendar::kMonth, "Mars/Olympus"),
                                  T("2026-05-10T00:00:00Z"));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("Mars/Olympus"), std::string::npos);
}

}  // namespace
}  // namespace steadystate::slo
