#include "dashboard/html.h"

#include <date/date.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <utility>

#include "common/html.h"
#include "common/text.h"
#include "dashboard/assets.h"

namespace steadystate::dashboard {
namespace {

using std::chrono::days;

// printf of numbers into a std::string, for Html::Text.
template <typename... Args>
std::string Fmt(const char* format, Args... args) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, format, args...);
  return std::string(buf, n < 0 ? 0 : std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

std::string_view HealthClass(Health h) {
  switch (h) {
    case Health::kBreached:
      return "breached";
    case Health::kBurning:
      return "burning";
    case Health::kMeeting:
      return "meeting";
    case Health::kNoData:
      break;
  }
  return "nodata";
}

// The status in words and colour; the CSS adds a symbol for sighted readers.
void Badge(Html& h, Health health) {
  h.Raw("<b class=\"st-").Text(HealthClass(health)).Raw("\">").Text(HealthWord(health)).Raw("</b>");
}

std::string DateText(Timestamp t) { return date::format("%F", std::chrono::floor<days>(t)); }

// <time> with the UTC instant, its text in UTC (without the date when it is the UTC day
// of `today`); the script rewrites the text into the viewer's zone and puts the UTC time
// in the title (hover).
void Time(Html& h, Timestamp t, bool date_only = false, std::optional<Timestamp> today = {}) {
  h.Raw("<time").Attr("datetime",
                      date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t)));
  if (date_only) {
    h.Raw(" data-date>").Text(DateText(t));
  } else {
    const bool same_day = today && std::chrono::floor<days>(*today) == std::chrono::floor<days>(t);
    h.Raw(">")
        .Text(date::format(same_day ? "%H:%M" : "%F %H:%M",
                           std::chrono::floor<std::chrono::minutes>(t)))
        .Raw(" UTC");
  }
  h.Raw("</time>");
}

// <a href="/services/name">name</a>; names are [a-z0-9_.-]: nothing to percent-encode.
void ServiceLink(Html& h, std::string_view name) {
  h.Raw("<a").LocalHref("/services/", name).Raw(">").Text(name).Raw("</a>");
}

void Head(Html& h, std::string_view title) {
  h.Raw(
       "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>")
      .Text(title)
      .Raw("</title><noscript><meta http-equiv=\"refresh\" content=\"15\"></noscript><style>")
      .Raw(kDashboardStyle)
      .Raw(
          "</style></head><body>"
          "<header><span class=\"brand\">steadystate</span><a href=\"/\">SLA dashboard</a>"
          "<a href=\"/api/v1/services\">JSON</a>"
          "<span id=\"refresh\" role=\"status\" class=\"mu\">Reloads every 15 s</span>"
          "</header>\n");
}

void Foot(Html& h) {
  h.Raw("<div id=\"tip\" role=\"status\" aria-live=\"polite\" hidden></div><script>")
      .Raw(kDashboardScript)
      .Raw("</script></body></html>\n");
}

void Warnings(Html& h, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) h.Raw("<p class=\"warn\">").Text(w).Raw("</p>");
}

void SloSli(Html& h, const SloRow& s) {
  h.Raw("<div>").Text(s.name).Raw(" ");
  if (!s.sli) {
    h.Raw("<span class=\"mu\">no data</span>");
  } else if (!slo::MeetsObjective(*s.sli, s.objective)) {
    h.Raw("<span class=\"bad\">").Text(FormatPercent(*s.sli)).Raw("</span>");
  } else {
    h.Text(FormatPercent(*s.sli));
  }
  h.Raw(" / ")
      .Text(FormatPercent(s.objective))
      .Raw(" <span class=\"mu\">")
      .Text(s.window)
      .Raw("</span></div>");
}

void SloBudget(Html& h, const SloRow& s) {
  if (!s.budget_remaining_ratio) {
    h.Raw("<div class=\"mu\">").Text(s.name).Raw(": no data</div>");
    return;
  }
  const double r = *s.budget_remaining_ratio;
  const double width = std::clamp(r, 0.0, 1.0) * 100;
  const char* cls = r <= 0 ? "b-bad" : r < 0.25 ? "b-warn" : "b-ok";
  h.Raw("<div")
      .Attr("title", s.name)
      .Raw("><span class=\"bar\" aria-hidden=\"true\"><span")
      .Attr("class", cls)
      .Raw(" style=\"width:")
      .Fixed(width, 1)
      .Raw("%\"></span></span>");
  if (r <= 0) h.Raw("<span class=\"bad\">exhausted</span> ");
  h.Text(Fmt("%.1f%%", r * 100));
  if (s.budget_remaining) h.Raw(" &middot; ").Text(FormatHumanDuration(*s.budget_remaining));
  h.Raw("</div>");
}

// The overview's cells show the governing SLO only (GoverningSlo); the drill-down has all.
void OverviewSli(Html& h, const ServiceRow& r, const SloRow& s) {
  if (!s.sli) {
    h.Raw("no data");
  } else if (!slo::MeetsObjective(*s.sli, s.objective)) {
    h.Raw("<b class=\"bad\">").Text(FormatPercent(*s.sli)).Raw("</b>");
  } else {
    h.Text(FormatPercent(*s.sli));
  }
  h.Raw(" / ")
      .Text(FormatPercent(s.objective))
      .Raw(" <span class=\"mu\">")
      .Text(s.window)
      .Raw("<br>")
      .Text(s.name);
  if (r.slos.size() > 1) h.Raw(", worst of ").Int(r.slos.size());
  h.Raw("</span>");
}

void OverviewBudget(Html& h, const SloRow& s) {
  if (!s.budget_remaining_ratio) {
    h.Raw("<span class=\"mu\">no data</span>");
    return;
  }
  const double r = *s.budget_remaining_ratio;
  const char* cls = r <= 0 ? "c2" : r < 0.25 ? "c1" : "c0";
  // The CSS draws an empty bar without a width.
  h.Raw("<i class=\"bw ").Text(cls).Raw("\"");
  if (r > 0) h.Raw(" style=\"--w:").Fixed(std::min(r, 1.0) * 100, 0).Raw("%\"");
  h.Raw("></i>");
  if (r <= 0) h.Raw("<b class=\"bad\">exhausted</b> ");
  h.Text(Fmt("%.1f%%", r * 100));
  if (s.budget_remaining) h.Raw(" \u00b7 ").Text(FormatHumanDuration(*s.budget_remaining));
}

