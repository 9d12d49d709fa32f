// The SLA dashboard in a real browser: Debian's headless Chromium loads / and a drill-down
// from the real daemon, whose store was seeded with known rollups before it started, and
// we assert on the DOM after the page's script ran (local times, the 15-s refresh, no
// console errors). Screenshots are left in the build dir (dashboard.png,
// dashboard-service.png) for people to look at.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/clock.h"
#include "incidents/incident_store.h"
#include "store/store.h"
#include "tests/support/daemon.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using std::chrono::days;
using std::chrono::hours;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kDeadline = std::chrono::seconds(60);

std::string Chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return "";
}

std::string BuildDir() {
  return std::filesystem::path(SteadystateBinary()).parent_path().parent_path().string();
}

struct Browser {
  ProcessResult result;
  bool finished = false;
};

// Runs headless Chromium on `url` with `extra` flags; stdout is the DOM with --dump-dom.
Browser RunChromium(const TempDir& dir, const std::string& url, std::vector<std::string> extra) {
  std::vector<std::string> argv = {Chromium(),
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-dev-shm-usage",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--enable-logging=stderr",
                                   "--v=0",
                                   "--user-data-dir=" + (dir / "chromium-profile")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  std::filesystem::create_directories(dir / "chromium-out");
  Process p(argv, dir / "chromium-out",
            {{"HOME", dir.path().string()}, {"TZ", "America/New_York"}, {"LANG", "en_US.UTF-8"}});
  Browser b;
  auto result = p.Wait(std::chrono::seconds(120));
  if (!result) {
    p.Signal(SIGKILL);
    return b;
  }
  b.result = *result;
  b.finished = true;
  return b;
}

// Console messages and uncaught exceptions, as Chromium logs them with --enable-logging.
std::string ConsoleErrors(const std::string& stderr_text) {
  std::string out;
  std::istringstream lines(stderr_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) {
      out += line + "\n";
    }
  }
  return out;
}

// The <tr> of `service` on the page as the daemon sent it (a line without end tags).
std::string RowOf(const std::string& page, const std::string& service) {
  const auto start = page.find("<tr id=\"svc-" + service + "\"");
  if (start == std::string::npos) return "";
  return page.substr(start, page.find('\n', start) - start);
}

// Seeds five days of hourly rollups for `service`: 1440 probes a day, all good except
// bad[d - 1] of them d days ago.
void Seed(store::Store& store, const std::string& service, const std::vector<int64_t>& bad) {
  auto series = store.SeriesId("probe:" + service);
  ASSERT_TRUE(series.ok()) << series.error().message;
  const Timestamp today = std::chrono::floor<days>(SystemClock().Now());
  std::vector<store::RollupUpdate> updates;
  for (int d = 1; d <= 5; ++d) {
    for (int h = 0; h < 24; ++h) {
      store::RollupUpdate& u = updates.emplace_back();
      u.series = *series;
      u.minute = today - days(d) + hours(h);
      u.delta.total = 60;
      u.delta.good = 60 - static_cast<uint64_t>(std::clamp<int64_t>(bad[d - 1] - 60 * h, 0, 60));
      u.delta.latency_good = u.delta.good;
      u.delta.latency_buckets[3] = 60;
    }
  }
  ASSERT_TRUE(store.MergeRollups(updates).ok());
}

// The day figures the page's script shows for each day of `service`'s strip, in order: the
// page is saved with a script after its own that walks the strip with the arrow keys and
// writes the hover texts into <pre id="hover">, then loaded from file:// in Chromium.
std::vector<std::string> HoverTexts(const TempDir& dir, const std::string& page,
                                    const std::string& service) {
  const std::string walk =
      "<script>(function () {\n"
      "  var svg = document.querySelector('[id=\"svc-" +
      service +
      "\"] svg[data-days]');\n"
      "  var tip = document.getElementById('tip'), out = [];\n"
      "  function key(k) { svg.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: "
      "true})); }\n"
      "  key('Home');\n"
      "  for (var i = 0; i < 90; i++) { out.push(tip.textContent); key('ArrowRight'); }\n"
      "  var pre = document.createElement('pre');\n"
      "  pre.id = 'hover';\n"
      "  pre.textContent = out.join('|');\n"
      "  document.body.appendChild(pre);\n"
      "})();</script>";
  std::string html = page;
  html.insert(html.rfind("</body>"), walk);
  const std::string file = dir / "hover.html";
  std::ofstream(file) << html;
  Browser b = RunChromium(dir, "file://" + file, {"--dump-dom"});
  if (!b.finished) return {"chromium did not finish"};
  EXPECT_EQ(ConsoleErrors(b.result.err), "");
  const std::string& dom = b.result.out;
  const auto start = dom.find("<pre id=\"hover\">");
  if (start == std::string::npos) return {"no <pre id=hover>: " + b.result.err};
  const auto from = start + std::string("<pre id=\"hover\">").size();
  std::vector<std::string> texts;
  std::istringstream in(dom.substr(from, dom.find("</pre>", from) - from));
  for (std::string t; std::getline(in, t, '|');) texts.push_back(t);
  return texts;
}

