// The HTML reports in a real browser: headless Chromium opens each report from disk with
// no console error, the DOM has the charts (non-empty SVG paths, axis labels, the cutover
// marker), and a screenshot shows them drawn (pixels in the charts' colours).
// STEADYSTATE_KEEP_REPORTS=DIR keeps the HTML and PNG files for a look by eye.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "incidents/report.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace steadystate::test_support {
namespace {

using incidents::AttackDetection;
using incidents::CorrelatedIncident;
using incidents::Correlation;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::HasSubstr;

Timestamp T(Duration offset = Duration(0)) {
  return Timestamp(std::chrono::sys_days(std::chrono::year(2026) / 9 / 1)) + offset;
}

struct Rgb {
  uint8_t r, g, b;
};

// A minimal PNG reader for Chromium's screenshots: 8-bit RGB or RGBA, not interlaced.
std::optional<std::vector<Rgb>> ReadPng(const std::string& path, uint32_t& width,
                                        uint32_t& height) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < 8 || data.compare(1, 3, "PNG") != 0) return std::nullopt;
  auto be32 = [&](size_t at) {
    return static_cast<uint32_t>(
        static_cast<uint8_t>(data[at]) << 24 | static_cast<uint8_t>(data[at + 1]) << 16 |
        static_cast<uint8_t>(data[at + 2]) << 8 | static_cast<uint8_t>(data[at + 3]));
  };
  std::string idat;
  int channels = 0;
  for (size_t at = 8; at + 8 <= data.size();) {
    const uint32_t len = be32(at);
    const std::string type = data.substr(at + 4, 4);
    if (type == "IHDR") {
      width = be32(at + 8);
      height = be32(at + 12);
      const int bit_depth = data[at + 16], color = data[at + 17], interlace = data[at + 20];
      if (bit_depth != 8 || interlace != 0 || (color != 2 && color != 6)) return std::nullopt;
      channels = color == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      idat += data.substr(at + 8, len);
    }
    at += 12 + len;
  }
  const size_t stride = static_cast<size_t>(width) * channels;
  std::vector<uint8_t> raw((stride + 1) * height);
  uLongf raw_len = raw.size();
  if (channels == 0 || uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()),
                                  idat.size()) != Z_OK) {
    return std::nullopt;
  }
  std::vector<uint8_t> img(stride * height);
  for (size_t y = 0; y < height; ++y) {
    const uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* src = &raw[y * (stride + 1) + 1];
    uint8_t* row = &img[y * stride];
    const uint8_t* up = y > 0 ? &img[(y - 1) * stride] : nullptr;
    for (size_t x = 0; x < stride; ++x) {
      const int a = x >= static_cast<size_t>(channels) ? row[x - channels] : 0;
      const int b = up ? up[x] : 0;
      const int c = up && x >= static_cast<size_t>(channels) ? up[x - channels] : 0;
      int predictor = 0;
      switch (filter) {
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) / 2;
          break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          break;
      }
      row[x] = static_cast<uint8_t>(src[x] + predictor);
    }
  }
  std::vector<Rgb> pixels(static_cast<size_t>(width) * height);
  for (size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = {img[i * channels], img[i * channels + 1], img[i * channels + 2]};
  }
  return pixels;
}

size_t CountColour(const std::vector<Rgb>& pixels, Rgb want) {
  size_t n = 0;
  for (const Rgb& p : pixels) {
    if (std::abs(p.r - want.r) < 12 && std::abs(p.g - want.g) < 12 && std::abs(p.b - want.b) < 12) {
      ++n;
    }
  }
  return n;
}

// Chromium's path (Process runs programs with execve, without a PATH search).
std::string ChromiumPath() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return "";
}

bool HaveChromium() { return !ChromiumPath().empty(); }

struct Browsed {
  std::string dom;
  std::string log;
  std::vector<Rgb> pixels;
};