void OverviewBurn(Html& h, const SloRow& s) {
  if (s.burn_rate_1h) {
    h.Fixed(*s.burn_rate_1h, 2).Raw("\u00d7");
  } else {
    h.Raw("\u2013");
  }
  if (s.burning_tier) h.Raw(" <b class=\"bad\">").Text(*s.burning_tier).Raw("</b>");
}

// The last probe's duration, outcome and when: how long ago on the overview (which is
// rendered afresh at least every 15 s), the time on the drill-down.
enum class When { kAgo, kTime };
void LastProbeCell(Html& h, const ServiceRow& r, Timestamp now, When when) {
  if (!r.last_probe) {
    h.Raw("<span class=\"mu\">none yet</span>");
    return;
  }
  const LastProbeView& p = *r.last_probe;
  h.Fixed(p.duration_seconds * 1000, 0).Raw(" ms ");
  if (p.success) {
    h.Raw("ok");
  } else {
    h.Raw("<b class=\"bad\">failed: ").Text(p.error_class).Raw("</b>");
  }
  h.Raw("<br>");
  if (when == When::kAgo) {
    h.Text(FormatHumanDuration(now - p.time)).Raw(" ago");
  } else {
    Time(h, p.time, false, now);
  }
}

std::string_view DayClassName(DayClass c) {
  switch (c) {
    case DayClass::kMet:
      return "d-met";
    case DayClass::kNear:
      return "d-near";
    case DayClass::kMissed:
      return "d-missed";
    case DayClass::kNoData:
      break;
  }
  return "d-nodata";
}

std::string DayLabel(const DayBar& d, const ServiceRow& r) {
  std::string out = DateText(d.day) + " (UTC): " + r.history_slo + " ";
  const auto sli = d.sli();
  if (!sli) return out + "no probes";
  out += FormatPercent(*sli) + ", " + std::to_string(d.good) + " of " + std::to_string(d.total) +
         " good, objective " + FormatPercent(r.history_objective) + ": ";
  return out + (ClassifyDay(d, r.history_objective) == DayClass::kMet ? "met" : "missed");
}

std::string StripSummary(const ServiceRow& r) {
  int counts[4] = {};
  for (const DayBar& d : r.history) ++counts[static_cast<int>(ClassifyDay(d, r.history_objective))];
  return r.history_slo + ": " + std::to_string(counts[0]) + " met, " +
         std::to_string(counts[1] + counts[2]) + " missed" +
         (counts[3] > 0 ? ", " + std::to_string(counts[3]) + " without data" : "");
}

// The overview's strip, in day units (viewBox 90 x 8, drawn 270 x 24 px by the CSS; the
// script makes it focusable, as only the script has details to show on focus): one
// path per colour, a horizontal stroke per run of days of that colour (the CSS dashes it
// into one bar per day); the days' figures in data-days (EncodeStripDays) for the script.
// `slo` and `objective` are the table's defaults (data-slo, data-obj): a strip only says
// which SLO and objective it shows when they differ.
void CompactStrip(Html& h, const ServiceRow& r, const std::string& slo,
                  const std::string& objective) {
  if (r.history.empty() || r.history_slo.empty()) return;
  // Green under every day (when one was met), then runs of the other colours over it; a
  // day without data is first blanked (class e), then drawn short.
  Html paths[4];
  size_t ends[4] = {};
  size_t run_start = 0;
  bool any_met = false;
  for (size_t i = 1; i <= r.history.size(); ++i) {
    const DayClass c = ClassifyDay(r.history[i - 1], r.history_objective);
    if (i < r.history.size() && ClassifyDay(r.history[i], r.history_objective) == c) continue;
    if (c == DayClass::kMet) {
      any_met = true;
    } else {
      // Relative moves from the end of the colour's previous run.
      Html& d = paths[static_cast<int>(c)];
      if (d.empty()) {
        d.Raw("M").Int(run_start).Raw(" 4");
      } else {
        d.Raw("m").Int(run_start - ends[static_cast<int>(c)]).Raw(" 0");
      }
      d.Raw("h").Int(i - run_start);
      ends[static_cast<int>(c)] = i;
    }
    run_start = i;
  }
  if (any_met) paths[static_cast<int>(DayClass::kMet)].Raw("M0 4h").Int(r.history.size());
  h.Raw("<svg viewBox=\"0 0 ").Int(r.history.size()).Raw(" 8\" role=\"img\"");
  const std::string strip_objective = FormatPercent(r.history_objective);
  if (strip_objective != objective) h.Attr("data-obj", strip_objective);
  if (r.history_slo != slo) h.Attr("data-slo", r.history_slo);
  // The digits include ' (never " & < >): safe in a double-quoted value as they are.
  h.AttrKeepingApostrophes("data-days", EncodeStripDays(r.history, r.history_objective))
      .Raw("><title>")
      .Text(StripSummary(r))
      .Raw("</title>");
  static constexpr std::pair<DayClass, HtmlMarkup> kOrder[] = {
      {DayClass::kMet, HtmlMarkup("g")},
      {DayClass::kNear, HtmlMarkup("n")},
      {DayClass::kMissed, HtmlMarkup("x")}};
  for (const auto& [c, cls] : kOrder) {
    const Html& d = paths[static_cast<int>(c)];
    if (!d.empty()) h.Raw("<path class=\"").Raw(cls).Raw("\" d=\"").Append(d).Raw("\"/>");
  }
  const Html& none = paths[static_cast<int>(DayClass::kNoData)];
  if (!none.empty()) {
    h.Raw("<path class=\"e\" d=\"").Append(none).Raw("\"/><path class=\"z\" d=\"");
    h.Append(none).Raw("\"/>");
  }
  h.Raw("</svg>");
}

