// The dashboard's pages as complete HTML documents: server-rendered tables and inline SVG,
// CSS and a few lines of vanilla JavaScript embedded (no external asset, works offline and
// with JavaScript off). Every string that comes from config or data is HTML-escaped.
// Pure functions of the view model; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/text.h"
#include "exporters/dashboard/model.h"

namespace steadystate::exporters::dashboard {

using steadystate::EscapeHtml;  // common/text.h
// "99.953%": at most three decimals, truncated towards zero (never rounded up to 100%).
std::string FormatPercent(double ratio);
// The two largest units: "26m 47s", "3h 12m", "2d 4h", "-5m 11s", "0s".
std::string FormatHumanDuration(Duration d);

// GET /
std::string RenderOverview(const Overview& overview);
// GET /services/{name}
std::string RenderServicePage(const ServiceDetail& detail);
// The 404 page for /services/{name} of an unknown service.
std::string RenderNotFound(std::string_view name);

}  // namespace steadystate::exporters::dashboard