// Opens `html` in headless Chromium: the DOM after load, the browser log, the screenshot.
Browsed Browse(const TempDir& dir, const std::string& name, const std::string& html) {
  const std::string page = dir.Write(name + ".html", html);
  const std::string png = dir / (name + ".png");
  const std::vector<std::string> common = {ChromiumPath(),
                                           "--headless",
                                           "--no-sandbox",
                                           "--disable-gpu",
                                           "--no-first-run",
                                           "--hide-scrollbars",
                                           "--user-data-dir=" + (dir / "profile"),
                                           "--enable-logging=stderr",
                                           "--v=0"};
  std::vector<std::string> dump = common;
  dump.push_back("--dump-dom");
  dump.push_back("file://" + page);
  ProcessResult dom = Run(dump, {{"HOME", dir.path().string()}});
  EXPECT_EQ(dom.exit_code, 0) << dom.err;
  std::vector<std::string> shot = common;
  shot.push_back("--window-size=900,2200");
  shot.push_back("--screenshot=" + png);
  shot.push_back("file://" + page);
  ProcessResult screenshot = Run(shot, {{"HOME", dir.path().string()}});
  EXPECT_EQ(screenshot.exit_code, 0) << screenshot.err;
  Browsed b{dom.out, dom.err + screenshot.err, {}};
  uint32_t w = 0, h = 0;
  auto pixels = ReadPng(png, w, h);
  EXPECT_TRUE(pixels.has_value()) << "cannot read " << png;
  if (pixels) b.pixels = std::move(*pixels);
  if (const char* keep = std::getenv("STEADYSTATE_KEEP_REPORTS"); keep && *keep) {
    std::filesystem::copy_file(page, std::string(keep) + "/" + name + ".html",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(png, std::string(keep) + "/" + name + ".png",
                               std::filesystem::copy_options::overwrite_existing);
  }
  return b;
}

void ExpectNoConsoleErrors(const std::string& log) {
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("CONSOLE"))) << "console message: " << line;
    EXPECT_THAT(line, ::testing::Not(HasSubstr("Uncaught")));
  }
}

