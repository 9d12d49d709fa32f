// The dashboard's pages as complete HTML documents: server-rendered tables and inline SVG,
// CSS and a few lines of vanilla JavaScript embedded (no external asset, works offline and
// with JavaScript off). Written with common/html.h's builder: every string that comes from
// config or data is escaped, and only http(s) URLs from data become links.
// Pure functions of the view model; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dashboard/model.h"

namespace steadystate::dashboard {

// "99.953%": at most three decimals, truncated towards zero (never rounded up to 100%).
std::string FormatPercent(double ratio);
// The overview strip's per-day figures (data-days), oldest day first, without separators.
// A day without probes is "-"; any other day is the number shortfall * 2 + missed, where
// shortfall is the day's distance from 100% in thousandths of a percent (as FormatPercent
// truncates) and missed is 1 if the day missed `objective` (ClassifyDay). Digits are the
// 88 printable ASCII characters other than " & * - < >, in order ("!" is 0, "~" is 87).
// A number's first digit d says how long it is: d < 29 is the number d; 29 <= d < 58 and
// one more digit e is 29 + (d - 29) * 88 + e; d >= 58 and two more e, f is
// 2581 + ((d - 58) * 88 + e) * 88 + f. "*" and a number repeat the day before that many
// more times. "!*DaZK-": a day at 100% and 87 more, a day at 99% (1000 short, 2001) that
// missed its objective, a day without probes. At most 3 characters a day; the page's
// script decodes it for hover.
std::string EncodeStripDays(const std::vector<DayBar>& days, double objective);
// The two largest units: "26m 47s", "3h 12m", "2d 4h", "-5m 11s", "0s".
std::string FormatHumanDuration(Duration d);

// GET /
std::string RenderOverview(const Overview& overview);
// GET /services/{name}
std::string RenderServicePage(const ServiceDetail& detail);
// The 404 page for /services/{name} of an unknown service.
std::string RenderNotFound(std::string_view name);

}  // namespace steadystate::dashboard