// The drill-down's strip: one focusable bar per day with its figures.
void FullStrip(Html& h, const ServiceRow& r) {
  if (r.history.empty() || r.history_slo.empty()) {
    h.Raw("<p class=\"mu\">No SLO.</p>");
    return;
  }
  const int width = static_cast<int>(r.history.size()) * 8;
  h.Raw("<svg class=\"bars\" width=\"")
      .Int(width)
      .Raw("\" height=\"40\" viewBox=\"0 0 ")
      .Int(width)
      .Raw(" 40\" role=\"group\"")
      .Attr("aria-label", StripSummary(r))
      .Raw(">");
  for (size_t i = 0; i < r.history.size(); ++i) {
    const DayBar& d = r.history[i];
    const DayClass c = ClassifyDay(d, r.history_objective);
    const std::string label = DayLabel(d, r);
    const int bar = c == DayClass::kNoData ? 12 : 40;
    h.Raw("<rect tabindex=\"0\"")
        .Attr("class", DayClassName(c))
        .Raw(" x=\"")
        .Int(i * 8)
        .Raw("\" y=\"")
        .Int(40 - bar)
        .Raw("\" width=\"6\" height=\"")
        .Int(bar)
        .Raw("\"")
        .Attr("aria-label", label)
        .Raw("><title>")
        .Text(label)
        .Raw("</title></rect>");
  }
  h.Raw("</svg>");
}

void Targets(Html& h, const AttackRow& a) {
  if (a.targets.empty()) {
    h.Raw("<span class=\"mu\">all hosts</span>");
  } else {
    h.Text(Join(a.targets, ", "));
  }
}

void Services(Html& h, const AttackRow& a) {
  if (a.services.empty()) {
    h.Raw("<span class=\"mu\">not named</span>");
    return;
  }
  for (size_t i = 0; i < a.services.size(); ++i) {
    if (i > 0) h.Raw(", ");
    ServiceLink(h, a.services[i]);
  }
}

// Lists are cut so that an incident or attack storm cannot swell a page: newest first (as
// the model keeps them), at most this many.
constexpr size_t kPerRow = 3;          // incidents or attacks in an overview row
constexpr size_t kOverviewTable = 20;  // the overview's open incidents and active attacks
constexpr size_t kServiceTable = 50;   // the drill-down's incidents and attacks

template <typename T>
std::span<const T> Newest(const std::vector<T>& items, size_t limit) {
  return {items.data(), std::min(items.size(), limit)};
}

// A caption's note when a table of `total` shows only the newest `limit`.
void Shown(Html& h, size_t total, size_t limit) {
  if (total > limit) h.Raw(" (the ").Int(limit).Raw(" newest of ").Int(total).Raw(")");
}

// An overview cell's link to the rest of its `total` items, on the service's page, when
// it shows only `limit`.
void MoreLink(Html& h, size_t total, size_t limit, std::string_view service) {
  if (total <= limit) return;
  h.Raw("<div><a").LocalHref("/services/", service).Raw(">and ").Int(total - limit);
  h.Raw(" more</a></div>");
}

void AttackLine(Html& h, const AttackRow& a, Timestamp now) {
  h.Raw("<div><strong>").Text(a.type).Raw("</strong> on ");
  Targets(h, a);
  h.Raw(" by ");
  if (a.created_by.empty()) {
    h.Raw("<span class=\"mu\">unknown</span>");
  } else {
    h.Text(a.created_by);
  }
  h.Raw(", since ");
  Time(h, a.start);
  h.Raw(" <span class=\"mu\">(").Text(FormatHumanDuration(now - a.start)).Raw(")</span></div>");
}

// The incident's title (its id when untitled), a link only to an http(s) URL.
void IncidentTitle(Html& h, const incidents::Incident& in) {
  h.LinkIfHttp(in.url, in.title.empty() ? in.id : in.title);
}

void IncidentLine(Html& h, const IncidentRow& i, Timestamp now) {
  const auto& in = i.incident;
  h.Raw("<div><strong>")
      .Text(in.severity.empty() ? "unknown severity" : in.severity)
      .Raw("</strong> ")
      .Text(in.status)
      .Raw(", open ")
      .Text(FormatHumanDuration(now - in.created_at))
      .Raw(": ");
  IncidentTitle(h, in);
  if (i.attack_id) h.Raw(" <span class=\"mu\">(chaos)</span>");
  h.Raw("</div>");
}

// The newest `limit` of `all` (newest first), the caption saying so when some are left out.
void AttackTable(Html& h, const std::vector<AttackRow>& all, size_t limit, HtmlMarkup caption,
                 Timestamp now, bool with_outcome) {
  h.Raw("<table class=\"attacks\"><caption>").Raw(caption);
  Shown(h, all.size(), limit);
  h.Raw(
      "</caption><thead><tr>"
      "<th scope=\"col\">Type</th><th scope=\"col\">Name</th><th scope=\"col\">Targets</th>"
      "<th scope=\"col\">Services</th><th scope=\"col\">Started by</th>"
      "<th scope=\"col\">Since</th>");
  if (with_outcome) {
    h.Raw(
        "<th scope=\"col\">Ended</th><th scope=\"col\">Outcome</th>"
        "<th scope=\"col\">Steady state</th>");
  }
  h.Raw("</tr></thead><tbody>");
  for (const AttackRow& a : Newest(all, limit)) {
    h.Raw("<tr><th scope=\"row\">")
        .Text(a.type)
        .Raw("</th><td>")
        .Text(a.name)
        .Raw(" <span class=\"mu\">")
        .Text(a.id)
        .Raw("</span></td><td>");
    Targets(h, a);
    h.Raw("</td><td>");
    Services(h, a);
    h.Raw("</td><td>").Text(a.created_by).Raw("</td><td>");
    Time(h, a.start);
    if (a.running()) {
      h.Raw(" <span class=\"mu\">(").Text(FormatHumanDuration(now - a.start)).Raw(")</span>");
    }
    h.Raw("</td>");
    if (with_outcome) {
      h.Raw("<td>");
      if (a.end) {
        Time(h, *a.end);
      } else {
        h.Raw("&ndash;");
      }
      h.Raw("</td><td>");
      if (a.running()) {
        h.Raw("<strong>running</strong>");
      } else {
        h.Text(a.outcome);
      }
      h.Raw("</td><td>");
      if (a.steady_state == "broken") {
        h.Raw("<span class=\"bad\">broken</span>");
      } else {
        h.Text(a.steady_state);
      }
      h.Raw("</td>");
    }
    h.Raw("</tr>");
  }
  h.Raw("</tbody></table>");
}

