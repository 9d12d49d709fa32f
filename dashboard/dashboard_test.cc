#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include <date/date.h>

#include "common/text.h"
#include "dashboard/assets.h"
#include "dashboard/html.h"
#include "dashboard/model.h"
#include "slo/slo_engine.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace steadystate::dashboard {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::HasSubstr;
using ::testing::Not;

const Timestamp kNow = Timestamp{days(20600)} + hours(13);

slo::SloStatus Status(std::optional<double> sli, double objective = 0.999) {
  slo::SloStatus s;
  s.config.name = "availability";
  s.config.objective_percent = objective * 100;
  s.objective = objective;
  s.window = {kNow - days(30), kNow};
  if (sli) {
    s.counts = {static_cast<uint64_t>(std::llround(*sli * 100000)), 100000};
    s.sli = sli;
    const double bad = 1 - *sli;
    s.budget.remaining_ratio = 1 - bad / (1 - objective);
    s.budget.remaining = std::chrono::duration_cast<Duration>(
        std::chrono::duration<double>(*s.budget.remaining_ratio * (1 - objective) * 30 * 86400));
    s.budget.exhausted = *s.budget.remaining_ratio <= 0;
    s.met = slo::MeetsObjective(*sli, objective);
  }
  for (Duration l : slo::StandardLookbacks())
    s.burn_rates[l] = sli ? std::optional(0.1) : std::nullopt;
  return s;
}

ServiceRow Row(const std::string& name, bool critical, std::optional<double> sli) {
  ServiceRow row;
  row.name = name;
  row.critical = critical;
  row.slos.push_back(MakeSloRow(Status(sli), slo::DefaultBurnRateTiers()));
  row.health = WorstHealth(row.slos);
  row.history_objective = 0.999;
  row.history_slo = "availability";
  for (int i = kHistoryDays - 1; i >= 0; --i) {
    DayBar& d = row.history.emplace_back();
    d.day = std::chrono::floor<days>(kNow) - days(i);
    d.total = 1440;
    d.good = i == 3 ? 1400 : 1440;
  }
  return row;
}

Overview MakeOverview(std::vector<ServiceRow> rows) {
  Overview o;
  o.now = kNow;
  o.evaluated_at = kNow;
  o.services = std::move(rows);
  o.verdict = MakeVerdict(o.services, true);
  return o;
}

// The <tr> of `service` in a rendered overview (a line of its own, without end tags).
std::string RowOf(const std::string& html, const std::string& service) {
  const auto start = html.find("<tr id=\"svc-" + service + "\"");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find('\n', start) - start);
}

TEST(DashboardStatus, MetSloIsMeeting) {
  EXPECT_EQ(MakeSloRow(Status(0.9995), slo::DefaultBurnRateTiers()).health, Health::kMeeting);
}

TEST(DashboardStatus, SliBelowObjectiveIsBreached) {
  EXPECT_EQ(MakeSloRow(Status(0.99), slo::DefaultBurnRateTiers()).health, Health::kBreached);
}

TEST(DashboardStatus, NoProbesIsNoData) {
  SloRow row = MakeSloRow(Status(std::nullopt), slo::DefaultBurnRateTiers());
  EXPECT_EQ(row.health, Health::kNoData);
  EXPECT_EQ(HealthWord(row.health), "no data");
}

TEST(DashboardStatus, MetButFastBurnIsBurning) {
  slo::SloStatus s = Status(0.9995);
  s.burn_rates[hours(1)] = 20;
  s.burn_rates[minutes(5)] = 30;
  SloRow row = MakeSloRow(s, slo::DefaultBurnRateTiers());
  EXPECT_EQ(row.health, Health::kBurning);
  EXPECT_EQ(row.burning_tier, "page 1h/5m");
}

TEST(DashboardStatus, ServiceTakesItsWorstSlo) {
  std::vector<SloRow> slos = {MakeSloRow(Status(0.9995), {}), MakeSloRow(Status(0.9), {})};
  EXPECT_EQ(WorstHealth(slos), Health::kBreached);
}

TEST(DashboardVerdict, AllCriticalMeeting) {
  Verdict v = MakeVerdict(
      {Row("www", true, 0.9999), Row("api", true, 0.9995), Row("batch", false, 0.5)}, true);
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.Text(), "All 2 critical services are meeting their SLOs");
}

TEST(DashboardVerdict, NamesTheCriticalServicesNotMeeting) {
  Verdict v = MakeVerdict(
      {Row("www", true, 0.9999), Row("api", true, 0.98), Row("db", true, std::nullopt)}, true);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.Text(),
            "2 of 3 critical services are not meeting their SLOs: api (breached) and db (no data)");
}

