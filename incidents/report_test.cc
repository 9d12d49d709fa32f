#include "incidents/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace steadystate::incidents {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

Timestamp T(Duration offset = Duration(0)) {
  return Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 11 / 2)) + hours(10) + offset;
}

TEST(InstantFormatter, UtcByDefaultAndIanaZonesOnRequest) {
  auto utc = InstantFormatter::Make("");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->Format(T(std::chrono::milliseconds(1500))), "2026-11-02T10:00:01Z");
  // Berlin is on CET (+01:00) in November, CEST (+02:00) in July.
  auto berlin = InstantFormatter::Make("Europe/Berlin");
  ASSERT_TRUE(berlin.ok()) << berlin.error().message;
  EXPECT_EQ(berlin->Format(T()), "2026-11-02T11:00:00+01:00");
  EXPECT_EQ(berlin->Format(T() - days(120)), "2026-07-05T12:00:00+02:00");
  // 23:30 UTC is already the next day in Berlin.
  EXPECT_EQ(berlin->FormatDate(T(hours(13) + minutes(30))), "2026-11-03");
  auto bad = InstantFormatter::Make("Mars/Olympus");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(bad.error().message, HasSubstr("Mars/Olympus"));
}

TEST(Report, HumanDurations) {
  EXPECT_EQ(HumanDuration(45), "45s");
  EXPECT_EQ(HumanDuration(150), "2m 30s");
  EXPECT_EQ(HumanDuration(720), "12m");
  EXPECT_EQ(HumanDuration(3900), "1h 05m");
  EXPECT_EQ(HumanDuration(2 * 86400 + 3 * 3600), "2d 3h");
  EXPECT_EQ(HumanDuration(-60), "-1m 00s");  // clock skew keeps its sign
}

TEST(Report, Escaping) {
  EXPECT_EQ(MarkdownEscape("a|b *c* [d](e)\nf"), "a\\|b \\*c\\* \\[d\\]\\(e\\) f");
}

TEST(Report, ParsesFormats) {
  EXPECT_EQ(*ParseReportFormat("html"), ReportFormat::kHtml);
  EXPECT_EQ(*ParseReportFormat("md"), ReportFormat::kMarkdown);
  EXPECT_EQ(*ParseReportFormat("json"), ReportFormat::kJson);
  auto bad = ParseReportFormat("pdf");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("format"));
}

// Cutover at T, window 4 weeks, now = T + 4 weeks.
//   before: 12 sev1 incidents (one a week-ish), TTR 1h each, 2 pages each;
//   after:   2 sev1 incidents, TTR 10m each, 1 page each; one sev3, still open.
//   www probes: 9990 / 10000 good before, 9999 / 10000 after, objective 99.9%.
Correlation Fixture() {
  Correlation c;
  for (int i = 0; i < 12; ++i) {
    Incident incident;
    incident.id = "b" + std::to_string(i);
    incident.severity = "sev1";
    incident.service = "www";
    incident.alert_count = 2;
    incident.created_at = T(-days(27) + days(2) * i);
    CorrelatedIncident x;
    x.incident = std::make_shared<const Incident>(std::move(incident));
    x.ttr_seconds = 3600;
    c.incidents.push_back(x);
  }
  for (int i = 0; i < 2; ++i) {
    Incident incident;
    incident.id = "a" + std::to_string(i);
    incident.severity = "sev1";
    incident.service = "www";
    incident.alert_count = 1;
    incident.created_at = T(days(3) + days(7) * i);
    CorrelatedIncident x;
    x.incident = std::make_shared<const Incident>(std::move(incident));
    x.ttr_seconds = 600;
    x.attack_id = "atk";
    c.incidents.push_back(x);
  }
  Incident open_incident;
  open_incident.id = "o";
  open_incident.severity = "sev3";
  open_incident.title = "<b>bold</b>";
  open_incident.created_at = T(days(20));
  CorrelatedIncident open;
  open.incident = std::make_shared<const Incident>(std::move(open_incident));
  open.open = true;
  c.incidents.push_back(open);
  AttackDetection missed;
  missed.attack_id = "m";
  missed.start = T(days(1));
  missed.broken_services = {"www"};
  AttackDetection detected = missed;
  detected.attack_id = "atk";
  detected.start = T(days(2));
  detected.incident_ids = {"a0"};
  c.attacks = {missed, detected};
  return c;
}