// The newest `limit` of `all` (newest first), the caption saying so when some are left out.
void IncidentTable(Html& h, const std::vector<IncidentRow>& all, size_t limit, HtmlMarkup caption,
                   Timestamp now) {
  h.Raw("<table><caption>").Raw(caption);
  Shown(h, all.size(), limit);
  h.Raw(
      "</caption><thead><tr><th scope=\"col\">Incident</th>"
      "<th scope=\"col\">Service</th><th scope=\"col\">Severity</th><th scope=\"col\">Status</th>"
      "<th scope=\"col\">Opened</th><th scope=\"col\">Age</th><th scope=\"col\">TTD</th>"
      "<th scope=\"col\">TTR</th><th scope=\"col\">Chaos attack</th></tr></thead><tbody>");
  for (const IncidentRow& i : Newest(all, limit)) {
    const auto& in = i.incident;
    h.Raw("<tr><th scope=\"row\">");
    IncidentTitle(h, in);
    h.Raw("</th><td>");
    ServiceLink(h, in.service);
    h.Raw("</td><td>").Text(in.severity).Raw("</td><td>").Text(in.status).Raw("</td><td>");
    Time(h, in.created_at);
    h.Raw("</td><td>");
    if (in.resolved_at) {
      h.Raw("&ndash;");
    } else {
      h.Text(FormatHumanDuration(now - in.created_at));
    }
    h.Raw("</td><td>");
    if (i.ttd) {
      h.Text(FormatHumanDuration(*i.ttd));
    } else {
      h.Raw("&ndash;");
    }
    h.Raw("</td><td>");
    if (i.ttr) {
      h.Text(FormatHumanDuration(*i.ttr));
    } else {
      h.Raw("open");
    }
    h.Raw("</td><td>");
    if (i.attack_id) {
      h.Text(*i.attack_id);
    } else {
      h.Raw("<span class=\"mu\">none</span>");
    }
    h.Raw("</td></tr>");
  }
  h.Raw("</tbody></table>");
}

// A host utilisation gauge with the 80% line, and the last hour's trend.
void HostRow(Html& h, const HostGauge& g) {
  h.Raw("<tr><th scope=\"row\">").Text(g.label).Raw("</th><td class=\"nw\">");
  if (g.value) {
    const double v = std::clamp(*g.value, 0.0, 1.0);
    const char* cls = *g.value >= 0.8 ? "b-bad" : *g.value >= 0.7 ? "b-warn" : "b-ok";
    h.Raw("<span class=\"bar\" style=\"width:120px\" aria-hidden=\"true\"><span")
        .Attr("class", cls)
        .Raw(" style=\"width:")
        .Fixed(v * 100, 1)
        .Raw("%\"></span><span class=\"mark\" style=\"left:80%\"></span></span>");
    if (*g.value >= 0.8) {
      h.Raw("<span class=\"bad\">").Text(Fmt("%.1f%%", *g.value * 100));
      h.Raw(" (above 80%)</span>");
    } else {
      h.Text(Fmt("%.1f%%", *g.value * 100));
    }
  } else {
    h.Raw("<span class=\"mu\">no recent sample</span>");
  }
  h.Raw("</td><td>");
  if (g.trend.size() >= 2) {
    constexpr double kW = 180, kH = 30;
    const Timestamp t0 = g.trend.front().first, t1 = g.trend.back().first;
    const double span = std::max<double>(1, static_cast<double>((t1 - t0).count()));
    Html d;
    for (const auto& [t, v] : g.trend) {
      if (d.empty()) {
        d.Raw("M");
      } else {
        d.Raw("L");
      }
      d.Fixed(static_cast<double>((t - t0).count()) / span * kW, 1)
          .Raw(" ")
          .Fixed(kH - std::clamp(v, 0.0, 1.0) * kH, 1);
    }
    double peak = 0;
    for (const auto& p : g.trend) peak = std::max(peak, p.second);
    h.Raw("<svg class=\"chart\" style=\"width:180px\" viewBox=\"0 0 180 30\" role=\"img\"")
        .Attr("aria-label", "last hour, peak " + Fmt("%.1f%%", peak * 100))
        .Raw("><line class=\"ref\" x1=\"0\" x2=\"180\" y1=\"")
        .Fixed(kH * 0.2, 1)
        .Raw("\" y2=\"")
        .Fixed(kH * 0.2, 1)
        .Raw("\"/><path class=\"ln\" d=\"")
        .Append(d)
        .Raw("\"/></svg>");
  }
  h.Raw("</td></tr>");
}

std::string FormatValue(double v, const std::string& unit) {
  return unit == "ms" ? Fmt("%.0f ms", v) : FormatPercent(v);
}