TEST(Dashboard, HeadlessChromiumSeesVerdictRowsBreachAndAttack) {
  ASSERT_FALSE(Chromium().empty())
      << "chromium is not installed: run `scripts/install-deps test` (Debian package chromium)";
  TempDir dir;
  {
    store::Options options;
    options.path = dir / "data";
    auto store = store::Store::Open(options, SystemClock());
    ASSERT_TRUE(store.ok()) << store.error().message;
    // 100%, 97.222% (missed), 99.791%, 100% and 98.611% (missed) on the five days before
    // today (one, two and three digits of hover data); 99.125% over the five days, so www
    // still meets its 99% over 30 days.
    Seed(**store, "www", {0, 40, 3, 0, 20});
    // PagerDuty history as the importer stores it: one incident of www resolved two days
    // ago (on www's page only) and one open on api (in its row and the incident table).
    const Timestamp now = SystemClock().Now();
    incidents::Incident resolved;
    resolved.id = "pagerduty:PRESOLVED";
    resolved.source = "pagerduty";
    resolved.title = "www checkout errors";
    resolved.service = "www";
    resolved.severity = "sev2";
    resolved.status = "resolved";
    resolved.created_at = now - days(2);
    resolved.resolved_at = now - days(2) + std::chrono::minutes(47);
    resolved.url = "https://acme.pagerduty.com/incidents/PRESOLVED";
    incidents::Incident open = resolved;
    open.id = "pagerduty:POPEN";
    open.title = "api 503s";
    open.service = "api";
    open.status = "triggered";
    open.created_at = now - std::chrono::minutes(10);
    open.resolved_at.reset();
    open.url = "javascript:alert(document.cookie)";  // only http(s) URLs become links
    ASSERT_TRUE(incidents::IncidentStore(**store).Upsert(std::vector{resolved, open}).ok());
  }
  FakeReceiver healthy(FakeResponse::Status(200, "ok"));
  FakeReceiver broken(FakeResponse::Status(503, "down"));
  const std::string config = TestConfig(
      "services:\n"
      "  - name: www\n"
      "    critical: true\n"
      "    probe: {interval: 1s, timeout: 500ms, http: {url: \"" +
      healthy.url() +
      "/health\"}}\n"
      "    slos:\n"
      "      - {name: availability, objective: 99, window: 30d}\n"
      "  - name: api\n"
      "    critical: true\n"
      "    probe: {interval: 1s, timeout: 500ms, http: {url: \"" +
      broken.url() +
      "/health\"}}\n"
      "    slos:\n"
      "      - {name: availability, objective: 99.9, window: 30d}\n"
      "  - name: batch\n"
      "    probe: {interval: 1s, timeout: 500ms, http: {url: \"" +
      healthy.url() +
      "/health\"}}\n"
      "    slos:\n"
      "      - {name: availability, objective: 90, window: 7d}\n");
  RunningDaemon daemon(dir, config);
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  auto attack = client.Post("/api/v1/attacks",
                            R"({"type":"latency","name":"slow <api> & db","targets":["web-1"],)"
                            R"("services":["api"],"created_by":"alice"})",
                            "application/json");
  ASSERT_TRUE(attack);
  ASSERT_EQ(attack->status, 201) << attack->body;
  const std::string attack_id = nlohmann::json::parse(attack->body)["id"];

  // Wait until the SLO engine has judged the probes of all three services.
  std::string page;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto res = client.Get("/");
        if (!res || res->status != 200) return false;
        page = res->body;
        return page.find("api (breached)") != std::string::npos &&
               page.find("class=\"st-nodata\"") == std::string::npos;
      },
      kDeadline))
      << page << daemon.process().Stderr();
  EXPECT_LT(page.size(), 200u * 1024);
  EXPECT_THAT(page, Not(HasSubstr("javascript:")));
  EXPECT_THAT(page, HasSubstr(">api 503s<"));
  // The browser runs only the page's own nonced script and style (the DOM checks below
  // prove the script still works under this policy, and no console error says otherwise).
  for (const char* path : {"/", "/services/www"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res);
    EXPECT_THAT(res->get_header_value("Content-Security-Policy"),
                HasSubstr("default-src 'none'; script-src 'nonce-"));
    EXPECT_THAT(res->get_header_value("Content-Security-Policy"),
                HasSubstr("frame-ancestors 'none'"));
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  }

  // Hover: the page's own script decodes every day of www's strip to the figures of the
  // drill-down's daily table.
  auto www_page = client.Get("/services/www");
  ASSERT_TRUE(www_page);
  const std::vector<std::string> hover = HoverTexts(dir, page, "www");
  ASSERT_EQ(hover.size(), 90u) << (hover.empty() ? "" : hover[0]);
  int with_data = 0;
  for (const std::string& text : hover) {
    // "2026-11-24 (UTC): availability 97.222%, missed (objective 99%)" or
    // "2026-08-28 (UTC): no probes"
    const std::string date = text.substr(0, 10);
    std::string cell = "no data";
    if (text.find("no probes") == std::string::npos) {
      const auto figure = text.find("availability ") + 13;
      const auto comma = text.find(", ", figure);
      ASSERT_NE(comma, std::string::npos) << text;
      cell = text.substr(figure, comma - figure) + " " +
             text.substr(comma + 2, text.find(" (objective", comma) - comma - 2);
      ++with_data;
    }
    const std::string drill_down_day = "<tr><th scope=\"row\">" + date + "</th><td>" + cell;
    EXPECT_NE(www_page->body.find(drill_down_day), std::string::npos)
        << "hover \"" << text << "\" is not on /services/www as " << drill_down_day;
  }
  EXPECT_EQ(with_data, 6);  // the five seeded days and today
  // The incidents: www's resolved one on its page with its TTR, api's open one in its row.
  EXPECT_THAT(www_page->body, HasSubstr("Incidents: open, and opened in the last 30 days"));
  EXPECT_THAT(www_page->body,
              HasSubstr("<a href=\"https://acme.pagerduty.com/incidents/PRESOLVED\">www checkout "
                        "errors</a>"));
  EXPECT_THAT(www_page->body, HasSubstr("<td>47m</td>"));
  EXPECT_THAT(RowOf(page, "www"), HasSubstr("<td>none<td>"));  // nothing open
  EXPECT_THAT(RowOf(page, "api"), HasSubstr("<strong>sev2</strong> triggered, open 1"));
  EXPECT_THAT(page, HasSubstr("<caption>Open incidents</caption>"));
  EXPECT_THAT(hover[84], HasSubstr("availability 98.611%, missed (objective 99%)"));  // 5 days ago
  EXPECT_THAT(hover[86], HasSubstr("availability 99.791%, met"));
  EXPECT_THAT(hover[87], HasSubstr("availability 97.222%, missed"));

  Browser b = RunChromium(dir, daemon.url() + "/", {"--dump-dom"});
  ASSERT_TRUE(b.finished) << "chromium did not finish within 120 s";
  ASSERT_EQ(b.result.exit_code, 0) << b.result.err;
  const std::string& dom = b.result.out;
  EXPECT_THAT(dom, HasSubstr("1 of 2 critical services is not meeting its SLOs: api (breached)"));
  // Rows: critical first, each with its status in words.
  const auto www = dom.find("<tr id=\"svc-www\"");
  const auto api = dom.find("<tr id=\"svc-api\"");
  const auto batch = dom.find("<tr id=\"svc-batch\"");
  ASSERT_NE(www, std::string::npos) << dom;
  ASSERT_NE(api, std::string::npos);
  ASSERT_NE(batch, std::string::npos);
  EXPECT_LT(api, batch);
  const std::string api_row = dom.substr(api, dom.find("</tr>", api) - api);
  EXPECT_THAT(api_row, HasSubstr("st-breached"));
  EXPECT_THAT(api_row, HasSubstr("breached</b>"));
  EXPECT_THAT(api_row, HasSubstr("failed: status"));
  EXPECT_THAT(api_row, HasSubstr("<strong>latency</strong> on web-1 by alice"));
  const std::string www_row = dom.substr(www, dom.find("</tr>", www) - www);
  EXPECT_THAT(www_row, HasSubstr("meeting</b>"));
  EXPECT_THAT(www_row,
              HasSubstr("4 met, 2 missed, 84 without data"));  // the seeded bad days in the strip
  // The active attack, its name escaped.
  EXPECT_THAT(dom, HasSubstr("Active chaos attacks"));
  EXPECT_THAT(dom, HasSubstr("slow &lt;api&gt; &amp; db"));
  EXPECT_THAT(dom, HasSubstr(attack_id));
  // The script ran: times are in the viewer's zone (UTC stays in the title) and the
  // refresh note says the page is live.
  EXPECT_THAT(dom, HasSubstr(" UTC\">"));
  EXPECT_THAT(dom, Not(HasSubstr(" UTC</time>")));
  EXPECT_THAT(dom, HasSubstr("Live: updates every 15 s"));
  EXPECT_EQ(ConsoleErrors(b.result.err), "");

  // 16 s of virtual time: the page refreshed itself (fetched / and swapped <main>) without
  // a console error, and still shows the verdict and the rows.
  Browser refreshed =
      RunChromium(dir, daemon.url() + "/", {"--virtual-time-budget=16000", "--dump-dom"});
  ASSERT_TRUE(refreshed.finished);
  ASSERT_EQ(refreshed.result.exit_code, 0) << refreshed.result.err;
  EXPECT_THAT(refreshed.result.out, HasSubstr("Live: updated "));
  EXPECT_THAT(refreshed.result.out, HasSubstr("api (breached)</h1>"));
  EXPECT_THAT(refreshed.result.out, HasSubstr("<tr id=\"svc-www\""));
  EXPECT_EQ(ConsoleErrors(refreshed.result.err), "");

  // The drill-down of the breached service, one click away.
  Browser detail = RunChromium(dir, daemon.url() + "/services/api", {"--dump-dom"});
  ASSERT_TRUE(detail.finished);
  ASSERT_EQ(detail.result.exit_code, 0) << detail.result.err;
  EXPECT_THAT(detail.result.out, HasSubstr("st-breached"));
  EXPECT_THAT(detail.result.out, HasSubstr("Failed probes, last 24 hours"));
  EXPECT_THAT(detail.result.out, HasSubstr("<td>status</td><td>503</td>"));
  EXPECT_THAT(detail.result.out, HasSubstr("Chaos attack running:"));
  EXPECT_THAT(detail.result.out, HasSubstr("SLI: availability"));
  EXPECT_THAT(detail.result.out, HasSubstr("Probe latency"));
  EXPECT_EQ(ConsoleErrors(detail.result.err), "");

  // An HTML report under its Content-Security-Policy: the nonced stylesheet applies and
  // nothing is refused.
  Browser report =
      RunChromium(dir, daemon.url() + "/api/v1/reports/attacks/" + attack_id, {"--dump-dom"});
  ASSERT_TRUE(report.finished);
  ASSERT_EQ(report.result.exit_code, 0) << report.result.err;
  EXPECT_THAT(report.result.out, HasSubstr("<svg id=\"attack-timeline\""));
  EXPECT_EQ(ConsoleErrors(report.result.err), "");

  auto missing = client.Get("/services/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("No service named"));

  // Screenshots for people to look at.
  const std::string shot = BuildDir() + "/dashboard.png";
  std::filesystem::remove(shot);
  Browser s =
      RunChromium(dir, daemon.url() + "/", {"--screenshot=" + shot, "--window-size=1280,2000"});
  ASSERT_TRUE(s.finished);
  EXPECT_TRUE(std::filesystem::exists(shot)) << s.result.err;
  RunChromium(dir, daemon.url() + "/services/api",
              {"--screenshot=" + BuildDir() + "/dashboard-service.png", "--window-size=1280,2000"});
}

}  // namespace
}  // namespace steadystate::test_support