TEST(DashboardVerdict, NamesThreeAndCountsTheRest) {
  std::vector<ServiceRow> rows;
  for (const char* name : {"a", "b", "c", "d", "e"}) rows.push_back(Row(name, true, 0.5));
  EXPECT_EQ(MakeVerdict(rows, true).Text(),
            "5 of 5 critical services are not meeting their SLOs: a (breached), b (breached), "
            "c (breached) and 2 more");
  rows.pop_back();
  rows.pop_back();
  EXPECT_EQ(MakeVerdict(rows, true).Text(),
            "3 of 3 critical services are not meeting their SLOs: a (breached), b (breached) "
            "and c (breached)");
  // The page still links every failing service.
  rows.push_back(Row("e", true, 0.5));
  const std::string html = RenderOverview(MakeOverview(rows));
  EXPECT_THAT(html, HasSubstr("<a href=\"/services/e\">e</a> (breached)</p>"));
}

TEST(DashboardVerdict, WithoutCriticalServicesEveryServiceCounts) {
  Verdict v = MakeVerdict({Row("www", false, 0.98)}, true);
  EXPECT_FALSE(v.critical_scope);
  EXPECT_EQ(v.Text(), "1 of 1 service is not meeting its SLOs: www (breached)");
}

TEST(DashboardVerdict, BeforeTheFirstEvaluation) {
  Verdict v = MakeVerdict({}, false);
  EXPECT_FALSE(v.ok);
  EXPECT_THAT(v.Text(), HasSubstr("first evaluation"));
}

TEST(DashboardRender, VerdictAtTheTop) {
  const std::string html = RenderOverview(MakeOverview({Row("www", true, 0.9999)}));
  const auto h1 = html.find("<h1 id=\"verdict\">The critical service is meeting its SLOs</h1>");
  ASSERT_NE(h1, std::string::npos) << html;
  EXPECT_LT(h1, html.find("<table"));
  EXPECT_THAT(html, HasSubstr("verdict v-ok"));
}

TEST(DashboardRender, BreachedRowInWordsAndColourWithALink) {
  const std::string html =
      RenderOverview(MakeOverview({Row("www", true, 0.9999), Row("api", true, 0.98)}));
  const std::string api = RowOf(html, "api");
  EXPECT_THAT(api, HasSubstr("class=\"st-breached\""));
  EXPECT_THAT(api, HasSubstr("breached</b>"));
  EXPECT_THAT(api, HasSubstr("<th scope=\"row\"><a href=\"/services/api\">api</a>"));
  EXPECT_THAT(api, HasSubstr("98%"));
  EXPECT_THAT(api, HasSubstr("exhausted"));
  EXPECT_THAT(RowOf(html, "www"), HasSubstr("meeting</b>"));
  EXPECT_THAT(html, HasSubstr("verdict v-bad"));
  EXPECT_THAT(html, HasSubstr("<a href=\"/services/api\">api</a> (breached)"));
}

TEST(DashboardRender, LastProbeShowsHowLongAgoOnTheOverviewAndTheTimeOnTheServicePage) {
  ServiceRow row = Row("api", true, 0.98);
  row.last_probe = LastProbeView{kNow - std::chrono::seconds(75), false, "timeout", 0.5};
  const std::string overview = RenderOverview(MakeOverview({row}));
  EXPECT_THAT(RowOf(overview, "api"),
              HasSubstr("<td>500 ms <b class=\"bad\">failed: timeout</b><br>1m 15s ago<td>"));
  ServiceDetail d;
  d.now = kNow;
  d.row = row;
  EXPECT_THAT(RenderServicePage(d), HasSubstr("failed: timeout</b><br><time datetime=\""));
}

TEST(DashboardRender, NoDataRow) {
  const std::string html = RenderOverview(MakeOverview({Row("www", true, std::nullopt)}));
  const std::string row = RowOf(html, "www");
  EXPECT_THAT(row, HasSubstr("st-nodata"));
  EXPECT_THAT(row, HasSubstr("no data"));
  EXPECT_THAT(html, HasSubstr("www (no data)"));
}

TEST(DashboardRender, SemanticTableMarkup) {
  const std::string html = RenderOverview(MakeOverview({Row("www", true, 0.9999)}));
  EXPECT_THAT(html, HasSubstr("<th scope=\"col\">Status</th>"));
  EXPECT_THAT(html, HasSubstr("<caption>"));
  EXPECT_THAT(html, HasSubstr("<html lang=\"en\">"));
  // The history strip is an image described in words (the script makes it focusable).
  EXPECT_THAT(html, HasSubstr("<svg viewBox=\"0 0 90 8\" role=\"img\" data-days="));
  EXPECT_THAT(html, HasSubstr("><title>availability: 89 met, 1 missed</title>"));
  EXPECT_THAT(html, Not(HasSubstr("http://")));  // no external asset
  EXPECT_THAT(html, Not(HasSubstr("https://")));
}