// A line chart: lines split where a step has no data; a dashed reference line.
void LineChart(Html& h, const Chart& chart) {
  constexpr double kW = 700, kH = 180, kLeft = 64, kRight = 8, kTop = 8, kBottom = 22;
  double lo = 1e300, hi = -1e300;
  size_t n = 0;
  Timestamp t0{}, t1{};
  for (const auto& [name, points] : chart.lines) {
    n = std::max(n, points.size());
    if (!points.empty()) {
      t0 = points.front().time;
      t1 = points.back().time;
    }
    for (const auto& p : points) {
      if (!p.value) continue;
      lo = std::min(lo, *p.value);
      hi = std::max(hi, *p.value);
    }
  }
  const bool empty = lo > hi;
  if (chart.reference) {
    lo = std::min(empty ? *chart.reference : lo, *chart.reference);
    hi = std::max(empty ? *chart.reference : hi, *chart.reference);
  }
  if (chart.unit == "ms") {
    lo = 0;
    hi = empty ? 1 : std::max(1.0, hi * 1.1);
  } else {
    hi = std::max(hi, 1.0);
    if (chart.reference && *chart.reference == 0) hi = 1;
    const double pad = std::max((hi - lo) * 0.1, 1e-4);
    lo = std::max(chart.reference && *chart.reference == 0 ? lo - pad : 0.0, lo - pad);
  }
  if (hi <= lo) hi = lo + 1;
  const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  auto x = [&](size_t i) {
    return kLeft + (n <= 1 ? 0 : static_cast<double>(i) / static_cast<double>(n - 1) * pw);
  };
  auto y = [&](double v) { return kTop + (hi - v) / (hi - lo) * ph; };
  // The summary (the aria-label) is known only after the lines: body and legend wait.
  std::string summary = chart.title;
  Html body;
  body.Raw("<path class=\"ax\" d=\"M")
      .Fixed(kLeft, 1)
      .Raw(" ")
      .Fixed(kTop, 1)
      .Raw("V")
      .Fixed(kTop + ph, 1)
      .Raw("H")
      .Fixed(kW - kRight, 1)
      .Raw("\"/>");
  body.Raw("<text x=\"").Fixed(kLeft - 4, 1).Raw("\" y=\"").Fixed(kTop + 8, 1);
  body.Raw("\" text-anchor=\"end\">").Text(FormatValue(hi, chart.unit)).Raw("</text>");
  body.Raw("<text x=\"").Fixed(kLeft - 4, 1).Raw("\" y=\"").Fixed(kTop + ph, 1);
  body.Raw("\" text-anchor=\"end\">").Text(FormatValue(lo, chart.unit)).Raw("</text>");
  if (n > 0) {
    body.Raw("<text x=\"").Fixed(kLeft, 1).Raw("\" y=\"").Fixed(kH - 4, 1).Raw("\">");
    body.Text(date::format("%F %H:%M", t0)).Raw(" UTC</text>");
    body.Raw("<text x=\"").Fixed(kW - kRight, 1).Raw("\" y=\"").Fixed(kH - 4, 1);
    body.Raw("\" text-anchor=\"end\">").Text(date::format("%F %H:%M", t1)).Raw(" UTC</text>");
  }
  if (chart.reference) {
    const double ref_y = y(*chart.reference);
    body.Raw("<line class=\"ref\" x1=\"")
        .Fixed(kLeft, 1)
        .Raw("\" x2=\"")
        .Fixed(kW - kRight, 1)
        .Raw("\" y1=\"")
        .Fixed(ref_y, 1)
        .Raw("\" y2=\"")
        .Fixed(ref_y, 1)
        .Raw("\"/>");
    body.Raw("<text x=\"").Fixed(kW - kRight, 1).Raw("\" y=\"").Fixed(ref_y - 3, 1);
    body.Raw("\" text-anchor=\"end\">")
        .Text(chart.reference_label)
        .Raw(" ")
        .Text(FormatValue(*chart.reference, chart.unit))
        .Raw("</text>");
  }
  int index = 0;
  Html legend;
  for (const auto& [name, points] : chart.lines) {
    Html d;
    bool pen = false;
    std::optional<double> last, low, high;
    Html dots;  // points with no neighbour to draw a line to
    for (size_t i = 0; i < points.size(); ++i) {
      if (!points[i].value) {
        pen = false;
        continue;
      }
      const double v = *points[i].value;
      if (pen) {
        d.Raw("L");
      } else {
        d.Raw("M");
      }
      d.Fixed(x(i), 1).Raw(" ").Fixed(y(v), 1);
      const bool alone = !pen && (i + 1 == points.size() || !points[i + 1].value);
      if (alone) {
        dots.Raw("<circle class=\"pt l").Int(index).Raw("\" cx=\"").Fixed(x(i), 1);
        dots.Raw("\" cy=\"").Fixed(y(v), 1).Raw("\" r=\"2.5\"/>");
      }
      pen = true;
      last = v;
      low = low ? std::min(*low, v) : v;
      high = high ? std::max(*high, v) : v;
    }
    body.Raw("<path class=\"ln l").Int(index).Raw("\" d=\"").Append(d).Raw("\"/>").Append(dots);
    summary +=
        "; " + name +
        (last ? ": min " + FormatValue(*low, chart.unit) + ", max " +
                    FormatValue(*high, chart.unit) + ", last " + FormatValue(*last, chart.unit)
              : ": no data");
    legend.Raw("<span><svg width=\"24\" height=\"8\" aria-hidden=\"true\"><line class=\"ln l")
        .Int(index)
        .Raw("\" x1=\"0\" x2=\"24\" y1=\"4\" y2=\"4\"/></svg> ")
        .Text(name);
    if (last) {
      legend.Raw(" (last ").Text(FormatValue(*last, chart.unit)).Raw(")");
    } else {
      legend.Raw(" (no data)");
    }
    legend.Raw("</span>");
    ++index;
  }
  h.Raw("<figure><svg class=\"chart\" viewBox=\"0 0 700 180\" role=\"img\"")
      .Attr("aria-label", summary)
      .Raw(">")
      .Append(body)
      .Raw("</svg><figcaption class=\"legend\"><strong>")
      .Text(chart.title)
      .Raw("</strong> ")
      .Append(legend)
      .Raw("</figcaption></figure>");
}

}  // namespace

namespace {

// Thousandths of a percent, truncated towards zero: what FormatPercent shows.
int64_t PercentThousandths(double ratio) {
  return static_cast<int64_t>(std::trunc(ratio * 100000 + (ratio >= 0 ? 1e-7 : -1e-7)));
}

}  // namespace

