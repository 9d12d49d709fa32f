// The dashboard's stylesheet and script, compiled into the binary (no CDN).
#pragma once

#include <string_view>

#include "common/html.h"

namespace steadystate::dashboard {

// Colours are GitHub Primer's light palette, chosen for WCAG AA contrast (>= 4.5:1 for
// text on white and for white text on the status colours; >= 3:1 for graphics).
extern const std::string_view kDashboardCss;

// Progressive enhancement only: local times (UTC stays in the title), day details of the
// 90-day strips on hover, tap and arrow keys, and a refresh every 15 s that swaps <main>
// without reloading (scroll position and focus kept).
extern const std::string_view kDashboardJs;

// The two as markup for the page: the stylesheet, and the script without indentation,
// blank and comment lines (what is sent; kDashboardJs keeps them for readers).
extern const HtmlMarkup kDashboardStyle;
extern const HtmlMarkup kDashboardScript;

}  // namespace steadystate::dashboard