TEST(DashboardRender, EscapesEveryString) {
  Overview o = MakeOverview({Row("www", true, 0.9999)});
  AttackRow attack;
  attack.id = "a1";
  attack.type = "cpu";
  attack.name = "<script>alert(1)</script>";
  attack.created_by = "eve\" onmouseover=\"x";
  attack.targets = {"<b>host</b>"};
  attack.services = {"www"};
  attack.start = kNow - minutes(5);
  o.active_attacks.push_back(attack);
  o.services[0].attacks.push_back(attack);
  incidents::Incident incident;
  incident.id = "pagerduty:P1";
  incident.title = "DB <down> & 'out'";
  incident.service = "www";
  incident.severity = "sev1";
  incident.status = "triggered";
  incident.created_at = kNow - minutes(12);
  o.open_incidents.push_back(MakeIncidentRow(incident, {attack}, kNow, minutes(15)));
  o.alerts.push_back(
      AlertRow{"HostCpuHigh", "firing", "warning", "mountpoint=</td>", kNow, 0.9, 0.8, {}});
  const std::string html = RenderOverview(o);
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("eve&quot; onmouseover=&quot;x"));
  EXPECT_THAT(html, HasSubstr("&lt;b&gt;host&lt;/b&gt;"));
  EXPECT_THAT(html, HasSubstr("DB &lt;down&gt; &amp; &#39;out&#39;"));
  EXPECT_THAT(html, HasSubstr("mountpoint=&lt;/td&gt;"));
  EXPECT_THAT(RenderNotFound("<x>"), HasSubstr("&ldquo;&lt;x&gt;&rdquo;"));
}

TEST(HtmlLinks, OnlyHttpAndHttpsUrlsBecomeLinks) {
  EXPECT_TRUE(IsHttpUrl("https://acme.pagerduty.com/incidents/P1"));
  EXPECT_TRUE(IsHttpUrl("HTTP://example.com"));
  EXPECT_TRUE(IsHttpUrl("hTtPs://example.com/a?b=c"));
  EXPECT_FALSE(IsHttpUrl("javascript:alert(1)"));
  EXPECT_FALSE(IsHttpUrl("JavaScript:alert(1)"));
  EXPECT_FALSE(IsHttpUrl(" https://example.com"));
  EXPECT_FALSE(IsHttpUrl("\x01https://example.com"));
  EXPECT_FALSE(IsHttpUrl("https://exa\tmple.com"));
  EXPECT_FALSE(IsHttpUrl("java\nscript:alert(1)"));
  EXPECT_FALSE(IsHttpUrl("data:text/html,<script>alert(1)</script>"));
  EXPECT_FALSE(IsHttpUrl("//evil.example"));
  EXPECT_FALSE(IsHttpUrl("https://"));
  EXPECT_FALSE(IsHttpUrl("https:///x"));
  EXPECT_FALSE(IsHttpUrl(""));
}

TEST(DashboardRender, IncidentUrlsAreLinksOnlyForHttpAndHttps) {
  Overview o = MakeOverview({Row("www", true, 0.9999)});
  incidents::Incident evil;
  evil.id = "pagerduty:P1";
  evil.title = "evil";
  evil.url = "javascript:alert(document.cookie)";
  evil.service = "www";
  evil.created_at = kNow - minutes(12);
  incidents::Incident good = evil;
  good.id = "pagerduty:P2";
  good.title = "good";
  good.url = "https://acme.pagerduty.com/incidents/P2";
  for (const auto& in : {evil, good}) {
    IncidentRow row = MakeIncidentRow(in, {}, kNow, minutes(15));
    o.services[0].incidents.push_back(row);
    o.open_incidents.push_back(row);
  }
  ServiceDetail detail;
  detail.row = o.services[0];
  detail.now = kNow;
  detail.incidents = o.open_incidents;
  for (const std::string& html : {RenderOverview(o), RenderServicePage(detail)}) {
    EXPECT_THAT(html, Not(HasSubstr("javascript:")));
    EXPECT_THAT(html, HasSubstr("<a href=\"https://acme.pagerduty.com/incidents/P2\">good</a>"));
  }
}

TEST(DashboardRender, OpenIncidentsWithAgeSeverityAndChaosAttribution) {
  Overview o = MakeOverview({Row("www", true, 0.9999)});
  AttackRow attack;
  attack.id = "20261125-cpu";
  attack.type = "cpu";
  attack.services = {"www"};
  attack.start = kNow - minutes(20);
  incidents::Incident incident;
  incident.id = "pagerduty:P1";
  incident.title = "www slow";
  incident.service = "www";
  incident.severity = "sev1";
  incident.status = "triggered";
  incident.created_at = kNow - minutes(12);
  IncidentRow row = MakeIncidentRow(incident, {attack}, kNow, minutes(15));
  EXPECT_EQ(row.attack_id, "20261125-cpu");
  EXPECT_EQ(row.ttd, minutes(8));
  o.services[0].incidents.push_back(row);
  o.open_incidents.push_back(row);
  const std::string html = RenderOverview(o);
  EXPECT_THAT(RowOf(html, "www"), HasSubstr("<strong>sev1</strong> triggered, open 12m: www slow"));
  EXPECT_THAT(html, HasSubstr("<td>8m</td>"));  // TTD in the incidents table
}