std::string EncodeStripDays(const std::vector<DayBar>& days, double objective) {
  // Printable ASCII without " & * - < >, in order: a character's digit is its position.
  static constexpr std::string_view kDigits =
      "!#$%'()+,./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
  static constexpr uint64_t kBase = kDigits.size();
  static_assert(kBase == 88);
  // A number's first digit says how many follow: 0-28 are the numbers 0-28; 29-57 lead
  // two-digit numbers (29-2580), 58-87 three-digit ones (2581-234900).
  static constexpr uint64_t kOneDigit = 29, kTwoDigits = kOneDigit * kBase,
                            kThreeDigits = (kOneDigit + 1) * kBase * kBase;
  static_assert(2 * 100000 + 1 < kOneDigit + kTwoDigits + kThreeDigits);
  auto number = [](uint64_t n) -> std::string {
    if (n < kOneDigit) return {kDigits[n]};
    n -= kOneDigit;
    if (n < kTwoDigits) return {kDigits[kOneDigit + n / kBase], kDigits[n % kBase]};
    n -= kTwoDigits;
    return {kDigits[2 * kOneDigit + n / (kBase * kBase)], kDigits[n / kBase % kBase],
            kDigits[n % kBase]};
  };
  std::vector<std::string> tokens;
  for (const DayBar& d : days) {
    const auto sli = d.sli();
    if (!sli) {
      tokens.emplace_back("-");
      continue;
    }
    const auto shortfall =
        static_cast<uint64_t>(std::clamp<int64_t>(100000 - PercentThousandths(*sli), 0, 100000));
    tokens.push_back(number(shortfall * 2 + (ClassifyDay(d, objective) == DayClass::kMet ? 0 : 1)));
  }
  std::string out;
  for (size_t i = 0; i < tokens.size();) {
    size_t n = 1;
    while (i + n < tokens.size() && tokens[i + n] == tokens[i]) ++n;
    n = std::min<size_t>(n, kOneDigit + kTwoDigits + kThreeDigits);
    const std::string repeat = "*" + number(n - 1);
    if (n > 1 && tokens[i].size() * (n - 1) > repeat.size()) {
      out += tokens[i] + repeat;
    } else {
      for (size_t k = 0; k < n; ++k) out += tokens[i];
    }
    i += n;
  }
  return out;
}

std::string FormatPercent(double ratio) {
  const double scaled = static_cast<double>(PercentThousandths(ratio));
  std::string out = Fmt("%.3f", scaled / 1000);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out + "%";
}

std::string FormatHumanDuration(Duration d) {
  if (d < Duration(0)) return "-" + FormatHumanDuration(-d);
  const int64_t s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  const int64_t units[] = {86400, 3600, 60, 1};
  const char* names[] = {"d", "h", "m", "s"};
  for (size_t i = 0; i < 4; ++i) {
    if (s < units[i] && i < 3) continue;
    std::string out = std::to_string(s / units[i]) + names[i];
    if (i < 3 && (s % units[i]) / units[i + 1] > 0) {
      out += " " + std::to_string((s % units[i]) / units[i + 1]) + names[i + 1];
    }
    return out;
  }
  return "0s";
}

