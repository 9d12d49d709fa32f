// Renderers of the report models: JSON, Markdown and self-contained HTML with inline SVG.
// The HTML has no script and loads nothing: it can be mailed, attached to a ticket or
// opened from disk. The HTML is written with common/html.h's builder, which escapes every
// string from data; Markdown text goes through MarkdownEscape.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>

#include "common/html.h"
#include "common/text.h"
#include "incidents/report.h"

namespace steadystate::incidents {
namespace {

using nlohmann::json;

json Opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json SummaryJson(const Summary& s) {
  return {{"count", s.count},
          {"mean", Opt(s.mean)},
          {"median", Opt(s.median)},
          {"p90", Opt(s.p90)},
          {"max", Opt(s.max)}};
}

json PeriodJson(const PeriodSummary& p, const InstantFormatter& f) {
  json by_severity = json::object();
  for (const auto& [sev, n] : p.by_severity) by_severity[sev.empty() ? "none" : sev] = n;
  return {{"start", f.Format(p.start)},
          {"end", f.Format(p.end)},
          {"weeks", p.weeks},
          {"incidents", p.incidents},
          {"open_incidents", p.open_incidents},
          {"incidents_by_severity", by_severity},
          {"pages", p.pages},
          {"ttd_seconds", SummaryJson(p.ttd)},
          {"tta_seconds", SummaryJson(p.tta)},
          {"ttr_seconds", SummaryJson(p.ttr)},
          {"tbf_seconds", SummaryJson(p.tbf)},
          {"attacks", p.attacks},
          {"sli_breaking_attacks", p.broken_attacks},
          {"detected_attacks", p.detected_attacks},
          {"detection_coverage", Opt(p.detection_coverage)},
          {"negative_duration_incidents", p.negative_durations}};
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Num(double v) { return Fixed(v, 1); }

std::string ValueText(const std::optional<double>& v, const std::string& unit) {
  if (!v) return "n/a";
  if (unit == "seconds") return HumanDuration(*v);
  if (unit == "ratio") return Fixed(*v * 100, 3) + "%";
  return Fixed(*v, 2);
}

std::string RelativeText(const std::optional<double>& v) {
  if (!v) return "n/a";
  return (*v > 0 ? "+" : "") + Fixed(*v * 100, 1) + "%";
}

std::string AbsoluteText(const Change& c) {
  if (!c.absolute) return "n/a";
  const std::string sign = *c.absolute > 0 ? "+" : "";
  if (c.unit == "seconds") return (*c.absolute > 0 ? "+" : "") + HumanDuration(*c.absolute);
  if (c.unit == "ratio") return sign + Fixed(*c.absolute * 100, 3) + " pp";
  return sign + Fixed(*c.absolute, 2);
}

std::string PText(const std::optional<double>& p) {
  if (!p) return "n/a";
  if (*p < 0.001) return "< 0.001";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", *p);
  return buf;
}

// Whether a change is an improvement, a regression or neither, for colouring.
std::string_view Verdict(const Change& c) {
  if (!c.absolute || *c.absolute == 0) return "same";
  const bool better = c.lower_is_better ? *c.absolute < 0 : *c.absolute > 0;
  return better ? "better" : "worse";
}

// ------------------------------------------------------------------------------------
// SVG

constexpr std::array<const char*, 8> kPalette = {"#b2182b", "#ef8a62", "#f4a582", "#92c5de",
                                                 "#4393c3", "#2166ac", "#7f7f7f", "#bcbd22"};

// A "nice" axis maximum >= v: 1, 2 or 5 times a power of ten.
double NiceCeiling(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

struct Plot {
  double left = 60, top = 20, width = 720, height = 220;
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

void SvgOpen(Html& h, std::string_view id, double w, double height, std::string_view label) {
  h.Raw("<svg")
      .Attr("id", id)
      .Raw(" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
      .Fixed(w, 1)
      .Raw(" ")
      .Fixed(height, 1)
      .Raw("\" width=\"")
      .Fixed(w, 1)
      .Raw("\" height=\"")
      .Fixed(height, 1)
      .Raw("\" role=\"img\"")
      .Attr("aria-label", label)
      .Raw(">");
}

void SvgText(Html& h, double x, double y, std::string_view text, std::string_view cls = "",
             std::string_view anchor = "start") {
  h.Raw("<text x=\"").Fixed(x, 1).Raw("\" y=\"").Fixed(y, 1).Raw("\"").Attr("text-anchor", anchor);
  if (!cls.empty()) h.Attr("class", cls);
  h.Raw(">").Text(text).Raw("</text>");
}

// A path's d for the horizontal or vertical line from (x, y): "M<x> <y> <dir><to>".
void SvgLine(Html& h, HtmlMarkup cls, double x, double y, HtmlMarkup dir, double to) {
  h.Raw("<path class=\"").Raw(cls).Raw("\" d=\"M").Fixed(x, 1).Raw(" ").Fixed(y, 1).Raw(" ");
  h.Raw(dir).Fixed(to, 1).Raw("\"/>");
}

// The axes' corner: up the left side and along the bottom.
void SvgAxes(Html& h, double left, double top, double bottom, double right) {
  h.Raw("<path class=\"axis\" d=\"M").Fixed(left, 1).Raw(" ").Fixed(top, 1).Raw(" V");
  h.Fixed(bottom, 1).Raw(" H").Fixed(right, 1).Raw("\"/>");
}

// Y axis with 5 ticks from 0 to `max`, labelled by `label`.
void YAxis(Html& h, const Plot& p, double max, std::string_view title,
           const std::function<std::string(double)>& label) {
  SvgAxes(h, p.left, p.top, p.bottom(), p.right());
  for (int i = 0; i <= 4; ++i) {
    const double v = max * i / 4;
    const double y = p.bottom() - p.height * i / 4;
    SvgLine(h, "grid", p.left, y, "H", p.right());
    SvgText(h, p.left - 6, y + 4, label(v), "tick", "end");
  }
  h.Raw("<text class=\"axis-title\" transform=\"translate(14 ")
      .Fixed(p.top + p.height / 2, 1)
      .Raw(") rotate(-90)\" text-anchor=\"middle\">")
      .Text(title)
      .Raw("</text>");
}

// A bar as a closed path from (x, y): across `w`, down `height`, back; its tooltip.
void SvgBar(Html& h, double x, double y, double w, double height, std::string_view title) {
  h.Raw(" d=\"M").Fixed(x, 1).Raw(" ").Fixed(y, 1).Raw(" h").Fixed(w, 1).Raw(" v");
  h.Fixed(height, 1).Raw(" h").Fixed(-w, 1).Raw(" Z\"><title>").Text(title).Raw("</title></path>");
}

void WeeklyIncidentsSvg(Html& h, const BeforeAfterReport& r, const InstantFormatter& f) {
  Plot p;
  SvgOpen(h, "weekly-incidents", 800, 300, "Incidents per week by severity");
  size_t max_total = 0;
  for (const WeekCount& w : r.weeks) {
    size_t total = 0;
    for (const auto& [sev, n] : w.by_severity) total += n;
    max_total = std::max(max_total, total);
  }
  // Four whole-number ticks: the step is a nice number, the top four steps.
  const double ymax = 4 * std::max(1.0, NiceCeiling(static_cast<double>(max_total) / 4));
  YAxis(h, p, ymax, "incidents per week", [](double v) { return Fixed(v, 0); });
  const size_t n = std::max<size_t>(r.weeks.size(), 1);
  const double slot = p.width / static_cast<double>(n);
  for (size_t i = 0; i < r.weeks.size(); ++i) {
    const WeekCount& w = r.weeks[i];
    double y = p.bottom();
    for (size_t s = 0; s < r.severities.size(); ++s) {
      auto it = w.by_severity.find(r.severities[s]);
      if (it == w.by_severity.end() || it->second == 0) continue;
      const double bar = p.height * static_cast<double>(it->second) / ymax;
      y -= bar;
      const std::string sev = r.severities[s].empty() ? "none" : r.severities[s];
      h.Raw("<path class=\"bar\"").Attr("fill", kPalette[s % kPalette.size()]);
      SvgBar(h, p.left + slot * static_cast<double>(i) + 1, y, slot - 2, bar,
             "week of " + f.FormatDate(w.start) + ": " + std::to_string(it->second) + " " + sev);
    }
    if (i % std::max<size_t>(1, n / 8) == 0) {
      SvgText(h, p.left + slot * static_cast<double>(i) + slot / 2, p.bottom() + 16,
              f.FormatDate(w.start).substr(5), "tick", "middle");
    }
  }
  // The cutover marker.
  const Timestamp first = r.weeks.empty() ? r.cutover : r.weeks.front().start;
  const double x = p.left + slot * ToSeconds(r.cutover - first) / ToSeconds(std::chrono::days(7));
  SvgLine(h, "cutover", x, p.top - 10, "V", p.bottom());
  SvgText(h, x + 4, p.top - 2, "cutover " + f.FormatDate(r.cutover), "cutover-label");
  // Legend.
  double lx = p.left;
  for (size_t s = 0; s < r.severities.size(); ++s) {
    h.Raw("<rect x=\"").Fixed(lx, 1).Raw("\" y=\"278\" width=\"10\" height=\"10\"");
    h.Attr("fill", kPalette[s % kPalette.size()]).Raw("/>");
    const std::string sev = r.severities[s].empty() ? "none" : r.severities[s];
    SvgText(h, lx + 14, 287, sev, "legend");
    lx += 20 + 8 * static_cast<double>(sev.size());
  }
  h.Raw("</svg>");
}

// TTR distributions as the share of resolved incidents per duration band.
void TtrDistributionSvg(Html& h, const BeforeAfterReport& r) {
  struct Band {
    double upper_seconds;
    const char* label;
  };
  static constexpr std::array<Band, 9> kBands = {{{300, "<5m"},
                                                  {900, "5-15m"},
                                                  {1800, "15-30m"},
                                                  {3600, "30m-1h"},
                                                  {7200, "1-2h"},
                                                  {14400, "2-4h"},
                                                  {28800, "4-8h"},
                                                  {86400, "8h-1d"},
                                                  {INFINITY, ">1d"}}};
  auto shares = [](const std::vector<double>& v) {
    std::array<double, kBands.size()> s{};
    for (double x : v) {
      size_t b = 0;
      while (b + 1 < kBands.size() && x >= kBands[b].upper_seconds) ++b;
      s[b] += 1;
    }
    for (double& x : s) x = v.empty() ? 0 : x / static_cast<double>(v.size());
    return s;
  };
  const auto before = shares(r.ttr_before);
  const auto after = shares(r.ttr_after);
  double max = 0;
  for (size_t i = 0; i < kBands.size(); ++i) max = std::max({max, before[i], after[i]});
  const double ymax = std::min(1.0, NiceCeiling(std::max(max, 0.01) * 100) / 100);
  Plot p;
  SvgOpen(h, "ttr-distribution", 800, 300, "Time to resolution before and after");
  YAxis(h, p, ymax, "share of resolved incidents",
        [](double v) { return Fixed(v * 100, 0) + "%"; });
  const double slot = p.width / kBands.size();
  for (size_t i = 0; i < kBands.size(); ++i) {
    for (int k = 0; k < 2; ++k) {
      const double v = k == 0 ? before[i] : after[i];
      const double bar = p.height * v / ymax;
      const double x = p.left + slot * static_cast<double>(i) + 6 + k * (slot - 12) / 2;
      const std::string_view period = k == 0 ? "before" : "after";
      h.Raw("<path class=\"bar ").Text(period).Raw("\"");
      SvgBar(h, x, p.bottom() - bar, (slot - 12) / 2, bar,
             std::string(period) + ", TTR " + kBands[i].label + ": " + Fixed(v * 100, 1) + "%");
    }
    SvgText(h, p.left + slot * static_cast<double>(i) + slot / 2, p.bottom() + 16, kBands[i].label,
            "tick", "middle");
  }
  h.Raw("<rect x=\"")
      .Fixed(p.left, 1)
      .Raw("\" y=\"278\" width=\"10\" height=\"10\" class=\"before\"/>");
  SvgText(h, p.left + 14, 287,
          "before (" + std::to_string(r.ttr_before.size()) + " resolved incidents)", "legend");
  h.Raw("<rect x=\"").Fixed(p.left + 260, 1);
  h.Raw("\" y=\"278\" width=\"10\" height=\"10\" class=\"after\"/>");
  SvgText(h, p.left + 274, 287,
          "after (" + std::to_string(r.ttr_after.size()) + " resolved incidents)", "legend");
  h.Raw("</svg>");
}

void SlaSvg(Html& h, const BeforeAfterReport& r) {
  const double row_h = 44;
  const double height = 50 + row_h * static_cast<double>(std::max<size_t>(r.sla.size(), 1));
  Plot p{160, 20, 600, height - 50};
  SvgOpen(h, "sla-attainment", 800, height, "SLA attainment per service");
  double lo = 1;
  for (const SlaRow& s : r.sla) {
    lo = std::min(lo, s.objective);
    if (s.before) lo = std::min(lo, *s.before);
    if (s.after) lo = std::min(lo, *s.after);
  }
  const double span = std::max(1 - lo, 0.001);
  lo = std::max(0.0, 1 - span * 1.25);
  auto x_of = [&](double v) { return p.left + p.width * (std::clamp(v, lo, 1.0) - lo) / (1 - lo); };
  SvgLine(h, "axis", p.left, p.bottom(), "H", p.right());
  for (int i = 0; i <= 4; ++i) {
    const double v = lo + (1 - lo) * i / 4;
    SvgLine(h, "grid", x_of(v), p.top, "V", p.bottom());
    SvgText(h, x_of(v), p.bottom() + 16, Fixed(v * 100, 2) + "%", "tick", "middle");
  }
  for (size_t i = 0; i < r.sla.size(); ++i) {
    const SlaRow& s = r.sla[i];
    const double y = p.top + row_h * static_cast<double>(i);
    SvgText(h, p.left - 8, y + 22, s.service, "tick", "end");
    for (int k = 0; k < 2; ++k) {
      const std::optional<double>& v = k == 0 ? s.before : s.after;
      if (!v) continue;
      h.Raw("<path class=\"bar ").Text(k == 0 ? "before" : "after").Raw("\" d=\"M");
      h.Fixed(p.left, 1).Raw(" ").Fixed(y + 6 + k * 16, 1).Raw(" H").Fixed(x_of(*v), 1);
      h.Raw(" v14 H").Fixed(p.left, 1).Raw(" Z\"><title>");
      h.Text(s.service + (k == 0 ? " before: " : " after: ") + Fixed(*v * 100, 3) + "%");
      h.Raw("</title></path>");
    }
    h.Raw("<path class=\"objective\" d=\"M").Fixed(x_of(s.objective), 1).Raw(" ");
    h.Fixed(y + 2, 1).Raw(" V").Fixed(y + 40, 1).Raw("\"><title>");
    h.Text("objective " + Fixed(s.objective * 100, 3) + "%").Raw("</title></path>");
  }
  h.Raw("</svg>");
}

constexpr std::string_view kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:860px;margin:2em auto;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:1em 0}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}.better{color:#1a7f37}.worse{color:#b42318}
.muted{color:#666}.callout{border-left:4px solid #b42318;background:#fff4f2;padding:.6em 1em}
.ok{border-left:4px solid #1a7f37;background:#f2fbf4;padding:.6em 1em}
svg{display:block;margin:1em 0;font-size:11px}.axis{stroke:#444;fill:none}.grid{stroke:#eee;fill:none}
.tick,.legend{fill:#444}.axis-title{fill:#444}.cutover{stroke:#000;stroke-width:2;stroke-dasharray:6 3;fill:none}
.cutover-label{font-weight:bold}.before{fill:#9e9e9e}.after{fill:#2166ac}.objective{stroke:#b42318;stroke-width:2;fill:none}
.attack{fill:#fdd49e;opacity:.6}.grace{fill:#fdd49e;opacity:.25}.line{fill:none;stroke-width:1.5}
.success{stroke:#1a7f37}.latency{stroke:#6a3d9a}.cpu{stroke:#d95f02}.alert{fill:#b42318}.incident{fill:#2166ac}
)";

void HtmlHead(Html& h, std::string_view title) {
  h.Raw(
       "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
      .Text(title)
      .Raw("</title><style>")
      .Raw(HtmlMarkup(kStyle))
      .Raw("</style></head><body>\n");
}

// Markdown table cell text.
std::string Md(std::string_view s) { return MarkdownEscape(s); }

// The headline: every change significant at 5%, else the first (high severity) rate with
// a note that nothing is significant.
std::vector<std::string> HeadlineSentences(const BeforeAfterReport& r) {
  std::vector<std::string> lines;
  for (const Change& c : r.changes) {
    if (c.p_value && *c.p_value < 0.05) lines.push_back(c.sentence);
  }
  if (lines.empty()) {
    lines.emplace_back("No change is significant at the 5% level.");
    if (!r.changes.empty()) lines.push_back(r.changes.front().sentence);
  }
  return lines;
}

}  // namespace

// ------------------------------------------------------------------------------------
// Before and after

Result<std::string> RenderBeforeAfterJson(const BeforeAfterReport& r) {
  auto f = InstantFormatter::Make(r.time_zone);
  if (!f.ok()) return f.error();
  json changes = json::array();
  for (const Change& c : r.changes) {
    changes.push_back({{"metric", c.metric},
                       {"unit", c.unit},
                       {"before", Opt(c.before)},
                       {"after", Opt(c.after)},
                       {"absolute_change", Opt(c.absolute)},
                       {"relative_change", Opt(c.relative)},
                       {"p_value", Opt(c.p_value)},
                       {"test", c.test.empty() ? json(nullptr) : json(c.test)},
                       {"lower_is_better", c.lower_is_better},
                       {"sentence", c.sentence}});
  }
  json weeks = json::array();
  for (const WeekCount& w : r.weeks) {
    json by = json::object();
    for (const auto& [sev, n] : w.by_severity) by[sev.empty() ? "none" : sev] = n;
    weeks.push_back({{"week_start", f->Format(w.start)}, {"incidents_by_severity", by}});
  }
  json sla = json::array();
  for (const SlaRow& s : r.sla) {
    sla.push_back({{"service", s.service},
                   {"objective", s.objective},
                   {"before", Opt(s.before)},
                   {"after", Opt(s.after)}});
  }
  json out = {{"report", "before-after"},
              {"cutover", f->Format(r.cutover)},
              {"window", FormatDuration(r.window)},
              {"generated_at", f->Format(r.generated_at)},
              {"time_zone", f->zone_name()},
              {"before", PeriodJson(r.before, *f)},
              {"after", PeriodJson(r.after, *f)},
              {"changes", changes},
              {"weekly_incidents", weeks},
              {"ttr_seconds", {{"before", r.ttr_before}, {"after", r.ttr_after}}},
              {"sla_attainment", sla}};
  return out.dump(2) + "\n";
}

Result<std::string> RenderBeforeAfterMarkdown(const BeforeAfterReport& r) {
  auto f = InstantFormatter::Make(r.time_zone);
  if (!f.ok()) return f.error();
  std::string out = "# Before and after chaos engineering\n\n";
  out += "Cutover " + Md(f->Format(r.cutover)) + "; before: " + Md(f->Format(r.before.start)) +
         " to " + Md(f->Format(r.before.end)) + " (" + Num(r.before.weeks) +
         " weeks); after: " + Md(f->Format(r.after.start)) + " to " + Md(f->Format(r.after.end)) +
         " (" + Num(r.after.weeks) + " weeks).\n\n";
  out += "## Headline\n\n";
  for (const std::string& line : HeadlineSentences(r)) out += "- " + Md(line) + "\n";
  out += "\n";
  out +=
      "## All changes\n\n| metric | before | after | change | relative | p | test |\n"
      "|---|---:|---:|---:|---:|---:|---|\n";
  for (const Change& c : r.changes) {
    out += "| " + Md(c.metric) + (c.unit == "per week" ? " per week" : "") + " | " +
           Md(ValueText(c.before, c.unit)) + " | " + Md(ValueText(c.after, c.unit)) + " | " +
           Md(AbsoluteText(c)) + " | " + Md(RelativeText(c.relative)) + " | " +
           Md(PText(c.p_value)) + " | " + Md(c.test.empty() ? "not tested" : c.test) + " |\n";
  }
  out += "\n## Periods\n\n| | before | after |\n|---|---:|---:|\n";
  auto row = [&](const std::string& name, const std::string& b, const std::string& a) {
    out += "| " + Md(name) + " | " + Md(b) + " | " + Md(a) + " |\n";
  };
  row("incidents", std::to_string(r.before.incidents), std::to_string(r.after.incidents));
  row("still open", std::to_string(r.before.open_incidents),
      std::to_string(r.after.open_incidents));
  row("pages", std::to_string(r.before.pages), std::to_string(r.after.pages));
  row("TTR mean / median / p90",
      ValueText(r.before.ttr.mean, "seconds") + " / " + ValueText(r.before.ttr.median, "seconds") +
          " / " + ValueText(r.before.ttr.p90, "seconds"),
      ValueText(r.after.ttr.mean, "seconds") + " / " + ValueText(r.after.ttr.median, "seconds") +
          " / " + ValueText(r.after.ttr.p90, "seconds"));
  row("chaos attacks run", std::to_string(r.before.attacks), std::to_string(r.after.attacks));
  row("attacks that broke an SLI / detected",
      std::to_string(r.before.broken_attacks) + " / " + std::to_string(r.before.detected_attacks),
      std::to_string(r.after.broken_attacks) + " / " + std::to_string(r.after.detected_attacks));
  row("incidents with negative durations (clock skew)", std::to_string(r.before.negative_durations),
      std::to_string(r.after.negative_durations));
  if (!r.sla.empty()) {
    out +=
        "\n## SLA attainment\n\n| service | objective | before | after |\n|---|---:|---:|---:|\n";
    for (const SlaRow& s : r.sla) {
      out += "| " + Md(s.service) + " | " + Md(ValueText(s.objective, "ratio")) + " | " +
             Md(ValueText(s.before, "ratio")) + " | " + Md(ValueText(s.after, "ratio")) + " |\n";
    }
  }
  out +=
      "\nTests: rates with the exact conditional Poisson test, durations with Mann-Whitney U, "
      "coverage with Fisher's exact test; two-sided. Generated " +
      Md(f->Format(r.generated_at)) + ".\n";
  return out;
}

Result<std::string> RenderBeforeAfterHtml(const BeforeAfterReport& r) {
  auto f = InstantFormatter::Make(r.time_zone);
  if (!f.ok()) return f.error();
  Html h;
  HtmlHead(h, "Before and after chaos engineering");
  h.Raw("<h1>Before and after chaos engineering</h1>\n<p class=\"muted\">Cutover <b>")
      .Text(f->Format(r.cutover))
      .Raw("</b>. Before: ")
      .Text(f->Format(r.before.start))
      .Raw(" to ")
      .Text(f->Format(r.before.end))
      .Raw(" (")
      .Text(Num(r.before.weeks))
      .Raw(" weeks). After: ")
      .Text(f->Format(r.after.start))
      .Raw(" to ")
      .Text(f->Format(r.after.end))
      .Raw(" (")
      .Text(Num(r.after.weeks))
      .Raw(" weeks).</p>\n");
  h.Raw("<h2>Headline</h2>\n<ul id=\"headline\">");
  for (const std::string& line : HeadlineSentences(r)) h.Raw("<li>").Text(line).Raw("</li>");
  h.Raw("</ul>\n<h2>Incidents per week by severity</h2>\n");
  WeeklyIncidentsSvg(h, r, *f);
  h.Raw("\n<h2>Time to resolution, before and after</h2>\n");
  TtrDistributionSvg(h, r);
  h.Raw("\n");
  if (!r.sla.empty()) {
    h.Raw("<h2>SLA attainment per service</h2>\n");
    SlaSvg(h, r);
    h.Raw("\n");
  }
  h.Raw(
      "<h2>All changes</h2>\n<table id=\"changes\"><tr><th>metric</th><th>before</th>"
      "<th>after</th><th>change</th><th>relative</th><th>p</th><th>test</th></tr>");
  for (const Change& c : r.changes) {
    h.Raw("<tr")
        .Attr("class", Verdict(c))
        .Raw("><td>")
        .Text(c.metric)
        .Text(c.unit == "per week" ? " per week" : "")
        .Raw("</td><td>")
        .Text(ValueText(c.before, c.unit))
        .Raw("</td><td>")
        .Text(ValueText(c.after, c.unit))
        .Raw("</td><td>")
        .Text(AbsoluteText(c))
        .Raw("</td><td>")
        .Text(RelativeText(c.relative))
        .Raw("</td><td>")
        .Text(PText(c.p_value))
        .Raw("</td><td>")
        .Text(c.test.empty() ? "not tested" : c.test)
        .Raw("</td></tr>");
  }
  h.Raw(
       "</table>\n<p class=\"muted\">Counts per week are compared with the exact conditional "
       "test for two Poisson rates, durations with the Mann-Whitney U test, detection coverage "
       "with Fisher's exact test; all two-sided. p &ge; 0.05 means the change could be chance. "
       "Incidents still open: ")
      .Int(r.before.open_incidents)
      .Raw(" before, ")
      .Int(r.after.open_incidents)
      .Raw(" after (no TTR yet). Incidents with negative durations from clock skew: ")
      .Int(r.before.negative_durations + r.after.negative_durations)
      .Raw(". Generated ")
      .Text(f->Format(r.generated_at))
      .Raw(" (")
      .Text(f->zone_name())
      .Raw(").</p>\n</body></html>\n");
  return std::move(h).Take();
}

// ------------------------------------------------------------------------------------
// Per attack

namespace {

json IncidentJson(const CorrelatedIncident& c, const InstantFormatter& f) {
  auto t = [&](const std::optional<Timestamp>& v) {
    return v ? json(f.Format(*v)) : json(nullptr);
  };
  return {{"id", c.incident->id},
          {"title", c.incident->title},
          {"service", c.incident->service},
          {"severity", c.incident->severity},
          {"created_at", f.Format(c.incident->created_at)},
          {"resolved_at", t(c.incident->resolved_at)},
          {"onset_at", t(c.onset_at)},
          {"onset_source", std::string(ToString(c.onset_source))},
          {"ttd_seconds", Opt(c.ttd_seconds)},
          {"tta_seconds", Opt(c.tta_seconds)},
          {"ttr_seconds", Opt(c.ttr_seconds)},
          {"impact_seconds", Opt(c.impact_seconds)},
          {"open", c.open},
          {"negative_durations", c.negative_durations}};
}

json SeriesJson(const std::vector<TimelinePoint>& points, const InstantFormatter& f) {
  json out = json::array();
  for (const TimelinePoint& p : points) out.push_back({f.Format(p.t), p.value});
  return out;
}

// The names, comma-separated, or "none".
std::string NamesOrNone(const std::vector<std::string>& v) {
  std::string out = Join(v, ", ");
  return out.empty() ? "none" : out;
}

std::string Verdict(const AttackReport& r) {
  if (r.missed_detection) {
    return "Missed detection: the attack broke the SLI of " + NamesOrNone(r.broken_services) +
           " and no incident was attributed to it and no steadystate alert fired within the "
           "window and the attribution grace.";
  }
  if (r.sli_broken) {
    return "Detected: the attack broke the SLI of " + NamesOrNone(r.broken_services) + " and was " +
           (r.incidents.empty()
                ? "alerted on."
                : "paged (" + std::to_string(r.incidents.size()) + " attributed incident(s)).");
  }
  return "No affected service's SLI went bad during the attack.";
}

// The timeline: one panel per series, the attack window shaded across all of them.
void TimelineSvg(Html& h, const AttackReport& r, const InstantFormatter& f) {
  struct Panel {
    std::string title;
    const std::vector<TimelinePoint>* points;
    std::string_view cls;
    double max;
    std::function<std::string(double)> label;
  };
  std::vector<Panel> panels;
  for (const ServiceTimeline& s : r.services) {
    panels.push_back({s.service + " probe success", &s.success_ratio, "success", 1.0,
                      [](double v) { return Fixed(v * 100, 0) + "%"; }});
    double max_ms = 0;
    for (const TimelinePoint& p : s.latency_p90_ms) max_ms = std::max(max_ms, p.value);
    panels.push_back({s.service + " latency p90", &s.latency_p90_ms, "latency",
                      NiceCeiling(std::max(max_ms, 1.0)),
                      [](double v) { return Fixed(v, 0) + " ms"; }});
  }
  panels.push_back(
      {"host CPU", &r.host_cpu, "cpu", 1.0, [](double v) { return Fixed(v * 100, 0) + "%"; }});
  const double panel_h = 90, gap = 28, left = 70, width = 700;
  const double events_top = 20 + (panel_h + gap) * static_cast<double>(panels.size());
  const double height = events_top + 90;
  SvgOpen(h, "attack-timeline", 800, height, "Attack timeline");
  const double span = std::max(1.0, ToSeconds(r.range_end - r.range_start));
  auto x_of = [&](Timestamp t) {
    return left + width * std::clamp(ToSeconds(t - r.range_start) / span, 0.0, 1.0);
  };
  // Shading: the attack window, then the grace after it.
  h.Raw("<rect class=\"attack\" x=\"")
      .Fixed(x_of(r.attack.start), 1)
      .Raw("\" y=\"10\" width=\"")
      .Fixed(std::max(1.0, x_of(r.window_end) - x_of(r.attack.start)), 1)
      .Raw("\" height=\"")
      .Fixed(height - 40, 1)
      .Raw("\"><title>")
      .Text("attack " + f.Format(r.attack.start) + " to " + f.Format(r.window_end) +
            (r.open ? " (still running)" : ""))
      .Raw("</title></rect>");
  for (size_t i = 0; i < panels.size(); ++i) {
    const Panel& panel = panels[i];
    Plot p{left, 20 + (panel_h + gap) * static_cast<double>(i), width, panel_h};
    SvgText(h, left, p.top - 6, panel.title, "legend");
    SvgAxes(h, p.left, p.top, p.bottom(), p.right());
    for (int k = 0; k <= 2; ++k) {
      const double y = p.bottom() - p.height * k / 2;
      SvgText(h, p.left - 6, y + 4, panel.label(panel.max * k / 2), "tick", "end");
    }
    Html d;
    Timestamp prev{};
    for (const TimelinePoint& pt : *panel.points) {
      const double y = p.bottom() - p.height * std::clamp(pt.value / panel.max, 0.0, 1.0);
      // A gap of more than two minutes breaks the line rather than bridging it.
      if (d.empty() || pt.t - prev > std::chrono::minutes(2)) {
        d.Raw("M");
      } else {
        d.Raw("L");
      }
      d.Fixed(x_of(pt.t), 1).Raw(" ").Fixed(y, 1).Raw(" ");
      prev = pt.t;
    }
    if (d.empty()) {
      SvgText(h, p.left + p.width / 2, p.top + p.height / 2, "no data", "tick", "middle");
    } else {
      h.Raw("<path class=\"line ").Text(panel.cls).Raw("\" d=\"").Append(d).Raw("\"/>");
    }
  }
  // Events lane: alerts (triangles) and incidents (circles, with their TTR as a bar).
  SvgText(h, left, events_top - 6, "alerts and incidents", "legend");
  SvgLine(h, "axis", left, events_top + 50, "H", left + width);
  for (const FiredAlert& a : r.alerts) {
    h.Raw("<path class=\"alert\" d=\"M")
        .Fixed(x_of(a.fired_at), 1)
        .Raw(" ")
        .Fixed(events_top + 8, 1)
        .Raw(" l5 10 h-10 Z\"><title>")
        .Text("alert " + a.rule + " fired " + f.Format(a.fired_at))
        .Raw("</title></path>");
  }
  for (const CorrelatedIncident& c : r.incidents) {
    const double x = x_of(c.incident->created_at);
    const Timestamp end = c.incident->resolved_at.value_or(r.range_end);
    h.Raw("<path class=\"incident\" d=\"M").Fixed(x, 1).Raw(" ").Fixed(events_top + 30, 1);
    h.Raw(" H").Fixed(std::max(x + 2, x_of(end)), 1).Raw(" v4 H").Fixed(x, 1).Raw(" Z\"/>");
    h.Raw("<circle class=\"incident\" cx=\"")
        .Fixed(x, 1)
        .Raw("\" cy=\"")
        .Fixed(events_top + 32, 1)
        .Raw("\" r=\"5\"><title>")
        .Text("incident " + c.incident->id + " (" + c.incident->title + ") created " +
              f.Format(c.incident->created_at))
        .Raw("</title></circle>");
  }
  // Time axis: 6 ticks, local HH:MM.
  for (int k = 0; k <= 5; ++k) {
    const Timestamp t =
        r.range_start + std::chrono::duration_cast<Duration>((r.range_end - r.range_start) * k / 5);
    SvgText(h, x_of(t), events_top + 66, f.Format(t).substr(11, 5), "tick", "middle");
  }
  SvgText(h, left + width / 2, events_top + 84, "time (" + f.zone_name() + ")", "axis-title",
          "middle");
  h.Raw("</svg>");
}

}  // namespace

Result<std::string> RenderAttackJson(const AttackReport& r) {
  auto f = InstantFormatter::Make(r.time_zone);
  if (!f.ok()) return f.error();
  json services = json::array();
  for (const ServiceTimeline& s : r.services) {
    services.push_back({{"service", s.service},
                        {"objective", s.objective},
                        {"window_good", s.window_good},
                        {"window_total", s.window_total},
                        {"burn_rate", Opt(s.burn_rate)},
                        {"success_ratio", SeriesJson(s.success_ratio, *f)},
                        {"latency_p90_ms", SeriesJson(s.latency_p90_ms, *f)}});
  }
  json incidents = json::array();
  for (const auto& c : r.incidents) incidents.push_back(IncidentJson(c, *f));
  json alerts = json::array();
  for (const auto& a : r.alerts) {
    alerts.push_back({{"rule", a.rule}, {"labels", a.labels}, {"fired_at", f->Format(a.fired_at)}});
  }
  const chaos::Attack& a = r.attack;
  json out = {{"report", "attack"},
              {"attack",
               {{"id", a.id},
                {"name", a.name},
                {"type", a.type},
                {"source", a.source},
                {"targets", a.targets},
                {"services", a.services},
                {"created_by", a.created_by},
                {"start", f->Format(a.start)},
                {"end", a.end ? json(f->Format(*a.end)) : json(nullptr)},
                {"outcome", a.outcome},
                {"halted_reason", a.halted_reason}}},
              {"window_end", f->Format(r.window_end)},
              {"open", r.open},
              {"steady_state", r.steady_state},
              {"steady_state_source", r.steady_state_source},
              {"sli_broken_services", r.broken_services},
              {"detected", r.detected},
              {"missed_detection", r.missed_detection},
              {"verdict", Verdict(r)},
              {"services", services},
              {"host_cpu_utilisation", SeriesJson(r.host_cpu, *f)},
              {"alerts", alerts},
              {"incidents", incidents},
              {"generated_at", f->Format(r.generated_at)},
              {"time_zone", f->zone_name()}};
  return out.dump(2) + "\n";
}

Result<std::string> RenderAttackMarkdown(const AttackReport& r) {
  auto f = InstantFormatter::Make(r.time_zone);
  if (!f.ok()) return f.error();
  const chaos::Attack& a = r.attack;
  std::string out = "# Attack " + Md(a.name.empty() ? a.id : a.name) + "\n\n";
  out += "- id: " + Md(a.id) + "\n- type: " + Md(a.type) + "\n- window: " + Md(f->Format(a.start)) +
         " to " + Md(f->Format(r.window_end)) + (r.open ? " (still running)" : "") +
         "\n- targets: " + Md(NamesOrNone(a.targets)) +
         "\n- services: " + Md(NamesOrNone(a.services)) +
         "\n- run by: " + Md(a.created_by.empty() ? "unknown" : a.created_by) + " (" +
         Md(a.source) + ")" + "\n- outcome: " + Md(a.outcome) +
         (a.halted_reason.empty() ? "" : " (" + Md(a.halted_reason) + ")") +
         "\n- steady state: **" + Md(r.steady_state) + "** (from " + Md(r.steady_state_source) +
         ")\n\n";
  out += (r.missed_detection ? "> **" : "> ") + Md(Verdict(r)) + (r.missed_detection ? "**" : "") +
         "\n\n";
  out +=
      "## SLO burn during the window\n\n| service | objective | good / total | burn rate |\n"
      "|---|---:|---:|---:|\n";
  for (const ServiceTimeline& s : r.services) {
    out += "| " + Md(s.service) + " | " + Md(ValueText(s.objective, "ratio")) + " | " +
           std::to_string(s.window_good) + " / " + std::to_string(s.window_total) + " | " +
           (s.burn_rate ? Fixed(*s.burn_rate, 1) + "x" : "n/a") + " |\n";
  }
  out += "\n## Attributed incidents\n\n";
  if (r.incidents.empty()) {
    out += "None.\n";
  } else {
    out += "| incident | service | severity | created | TTD | TTR |\n|---|---|---|---|---:|---:|\n";
    for (const auto& c : r.incidents) {
      out += "| " + Md(c.incident->id + " " + c.incident->title) + " | " + Md(c.incident->service) +
             " | " + Md(c.incident->severity) + " | " + Md(f->Format(c.incident->created_at)) +
             " | " + Md(ValueText(c.ttd_seconds, "seconds")) + " | " +
             Md(c.open ? std::string("open") : ValueText(c.ttr_seconds, "seconds")) + " |\n";
    }
  }
  out += "\n## Alerts\n\n";
  if (r.alerts.empty()) out += "None.\n";
  for (const auto& al : r.alerts) {
    out += "- " + Md(f->Format(al.fired_at)) + " " + Md(al.rule) + "\n";
  }
  out += "\nGenerated " + Md(f->Format(r.generated_at)) + ".\n";
  return out;
}

Result<std::string> RenderAttackHtml(const AttackReport& r) {
  auto f = InstantFormatter::Make(r.time_zone);
  if (!f.ok()) return f.error();
  const chaos::Attack& a = r.attack;
  const std::string title = "Attack " + (a.name.empty() ? a.id : a.name);
  Html h;
  HtmlHead(h, title);
  h.Raw("<h1>").Text(title).Raw("</h1>\n<table id=\"attack\">");
  auto row = [&](std::string_view k, std::string_view v) {
    h.Raw("<tr><th>").Text(k).Raw("</th><td>").Text(v).Raw("</td></tr>");
  };
  row("id", a.id);
  row("type", a.type);
  row("window",
      f->Format(a.start) + " to " + f->Format(r.window_end) + (r.open ? " (still running)" : ""));
  row("targets", NamesOrNone(a.targets));
  row("services", NamesOrNone(a.services));
  row("run by", (a.created_by.empty() ? "unknown" : a.created_by) + " (" + a.source + ")");
  row("outcome", a.outcome + (a.halted_reason.empty() ? "" : " (" + a.halted_reason + ")"));
  row("steady state", r.steady_state + " (from " + r.steady_state_source + ")");
  h.Raw("</table>\n<p id=\"verdict\"")
      .Attr("class", r.missed_detection ? "callout" : "ok")
      .Raw(">")
      .Text(Verdict(r))
      .Raw("</p>\n<h2>Timeline</h2>\n");
  TimelineSvg(h, r, *f);
  h.Raw(
      "\n<h2>SLO burn during the window</h2>\n<table><tr><th>service</th><th>objective</th>"
      "<th>good / total</th><th>burn rate</th></tr>");
  for (const ServiceTimeline& s : r.services) {
    h.Raw("<tr><td>")
        .Text(s.service)
        .Raw("</td><td>")
        .Text(ValueText(s.objective, "ratio"))
        .Raw("</td><td>")
        .Int(s.window_good)
        .Raw(" / ")
        .Int(s.window_total)
        .Raw("</td><td>")
        .Text(s.burn_rate ? Fixed(*s.burn_rate, 1) + "x" : "n/a")
        .Raw("</td></tr>");
  }
  h.Raw("</table>\n<h2>Attributed incidents</h2>\n");
  if (r.incidents.empty()) {
    h.Raw("<p>None.</p>\n");
  } else {
    h.Raw(
        "<table id=\"incidents\"><tr><th>incident</th><th>service</th><th>severity</th>"
        "<th>created</th><th>TTD</th><th>TTR</th></tr>");
    for (const auto& c : r.incidents) {
      h.Raw("<tr><td>")
          .Text(c.incident->id)
          .Raw(" ")
          .Text(c.incident->title)
          .Raw("</td><td>")
          .Text(c.incident->service)
          .Raw("</td><td>")
          .Text(c.incident->severity)
          .Raw("</td><td>")
          .Text(f->Format(c.incident->created_at))
          .Raw("</td><td>")
          .Text(ValueText(c.ttd_seconds, "seconds"))
          .Raw("</td><td>")
          .Text(c.open ? std::string("open") : ValueText(c.ttr_seconds, "seconds"))
          .Raw("</td></tr>");
    }
    h.Raw("</table>\n");
  }
  h.Raw("<p class=\"muted\">Generated ")
      .Text(f->Format(r.generated_at))
      .Raw(" (")
      .Text(f->zone_name())
      .Raw(").</p>\n</body></html>\n");
  return std::move(h).Take();
}

}  // namespace steadystate::incidents
