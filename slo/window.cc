#include "slo/window.h"

#include <date/date.h>
#include <date/tz.h>

#include <exception>
#include <string>
#include <utility>

namespace steadystate::slo {
namespace {

using date::local_days;

// The first local day of the period containing `day`, and of the next period.
std::pair<local_days, local_days> PeriodDays(config::SloCalendar calendar, local_days day) {
  const date::year_month_day ymd{day};
  switch (calendar) {
    case config::SloCalendar::kWeek: {
      // ISO 8601 weeks start on Monday.
      const local_days monday = day - (date::weekday{day} - date::Monday);
      return {monday, monday + date::days(7)};
    }
    case config::SloCalendar::kMonth: {
      const date::year_month first = ymd.year() / ymd.month();
      const date::year_month next = first + date::months(1);
      return {local_days{first / 1}, local_days{next / 1}};
    }
    case config::SloCalendar::kQuarter: {
      const unsigned quarter_month = (static_cast<unsigned>(ymd.month()) - 1) / 3 * 3 + 1;
      const date::year_month first = ymd.year() / date::month{quarter_month};
      const date::year_month next = first + date::months(3);
      return {local_days{first / 1}, local_days{next / 1}};
    }
  }
  return {day, day + date::days(1)};
}

}  // namespace

std::string WindowLabel(Duration length) {
  using std::chrono::days;
  using std::chrono::hours;
  using std::chrono::minutes;
  if (length > Duration(0)) {
    if (length % days(1) == Duration(0)) return std::to_string(length / days(1)) + "d";
    if (length % hours(1) == Duration(0)) return std::to_string(length / hours(1)) + "h";
    if (length % minutes(1) == Duration(0)) return std::to_string(length / minutes(1)) + "m";
  }
  return FormatDuration(length);
}

Result<Window> WindowBounds(const config::SloConfig& slo, Timestamp now) {
  if (!slo.calendar) return Window{now - slo.window, now};
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(slo.time_zone);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidInput,
                     "unknown time zone \"" + slo.time_zone + "\": " + e.what());
  }
  const auto local = zone->to_local(now);
  const auto [first, next] = PeriodDays(*slo.calendar, date::floor<date::days>(local));
  // Midnight can be skipped by a DST change in a few zones; `earliest` then maps it to the
  // instant of the change, which is where the local day really begins.
  const auto start = zone->to_sys(date::local_seconds{first}, date::choose::earliest);
  const auto end = zone->to_sys(date::local_seconds{next}, date::choose::earliest);
  return Window{std::chrono::time_point_cast<Duration>(start),
                std::chrono::time_point_cast<Duration>(end)};
}

}  // namespace steadystate::slo