namespace {

// The overview's phases, in page order.

void OverviewVerdict(Html& h, const Overview& o) {
  const char* cls = !o.verdict.evaluated || o.verdict.total == 0 ? "v-none"
                    : o.verdict.ok                               ? "v-ok"
                                                                 : "v-bad";
  h.Raw("<section class=\"verdict ")
      .Text(cls)
      .Raw("\" aria-labelledby=\"verdict\"><h1 id=\"verdict\">")
      .Text(o.verdict.Text())
      .Raw("</h1>");
  if (!o.verdict.failing.empty()) {
    h.Raw("<p>Go to: ");
    for (size_t i = 0; i < o.verdict.failing.size(); ++i) {
      const auto& [name, health] = o.verdict.failing[i];
      if (i > 0) h.Raw(", ");
      ServiceLink(h, name);
      h.Raw(" (").Text(HealthWord(health)).Raw(")");
    }
    h.Raw("</p>");
  }
  if (!o.verdict.burning.empty()) {
    h.Raw("<p>Burning error budget fast: ").Text(Join(o.verdict.burning, ", ")).Raw("</p>");
  }
  if (!o.active_attacks.empty()) {
    h.Raw("<p><strong>").Int(o.active_attacks.size()).Raw(" chaos attack");
    if (o.active_attacks.size() == 1) {
      h.Raw(" is");
    } else {
      h.Raw("s are");
    }
    h.Raw(" running</strong> (below).</p>");
  }
  h.Raw("<p class=\"mu\">Page built ");
  Time(h, o.now);
  h.Raw("; SLOs evaluated ");
  if (o.evaluated_at == Timestamp{}) {
    h.Raw("not yet");
  } else {
    Time(h, o.evaluated_at);
  }
  h.Raw(".</p></section>");
}

// The most common strip SLO and objective (FormatPercent), stated once on the table.
std::pair<std::string, std::string> CommonStrip(const std::vector<ServiceRow>& services) {
  std::map<std::pair<std::string, std::string>, int> strip_slos;
  for (const ServiceRow& r : services) {
    ++strip_slos[{r.history_slo, FormatPercent(r.history_objective)}];
  }
  std::pair<std::string, std::string> common;
  int most = 0;
  for (const auto& [slo_objective, n] : strip_slos) {
    if (n > most) {
      common = slo_objective;
      most = n;
    }
  }
  return common;
}

// One row of the services table. The rows leave out the optional </td> and </tr> end
// tags (the HTML parser closes a cell at the next <td> and a row at the next <tr>): 10 KB
// of 200 rows.
void ServicesTableRow(Html& h, const ServiceRow& r, Timestamp now,
                      const std::pair<std::string, std::string>& common) {
  h.Raw("<tr id=\"svc-").Text(r.name).Raw("\"><th scope=\"row\">");
  ServiceLink(h, r.name);
  if (r.critical) h.Raw(" <span class=\"crit\">critical</span>");
  h.Raw("</th><td>");
  Badge(h, r.health);
  h.Raw("<td>");
  if (const SloRow* s = GoverningSlo(r)) {
    OverviewSli(h, r, *s);
    h.Raw("<td>");
    OverviewBudget(h, *s);
    h.Raw("<td>");
    OverviewBurn(h, *s);
  } else {
    h.Raw("<span class=\"mu\">no SLO</span><td><td>");
  }
  h.Raw("<td>");
  LastProbeCell(h, r, now, When::kAgo);
  h.Raw("<td>");
  CompactStrip(h, r, common.first, common.second);
  h.Raw("<td>");
  if (r.incidents.empty()) h.Raw("none");
  for (const IncidentRow& i : Newest(r.incidents, kPerRow)) IncidentLine(h, i, now);
  MoreLink(h, r.incidents.size(), kPerRow, r.name);
  h.Raw("<td>");
  if (r.attacks.empty()) h.Raw("none");
  for (const AttackRow& a : Newest(r.attacks, kPerRow)) AttackLine(h, a, now);
  MoreLink(h, r.attacks.size(), kPerRow, r.name);
  h.Raw("\n");
}

void ServicesTable(Html& h, const Overview& o) {
  // data-start: the first day of every strip, for the script's hover details.
  const std::string start = o.services.empty() || o.services.front().history.empty()
                                ? DateText(o.now)
                                : DateText(o.services.front().history.front().day);
  const auto common = CommonStrip(o.services);
  h.Raw("<table class=\"services\"")
      .Attr("data-start", start)
      .Attr("data-slo", common.first)
      .Attr("data-obj", common.second)
      .Raw("><caption>Services, critical first (")
      .Int(o.services.size())
      .Raw(
          "); a service with several SLOs shows its worst one, the service page shows all"
          "</caption><thead><tr><th scope=\"col\">Service</th><th scope=\"col\">Status</th>"
          "<th scope=\"col\">SLI / objective (window, SLO)</th>"
          "<th scope=\"col\">Error budget left</th>"
          "<th scope=\"col\">Burn rate (1h)</th><th scope=\"col\">Last probe</th>"
          "<th scope=\"col\">Last 90 days</th><th scope=\"col\">Open incidents</th>"
          "<th scope=\"col\">Chaos attacks</th></tr></thead><tbody>");
  for (const ServiceRow& r : o.services) ServicesTableRow(h, r, o.now, common);
  h.Raw("</tbody></table>");
}

void HostPanel(Html& h, const std::vector<HostGauge>& host) {
  h.Raw("<section aria-labelledby=\"host\"><h2 id=\"host\">Host</h2>");
  if (host.empty()) {
    h.Raw("<p class=\"mu\">No host samples yet.</p>");
  } else {
    h.Raw(
        "<table class=\"host\"><thead><tr><th scope=\"col\">Resource</th>"
        "<th scope=\"col\">Utilisation (line at 80%)</th>"
        "<th scope=\"col\">Last hour (dashed: 80%)</th></tr></thead><tbody>");
    for (const HostGauge& g : host) HostRow(h, g);
    h.Raw("</tbody></table>");
  }
  h.Raw("</section>");
}

void AlertsPanel(Html& h, const std::vector<AlertRow>& alerts) {
  h.Raw("<section aria-labelledby=\"alerts\"><h2 id=\"alerts\">Alerts</h2>");
  if (alerts.empty()) {
    h.Raw("<p>No alert is firing or pending.</p>");
  } else {
    h.Raw(
        "<table><thead><tr><th scope=\"col\">Alert</th><th scope=\"col\">State</th>"
        "<th scope=\"col\">Severity</th>"
        "<th scope=\"col\">Labels</th><th scope=\"col\">Since</th><th scope=\"col\">Value</th>"
        "<th scope=\"col\">During</th></tr></thead><tbody>");
    for (const AlertRow& a : alerts) {
      h.Raw("<tr><th scope=\"row\">").Text(a.name).Raw("</th><td>");
      if (a.state == "firing") {
        h.Raw("<span class=\"bad\">firing</span>");
      } else {
        h.Text(a.state);
      }
      h.Raw("</td><td>").Text(a.severity).Raw("</td><td>").Text(a.labels).Raw("</td><td>");
      Time(h, a.since);
      h.Raw("</td><td>")
          .Text(Fmt("%.3g", a.value))
          .Raw(" <span class=\"mu\">(threshold ")
          .Text(Fmt("%.3g", a.threshold))
          .Raw(")</span></td><td>")
          .Text(Join(a.attacks, ", "))
          .Raw("</td></tr>");
    }
    h.Raw("</tbody></table>");
  }
  h.Raw("</section>");
}

// The service page's phases, in page order.

void ServiceVerdict(Html& h, const ServiceDetail& d) {
  const ServiceRow& r = d.row;
  const char* cls = r.health == Health::kMeeting || r.health == Health::kBurning ? "v-ok"
                    : r.health == Health::kNoData                                ? "v-none"
                                                                                 : "v-bad";
  h.Raw("<section class=\"verdict ")
      .Text(cls)
      .Raw("\" aria-labelledby=\"verdict\"><h1 id=\"verdict\">")
      .Text(r.name)
      .Raw(" ");
  Badge(h, r.health);
  if (r.critical) h.Raw(" <span class=\"crit\">critical</span>");
  h.Raw("</h1><p>Last probe: ");
  LastProbeCell(h, r, d.now, When::kTime);
  h.Raw("</p>");
  if (!r.attacks.empty()) {
    h.Raw("<p><strong>Chaos attack running:</strong></p>");
    for (const AttackRow& a : Newest(r.attacks, kPerRow)) AttackLine(h, a, d.now);
    if (r.attacks.size() > kPerRow) {
      h.Raw("<div>and ").Int(r.attacks.size() - kPerRow).Raw(" more (below)</div>");
    }
  }
  h.Raw("</section>");
}

void SloTable(Html& h, const std::vector<SloRow>& slos) {
  h.Raw(
      "<table><caption>SLOs</caption><thead><tr><th scope=\"col\">SLO</th>"
      "<th scope=\"col\">Status</th>"
      "<th scope=\"col\">SLI / objective (window)</th><th scope=\"col\">Good / total</th>"
      "<th scope=\"col\">Error budget left</th><th scope=\"col\">Burn rates</th>"
      "</tr></thead><tbody>");
  for (const SloRow& s : slos) {
    h.Raw("<tr><th scope=\"row\">").Text(s.name).Raw("</th><td>");
    Badge(h, s.health);
    if (s.burning_tier) h.Raw(" <span class=\"mu\">").Text(*s.burning_tier).Raw("</span>");
    if (s.error) h.Raw(" <span class=\"bad\">").Text(*s.error).Raw("</span>");
    h.Raw("</td><td>");
    SloSli(h, s);
    h.Raw("</td><td>").Int(s.good).Raw(" / ").Int(s.total).Raw("</td><td>");
    SloBudget(h, s);
    h.Raw("</td><td>");
    for (size_t i = 0; i < s.burn_rates.size(); ++i) {
      const auto& [label, value] = s.burn_rates[i];
      if (i > 0) h.Raw(", ");
      h.Text(label).Raw(" ");
      if (value) {
        h.Fixed(*value, 2).Raw("&times;");
      } else {
        h.Raw("&ndash;");
      }
    }
    h.Raw("</td></tr>");
  }
  h.Raw("</tbody></table>");
}

// The 90-day strip and its figures per day, newest first.
void DailyHistory(Html& h, const ServiceRow& r) {
  h.Raw("<h2>Last 90 days</h2>");
  FullStrip(h, r);
  h.Raw(
       "<details><summary>Daily figures</summary><table><thead><tr>"
       "<th scope=\"col\">Day (UTC)</th><th scope=\"col\">")
      .Text(r.history_slo)
      .Raw("</th><th scope=\"col\">Good / total</th></tr></thead><tbody>");
  for (auto it = r.history.rbegin(); it != r.history.rend(); ++it) {
    h.Raw("<tr><th scope=\"row\">").Text(DateText(it->day)).Raw("</th><td>");
    if (const auto sli = it->sli()) {
      h.Text(FormatPercent(*sli));
      if (ClassifyDay(*it, r.history_objective) == DayClass::kMet) {
        h.Raw(" met");
      } else {
        h.Raw(" missed");
      }
    } else {
      h.Raw("no data");
    }
    h.Raw("</td><td>").Int(it->good).Raw(" / ").Int(it->total).Raw("</td></tr>");
  }
  h.Raw("</tbody></table></details>");
}

void Charts(Html& h, const ServiceDetail& d) {
  h.Raw("<h2>Charts</h2><nav class=\"range\" aria-label=\"Chart range\">");
  for (const std::string_view range : {"24h", "7d", "30d"}) {
    h.Raw("<a").LocalHref("/services/", d.row.name + "?range=" + std::string(range));
    if (d.range == range) h.Raw(" aria-current=\"page\"");
    h.Raw(">").Text(range).Raw("</a>");
  }
  h.Raw("</nav><div class=\"charts\">");
  for (const Chart& c : d.sli_charts) LineChart(h, c);
  if (!d.latency.lines.empty()) LineChart(h, d.latency);
  for (const Chart& c : d.burn_down) LineChart(h, c);
  h.Raw("</div>");
}

void FailedProbes(Html& h, const ServiceDetail& d) {
  h.Raw("<h2>Failed probes, last 24 hours</h2><p>").Int(d.probes_24h).Raw(" probes");
  if (d.failure_classes.empty()) {
    h.Raw(", none failed.</p>");
    return;
  }
  std::string classes;
  for (const auto& [c, n] : d.failure_classes) {
    classes += (classes.empty() ? "" : ", ") + std::to_string(n) + " " + c;
  }
  h.Raw("; failed: ").Text(classes).Raw(".</p>");
  h.Raw(
      "<table><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Error class</th>"
      "<th scope=\"col\">HTTP status</th><th scope=\"col\">Duration</th>"
      "<th scope=\"col\">Error</th></tr></thead><tbody>");
  for (const FailedProbe& f : d.failures) {
    h.Raw("<tr><th scope=\"row\">");
    Time(h, f.time);
    h.Raw("</th><td>").Text(f.error_class).Raw("</td><td>");
    if (f.http_status) {
      h.Int(f.http_status);
    } else {
      h.Raw("&ndash;");
    }
    h.Raw("</td><td>")
        .Text(Fmt("%.0f ms", f.duration_seconds * 1000))
        .Raw("</td><td>")
        .Text(f.error)
        .Raw("</td></tr>");
  }
  h.Raw("</tbody></table>");
}

}  // namespace