// Paths with a non-empty `d` in the DOM.
size_t DrawnPaths(const std::string& dom) {
  static const std::regex kPath(R"re(<path [^>]*d="M[^"]+")re");
  return static_cast<size_t>(
      std::distance(std::sregex_iterator(dom.begin(), dom.end(), kPath), std::sregex_iterator()));
}

TEST(ReportChromium, BeforeAfterChartsAreDrawn) {
  ASSERT_TRUE(HaveChromium()) << "chromium is not installed: run `scripts/install-deps test`";
  // 13 weeks either side of the cutover at T + 91d: sev1/sev2 incidents that get rarer and
  // shorter after it; two services' SLA attainment.
  Correlation c;
  for (int i = 0; i < 60; ++i) {
    const bool after = i >= 40;
    incidents::Incident incident;
    incident.id = "pd:" + std::to_string(i);
    incident.severity = i % 3 == 0 ? "sev1" : "sev2";
    incident.service = "www";
    incident.alert_count = 1;
    incident.created_at = after ? T(days(91) + hours(100) * (i - 40)) : T(hours(54) * i);
    CorrelatedIncident x;
    x.incident = std::make_shared<const incidents::Incident>(std::move(incident));
    x.ttr_seconds = after ? 300.0 + 60 * (i % 7) : 1800.0 + 900 * (i % 9);
    if (after) x.attack_id = "atk";
    c.incidents.push_back(x);
  }
  for (int i = 0; i < 8; ++i) {
    AttackDetection d;
    d.attack_id = "a" + std::to_string(i);
    d.start = T(days(92 + 10 * i));
    d.broken_services = {"www"};
    if (i % 4 != 0) d.incident_ids = {"pd:x"};
    c.attacks.push_back(d);
  }
  incidents::BeforeAfterInput in;
  in.cutover = T(days(91));
  in.window = days(91);
  in.now = T(days(182));
  in.correlation = &c;
  in.sla = {{"www", 0.999, 99800, 100000, 99950, 100000},
            {"api <v2>", 0.99, 9900, 10000, 9990, 10000}};
  auto html = incidents::RenderBeforeAfterHtml(incidents::BuildBeforeAfterReport(in));
  ASSERT_TRUE(html.ok());
  TempDir dir;
  const Browsed b = Browse(dir, "before-after", *html);
  ExpectNoConsoleErrors(b.log);
  EXPECT_THAT(b.dom, HasSubstr("<svg id=\"weekly-incidents\""));
  EXPECT_THAT(b.dom, HasSubstr("class=\"cutover\""));
  EXPECT_THAT(b.dom, HasSubstr("incidents per week"));  // axis title
  EXPECT_THAT(b.dom, HasSubstr("30m-1h"));              // TTR band label
  EXPECT_THAT(b.dom, HasSubstr("api &lt;v2&gt;"));
  EXPECT_GT(DrawnPaths(b.dom), 60u);
  // Drawn: sev1 bars (#b2182b), "after" bars (#2166ac), "before" bars (#9e9e9e).
  EXPECT_GT(CountColour(b.pixels, {0xb2, 0x18, 0x2b}), 500u);
  EXPECT_GT(CountColour(b.pixels, {0x21, 0x66, 0xac}), 500u);
  EXPECT_GT(CountColour(b.pixels, {0x9e, 0x9e, 0x9e}), 500u);
}

TEST(ReportChromium, AttackTimelineIsDrawn) {
  ASSERT_TRUE(HaveChromium()) << "chromium is not installed: run `scripts/install-deps test`";
  std::vector<std::pair<Timestamp, store::Rollup>> minutes_seen;
  std::vector<incidents::TimelinePoint> cpu;
  for (int m = -15; m < 45; ++m) {
    store::Rollup r;
    r.total = 6;
    r.good = m >= 0 && m < 20 ? 2 : 6;
    r.latency_buckets[m >= 0 && m < 20 ? 8 : 3] = 6;
    minutes_seen.emplace_back(T(minutes(m)), r);
    cpu.push_back({T(minutes(m)), m >= 0 && m < 20 ? 0.97 : 0.2});
  }
  chaos::Attack attack;
  attack.id = "atk-7";
  attack.name = "CPU hog on web-1";
  attack.type = "cpu";
  attack.targets = {"web-1"};
  attack.services = {"www"};
  attack.created_by = "alice";
  attack.start = T();
  attack.end = T(minutes(20));
  attack.outcome = "completed";
  Correlation c;
  incidents::Incident incident;
  incident.id = "pd:9";
  incident.title = "www slow";
  incident.created_at = T(minutes(4));
  incident.resolved_at = T(minutes(25));
  CorrelatedIncident inc;
  inc.incident = std::make_shared<const incidents::Incident>(std::move(incident));
  inc.attack_id = "atk-7";
  inc.ttd_seconds = 240;
  inc.ttr_seconds = 1260;
  c.incidents = {inc};
  AttackDetection d;
  d.attack_id = "atk-7";
  d.start = T();
  d.end = T(minutes(20));
  d.broken_services = {"www"};
  d.incident_ids = {"pd:9"};
  c.attacks = {d};
  incidents::AttackReportInput in;
  in.attack = attack;
  in.correlation = &c;
  in.services = {
      incidents::ServiceTimelineFromRollups("www", 0.999, minutes_seen, T(), T(minutes(20)))};
  in.host_cpu = cpu;
  in.alerts = {{"HostCpuHigh", {{"host", "web-1"}}, T(minutes(2))}};
  in.range_start = T(-minutes(15));
  in.range_end = T(minutes(45));
  in.now = T(hours(2));
  in.time_zone = "Europe/Berlin";
  auto html = incidents::RenderAttackHtml(incidents::BuildAttackReport(in));
  ASSERT_TRUE(html.ok());
  TempDir dir;
  const Browsed b = Browse(dir, "attack", *html);
  ExpectNoConsoleErrors(b.log);
  EXPECT_THAT(b.dom, HasSubstr("<svg id=\"attack-timeline\""));
  EXPECT_THAT(b.dom, HasSubstr("class=\"line success\""));
  EXPECT_THAT(b.dom, HasSubstr("time (Europe/Berlin)"));
  EXPECT_GT(DrawnPaths(b.dom), 5u);
  // The shaded attack window (#fdd49e at 60% on white) and the CPU line (#d95f02).
  EXPECT_GT(CountColour(b.pixels, {0xfe, 0xe5, 0xc5}), 2000u);
  EXPECT_GT(CountColour(b.pixels, {0xd9, 0x5f, 0x02}), 100u);
}

}  // namespace
}  // namespace steadystate::test_support
