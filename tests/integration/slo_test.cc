// Probes, SLOs and the steady-state endpoint end to end on the real daemon: a chaos tool
// polling /api/v1/steady-state sees 200 while the service is healthy, 503 (with reasons)
// once it fails, and 200 again after it recovers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/daemon.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/prom_text.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr auto kDeadline = std::chrono::seconds(40);

TEST(SteadyState, FlipsAsTheServiceFailsAndRecovers) {
  TempDir dir;
  FakeReceiver target(FakeResponse::Status(200, "ok"));
  const std::string config = TestConfig(
      "steady_state: {window: 1m}\n"
      "services:\n"
      "  - name: www\n"
      "    critical: true\n"
      "    probe: {interval: 1s, timeout: 500ms, http: {url: \"" +
      target.url() +
      "/health\", body_regex: ok}}\n"
      "    slos:\n"
      "      - {name: availability, objective: 50, window: 30d}\n");
  RunningDaemon daemon(dir, config);
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  auto steady = [&] {
    auto res = client.Get("/api/v1/steady-state");
    return res ? res->status : -1;
  };

  ASSERT_TRUE(WaitFor([&] { return steady() == 200; }, kDeadline)) << daemon.process().Stderr();
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(SampleValue(metrics->body, "probe_success{service=\"www\"}"), 1.0);
  EXPECT_EQ(SampleValue(metrics->body, "steadystate_slo_met{service=\"www\",slo=\"availability\"}"),
            1.0);
  auto services = client.Get("/api/v1/services");
  ASSERT_TRUE(services);
  auto www = json::parse(services->body)["services"][0];
  EXPECT_EQ(www["name"], "www");
  EXPECT_EQ(www["slos"][0]["name"], "availability");
  EXPECT_EQ(www["slos"][0]["met"], true);

  target.SetDefault(FakeResponse::Status(503, "down"));
  ASSERT_TRUE(WaitFor([&] { return steady() == 503; }, kDeadline));
  auto failing = client.Get("/api/v1/steady-state");
  ASSERT_TRUE(failing);
  auto body = json::parse(failing->body);
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["services"][0]["name"], "www");
  EXPECT_THAT(body["services"][0]["reasons"].dump(), HasSubstr("status"));

  target.SetDefault(FakeResponse::Status(200, "ok"));
  EXPECT_TRUE(WaitFor([&] { return steady() == 200; }, kDeadline));

  auto unknown = client.Get("/api/v1/steady-state?service=nope");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
}

}  // namespace
}  // namespace steadystate::test_support
