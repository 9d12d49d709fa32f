// Report models: builders for the before-and-after and per-attack reports, plus the
// helpers every renderer shares (instants in a zone, human durations, escaping).
#include "incidents/report.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "common/text.h"
#include "incidents/stats.h"

namespace steadystate::incidents {
namespace {

using std::chrono::days;
using std::chrono::seconds;

constexpr Duration kWeek = days(7);
constexpr double kSignificance = 0.05;

double Weeks(Timestamp start, Timestamp end) {
  return end > start ? ToSeconds(end - start) / ToSeconds(kWeek) : 0;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// p values with two significant digits, as papers and post-mortems quote them.
std::string FormatP(double p) {
  if (p < 0.001) return "p < 0.001";
  char buf[32];
  std::snprintf(buf, sizeof buf, "p = %.2g", p);
  return buf;
}

std::string FormatValue(double v, std::string_view unit) {
  if (unit == "seconds") return HumanDuration(v);
  if (unit == "ratio") {
    // Enough digits to tell 99.9% from 99.95%.
    std::string s = Fixed(v * 100, 3);
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s + "%";
  }
  return Fixed(v, 1) + " " + std::string(unit);
}

// Fills absolute, relative and the sentence of a change whose values and test are set.
void Describe(Change& c) {
  if (c.before && c.after) {
    c.absolute = *c.after - *c.before;
    if (*c.before != 0) c.relative = (*c.after - *c.before) / std::fabs(*c.before);
  }
  if (!c.before || !c.after) {
    c.sentence = c.metric + ": no data " +
                 std::string(!c.before && !c.after ? "in either period"
                             : !c.before           ? "before the cutover"
                                                   : "after the cutover");
    return;
  }
  const std::string from = FormatValue(*c.before, c.unit);
  const std::string to = FormatValue(*c.after, c.unit);
  if (from == to) {
    c.sentence = c.metric + " stayed at " + from;
  } else {
    // "from 2.1 to 0.8 per week": the unit once, at the end.
    std::string from_short = from;
    if (c.unit != "seconds" && c.unit != "ratio") from_short = Fixed(*c.before, 1);
    c.sentence =
        c.metric + (*c.after < *c.before ? " fell" : " rose") + " from " + from_short + " to " + to;
  }
  if (c.p_value) {
    c.sentence += ", " + FormatP(*c.p_value);
    if (*c.p_value >= kSignificance) c.sentence += " (not significant: could be chance)";
  } else {
    c.sentence += " (too few data to test)";
  }
}

Change RateChange(std::string metric, uint64_t before, double weeks_before, uint64_t after,
                  double weeks_after, bool lower_is_better = true) {
  Change c;
  c.metric = std::move(metric);
  c.unit = "per week";
  c.lower_is_better = lower_is_better;
  if (weeks_before > 0) c.before = static_cast<double>(before) / weeks_before;
  if (weeks_after > 0) c.after = static_cast<double>(after) / weeks_after;
  if (weeks_before > 0 && weeks_after > 0 && before + after > 0) {
    c.p_value = PoissonRateTest(before, weeks_before, after, weeks_after).p_value;
    c.test = "poisson-rate";
  }
  Describe(c);
  return c;
}

Change DurationChange(std::string metric, const std::optional<double>& before,
                      const std::optional<double>& after, const std::vector<double>& x,
                      const std::vector<double>& y) {
  Change c;
  c.metric = std::move(metric);
  c.unit = "seconds";
  c.before = before;
  c.after = after;
  if (auto mw = MannWhitneyU(x, y)) {
    c.p_value = mw->p_value;
    c.test = "mann-whitney-u";
  }
  Describe(c);
  return c;
}

struct PeriodData {
  PeriodSummary summary;
  std::vector<double> ttd, tta, ttr, tbf;
};

}  // namespace

Result<InstantFormatter> InstantFormatter::Make(std::string_view time_zone) {
  if (time_zone.empty() || time_zone == "UTC") return InstantFormatter(nullptr, "UTC");
  try {
    const date::time_zone* zone = date::locate_zone(std::string(time_zone));
    return InstantFormatter(zone, std::string(time_zone));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidInput,
                     "time zone: unknown IANA zone \"" + std::string(time_zone) + "\"");
  }
}

std::string InstantFormatter::Format(Timestamp t) const {
  const auto s = std::chrono::floor<seconds>(t);
  if (zone_ == nullptr) return date::format("%FT%TZ", s);
  const date::zoned_time<seconds> zt(static_cast<const date::time_zone*>(zone_), s);
  return date::format("%FT%T%Ez", zt);
}

std::string InstantFormatter::FormatDate(Timestamp t) const {
  const auto s = std::chrono::floor<seconds>(t);
  if (zone_ == nullptr) return date::format("%F", s);
  const date::zoned_time<seconds> zt(static_cast<const date::time_zone*>(zone_), s);
  return date::format("%F", zt);
}

std::string HumanDuration(double secs) {
  if (!std::isfinite(secs)) return "?";
  const std::string sign = secs < 0 ? "-" : "";
  const auto total = static_cast<int64_t>(std::llround(std::fabs(secs)));
  const int64_t d = total / 86400, h = total % 86400 / 3600, m = total % 3600 / 60, s = total % 60;
  char buf[64];
  if (d > 0) {
    std::snprintf(buf, sizeof buf, "%lldd %lldh", static_cast<long long>(d),
                  static_cast<long long>(h));
  } else if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(h),
                  static_cast<long long>(m));
  } else if (m >= 10) {
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(m));
  } else if (m > 0) {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(m),
                  static_cast<long long>(s));
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  }
  return sign + buf;
}