std::string RenderOverview(const Overview& o) {
  Html h;
  h.Reserve(16384 + o.services.size() * 1400);
  Head(h, (o.verdict.ok ? "OK: " : "Attention: ") + o.verdict.Text() + " - steadystate");
  h.Raw("<main id=\"main\">");
  OverviewVerdict(h, o);
  Warnings(h, o.warnings);
  if (!o.active_attacks.empty()) {
    AttackTable(h, o.active_attacks, kOverviewTable, "Active chaos attacks", o.now, false);
  }
  ServicesTable(h, o);
  if (!o.open_incidents.empty()) {
    IncidentTable(h, o.open_incidents, kOverviewTable, "Open incidents", o.now);
  }
  h.Raw("<div class=\"panels\">");
  HostPanel(h, o.host);
  AlertsPanel(h, o.alerts);
  h.Raw("</div></main>");
  Foot(h);
  return std::move(h).Take();
}

std::string RenderServicePage(const ServiceDetail& d) {
  const ServiceRow& r = d.row;
  Html h;
  h.Reserve(65536);
  Head(h, r.name + ": " + std::string(HealthWord(r.health)) + " - steadystate");
  h.Raw("<main id=\"main\"><p><a href=\"/\">&larr; All services</a></p>");
  ServiceVerdict(h, d);
  Warnings(h, d.warnings);
  SloTable(h, r.slos);
  DailyHistory(h, r);
  Charts(h, d);
  FailedProbes(h, d);
  if (d.incidents.empty()) {
    h.Raw("<h2>Incidents</h2><p>None open, and none opened in the last 30 days.</p>");
  } else {
    IncidentTable(h, d.incidents, kServiceTable, "Incidents: open, and opened in the last 30 days",
                  d.now);
  }
  if (d.attacks.empty()) {
    h.Raw("<h2>Chaos attacks, last 30 days</h2><p>None touched this service.</p>");
  } else {
    AttackTable(h, d.attacks, kServiceTable,
                "Chaos attacks that touched this service, last 30 days", d.now, true);
  }
  h.Raw("</main>");
  Foot(h);
  return std::move(h).Take();
}

std::string RenderNotFound(std::string_view name) {
  Html h;
  Head(h, "No service " + std::string(name) + " - steadystate");
  h.Raw("<main id=\"main\"><section class=\"verdict v-none\"><h1>No service named &ldquo;")
      .Text(name)
      .Raw(
          "&rdquo;</h1><p>It is not in this daemon's config, or has no SLOs. "
          "<a href=\"/\">All services</a></p></section></main>");
  Foot(h);
  return std::move(h).Take();
}

}  // namespace steadystate::dashboard