BeforeAfterInput Input(const Correlation& c) {
  BeforeAfterInput in;
  in.cutover = T();
  in.window = days(28);
  in.now = T(days(28));
  in.correlation = &c;
  in.sla = {{"www", 0.999, 9990, 10000, 9999, 10000}, {"<script>", 0.99, 0, 0, 5, 10}};
  return in;
}

const Change& FindChange(const BeforeAfterReport& r, const std::string& metric) {
  for (const Change& c : r.changes) {
    if (c.metric == metric) return c;
  }
  ADD_FAILURE() << "no change " << metric;
  static const Change kNone;
  return kNone;
}

TEST(BeforeAfter, PeriodsRatesAndTests) {
  const Correlation c = Fixture();
  const BeforeAfterReport r = BuildBeforeAfterReport(Input(c));
  EXPECT_DOUBLE_EQ(r.before.weeks, 4);
  EXPECT_DOUBLE_EQ(r.after.weeks, 4);
  EXPECT_EQ(r.before.incidents, 12u);
  EXPECT_EQ(r.after.incidents, 3u);
  EXPECT_EQ(r.after.open_incidents, 1u);
  EXPECT_EQ(r.before.pages, 24u);
  EXPECT_EQ(r.after.pages, 2u);
  EXPECT_EQ(r.after.attacks, 2u);
  EXPECT_EQ(r.after.detection_coverage, 0.5);
  EXPECT_EQ(r.weeks.size(), 8u);
  EXPECT_THAT(r.severities, ::testing::ElementsAre("sev1", "sev3"));

  // 12 vs 2 in 4 weeks each: 3.0 vs 0.5 per week. Exact conditional test: Binomial(14, 1/2)
  // at 12, p = 2 (1 + 14 + 91) / 16384 = 0.0129.
  const Change& high = r.changes.front();
  EXPECT_EQ(high.metric, "sev0/sev1 incidents");
  EXPECT_DOUBLE_EQ(*high.before, 3.0);
  EXPECT_DOUBLE_EQ(*high.after, 0.5);
  EXPECT_DOUBLE_EQ(*high.absolute, -2.5);
  EXPECT_NEAR(*high.relative, -2.5 / 3, 1e-12);
  EXPECT_NEAR(*high.p_value, 0.012939453125, 1e-9);
  EXPECT_EQ(high.test, "poisson-rate");
  EXPECT_EQ(high.sentence, "sev0/sev1 incidents fell from 3.0 to 0.5 per week, p = 0.013");

  // TTR: twelve 3600 s vs two 600 s. U = 24, mean 12, tie-corrected variance
  // 24 / 12 * (15 - (1716 + 6) / 182) = 11.0769, z = 11.5 / 3.3282 = 3.455: p = 0.00055.
  const Change& mttr = FindChange(r, "MTTR");
  EXPECT_EQ(mttr.before, 3600);
  EXPECT_EQ(mttr.after, 600);
  EXPECT_EQ(mttr.test, "mann-whitney-u");
  EXPECT_NEAR(*mttr.p_value, 0.00055, 0.00002);
  EXPECT_EQ(mttr.sentence, "MTTR fell from 1h 00m to 10m, p < 0.001");

  // Nothing measured before: said so, not a made-up change.
  const Change& cov = FindChange(r, "Detection coverage");
  EXPECT_FALSE(cov.before.has_value());
  EXPECT_EQ(cov.sentence, "Detection coverage: no data before the cutover");

  // Failed probes 10 vs 1 over 10000 each: Binomial(11, 1/2) at 10, p = 24 / 2048.
  const Change& sla = FindChange(r, "www SLA attainment");
  EXPECT_DOUBLE_EQ(*sla.before, 0.999);
  EXPECT_DOUBLE_EQ(*sla.after, 0.9999);
  EXPECT_NEAR(*sla.p_value, 0.01171875, 1e-9);
  EXPECT_EQ(sla.sentence, "www SLA attainment rose from 99.9% to 99.99%, p = 0.012");

  const Change& sev3 = FindChange(r, "sev3 incidents");
  EXPECT_EQ(sev3.sentence,
            "sev3 incidents rose from 0.0 to 0.2 per week, p = 1 (not significant: could be "
            "chance)");
}