std::string MarkdownEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_{}[]()<>#+-!|~").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

Result<ReportFormat> ParseReportFormat(std::string_view text) {
  if (text == "html") return ReportFormat::kHtml;
  if (text == "md" || text == "markdown") return ReportFormat::kMarkdown;
  if (text == "json") return ReportFormat::kJson;
  return MakeError(ErrorCode::kInvalidInput,
                   "format: expected html, md or json, got \"" + std::string(text) + "\"");
}

namespace {

// The phases of BuildBeforeAfterReport, in order.

// The two periods' bounds and lengths, and the weeks (counted from the before start) that
// the weekly chart shows.
void SetUpPeriods(const BeforeAfterInput& input, PeriodData& before, PeriodData& after,
                  std::vector<WeekCount>& weeks) {
  before.summary.start = input.cutover - input.window;
  before.summary.end = input.cutover;
  after.summary.start = input.cutover;
  after.summary.end = std::max(input.cutover, std::min(input.cutover + input.window, input.now));
  for (PeriodData* p : {&before, &after}) {
    p->summary.weeks = Weeks(p->summary.start, p->summary.end);
  }
  const auto week_count = static_cast<size_t>(
      std::ceil(ToSeconds(after.summary.end - before.summary.start) / ToSeconds(kWeek)));
  weeks.resize(week_count);
  for (size_t w = 0; w < week_count; ++w) weeks[w].start = before.summary.start + kWeek * w;
}

// The period that holds `t`, or nullptr.
PeriodData* PeriodOf(Timestamp t, PeriodData& before, PeriodData& after) {
  if (t >= before.summary.start && t < before.summary.end) return &before;
  if (t >= after.summary.start && t < after.summary.end) return &after;
  return nullptr;
}

// Counts each incident (by created_at) and each attack (by start) into its period and
// week; collects the durations and every severity seen.
void TallyCorrelation(const Correlation& corr, PeriodData& before, PeriodData& after,
                      std::vector<WeekCount>& weeks, std::set<std::string>& severities) {
  for (const CorrelatedIncident& c : corr.incidents) {
    const Timestamp t = c.incident->created_at;
    PeriodData* p = PeriodOf(t, before, after);
    if (p == nullptr) continue;
    PeriodSummary& s = p->summary;
    ++s.incidents;
    if (c.open) ++s.open_incidents;
    if (!c.negative_durations.empty()) ++s.negative_durations;
    ++s.by_severity[c.incident->severity];
    severities.insert(c.incident->severity);
    s.pages += static_cast<uint64_t>(std::max<int64_t>(0, c.incident->alert_count));
    if (c.ttd_seconds) p->ttd.push_back(*c.ttd_seconds);
    if (c.tta_seconds) p->tta.push_back(*c.tta_seconds);
    if (c.ttr_seconds) p->ttr.push_back(*c.ttr_seconds);
    if (c.tbf_seconds) p->tbf.push_back(*c.tbf_seconds);
    const auto week = static_cast<size_t>((t - before.summary.start) / kWeek);
    if (week < weeks.size()) ++weeks[week].by_severity[c.incident->severity];
  }
  for (const AttackDetection& d : corr.attacks) {
    PeriodData* p = PeriodOf(d.start, before, after);
    if (p == nullptr) continue;
    ++p->summary.attacks;
    if (d.sli_broken()) {
      ++p->summary.broken_attacks;
      if (d.detected()) ++p->summary.detected_attacks;
    }
  }
  for (PeriodData* p : {&before, &after}) {
    PeriodSummary& s = p->summary;
    s.ttd = Summarize(p->ttd);
    s.tta = Summarize(p->tta);
    s.ttr = Summarize(p->ttr);
    s.tbf = Summarize(p->tbf);
    if (s.broken_attacks > 0) {
      s.detection_coverage =
          static_cast<double>(s.detected_attacks) / static_cast<double>(s.broken_attacks);
    }
  }
}

// The incident rates (the high-severity headline first, then all, then each severity),
// pages, the durations and attacks run.
void AddIncidentChanges(const BeforeAfterInput& input, const PeriodData& before,
                        const PeriodData& after, BeforeAfterReport& r) {
  const double wb = before.summary.weeks, wa = after.summary.weeks;
  if (!input.high_severities.empty()) {
    uint64_t hb = 0, ha = 0;
    std::string label;
    for (const auto& sev : input.high_severities) {
      if (!label.empty()) label += "/";
      label += sev;
      if (auto it = before.summary.by_severity.find(sev); it != before.summary.by_severity.end()) {
        hb += it->second;
      }
      if (auto it = after.summary.by_severity.find(sev); it != after.summary.by_severity.end()) {
        ha += it->second;
      }
    }
    r.changes.push_back(RateChange(label + " incidents", hb, wb, ha, wa));
  }
  r.changes.push_back(
      RateChange("All incidents", before.summary.incidents, wb, after.summary.incidents, wa));
  for (const auto& sev : r.severities) {
    auto count = [&](const PeriodSummary& s) -> uint64_t {
      auto it = s.by_severity.find(sev);
      return it == s.by_severity.end() ? 0 : it->second;
    };
    r.changes.push_back(RateChange((sev.empty() ? std::string("Unclassified") : sev) + " incidents",
                                   count(before.summary), wb, count(after.summary), wa));
  }
  r.changes.push_back(RateChange("Pages", before.summary.pages, wb, after.summary.pages, wa));
  r.changes.push_back(DurationChange("MTTD", before.summary.ttd.mean, after.summary.ttd.mean,
                                     before.ttd, after.ttd));
  r.changes.push_back(DurationChange("MTTA", before.summary.tta.mean, after.summary.tta.mean,
                                     before.tta, after.tta));
  r.changes.push_back(DurationChange("MTTR", before.summary.ttr.mean, after.summary.ttr.mean,
                                     before.ttr, after.ttr));
  r.changes.push_back(DurationChange("Median TTR", before.summary.ttr.median,
                                     after.summary.ttr.median, before.ttr, after.ttr));
  r.changes.push_back(DurationChange("p90 TTR", before.summary.ttr.p90, after.summary.ttr.p90,
                                     before.ttr, after.ttr));
  Change mtbf = DurationChange("MTBF", before.summary.tbf.mean, after.summary.tbf.mean, before.tbf,
                               after.tbf);
  mtbf.lower_is_better = false;
  r.changes.push_back(std::move(mtbf));
  r.changes.push_back(RateChange("Chaos attacks run", before.summary.attacks, wb,
                                 after.summary.attacks, wa, /*lower_is_better=*/false));
}

// The share of SLI-breaking attacks that were detected, with Fisher's exact test.
Change DetectionCoverageChange(const PeriodSummary& b, const PeriodSummary& a) {
  Change cov;
  cov.metric = "Detection coverage";
  cov.unit = "ratio";
  cov.lower_is_better = false;
  cov.before = b.detection_coverage;
  cov.after = a.detection_coverage;
  if (cov.before && cov.after) {
    cov.p_value = FisherExactTwoSided(b.detected_attacks, b.broken_attacks - b.detected_attacks,
                                      a.detected_attacks, a.broken_attacks - a.detected_attacks);
    cov.test = "fisher-exact";
  }
  Describe(cov);
  return cov;
}

// Each critical service's attainment per period: a row for the chart and a change.
void AddSlaChanges(const std::vector<ServiceAttainmentInput>& sla, BeforeAfterReport& r) {
  for (const ServiceAttainmentInput& s : sla) {
    SlaRow row{s.service, s.objective, std::nullopt, std::nullopt};
    if (s.total_before > 0) {
      row.before = static_cast<double>(s.good_before) / static_cast<double>(s.total_before);
    }
    if (s.total_after > 0) {
      row.after = static_cast<double>(s.good_after) / static_cast<double>(s.total_after);
    }
    Change c;
    c.metric = s.service + " SLA attainment";
    c.unit = "ratio";
    c.lower_is_better = false;
    c.before = row.before;
    c.after = row.after;
    const uint64_t bad_before = s.total_before - std::min(s.good_before, s.total_before);
    const uint64_t bad_after = s.total_after - std::min(s.good_after, s.total_after);
    if (row.before && row.after && bad_before + bad_after > 0) {
      // Failed probes are rare events over the probes run: a rate test with the probe
      // counts as exposure.
      c.p_value = PoissonRateTest(bad_before, static_cast<double>(s.total_before), bad_after,
                                  static_cast<double>(s.total_after))
                      .p_value;
      c.test = "poisson-rate";
    } else if (row.before && row.after) {
      c.p_value = 1;
      c.test = "poisson-rate";
    }
    Describe(c);
    r.changes.push_back(std::move(c));
    r.sla.push_back(std::move(row));
  }
}

}  // namespace