TEST(DashboardRender, IncidentAndAttackStormsAreCutToTheNewest) {
  Overview o = MakeOverview({Row("www", true, 0.98)});
  for (int k = 0; k < 500; ++k) {
    incidents::Incident incident;
    incident.id = "pagerduty:P" + std::to_string(k);
    incident.title = "storm " + std::to_string(k);
    incident.service = "www";
    incident.severity = "sev3";
    incident.status = "triggered";
    incident.created_at = kNow - minutes(k + 1);  // newest first
    IncidentRow row = MakeIncidentRow(incident, {}, kNow, minutes(15));
    o.services[0].incidents.push_back(row);
    o.open_incidents.push_back(row);
    AttackRow attack;
    attack.id = "attack-" + std::to_string(k);
    attack.type = "cpu";
    attack.services = {"www"};
    attack.start = kNow - minutes(k + 1);
    o.services[0].attacks.push_back(attack);
    o.active_attacks.push_back(attack);
  }
  const std::string html = RenderOverview(o);
  const std::string row = RowOf(html, "www");
  EXPECT_THAT(row, HasSubstr("storm 2</div><div><a href=\"/services/www\">and 497 more</a></div>"));
  EXPECT_THAT(row, Not(HasSubstr("storm 3<")));
  EXPECT_THAT(html, HasSubstr("<caption>Open incidents (the 20 newest of 500)</caption>"));
  EXPECT_THAT(html, HasSubstr("<caption>Active chaos attacks (the 20 newest of 500)</caption>"));
  EXPECT_THAT(html, HasSubstr(">storm 19</th>"));
  EXPECT_THAT(html, Not(HasSubstr(">storm 20</th>")));
  EXPECT_LT(html.size(), 40u * 1000);

  ServiceDetail d;
  d.now = kNow;
  d.row = o.services[0];
  d.incidents = o.open_incidents;
  d.attacks = o.active_attacks;
  d.incidents[1].incident.resolved_at = kNow - std::chrono::seconds(30);
  d.incidents[1].ttr = minutes(1) + std::chrono::seconds(30);
  const std::string page = RenderServicePage(d);
  EXPECT_THAT(page, HasSubstr("<caption>Incidents: open, and opened in the last 30 days (the 50 "
                              "newest of 500)</caption>"));
  EXPECT_THAT(page, HasSubstr("<caption>Chaos attacks that touched this service, last 30 days (the "
                              "50 newest of 500)</caption>"));
  // A resolved incident: no age, its TTR.
  EXPECT_THAT(page, HasSubstr(">storm 1</th><td><a href=\"/services/www\">www</a></td><td>sev3</td>"
                              "<td>triggered</td>"));
  EXPECT_THAT(page, HasSubstr("<td>&ndash;</td><td>&ndash;</td><td>1m 30s</td>"));
  EXPECT_THAT(page, HasSubstr("<div>and 497 more (below)</div>"));  // running, at the top
  EXPECT_LT(page.size(), 100u * 1000);
}

TEST(DashboardRender, ServicePageHasChartsFailuresAndFocusableDays) {
  ServiceDetail d;
  d.now = kNow;
  d.row = Row("www", true, 0.98);
  d.range = "7d";
  Chart c;
  c.title = "SLI: availability";
  c.unit = "ratio";
  c.reference = 0.999;
  c.reference_label = "objective";
  c.lines.push_back(
      {"availability", {{kNow - hours(2), 1.0}, {kNow - hours(1), std::nullopt}, {kNow, 0.5}}});
  d.sli_charts.push_back(c);
  d.failures.push_back({kNow - minutes(1), "timeout", "no answer within 2s", 0, 2.0});
  d.failure_classes["timeout"] = 1;
  d.probes_24h = 100;
  const std::string html = RenderServicePage(d);
  EXPECT_THAT(html, HasSubstr("st-breached"));
  EXPECT_THAT(html, HasSubstr("SLI: availability; availability: min 50%, max 100%, last 50%"));
  // The last point has no neighbour with data: drawn as a dot, not an empty path.
  EXPECT_THAT(html, HasSubstr("<circle class=\"pt l0\""));
  EXPECT_THAT(html, HasSubstr("100 probes; failed: 1 timeout."));
  EXPECT_THAT(html, HasSubstr("<rect tabindex=\"0\" class=\"d-missed\""));
  EXPECT_THAT(html, HasSubstr("1400 of 1440 good, objective 99.9%: missed"));
  EXPECT_THAT(html, HasSubstr("?range=7d\" aria-current=\"page\""));
}