TEST(BeforeAfter, AfterPeriodEndsAtNow) {
  const Correlation c = Fixture();
  BeforeAfterInput in = Input(c);
  in.now = T(days(14));
  const BeforeAfterReport r = BuildBeforeAfterReport(in);
  EXPECT_DOUBLE_EQ(r.after.weeks, 2);
  EXPECT_EQ(r.after.incidents, 2u);  // the one at +20d is in the future of now
  EXPECT_DOUBLE_EQ(*r.changes.front().after, 1.0);
}

TEST(BeforeAfter, RenderersEscapeAndDrawCharts) {
  const Correlation c = Fixture();
  const BeforeAfterReport r = BuildBeforeAfterReport(Input(c));
  auto html = RenderBeforeAfterHtml(r);
  ASSERT_TRUE(html.ok());
  EXPECT_THAT(*html, HasSubstr("<svg id=\"weekly-incidents\""));
  EXPECT_THAT(*html, HasSubstr("<svg id=\"ttr-distribution\""));
  EXPECT_THAT(*html, HasSubstr("<svg id=\"sla-attainment\""));
  EXPECT_THAT(*html, HasSubstr("class=\"cutover\""));
  EXPECT_THAT(*html, HasSubstr("cutover 2026-11-02"));
  EXPECT_THAT(*html, HasSubstr("sev0/sev1 incidents fell from 3.0 to 0.5 per week, p = 0.013"));
  EXPECT_THAT(*html, HasSubstr("&lt;script&gt;"));
  EXPECT_THAT(*html, Not(HasSubstr("<script")));
  EXPECT_THAT(*html, Not(HasSubstr("http://www.w3.org/1999")));  // no external resources
  EXPECT_THAT(*html, Not(HasSubstr("src=")));

  auto md = RenderBeforeAfterMarkdown(r);
  ASSERT_TRUE(md.ok());
  EXPECT_THAT(*md, HasSubstr("- sev0/sev1 incidents fell from 3.0 to 0.5 per week, p = 0.013"));
  EXPECT_THAT(*md, HasSubstr("| \\<script\\> SLA attainment |"));

  auto json_text = RenderBeforeAfterJson(r);
  ASSERT_TRUE(json_text.ok());
  const auto j = nlohmann::json::parse(*json_text);
  EXPECT_EQ(j["cutover"], "2026-11-02T10:00:00Z");
  EXPECT_EQ(j["window"], "4w");
  EXPECT_EQ(j["before"]["incidents"], 12);
  EXPECT_EQ(j["after"]["incidents_by_severity"]["sev3"], 1);
  EXPECT_EQ(j["changes"][0]["test"], "poisson-rate");
  EXPECT_TRUE(j["after"]["ttd_seconds"]["mean"].is_null());
  EXPECT_EQ(j["weekly_incidents"].size(), 8u);

  BeforeAfterReport zoned = r;
  zoned.time_zone = "America/New_York";
  auto zoned_json = RenderBeforeAfterJson(zoned);
  ASSERT_TRUE(zoned_json.ok());
  EXPECT_EQ(nlohmann::json::parse(*zoned_json)["cutover"], "2026-11-02T05:00:00-05:00");
  zoned.time_zone = "Nowhere/Land";
  EXPECT_FALSE(RenderBeforeAfterHtml(zoned).ok());
}

store::Rollup Minute(uint64_t total, uint64_t good, size_t latency_bucket) {
  store::Rollup r;
  r.total = total;
  r.good = good;
  r.latency_buckets[latency_bucket] = total;
  return r;
}

