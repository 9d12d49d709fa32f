#include "dashboard/html.h"

#include <date/date.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <utility>

#include "dashboard/assets.h"

namespace steadystate::dashboard {
namespace {

using std::chrono::days;

// printf into a std::string (numbers only; strings go through EscapeHtml).
template <typename... Args>
std::string Fmt(const char* format, Args... args) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, format, args...);
  return std::string(buf, n < 0 ? 0 : std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

std::string Px(double v) { return Fmt("%.1f", v); }

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
std::string Badge(Health h) {
  return "<b class=\"st-" + std::string(HealthClass(h)) + "\">" + std::string(HealthWord(h)) +
         "</b>";
}

std::string DateText(Timestamp t) { return date::format("%F", std::chrono::floor<days>(t)); }

// <time> with the UTC instant, its text in UTC (without the date when it is the UTC day
// of `today`); the script rewrites the text into the viewer's zone and puts the UTC time
// in the title (hover).
std::string Time(Timestamp t, bool date_only = false, std::optional<Timestamp> today = {}) {
  const std::string iso = date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
  const bool same_day = today && std::chrono::floor<days>(*today) == std::chrono::floor<days>(t);
  const std::string minute =
      date::format(same_day ? "%H:%M" : "%F %H:%M", std::chrono::floor<std::chrono::minutes>(t));
  return "<time datetime=\"" + iso + "\"" + (date_only ? " data-date" : "") + ">" +
         (date_only ? DateText(t) : minute + " UTC") + "</time>";
}

std::string ServiceHref(std::string_view name) {
  return "/services/" + EscapeHtml(name);  // names are [a-z0-9_.-]: nothing to percent-encode
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string Head(std::string_view title) {
  std::string out;
  out += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
  out += "<title>" + EscapeHtml(title) + "</title>";
  out += "<noscript><meta http-equiv=\"refresh\" content=\"15\"></noscript>";
  out += "<style>";
  out += kDashboardCss;
  out += "</style></head><body>";
  out += "<header><span class=\"brand\">steadystate</span><a href=\"/\">SLA dashboard</a>";
  out += "<a href=\"/api/v1/services\">JSON</a>";
  out += "<span id=\"refresh\" role=\"status\" class=\"mu\">Reloads every 15 s</span>";
  out += "</header>\n";
  return out;
}

// The script as sent: without indentation and comment lines (assets.cc keeps them).
const std::string& ScriptAsSent() {
  static const std::string script = [] {
    std::string out;
    for (size_t at = 0; at < kDashboardJs.size();) {
      const size_t end = std::min(kDashboardJs.find('\n', at), kDashboardJs.size());
      const std::string_view line = TrimSpace(kDashboardJs.substr(at, end - at));
      if (!line.empty() && !line.starts_with("//")) out.append(line).push_back('\n');
      at = end + 1;
    }
    return out;
  }();
  return script;
}

std::string Foot() {
  std::string out = "<div id=\"tip\" role=\"status\" aria-live=\"polite\" hidden></div><script>";
  out += ScriptAsSent();
  out += "</script></body></html>\n";
  return out;
}

std::string Warnings(const std::vector<std::string>& warnings) {
  std::string out;
  for (const auto& w : warnings) out += "<p class=\"warn\">" + EscapeHtml(w) + "</p>";
  return out;
}

std::string SloSli(const SloRow& s) {
  std::string out = "<div>" + EscapeHtml(s.name) + " ";
  if (s.sli) {
    const bool below = !slo::MeetsObjective(*s.sli, s.objective);
    out +=
        below ? "<span class=\"bad\">" + FormatPercent(*s.sli) + "</span>" : FormatPercent(*s.sli);
  } else {
    out += "<span class=\"mu\">no data</span>";
  }
  out += " / " + FormatPercent(s.objective) + " <span class=\"mu\">" + EscapeHtml(s.window) +
         "</span></div>";
  return out;
}

std::string SloBudget(const SloRow& s) {
  if (!s.budget_remaining_ratio)
    return "<div class=\"mu\">" + EscapeHtml(s.name) + ": no data</div>";
  const double r = *s.budget_remaining_ratio;
  const double width = std::clamp(r, 0.0, 1.0) * 100;
  const char* cls = r <= 0 ? "b-bad" : r < 0.25 ? "b-warn" : "b-ok";
  std::string out = "<div title=\"" + EscapeHtml(s.name) +
                    "\"><span class=\"bar\" aria-hidden=\"true\"><span class=\"" + cls +
                    "\" style=\"width:" + Px(width) + "%\"></span></span>";
  out += r <= 0 ? "<span class=\"bad\">exhausted</span> " : "";
  out += Fmt("%.1f%%", r * 100);
  if (s.budget_remaining) out += " &middot; " + FormatHumanDuration(*s.budget_remaining);
  return out + "</div>";
}

// The overview's cells show the governing SLO only (GoverningSlo); the drill-down has all.
std::string OverviewSli(const ServiceRow& r, const SloRow& s) {
  std::string out;
  if (s.sli) {
    const bool below = !slo::MeetsObjective(*s.sli, s.objective);
    out += below ? "<b class=\"bad\">" + FormatPercent(*s.sli) + "</b>" : FormatPercent(*s.sli);
  } else {
    out += "no data";
  }
  out += " / " + FormatPercent(s.objective) + " <span class=\"mu\">" + EscapeHtml(s.window) +
         "<br>" + EscapeHtml(s.name);
  if (r.slos.size() > 1) out += ", worst of " + std::to_string(r.slos.size());
  return out + "</span>";
}

std::string OverviewBudget(const SloRow& s) {
  if (!s.budget_remaining_ratio) return "<span class=\"mu\">no data</span>";
  const double r = *s.budget_remaining_ratio;
  const char* cls = r <= 0 ? "c2" : r < 0.25 ? "c1" : "c0";
  // The CSS draws an empty bar without a width.
  std::string out = "<i class=\"bw " + std::string(cls) + "\"";
  if (r > 0) out += " style=\"--w:" + Fmt("%.0f", std::min(r, 1.0) * 100) + "%\"";
  out += "></i>";
  out += r <= 0 ? "<b class=\"bad\">exhausted</b> " : "";
  out += Fmt("%.1f%%", r * 100);
  if (s.budget_remaining) out += " \u00b7 " + FormatHumanDuration(*s.budget_remaining);
  return out;
}

std::string OverviewBurn(const SloRow& s) {
  std::string out = s.burn_rate_1h ? Fmt("%.2f", *s.burn_rate_1h) + "\u00d7" : "\u2013";
  if (s.burning_tier) out += " <b class=\"bad\">" + EscapeHtml(s.burning_tier.value()) + "</b>";
  return out;
}

// The last probe's duration, outcome and when: how long ago on the overview (which is
// rendered afresh at least every 15 s), the time on the drill-down.
enum class When { kAgo, kTime };
std::string LastProbeCell(const ServiceRow& r, Timestamp now, When when) {
  if (!r.last_probe) return "<span class=\"mu\">none yet</span>";
  const LastProbeView& p = *r.last_probe;
  std::string out = Fmt("%.0f", p.duration_seconds * 1000) + " ms ";
  out += p.success ? "ok" : "<b class=\"bad\">failed: " + EscapeHtml(p.error_class) + "</b>";
  if (when == When::kAgo) return out + "<br>" + FormatHumanDuration(now - p.time) + " ago";
  return out + "<br>" + Time(p.time, false, now);
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
std::string CompactStrip(const ServiceRow& r, const std::string& slo,
                         const std::string& objective) {
  if (r.history.empty() || r.history_slo.empty()) return "";
  // Green under every day (when one was met), then runs of the other colours over it; a
  // day without data is first blanked (class e), then drawn short.
  std::string paths[4];
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
      std::string& d = paths[static_cast<int>(c)];
      d += d.empty() ? "M" + std::to_string(run_start) + " 4"
                     : "m" + std::to_string(run_start - ends[static_cast<int>(c)]) + " 0";
      d += "h" + std::to_string(i - run_start);
      ends[static_cast<int>(c)] = i;
    }
    run_start = i;
  }
  if (any_met) paths[static_cast<int>(DayClass::kMet)] = "M0 4h" + std::to_string(r.history.size());
  std::string out = "<svg viewBox=\"0 0 " + std::to_string(r.history.size()) + " 8\" role=\"img\"";
  if (FormatPercent(r.history_objective) != objective) {
    out += " data-obj=\"" + FormatPercent(r.history_objective) + "\"";
  }
  if (r.history_slo != slo) out += " data-slo=\"" + EscapeHtml(r.history_slo) + "\"";
  out += " data-days=\"" + EncodeStripDays(r.history, r.history_objective) + "\"><title>" +
         EscapeHtml(StripSummary(r)) + "</title>";
  static constexpr std::pair<DayClass, const char*> kOrder[] = {
      {DayClass::kMet, "g"}, {DayClass::kNear, "n"}, {DayClass::kMissed, "x"}};
  for (const auto& [c, cls] : kOrder) {
    const std::string& d = paths[static_cast<int>(c)];
    if (!d.empty()) out += "<path class=\"" + std::string(cls) + "\" d=\"" + d + "\"/>";
  }
  const std::string& none = paths[static_cast<int>(DayClass::kNoData)];
  if (!none.empty())
    out += "<path class=\"e\" d=\"" + none + "\"/><path class=\"z\" d=\"" + none + "\"/>";
  return out + "</svg>";
}

// The drill-down's strip: one focusable bar per day with its figures.
std::string FullStrip(const ServiceRow& r) {
  if (r.history.empty() || r.history_slo.empty()) return "<p class=\"mu\">No SLO.</p>";
  const int width = static_cast<int>(r.history.size()) * 8;
  std::string out = "<svg class=\"bars\" width=\"" + std::to_string(width) +
                    "\" height=\"40\" viewBox=\"0 0 " + std::to_string(width) +
                    " 40\" role=\"group\" aria-label=\"" + EscapeHtml(StripSummary(r)) + "\">";
  for (size_t i = 0; i < r.history.size(); ++i) {
    const DayBar& d = r.history[i];
    const DayClass c = ClassifyDay(d, r.history_objective);
    const std::string label = EscapeHtml(DayLabel(d, r));
    const int h = c == DayClass::kNoData ? 12 : 40;
    out += "<rect tabindex=\"0\" class=\"" + std::string(DayClassName(c)) + "\" x=\"" +
           std::to_string(i * 8) + "\" y=\"" + std::to_string(40 - h) + "\" width=\"6\" height=\"" +
           std::to_string(h) + "\" aria-label=\"" + label + "\"><title>" + label +
           "</title></rect>";
  }
  return out + "</svg>";
}

std::string Targets(const AttackRow& a) {
  return a.targets.empty() ? "<span class=\"mu\">all hosts</span>" : EscapeHtml(Join(a.targets));
}
std::string Services(const AttackRow& a) {
  if (a.services.empty()) return "<span class=\"mu\">not named</span>";
  std::string out;
  for (const auto& s : a.services) {
    out += (out.empty() ? "" : ", ") +
           ("<a href=\"" + ServiceHref(s) + "\">" + EscapeHtml(s) + "</a>");
  }
  return out;
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
std::string Shown(size_t total, size_t limit) {
  if (total <= limit) return "";
  return " (the " + std::to_string(limit) + " newest of " + std::to_string(total) + ")";
}

// An overview cell's link to the rest of its `total` items, on the service's page, when
// it shows only `limit`.
std::string MoreLink(size_t total, size_t limit, std::string_view service) {
  if (total <= limit) return "";
  return "<div><a href=\"" + ServiceHref(service) + "\">and " + std::to_string(total - limit) +
         " more</a></div>";
}

std::string AttackLine(const AttackRow& a, Timestamp now) {
  return "<div><strong>" + EscapeHtml(a.type) + "</strong> on " + Targets(a) + " by " +
         (a.created_by.empty() ? "<span class=\"mu\">unknown</span>" : EscapeHtml(a.created_by)) +
         ", since " + Time(a.start) + " <span class=\"mu\">(" + FormatHumanDuration(now - a.start) +
         ")</span></div>";
}

std::string IncidentLine(const IncidentRow& i, Timestamp now) {
  const auto& in = i.incident;
  std::string title = EscapeHtml(in.title.empty() ? in.id : in.title);
  title = HtmlLinkIfHttp(in.url, title);
  return "<div><strong>" + EscapeHtml(in.severity.empty() ? "unknown severity" : in.severity) +
         "</strong> " + EscapeHtml(in.status) + ", open " +
         FormatHumanDuration(now - in.created_at) + ": " + title +
         (i.attack_id ? " <span class=\"mu\">(chaos)</span>" : "") + "</div>";
}

// The newest `limit` of `all` (newest first), the caption saying so when some are left out.
void AttackTable(std::string& out, const std::vector<AttackRow>& all, size_t limit,
                 const std::string& caption, Timestamp now, bool with_outcome) {
  out += "<table class=\"attacks\"><caption>" + caption + Shown(all.size(), limit) +
         "</caption><thead><tr>";
  out += "<th scope=\"col\">Type</th><th scope=\"col\">Name</th><th scope=\"col\">Targets</th>";
  out += "<th scope=\"col\">Services</th><th scope=\"col\">Started by</th>";
  out += "<th scope=\"col\">Since</th>";
  if (with_outcome)
    out +=
        "<th scope=\"col\">Ended</th><th scope=\"col\">Outcome</th><th scope=\"col\">Steady "
        "state</th>";
  out += "</tr></thead><tbody>";
  for (const AttackRow& a : Newest(all, limit)) {
    out += "<tr><th scope=\"row\">" + EscapeHtml(a.type) + "</th><td>" + EscapeHtml(a.name) +
           " <span class=\"mu\">" + EscapeHtml(a.id) + "</span></td><td>" + Targets(a) +
           "</td><td>" + Services(a) + "</td><td>" + EscapeHtml(a.created_by) + "</td><td>" +
           Time(a.start) +
           (a.running() ? " <span class=\"mu\">(" + FormatHumanDuration(now - a.start) + ")</span>"
                        : "") +
           "</td>";
    if (with_outcome) {
      out += "<td>" + (a.end ? Time(*a.end) : std::string("&ndash;")) + "</td><td>" +
             (a.running() ? "<strong>running</strong>" : EscapeHtml(a.outcome)) + "</td><td>" +
             (a.steady_state == "broken" ? "<span class=\"bad\">broken</span>"
                                         : EscapeHtml(a.steady_state)) +
             "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table>";
}

// The newest `limit` of `all` (newest first), the caption saying so when some are left out.
void IncidentTable(std::string& out, const std::vector<IncidentRow>& all, size_t limit,
                   const std::string& caption, Timestamp now) {
  out += "<table><caption>" + caption + Shown(all.size(), limit) +
         "</caption><thead><tr><th scope=\"col\">Incident</th>";
  out +=
      "<th scope=\"col\">Service</th><th scope=\"col\">Severity</th><th scope=\"col\">Status</th>";
  out += "<th scope=\"col\">Opened</th><th scope=\"col\">Age</th><th scope=\"col\">TTD</th>";
  out += "<th scope=\"col\">TTR</th><th scope=\"col\">Chaos attack</th></tr></thead><tbody>";
  for (const IncidentRow& i : Newest(all, limit)) {
    const auto& in = i.incident;
    std::string title = EscapeHtml(in.title.empty() ? in.id : in.title);
    title = HtmlLinkIfHttp(in.url, title);
    out += "<tr><th scope=\"row\">" + title + "</th><td><a href=\"" + ServiceHref(in.service) +
           "\">" + EscapeHtml(in.service) + "</a></td><td>" + EscapeHtml(in.severity) +
           "</td><td>" + EscapeHtml(in.status) + "</td><td>" + Time(in.created_at) + "</td><td>" +
           (in.resolved_at ? "&ndash;" : FormatHumanDuration(now - in.created_at)) + "</td><td>" +
           (i.ttd ? FormatHumanDuration(*i.ttd) : "&ndash;") + "</td><td>" +
           (i.ttr ? FormatHumanDuration(*i.ttr) : "open") + "</td><td>" +
           (i.attack_id ? EscapeHtml(*i.attack_id) : "<span class=\"mu\">none</span>") +
           "</td></tr>";
  }
  out += "</tbody></table>";
}

// A host utilisation gauge with the 80% line, and the last hour's trend.
std::string HostRow(const HostGauge& g) {
  std::string out = "<tr><th scope=\"row\">" + EscapeHtml(g.label) + "</th><td class=\"nw\">";
  if (g.value) {
    const double v = std::clamp(*g.value, 0.0, 1.0);
    const char* cls = *g.value >= 0.8 ? "b-bad" : *g.value >= 0.7 ? "b-warn" : "b-ok";
    out += "<span class=\"bar\" style=\"width:120px\" aria-hidden=\"true\"><span class=\"" +
           std::string(cls) + "\" style=\"width:" + Px(v * 100) +
           "%\"></span><span class=\"mark\" style=\"left:80%\"></span></span>";
    out += *g.value >= 0.8
               ? "<span class=\"bad\">" + Fmt("%.1f%%", *g.value * 100) + " (above 80%)</span>"
               : Fmt("%.1f%%", *g.value * 100);
  } else {
    out += "<span class=\"mu\">no recent sample</span>";
  }
  out += "</td><td>";
  if (g.trend.size() >= 2) {
    constexpr double kW = 180, kH = 30;
    const Timestamp t0 = g.trend.front().first, t1 = g.trend.back().first;
    const double span = std::max<double>(1, static_cast<double>((t1 - t0).count()));
    std::string d;
    for (const auto& [t, v] : g.trend) {
      d += (d.empty() ? "M" : "L") + Px(static_cast<double>((t - t0).count()) / span * kW) + " " +
           Px(kH - std::clamp(v, 0.0, 1.0) * kH);
    }
    double peak = 0;
    for (const auto& p : g.trend) peak = std::max(peak, p.second);
    out +=
        "<svg class=\"chart\" style=\"width:180px\" viewBox=\"0 0 180 30\" role=\"img\" "
        "aria-label=\"last hour, peak " +
        Fmt("%.1f%%", peak * 100) + "\"><line class=\"ref\" x1=\"0\" x2=\"180\" y1=\"" +
        Px(kH * 0.2) + "\" y2=\"" + Px(kH * 0.2) + "\"/><path class=\"ln\" d=\"" + d + "\"/></svg>";
  }
  return out + "</td></tr>";
}

std::string FormatValue(double v, const std::string& unit) {
  return unit == "ms" ? Fmt("%.0f ms", v) : FormatPercent(v);
}

// A line chart: lines split where a step has no data; a dashed reference line.
std::string LineChart(const Chart& chart) {
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
  std::string summary = chart.title;
  std::string out;
  out += "<figure><svg class=\"chart\" viewBox=\"0 0 700 180\" role=\"img\" aria-label=\"";
  std::string body;
  body += "<path class=\"ax\" d=\"M" + Px(kLeft) + " " + Px(kTop) + "V" + Px(kTop + ph) + "H" +
          Px(kW - kRight) + "\"/>";
  body += "<text x=\"" + Px(kLeft - 4) + "\" y=\"" + Px(kTop + 8) + "\" text-anchor=\"end\">" +
          FormatValue(hi, chart.unit) + "</text>";
  body += "<text x=\"" + Px(kLeft - 4) + "\" y=\"" + Px(kTop + ph) + "\" text-anchor=\"end\">" +
          FormatValue(lo, chart.unit) + "</text>";
  if (n > 0) {
    body += "<text x=\"" + Px(kLeft) + "\" y=\"" + Px(kH - 4) + "\">" +
            date::format("%F %H:%M", t0) + " UTC</text>";
    body += "<text x=\"" + Px(kW - kRight) + "\" y=\"" + Px(kH - 4) + "\" text-anchor=\"end\">" +
            date::format("%F %H:%M", t1) + " UTC</text>";
  }
  if (chart.reference) {
    body += "<line class=\"ref\" x1=\"" + Px(kLeft) + "\" x2=\"" + Px(kW - kRight) + "\" y1=\"" +
            Px(y(*chart.reference)) + "\" y2=\"" + Px(y(*chart.reference)) + "\"/>";
    body += "<text x=\"" + Px(kW - kRight) + "\" y=\"" + Px(y(*chart.reference) - 3) +
            "\" text-anchor=\"end\">" + EscapeHtml(chart.reference_label) + " " +
            FormatValue(*chart.reference, chart.unit) + "</text>";
  }
  int index = 0;
  std::string legend;
  for (const auto& [name, points] : chart.lines) {
    std::string d;
    bool pen = false;
    std::optional<double> last, low, high;
    std::string dots;  // points with no neighbour to draw a line to
    for (size_t i = 0; i < points.size(); ++i) {
      if (!points[i].value) {
        pen = false;
        continue;
      }
      const double v = *points[i].value;
      d += (pen ? "L" : "M") + Px(x(i)) + " " + Px(y(v));
      const bool alone = !pen && (i + 1 == points.size() || !points[i + 1].value);
      if (alone) {
        dots += "<circle class=\"pt l" + std::to_string(index) + "\" cx=\"" + Px(x(i)) +
                "\" cy=\"" + Px(y(v)) + "\" r=\"2.5\"/>";
      }
      pen = true;
      last = v;
      low = low ? std::min(*low, v) : v;
      high = high ? std::max(*high, v) : v;
    }
    body += "<path class=\"ln l" + std::to_string(index) + "\" d=\"" + d + "\"/>" + dots;
    summary +=
        "; " + name +
        (last ? ": min " + FormatValue(*low, chart.unit) + ", max " +
                    FormatValue(*high, chart.unit) + ", last " + FormatValue(*last, chart.unit)
              : ": no data");
    legend += "<span><svg width=\"24\" height=\"8\" aria-hidden=\"true\"><line class=\"ln l" +
              std::to_string(index) + "\" x1=\"0\" x2=\"24\" y1=\"4\" y2=\"4\"/></svg> " +
              EscapeHtml(name) +
              (last ? " (last " + FormatValue(*last, chart.unit) + ")" : " (no data)") + "</span>";
    ++index;
  }
  out += EscapeHtml(summary) + "\">" + body + "</svg><figcaption class=\"legend\"><strong>" +
         EscapeHtml(chart.title) + "</strong> " + legend + "</figcaption></figure>";
  return out;
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

std::string RenderOverview(const Overview& o) {
  std::string out;
  out.reserve(16384 + o.services.size() * 1400);
  out += Head((o.verdict.ok ? "OK: " : "Attention: ") + o.verdict.Text() + " - steadystate");
  out += "<main id=\"main\">";
  const char* cls = !o.verdict.evaluated || o.verdict.total == 0 ? "v-none"
                    : o.verdict.ok                               ? "v-ok"
                                                                 : "v-bad";
  out += "<section class=\"verdict " + std::string(cls) +
         "\" aria-labelledby=\"verdict\"><h1 id=\"verdict\">" + EscapeHtml(o.verdict.Text()) +
         "</h1>";
  if (!o.verdict.failing.empty()) {
    out += "<p>Go to: ";
    for (size_t i = 0; i < o.verdict.failing.size(); ++i) {
      const auto& [name, health] = o.verdict.failing[i];
      out += (i > 0 ? ", " : "") + ("<a href=\"" + ServiceHref(name) + "\">" + EscapeHtml(name) +
                                    "</a> (" + std::string(HealthWord(health)) + ")");
    }
    out += "</p>";
  }
  if (!o.verdict.burning.empty()) {
    out += "<p>Burning error budget fast: " + EscapeHtml(Join(o.verdict.burning)) + "</p>";
  }
  if (!o.active_attacks.empty()) {
    out += "<p><strong>" + std::to_string(o.active_attacks.size()) + " chaos attack" +
           (o.active_attacks.size() == 1 ? " is" : "s are") + " running</strong> (below).</p>";
  }
  out += "<p class=\"mu\">Page built " + Time(o.now) + "; SLOs evaluated " +
         (o.evaluated_at == Timestamp{} ? std::string("not yet") : Time(o.evaluated_at)) +
         ".</p></section>";
  out += Warnings(o.warnings);
  if (!o.active_attacks.empty())
    AttackTable(out, o.active_attacks, kOverviewTable, "Active chaos attacks", o.now, false);

  // data-start: the first day of every strip, for the script's hover details.
  const std::string start = o.services.empty() || o.services.front().history.empty()
                                ? DateText(o.now)
                                : DateText(o.services.front().history.front().day);
  // The most common strip SLO and objective, stated once on the table.
  std::map<std::pair<std::string, std::string>, int> strip_slos;
  for (const ServiceRow& r : o.services) {
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
  out += "<table class=\"services\" data-start=\"" + start + "\" data-slo=\"" +
         EscapeHtml(common.first) + "\" data-obj=\"" + common.second +
         "\"><caption>Services, critical first (" + std::to_string(o.services.size()) +
         "); a service with several SLOs shows its worst one, the service page shows all"
         "</caption><thead><tr><th scope=\"col\">Service</th><th scope=\"col\">Status</th>";
  out += "<th scope=\"col\">SLI / objective (window, SLO)</th>";
  out += "<th scope=\"col\">Error budget left</th>";
  out += "<th scope=\"col\">Burn rate (1h)</th><th scope=\"col\">Last probe</th>";
  out += "<th scope=\"col\">Last 90 days</th><th scope=\"col\">Open incidents</th>";
  out += "<th scope=\"col\">Chaos attacks</th></tr></thead><tbody>";
  // The rows leave out the optional </td> and </tr> end tags (the HTML parser closes a
  // cell at the next <td> and a row at the next <tr>): 10 KB of 200 rows.
  for (const ServiceRow& r : o.services) {
    out += "<tr id=\"svc-" + EscapeHtml(r.name) + "\"><th scope=\"row\"><a href=\"" +
           ServiceHref(r.name) + "\">" + EscapeHtml(r.name) + "</a>" +
           (r.critical ? " <span class=\"crit\">critical</span>" : "") + "</th><td>" +
           Badge(r.health) + "<td>";
    if (const SloRow* s = GoverningSlo(r)) {
      out += OverviewSli(r, *s) + "<td>" + OverviewBudget(*s) + "<td>" + OverviewBurn(*s);
    } else {
      out += "<span class=\"mu\">no SLO</span><td><td>";
    }
    out += "<td>" + LastProbeCell(r, o.now, When::kAgo) + "<td>" +
           CompactStrip(r, common.first, common.second);
    out += r.incidents.empty() ? "<td>none" : "<td>";
    for (const IncidentRow& i : Newest(r.incidents, kPerRow)) out += IncidentLine(i, o.now);
    out += MoreLink(r.incidents.size(), kPerRow, r.name);
    out += r.attacks.empty() ? "<td>none" : "<td>";
    for (const AttackRow& a : Newest(r.attacks, kPerRow)) out += AttackLine(a, o.now);
    out += MoreLink(r.attacks.size(), kPerRow, r.name) + "\n";
  }
  out += "</tbody></table>";
  if (!o.open_incidents.empty()) {
    IncidentTable(out, o.open_incidents, kOverviewTable, "Open incidents", o.now);
  }

  out += "<div class=\"panels\"><section aria-labelledby=\"host\"><h2 id=\"host\">Host</h2>";
  if (o.host.empty()) {
    out += "<p class=\"mu\">No host samples yet.</p>";
  } else {
    out +=
        "<table class=\"host\"><thead><tr><th scope=\"col\">Resource</th><th "
        "scope=\"col\">Utilisation "
        "(line at 80%)</th><th scope=\"col\">Last hour (dashed: 80%)</th></tr></thead><tbody>";
    for (const HostGauge& g : o.host) out += HostRow(g);
    out += "</tbody></table>";
  }
  out += "</section><section aria-labelledby=\"alerts\"><h2 id=\"alerts\">Alerts</h2>";
  if (o.alerts.empty()) {
    out += "<p>No alert is firing or pending.</p>";
  } else {
    out +=
        "<table><thead><tr><th scope=\"col\">Alert</th><th scope=\"col\">State</th><th "
        "scope=\"col\">Severity</th>"
        "<th scope=\"col\">Labels</th><th scope=\"col\">Since</th><th scope=\"col\">Value</th>"
        "<th scope=\"col\">During</th></tr></thead><tbody>";
    for (const AlertRow& a : o.alerts) {
      out += "<tr><th scope=\"row\">" + EscapeHtml(a.name) + "</th><td>" +
             (a.state == "firing" ? "<span class=\"bad\">firing</span>" : EscapeHtml(a.state)) +
             "</td><td>" + EscapeHtml(a.severity) + "</td><td>" + EscapeHtml(a.labels) +
             "</td><td>" + Time(a.since) + "</td><td>" + Fmt("%.3g", a.value) +
             " <span class=\"mu\">(threshold " + Fmt("%.3g", a.threshold) + ")</span></td><td>" +
             (a.attacks.empty() ? "" : EscapeHtml(Join(a.attacks))) + "</td></tr>";
    }
    out += "</tbody></table>";
  }
  out += "</section></div></main>";
  out += Foot();
  return out;
}

std::string RenderServicePage(const ServiceDetail& d) {
  const ServiceRow& r = d.row;
  std::string out;
  out.reserve(65536);
  out += Head(r.name + ": " + std::string(HealthWord(r.health)) + " - steadystate");
  out += "<main id=\"main\"><p><a href=\"/\">&larr; All services</a></p>";
  const char* cls = r.health == Health::kMeeting || r.health == Health::kBurning ? "v-ok"
                    : r.health == Health::kNoData                                ? "v-none"
                                                                                 : "v-bad";
  out += "<section class=\"verdict " + std::string(cls) +
         "\" aria-labelledby=\"verdict\"><h1 id=\"verdict\">" + EscapeHtml(r.name) + " " +
         Badge(r.health) + (r.critical ? " <span class=\"crit\">critical</span>" : "") +
         "</h1><p>Last probe: " + LastProbeCell(r, d.now, When::kTime) + "</p>";
  if (!r.attacks.empty()) {
    out += "<p><strong>Chaos attack running:</strong></p>";
    for (const AttackRow& a : Newest(r.attacks, kPerRow)) out += AttackLine(a, d.now);
    if (r.attacks.size() > kPerRow) {
      out += "<div>and " + std::to_string(r.attacks.size() - kPerRow) + " more (below)</div>";
    }
  }
  out += "</section>" + Warnings(d.warnings);

  out +=
      "<table><caption>SLOs</caption><thead><tr><th scope=\"col\">SLO</th><th "
      "scope=\"col\">Status</th>"
      "<th scope=\"col\">SLI / objective (window)</th><th scope=\"col\">Good / total</th>"
      "<th scope=\"col\">Error budget left</th><th scope=\"col\">Burn "
      "rates</th></tr></thead><tbody>";
  for (const SloRow& s : r.slos) {
    std::string burns;
    for (const auto& [label, value] : s.burn_rates) {
      burns += (burns.empty() ? "" : ", ") + label + " " +
               (value ? Fmt("%.2f", *value) + "&times;" : "&ndash;");
    }
    out +=
        "<tr><th scope=\"row\">" + EscapeHtml(s.name) + "</th><td>" + Badge(s.health) +
        (s.burning_tier ? " <span class=\"mu\">" + EscapeHtml(*s.burning_tier) + "</span>" : "") +
        (s.error ? " <span class=\"bad\">" + EscapeHtml(*s.error) + "</span>" : "") + "</td><td>" +
        SloSli(s) + "</td><td>" + std::to_string(s.good) + " / " + std::to_string(s.total) +
        "</td><td>" + SloBudget(s) + "</td><td>" + burns + "</td></tr>";
  }
  out += "</tbody></table>";

  out += "<h2>Last 90 days</h2>" + FullStrip(r);
  out +=
      "<details><summary>Daily figures</summary><table><thead><tr><th scope=\"col\">Day (UTC)</th>"
      "<th scope=\"col\">" +
      EscapeHtml(r.history_slo) + "</th><th scope=\"col\">Good / total</th></tr></thead><tbody>";
  for (auto it = r.history.rbegin(); it != r.history.rend(); ++it) {
    const auto sli = it->sli();
    out += "<tr><th scope=\"row\">" + DateText(it->day) + "</th><td>" +
           (sli ? FormatPercent(*sli) +
                      (ClassifyDay(*it, r.history_objective) == DayClass::kMet ? " met" : " missed")
                : std::string("no data")) +
           "</td><td>" + std::to_string(it->good) + " / " + std::to_string(it->total) +
           "</td></tr>";
  }
  out += "</tbody></table></details>";

  out += "<h2>Charts</h2><nav class=\"range\" aria-label=\"Chart range\">";
  for (const char* range : {"24h", "7d", "30d"}) {
    out += "<a href=\"" + ServiceHref(r.name) + "?range=" + range + "\"" +
           (d.range == range ? " aria-current=\"page\"" : "") + ">" + range + "</a>";
  }
  out += "</nav><div class=\"charts\">";
  for (const Chart& c : d.sli_charts) out += LineChart(c);
  if (!d.latency.lines.empty()) out += LineChart(d.latency);
  for (const Chart& c : d.burn_down) out += LineChart(c);
  out += "</div>";

  out += "<h2>Failed probes, last 24 hours</h2><p>" + std::to_string(d.probes_24h) + " probes";
  if (d.failure_classes.empty()) {
    out += ", none failed.</p>";
  } else {
    std::string classes;
    for (const auto& [c, n] : d.failure_classes)
      classes += (classes.empty() ? "" : ", ") + std::to_string(n) + " " + c;
    out += "; failed: " + EscapeHtml(classes) + ".</p>";
    out +=
        "<table><thead><tr><th scope=\"col\">Time</th><th scope=\"col\">Error class</th><th "
        "scope=\"col\">HTTP "
        "status</th><th scope=\"col\">Duration</th><th "
        "scope=\"col\">Error</th></tr></thead><tbody>";
    for (const FailedProbe& f : d.failures) {
      out += "<tr><th scope=\"row\">" + Time(f.time) + "</th><td>" + EscapeHtml(f.error_class) +
             "</td><td>" + (f.http_status ? std::to_string(f.http_status) : "&ndash;") +
             "</td><td>" + Fmt("%.0f ms", f.duration_seconds * 1000) + "</td><td>" +
             EscapeHtml(f.error) + "</td></tr>";
    }
    out += "</tbody></table>";
  }
  if (d.incidents.empty()) {
    out += "<h2>Incidents</h2><p>None open, and none opened in the last 30 days.</p>";
  } else {
    IncidentTable(out, d.incidents, kServiceTable,
                  "Incidents: open, and opened in the last 30 days", d.now);
  }
  if (d.attacks.empty()) {
    out += "<h2>Chaos attacks, last 30 days</h2><p>None touched this service.</p>";
  } else {
    AttackTable(out, d.attacks, kServiceTable,
                "Chaos attacks that touched this service, last 30 days", d.now, true);
  }
  out += "</main>" + Foot();
  return out;
}

std::string RenderNotFound(std::string_view name) {
  std::string out = Head("No service " + std::string(name) + " - steadystate");
  out += "<main id=\"main\"><section class=\"verdict v-none\"><h1>No service named &ldquo;" +
         EscapeHtml(name) +
         "&rdquo;</h1><p>It is not in this daemon's config, or has no SLOs. <a href=\"/\">All "
         "services</a></p>"
         "</section></main>";
  return out + Foot();
}

}  // namespace steadystate::dashboard
