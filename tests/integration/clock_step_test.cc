// Wall-clock steps against the real daemon: it runs under libfaketime (Debian's faketime
// package) with the monotonic clock left alone, and the test steps its wall clock a day
// forward or back in the middle of an alert's `for`. The alert must fire neither early
// (the +1 d step used to fire a 20 s `for` alert at the next evaluation) nor late (the
// -1 d step used to keep it pending for a day), and the step is logged once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/time.h"
#include "tests/support/daemon.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using ::testing::HasSubstr;

// Long enough that an alert fired by the step (at most a second after it) is told apart
// from one fired by `for`, however slowly the daemon starts.
constexpr auto kFor = seconds(20);

// libfaketime.so.1 under /usr/lib/<multiarch>/faketime, or "" without the package.
std::string LibFaketime() {
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator("/usr/lib", ec)) {
    const auto lib = dir.path() / "faketime" / "libfaketime.so.1";
    if (std::filesystem::exists(lib, ec)) return lib.string();
  }
  return "";
}

// Writes libfaketime's offset file in one rename, so the daemon (which re-reads it on
// every clock read) never sees it half written.
void SetWallOffset(const TempDir& dir, const std::string& offset) {
  dir.Write("faketime.rc.new", offset + "\n");
  std::filesystem::rename(dir / "faketime.rc.new", dir / "faketime.rc");
}

std::chrono::steady_clock::time_point MonotonicNow() {
  return std::chrono::steady_clock::now();  // NOLINT(real-time): the daemon's own clock
}

json ClockAlert(const RunningDaemon& daemon) {
  auto res = daemon.Client().Get("/api/v1/alerts");
  if (!res || res->status != 200) return nullptr;
  for (const auto& a : json::parse(res->body, nullptr, false)) {
    if (a.is_object() && a.value("name", "") == "ClockStep") return a;
  }
  return nullptr;
}

std::string StateOf(const json& alert) { return alert.is_object() ? alert.value("state", "") : ""; }

int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Starts the daemon with a memory alert that always breaches (`above` 0.1%), steps the wall
// clock by `offset` ("+86400" or "-86400") once the alert is pending during a chaos window,
// and checks when the alert fires. Returns the firing alert.
json FireAcrossAStep(const std::string& offset) {
  const std::string libfaketime = LibFaketime();
  EXPECT_FALSE(libfaketime.empty()) << "scripts/install-deps test installs faketime";
  if (libfaketime.empty()) return nullptr;
  TempDir dir;
  SetWallOffset(dir, "+0");
  const char* asan_options = std::getenv("ASAN_OPTIONS");
  std::map<std::string, std::string> env = {
      {"LD_PRELOAD", libfaketime},
      {"FAKETIME_TIMESTAMP_FILE", dir / "faketime.rc"},
      {"FAKETIME_NO_CACHE", "1"},
      {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
      // An ASan build wants its runtime first among the loaded libraries; libfaketime
      // (which only wraps time functions) may come before it.
      {"ASAN_OPTIONS", std::string(asan_options ? asan_options : "") +
                           (asan_options && *asan_options ? ":" : "") + "verify_asan_link_order=0"},
  };
  const std::string config = TestConfig(
      "host: {interval: 1s}\n"
      "alerts:\n"
      "  - {name: ClockStep, metric: memory_utilisation, above: 0.001, recover_below: 0.0005,\n"
      "     for: " +
      FormatDuration(kFor) + "}\n");

  // The alert cannot go pending before the daemon exists: `for` ends after this.
  const auto earliest_pending = MonotonicNow();
  RunningDaemon daemon(dir, config, env);
  EXPECT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto attack =
      daemon.Client().Post("/api/v1/attacks", R"({"type":"time_travel"})", "application/json");
  EXPECT_TRUE(attack && attack->status == 201) << (attack ? attack->body : "no answer");
  const std::string attack_id = attack ? json::parse(attack->body).value("id", "") : "";
  EXPECT_TRUE(WaitFor([&] { return StateOf(ClockAlert(daemon)) == "pending"; }))
      << daemon.process().Stderr();

  SetWallOffset(dir, offset);
  // Early: seen firing before `for` could have passed on the monotonic clock.
  bool fired_early = false;
  WaitFor(
      [&] {
        const std::string state = StateOf(ClockAlert(daemon));
        const bool for_may_have_passed = MonotonicNow() >= earliest_pending + kFor;
        fired_early = state == "firing" && !for_may_have_passed;
        return fired_early || for_may_have_passed;
      },
      kFor + seconds(30));
  EXPECT_FALSE(fired_early) << "fired before its `for` had passed:\n" << daemon.process().Stderr();
  const std::string stepped = "the wall clock stepped by " + offset + " s";
  EXPECT_TRUE(WaitFor([&] { return daemon.process().Stderr().find(stepped) != std::string::npos; }))
      << daemon.process().Stderr();

  // Late: a day's `for` would outlast this generous deadline by far.
  json alert;
  EXPECT_TRUE(WaitFor(
      [&] {
        alert = ClockAlert(daemon);
        return StateOf(alert) == "firing";
      },
      seconds(30)))
      << "still not firing after its `for`:\n"
      << daemon.process().Stderr();

  const std::string log = daemon.process().Stderr();
  EXPECT_EQ(Occurrences(log, "the wall clock stepped by"), 1) << log;
  auto metrics = daemon.Client().Get("/metrics");
  EXPECT_TRUE(metrics &&
              metrics->body.find("steadystate_wall_clock_steps_total 1") != std::string::npos);
  // The chaos window running at firing time is on the page, whatever the wall clock says.
  if (alert.is_object()) {
    EXPECT_THAT(alert["attacks"].dump(), HasSubstr(attack_id)) << alert.dump();
  }
  return alert;
}

Timestamp Stamp(const json& alert, const char* key) {
  auto t = ParseRfc3339(alert[key].is_string() ? alert[key].get<std::string>() : "");
  EXPECT_TRUE(t.ok()) << key << " in " << alert.dump();
  return t.ok() ? *t : Timestamp{};
}

TEST(WallClockStep, ADayForwardDoesNotFireAPendingAlertEarly) {
  const json alert = FireAcrossAStep("+86400");
  ASSERT_TRUE(alert.is_object());
  // Stamps are wall time: pending before the step, fired after it.
  EXPECT_GT(Stamp(alert, "fired_at") - Stamp(alert, "active_at"), std::chrono::hours(23));
}

TEST(WallClockStep, ADayBackDoesNotKeepAPendingAlertFromFiring) {
  const json alert = FireAcrossAStep("-86400");
  ASSERT_TRUE(alert.is_object());
  EXPECT_LT(Stamp(alert, "fired_at"), Stamp(alert, "active_at") - std::chrono::hours(23));
}

}  // namespace
}  // namespace steadystate::test_support