// Minutes 09:59 (ok), 10:00 and 10:01 (2 of 6 good), 10:02 (ok); window 10:00-10:02:
// good 4 of 12 in the window, SLI 1/3, burn (2/3) / 0.001 = 666.7.
TEST(AttackReport, TimelineBurnAndMissedDetection) {
  const std::vector<std::pair<Timestamp, store::Rollup>> minutes_seen = {
      {T(-minutes(1)), Minute(6, 6, 3)},
      {T(), Minute(6, 2, 8)},
      {T(minutes(1)), Minute(6, 2, 8)},
      {T(minutes(2)), Minute(6, 6, 3)}};
  ServiceTimeline www = ServiceTimelineFromRollups("www", 0.999, minutes_seen, T(), T(minutes(2)));
  ASSERT_EQ(www.success_ratio.size(), 4u);
  EXPECT_DOUBLE_EQ(www.success_ratio[1].value, 2.0 / 6);
  EXPECT_EQ(www.latency_p90_ms[0].value, 50);    // bucket 3: <= 50 ms
  EXPECT_EQ(www.latency_p90_ms[1].value, 2500);  // bucket 8: <= 2500 ms
  EXPECT_EQ(www.window_good, 4u);
  EXPECT_EQ(www.window_total, 12u);
  EXPECT_NEAR(*www.burn_rate, (2.0 / 3) / 0.001, 1e-6);

  chaos::Attack attack;
  attack.id = "atk-1";
  attack.name = "latency <on> www";
  attack.type = "latency";
  attack.services = {"www"};
  attack.targets = {"web-1"};
  attack.created_by = "alice";
  attack.start = T();
  attack.end = T(minutes(2));
  attack.outcome = "completed";
  Correlation corr;
  AttackDetection d;
  d.attack_id = "atk-1";
  d.start = T();
  d.end = T(minutes(2));
  d.broken_services = {"www"};
  corr.attacks = {d};

  AttackReportInput in;
  in.attack = attack;
  in.correlation = &corr;
  in.services = {www};
  in.host_cpu = {{T(), 0.4}, {T(minutes(1)), 0.95}};
  in.range_start = T(-minutes(10));
  in.range_end = T(minutes(20));
  in.now = T(hours(1));
  const AttackReport r = BuildAttackReport(in);
  EXPECT_TRUE(r.missed_detection);
  EXPECT_EQ(r.steady_state, "broken");
  EXPECT_EQ(r.steady_state_source, "probes");

  auto html = RenderAttackHtml(r);
  ASSERT_TRUE(html.ok());
  EXPECT_THAT(*html, HasSubstr("<svg id=\"attack-timeline\""));
  EXPECT_THAT(*html, HasSubstr("class=\"attack\""));
  EXPECT_THAT(*html, HasSubstr("Missed detection"));
  EXPECT_THAT(*html, HasSubstr("latency &lt;on&gt; www"));
  EXPECT_THAT(*html, HasSubstr("class=\"line success\""));
  EXPECT_THAT(*html, HasSubstr("666.7x"));
  auto md = RenderAttackMarkdown(r);
  ASSERT_TRUE(md.ok());
  EXPECT_THAT(*md, HasSubstr("> **Missed detection"));
  EXPECT_THAT(*md, StartsWith("# Attack "));
  auto json_text = RenderAttackJson(r);
  ASSERT_TRUE(json_text.ok());
  const auto j = nlohmann::json::parse(*json_text);
  EXPECT_EQ(j["missed_detection"], true);
  EXPECT_EQ(j["attack"]["created_by"], "alice");
  EXPECT_EQ(j["services"][0]["window_total"], 12);

  // The tool's own verdict wins over our probes; no probes at all: unknown.
  in.attack.steady_state = "held";
  EXPECT_EQ(BuildAttackReport(in).steady_state, "held");
  EXPECT_EQ(BuildAttackReport(in).steady_state_source, "tool");
  in.attack.steady_state = "unknown";
  in.services.clear();
  corr.attacks[0].broken_services.clear();
  EXPECT_EQ(BuildAttackReport(in).steady_state, "unknown");
}

}  // namespace
}  // namespace steadystate::incidents