BeforeAfterReport BuildBeforeAfterReport(const BeforeAfterInput& input) {
  BeforeAfterReport r;
  r.cutover = input.cutover;
  r.window = input.window;
  r.generated_at = input.now;
  r.time_zone = input.time_zone;
  PeriodData before, after;
  SetUpPeriods(input, before, after, r.weeks);
  static const Correlation kEmpty;
  std::set<std::string> severities;
  TallyCorrelation(input.correlation ? *input.correlation : kEmpty, before, after, r.weeks,
                   severities);
  r.severities.assign(severities.begin(), severities.end());
  // The changes, headline first.
  AddIncidentChanges(input, before, after, r);
  r.changes.push_back(DetectionCoverageChange(before.summary, after.summary));
  AddSlaChanges(input.sla, r);

  std::sort(before.ttr.begin(), before.ttr.end());
  std::sort(after.ttr.begin(), after.ttr.end());
  r.ttr_before = std::move(before.ttr);
  r.ttr_after = std::move(after.ttr);
  r.before = std::move(before.summary);
  r.after = std::move(after.summary);
  return r;
}

ServiceTimeline ServiceTimelineFromRollups(
    std::string service, double objective,
    const std::vector<std::pair<Timestamp, store::Rollup>>& minutes, Timestamp window_start,
    Timestamp window_end) {
  ServiceTimeline out;
  out.service = std::move(service);
  out.objective = objective;
  for (const auto& [minute, r] : minutes) {
    if (r.total == 0) continue;
    out.success_ratio.push_back(
        {minute, static_cast<double>(r.good) / static_cast<double>(r.total)});
    // The upper bound of the bucket holding the 90th percentile; the open last bucket is
    // drawn at the last finite bound.
    const double target = 0.9 * static_cast<double>(r.total);
    uint64_t seen = 0;
    size_t bucket = 0;
    for (; bucket < store::kLatencyBuckets; ++bucket) {
      seen += r.latency_buckets[bucket];
      if (static_cast<double>(seen) >= target) break;
    }
    bucket = std::min(bucket, store::kLatencyBuckets - 2);
    out.latency_p90_ms.push_back(
        {minute, static_cast<double>(store::kLatencyBucketUpperBoundsMs[bucket])});
    if (minute + std::chrono::minutes(1) > window_start && minute < window_end) {
      out.window_good += r.good;
      out.window_total += r.total;
    }
  }
  if (out.window_total > 0 && objective < 1) {
    const double sli = static_cast<double>(out.window_good) / static_cast<double>(out.window_total);
    out.burn_rate = (1 - sli) / (1 - objective);
  }
  return out;
}