TEST(DashboardStatus, GoverningSloIsTheWorstThenTheLeastBudget) {
  ServiceRow row = Row("www", true, 0.9995);
  row.slos.push_back(MakeSloRow(Status(0.9992), slo::DefaultBurnRateTiers()));
  row.slos.back().name = "latency";
  EXPECT_EQ(GoverningSlo(row)->name, "latency");  // both meeting; less budget left
  row.slos.push_back(MakeSloRow(Status(std::nullopt), slo::DefaultBurnRateTiers()));
  row.slos.back().name = "silent";
  EXPECT_EQ(GoverningSlo(row)->name, "silent");  // no data ranks below meeting
  row.slos.push_back(MakeSloRow(Status(0.98), slo::DefaultBurnRateTiers()));
  row.slos.back().name = "broken";
  EXPECT_EQ(GoverningSlo(row)->name, "broken");  // breached ranks first
  EXPECT_EQ(GoverningSlo(ServiceRow{}), nullptr);
}

TEST(DashboardRender, OverviewRowShowsTheGoverningSloAndCountsTheOthers) {
  ServiceRow row = Row("www", true, 0.9995);
  row.slos.push_back(MakeSloRow(Status(0.998), slo::DefaultBurnRateTiers()));
  row.slos.back().name = "latency";
  row.health = WorstHealth(row.slos);
  const std::string html = RenderOverview(MakeOverview({row}));
  const std::string www = RowOf(html, "www");
  EXPECT_THAT(www,
              HasSubstr("<b class=\"bad\">99.8%</b> / 99.9% <span class=\"mu\">30d<br>latency, "
                        "worst of 2</span>"));
  EXPECT_THAT(www, HasSubstr("exhausted"));
  EXPECT_THAT(www, Not(HasSubstr("99.95%")));  // the other SLO is on the service page
  EXPECT_THAT(www, HasSubstr("<a href=\"/services/www\">www</a>"));
  ServiceDetail d;
  d.now = kNow;
  d.row = row;
  const std::string page = RenderServicePage(d);
  EXPECT_THAT(page, HasSubstr("99.95%"));
  EXPECT_THAT(page, HasSubstr("99.8%"));
}

// Decodes data-days as the page's script does (assets.cc): per day, "no data" or the SLI
// text and "met"/"missed", the words of the service page's daily table.
std::vector<std::string> DecodeStripDays(const std::string& encoded) {
  std::string digits;
  for (char c = 33; c < 127; ++c) {
    if (std::string_view("\"&*-<>").find(c) == std::string_view::npos) digits += c;
  }
  size_t i = 0;
  auto digit = [&] { return static_cast<int64_t>(digits.find(encoded.at(i++))); };
  auto number = [&] {
    const int64_t d = digit();
    if (d < 29) return d;
    if (d < 58) return 29 + (d - 29) * 88 + digit();
    const int64_t high = (d - 58) * 88 + digit();
    return 29 + 29 * 88 + high * 88 + digit();
  };
  std::vector<int64_t> values;  // -1: no data
  while (i < encoded.size()) {
    if (encoded[i] == '-') {
      ++i;
      values.push_back(-1);
    } else if (encoded[i] == '*') {
      ++i;
      for (int64_t n = number(); n > 0; --n) values.push_back(values.back());
    } else {
      values.push_back(number());
    }
  }
  std::vector<std::string> out;
  for (int64_t v : values) {
    out.push_back(v < 0 ? "no data"
                        : FormatPercent(static_cast<double>(100000 - v / 2) / 100000) +
                              (v % 2 == 1 ? " missed" : " met"));
  }
  return out;
}

std::string Attribute(const std::string& html, const std::string& name) {
  const auto at = html.find(" " + name + "=\"");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 3;
  return html.substr(start, html.find('"', start) - start);
}

TEST(DashboardStrip, EncodingIsCompactForRunsAndExactPerDay) {
  std::vector<DayBar> bars(10);
  for (size_t i = 0; i < bars.size(); ++i) bars[i].day = kNow - days(10 - static_cast<int>(i));
  for (int i = 0; i < 10; ++i) bars[i].total = bars[i].good = 8640;
  bars[2].total = 0;
  bars[2].good = 0;
  bars[5].good = 8631;  // 99.895%: missed 99.9%
  bars[6].good = 8636;  // 99.953%: met, not 100%
  bars[7].good = 0;     // 0%
  // 211 and 94 take two digits, 200001 three.
  EXPECT_EQ(EncodeStripDays(bars, 0.999), "!!-!!F)DhzRK!!");
  EXPECT_EQ(DecodeStripDays("!!-!!F)DhzRK!!"),
            (std::vector<std::string>{"100% met", "100% met", "no data", "100% met", "100% met",
                                      "99.895% missed", "99.953% met", "0% missed", "100% met",
                                      "100% met"}));
  std::vector<DayBar> perfect(90);
  for (DayBar& d : perfect) d.total = d.good = 100;
  perfect[88].good = 99;  // 99%: 1000 short, missed
  perfect[89].total = perfect[89].good = 0;
  EXPECT_EQ(EncodeStripDays(perfect, 0.999), "!*DaZK-");  // 0, 87 more, 2001, no data
  EXPECT_EQ(EncodeStripDays({}, 0.999), "");
}

TEST(DashboardStrip, HoverFiguresDecodeToTheServicePageDailyTable) {
  ServiceRow row = Row("www", true, 0.9995);
  // Every day different: a worst case for the encoding and a test of every figure.
  for (size_t i = 0; i < row.history.size(); ++i) {
    DayBar& d = row.history[i];
    d.total = i % 17 == 5 ? 0 : 8640 + i;
    d.good = d.total == 0 ? 0 : d.total - (i * i * 7) % (d.total / 20);
  }
  const std::string overview = RenderOverview(MakeOverview({row}));
  const std::string www = RowOf(overview, "www");
  const auto decoded = DecodeStripDays(Attribute(www, "data-days"));
  ASSERT_EQ(decoded.size(), row.history.size());
  EXPECT_EQ(Attribute(overview, "data-start"), "2026-02-27");  // history.front().day
  ServiceDetail d;
  d.now = kNow;
  d.row = row;
  const std::string page = RenderServicePage(d);
  int missed = 0;
  for (size_t i = 0; i < row.history.size(); ++i) {
    const std::string date = date::format("%F", row.history[i].day);
    EXPECT_THAT(page,
                HasSubstr("<tr><th scope=\"row\">" + date + "</th><td>" + decoded[i] + "</td>"))
        << "day " << i;
    missed += decoded[i].ends_with("missed") ? 1 : 0;
  }
  EXPECT_GT(missed, 10);
}

TEST(DashboardSize, TwoHundredServicesStayUnder200KB) {
  // 200 services, two SLOs each, a last probe, a realistic 90-day history (most days a
  // little under 100%, some missed, a few without data); one incident and one attack.
  std::vector<ServiceRow> rows;
  for (int s = 0; s < 200; ++s) {
    ServiceRow row = Row("service-" + std::to_string(s), s % 4 == 0, 0.9995);
    row.slos.push_back(MakeSloRow(Status(0.9991, 0.99), slo::DefaultBurnRateTiers()));
    row.slos.back().name = "latency";
    row.last_probe = LastProbeView{kNow - std::chrono::seconds(4), true, "", 0.123};
    for (size_t i = 0; i < row.history.size(); ++i) {
      DayBar& d = row.history[i];
      d.total = (i + s) % 41 == 0 ? 0 : 8640;
      d.good = d.total - ((i * 7 + s) % 13 == 0 ? 40 : (i + s) % 3);
    }
    rows.push_back(std::move(row));
  }
  const std::string html = RenderOverview(MakeOverview(std::move(rows)));
  EXPECT_LT(html.size(), 200u * 1000) << html.size() << " bytes";
}

TEST(DashboardSize, WorstCaseOfTwoHundredServicesStaysUnder200KB) {
  // Every service breached with its budget overspent and a burn-rate tier firing, every
  // day of every strip different and missed by 1% to 94% (3 digits of hover data a day),
  // names of 20 characters and a failed last probe.
  std::vector<ServiceRow> rows;
  for (int s = 0; s < 200; ++s) {
    std::string name = "checkout-service-" + std::to_string(s);
    name.resize(20, 'x');
    ServiceRow row = Row(name, s % 4 == 0, 0.9);
    row.slos.push_back(MakeSloRow(Status(0.9, 0.99), slo::DefaultBurnRateTiers()));
    for (SloRow& slo : row.slos) {
      slo.budget_remaining_ratio = -2.147;
      slo.budget_remaining = -std::chrono::minutes(92);
      slo.burn_rate_1h = 12.5;
      slo.burning_tier = "page 1h/5m";
    }
    row.last_probe = LastProbeView{kNow - std::chrono::seconds(4), false, "connect_refused", 0.123};
    for (size_t i = 0; i < row.history.size(); ++i) {
      row.history[i].total = 8640;
      row.history[i].good = 8640 - 100 - (i * 97 + static_cast<size_t>(s) * 13) % 8000;
    }
    rows.push_back(std::move(row));
  }
  Overview o = MakeOverview(std::move(rows));
  ASSERT_EQ(o.verdict.failing.size(), 50u);
  const std::string html = RenderOverview(o);
  const std::string first = RowOf(html, o.services.front().name);
  EXPECT_THAT(first, HasSubstr("0 met, 90 missed"));
  EXPECT_GE(Attribute(first, "data-days").size(), 265u) << first;  // 3 digits a day, nearly
  EXPECT_LT(html.size(), 200u * 1000) << html.size() << " bytes";
}

TEST(DashboardFormat, Percent) {
  EXPECT_EQ(FormatPercent(1.0), "100%");
  EXPECT_EQ(FormatPercent(0.999), "99.9%");
  EXPECT_EQ(FormatPercent(0.99999999), "99.999%");  // never rounded up to 100%
  EXPECT_EQ(FormatPercent(0.5), "50%");
  EXPECT_EQ(FormatPercent(-0.25), "-25%");
}