AttackReport BuildAttackReport(const AttackReportInput& input) {
  AttackReport r;
  r.attack = input.attack;
  r.open = !input.attack.end.has_value();
  r.window_end = input.attack.end.value_or(input.now);
  r.range_start = input.range_start;
  r.range_end = input.range_end;
  r.generated_at = input.now;
  r.time_zone = input.time_zone;
  r.services = input.services;
  r.host_cpu = input.host_cpu;
  r.alerts = input.alerts;
  std::sort(r.alerts.begin(), r.alerts.end(),
            [](const FiredAlert& a, const FiredAlert& b) { return a.fired_at < b.fired_at; });
  if (input.correlation != nullptr) {
    for (const CorrelatedIncident& c : input.correlation->incidents) {
      if (c.attack_id == input.attack.id) r.incidents.push_back(c);
    }
    for (const AttackDetection& d : input.correlation->attacks) {
      if (d.attack_id != input.attack.id) continue;
      r.broken_services = d.broken_services;
      r.sli_broken = d.sli_broken();
      r.detected = d.detected();
      r.missed_detection = d.missed();
    }
  }
  if (input.attack.steady_state == "held" || input.attack.steady_state == "broken") {
    r.steady_state = input.attack.steady_state;
    r.steady_state_source = "tool";
  } else {
    r.steady_state_source = "probes";
    const bool probed = std::any_of(r.services.begin(), r.services.end(),
                                    [](const ServiceTimeline& s) { return s.window_total > 0; });
    r.steady_state = r.sli_broken ? "broken" : probed ? "held" : "unknown";
  }
  return r;
}

}  // namespace steadystate::incidents