TEST(DashboardFormat, HumanDuration) {
  EXPECT_EQ(FormatHumanDuration(std::chrono::seconds(1607)), "26m 47s");
  EXPECT_EQ(FormatHumanDuration(hours(50)), "2d 2h");
  EXPECT_EQ(FormatHumanDuration(-std::chrono::seconds(311)), "-5m 11s");
  EXPECT_EQ(FormatHumanDuration(Duration(400)), "0s");
}

TEST(DashboardLatency, QuantilesInterpolateInsideBuckets) {
  std::array<uint64_t, store::kLatencyBuckets> b{};
  EXPECT_EQ(LatencyQuantileMs(b, 0.5), std::nullopt);
  b[4] = 100;  // (50, 100] ms
  EXPECT_DOUBLE_EQ(*LatencyQuantileMs(b, 0.5), 75);
  EXPECT_DOUBLE_EQ(*LatencyQuantileMs(b, 0.99), 99.5);
  b[store::kLatencyBuckets - 1] = 100;  // half the probes beyond 10 s
  EXPECT_DOUBLE_EQ(*LatencyQuantileMs(b, 0.99), 10000);
}

TEST(DashboardAttribution, LatestMatchingAttackWithinGrace) {
  incidents::Incident i;
  i.service = "www";
  i.created_at = kNow;
  AttackRow other;
  other.id = "other";
  other.services = {"db"};
  other.start = kNow - minutes(1);
  AttackRow early;
  early.id = "early";
  early.start = kNow - hours(2);
  early.end = kNow - minutes(10);  // ended, but within the 15m grace
  AttackRow late;
  late.id = "late";
  late.services = {"www"};
  late.start = kNow - minutes(30);
  EXPECT_EQ(AttributeIncident(i, {other, early, late}, kNow, minutes(15))->id, "late");
  EXPECT_EQ(AttributeIncident(i, {early}, kNow, minutes(15))->id, "early");
  EXPECT_EQ(AttributeIncident(i, {early}, kNow, minutes(5)), nullptr);
  EXPECT_EQ(AttributeIncident(i, {other}, kNow, minutes(15)), nullptr);
}

// WCAG 2 relative luminance and contrast of two "#rrggbb" colours.
double Luminance(const std::string& hex) {
  double rgb[3];
  for (int i = 0; i < 3; ++i) {
    const double c = std::stoi(hex.substr(1 + 2 * i, 2), nullptr, 16) / 255.0;
    rgb[i] = c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  }
  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
}
double Contrast(const std::string& a, const std::string& b) {
  const double la = Luminance(a), lb = Luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

TEST(DashboardContrast, PaletteMeetsWcagAa) {
  std::map<std::string, std::string> vars;
  const std::string css(kDashboardCss);
  const std::regex var(R"(--([a-z]+):(#[0-9a-f]{6}))");
  for (auto it = std::sregex_iterator(css.begin(), css.end(), var); it != std::sregex_iterator();
       ++it) {
    vars[(*it)[1]] = (*it)[2];
  }
  ASSERT_EQ(vars.size(), 11u) << css;
  // Text on the page background and white text on the status badges: 4.5:1.
  for (const char* text : {"ok", "warn", "bad", "none", "fg", "muted", "link"}) {
    EXPECT_GE(Contrast(vars[text], vars["bg"]), 4.5) << text;
    EXPECT_GE(Contrast(vars[text], vars["panel"]), 4.5) << text << " on panel";
  }
  for (const char* badge : {"ok", "warn", "bad", "none"}) {
    EXPECT_GE(Contrast(vars[badge], "#ffffff"), 4.5) << badge;
  }
  // Graphics (bars): 3:1 against the background.
  EXPECT_GE(Contrast(vars["bar"], vars["bg"]), 3.0);
  // Text on the verdict backgrounds.
  EXPECT_GE(Contrast(vars["fg"], "#dafbe1"), 4.5);
  EXPECT_GE(Contrast(vars["fg"], "#ffebe9"), 4.5);
  EXPECT_GE(Contrast(vars["link"], "#ffebe9"), 4.5);
}

// The model from a real store: daily attainment from rollups, open incidents from the
// provider, running attacks from the attack log.
TEST(DashboardData, BuildsHistoryIncidentsAndAttacksFromTheStore) {
  steadystate::test_support::TempDir dir;
  FakeClock clock(kNow);
  auto store = steadystate::test_support::OpenTestStore(dir, clock);
  ASSERT_NE(store, nullptr);
  config::ServiceConfig www;
  www.name = "www";
  www.critical = true;
  www.probe.emplace();
  config::SloConfig availability;
  availability.name = "availability";
  availability.objective_percent = 99;
  www.slos = {availability};
  auto series = store->SeriesId("probe:www");
  ASSERT_TRUE(series.ok());
  std::vector<store::RollupUpdate> updates;
  const Timestamp today = std::chrono::floor<days>(kNow);
  for (int d = 1; d <= 3; ++d) {  // yesterday all good, two days ago half bad, 3 days ago good
    store::RollupUpdate& u = updates.emplace_back();
    u.series = *series;
    u.minute = today - days(d) + hours(5);
    u.delta.total = 100;
    u.delta.good = d == 2 ? 50 : 100;
    u.delta.latency_good = u.delta.good;
  }
  ASSERT_TRUE(store->MergeRollups(updates).ok());
  slo::SloEngine engine({www}, config::SteadyStateConfig{}, *store, clock);
  ASSERT_TRUE(engine.Evaluate().ok());
  chaos::AttackLog attacks(*store, clock);
  chaos::Attack attack;
  attack.type = "latency";
  attack.name = "slow www";
  attack.services = {"www"};
  attack.created_by = "alice";
  attack.start = kNow - minutes(10);
  ASSERT_TRUE(attacks.Start(attack).ok());
  DashboardSources sources;
  sources.snapshot = [&] { return engine.Latest(); };
  sources.store = store.get();
  sources.attacks = &attacks;
  sources.open_incidents = [&] {
    incidents::Incident i;
    i.id = "pagerduty:Q1";
    i.service = "www";
    i.title = "www latency";
    i.severity = "sev2";
    i.created_at = kNow - minutes(4);
    return std::vector<incidents::Incident>{i};
  };
  sources.service_incidents = [&](const std::string& service, Timestamp since) {
    EXPECT_EQ(service, "www");
    EXPECT_EQ(since, kNow - days(30));
    incidents::Incident resolved;  // resolved: only on the service's page
    resolved.id = "pagerduty:Q0";
    resolved.service = "www";
    resolved.severity = "sev1";
    resolved.status = "resolved";
    resolved.created_at = kNow - days(2);
    resolved.resolved_at = kNow - days(2) + minutes(47);
    incidents::Incident open = resolved;  // also listed by open_incidents
    open.id = "pagerduty:Q1";
    open.resolved_at.reset();
    return std::vector<incidents::Incident>{resolved, open};
  };
  DashboardData data(sources, clock);
  for (int pass = 0; pass < 2; ++pass) {  // the second pass reads completed days from the cache
    Overview o = data.BuildOverview();
    ASSERT_EQ(o.services.size(), 1u);
    const ServiceRow& row = o.services[0];
    EXPECT_EQ(row.health, Health::kBreached);  // 250 of 300 good < 99%
    ASSERT_EQ(row.history.size(), static_cast<size_t>(kHistoryDays));
    EXPECT_EQ(row.history.back().day, today);
    EXPECT_EQ(row.history.back().total, 0u);
    const DayBar& two_days_ago = row.history[kHistoryDays - 3];
    EXPECT_EQ(two_days_ago.good, 50u);
    EXPECT_EQ(two_days_ago.total, 100u);
    EXPECT_EQ(ClassifyDay(two_days_ago, 0.99), DayClass::kMissed);
    EXPECT_EQ(ClassifyDay(row.history[kHistoryDays - 2], 0.99), DayClass::kMet);
    ASSERT_EQ(row.attacks.size(), 1u);
    EXPECT_EQ(row.attacks[0].created_by, "alice");
    ASSERT_EQ(row.incidents.size(), 1u);
    EXPECT_EQ(row.incidents[0].attack_id, row.attacks[0].id);
    EXPECT_EQ(o.active_attacks.size(), 1u);
    EXPECT_THAT(o.verdict.Text(), HasSubstr("www (breached)"));
  }
  auto detail = data.BuildService("www", "30d");
  ASSERT_TRUE(detail.has_value());
  EXPECT_EQ(detail->range, "30d");
  ASSERT_EQ(detail->sli_charts.size(), 1u);
  ASSERT_EQ(detail->burn_down.size(), 1u);
  // The burn-down ends at the engine's budget figure: 50 bad of 300 with a 1% budget.
  const auto& points = detail->burn_down[0].lines[0].second;
  std::optional<double> last;
  for (const auto& p : points) {
    if (p.value) last = p.value;
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_NEAR(*last, 1 - 50.0 / (0.01 * 300), 1e-9);
  EXPECT_EQ(detail->attacks.size(), 1u);
  // The open incident (attributed to the attack), then the resolved one with its TTR.
  ASSERT_EQ(detail->incidents.size(), 2u);
  EXPECT_EQ(detail->incidents[0].incident.id, "pagerduty:Q1");
  EXPECT_TRUE(detail->incidents[0].attack_id.has_value());
  EXPECT_EQ(detail->incidents[1].incident.id, "pagerduty:Q0");
  EXPECT_EQ(detail->incidents[1].ttr, minutes(47));
  EXPECT_FALSE(detail->incidents[1].attack_id.has_value());
  EXPECT_FALSE(data.BuildService("nope", "24h").has_value());
}

}  // namespace
}  // namespace steadystate::dashboard
