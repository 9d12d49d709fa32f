#include "exporters/push.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include "tests/support/fake_receiver.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/prom_text.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace steadystate::exporters {
namespace {

using test_support::FakeReceiver;
using test_support::FakeResponse;

std::shared_ptr<prometheus::Registry> RegistryWithCounter(double value) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildCounter()
                     .Name("steadystate_incidents_total")
                     .Help("Incidents")
                     .Register(*registry);
  family.Add({{"service", "www"}, {"severity", "sev1"}, {"chaos", "true"}}).Increment(value);
  return registry;
}

TEST(PushUrl, AddsTheJobAndGroupingLabelsEscaped) {
  PushTarget target{"http://gw:9091/", "chaos report", {{"instance", "web/1"}, {"team", ""}}};
  auto url = PushUrl(target);
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(*url, "http://gw:9091/metrics/job/chaos%20report/instance/web%2F1/team@base64/=");
}

TEST(PushUrl, RejectsABadSchemeAndBadLabelNames) {
  EXPECT_FALSE(PushUrl({"gw:9091", "j", {}, std::chrono::seconds(10)}).ok());
  auto bad_label = PushUrl({"http://gw:9091", "j", {{"1x", "v"}}});
  ASSERT_FALSE(bad_label.ok());
  EXPECT_NE(bad_label.error().message.find("\"1x\""), std::string::npos);
}

TEST(PushToGateway, PutsTheTextExposition) {
  FakeReceiver gateway(FakeResponse::Status(200));
  auto http = NewCurlHttpClient();
  ASSERT_TRUE(
      PushToGateway(*http, {gateway.url(), "steadystate", {}}, {RegistryWithCounter(3)}).ok());
  auto requests = gateway.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].path, "/metrics/job/steadystate");
  EXPECT_NE(requests[0].Header("content-type").find("version=0.0.4"), std::string::npos);
  EXPECT_NE(requests[0].body.find(
                "steadystate_incidents_total{chaos=\"true\",service=\"www\",severity=\"sev1\"} 3"),
            std::string::npos)
      << requests[0].body;
}

TEST(PushToGateway, NamesWhatTheGatewayAnswered) {
  FakeReceiver gateway(FakeResponse::Status(400, "pushed metrics are invalid\n"));
  auto http = NewCurlHttpClient();
  auto pushed = PushToGateway(*http, {gateway.url(), "steadystate", {}}, {RegistryWithCounter(1)});
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.error().message, "pushgateway at 127.0.0.1:" + std::to_string(gateway.port()) +
                                        " answered 400: pushed metrics are invalid");
}

TEST(PushToGateway, SaysWhenNobodyListens) {
  auto http = NewCurlHttpClient();
  const int port = test_support::FreePort();
  auto pushed =
      PushToGateway(*http, {"http://127.0.0.1:" + std::to_string(port), "steadystate", {}},
                    {RegistryWithCounter(1)});
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.error().message.rfind("pushgateway at 127.0.0.1:", 0), 0u);
  EXPECT_NE(pushed.error().message.find("connect:"), std::string::npos);
}

// The real prometheus-pushgateway (installed by scripts/install-deps test) takes the push
// and serves it with the job label.
TEST(PushToGateway, TheRealPushgatewayServesWhatWasPushed) {
  ASSERT_EQ(access("/usr/bin/prometheus-pushgateway", X_OK), 0)
      << "run scripts/install-deps test to install prometheus-pushgateway";
  test_support::TempDir dir;
  const int port = test_support::FreePort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  test_support::Process gateway(
      {"/usr/bin/prometheus-pushgateway", "--web.listen-address=127.0.0.1:" + std::to_string(port)},
      dir.path().string());
  auto http = NewCurlHttpClient();
  auto scrape = [&]() -> std::string {
    auto r = http->Send({"GET", base + "/metrics", {}, "", std::chrono::seconds(2)});
    return r.ok() && r->status == 200 ? r->body : "";
  };
  ASSERT_TRUE(test_support::WaitFor([&] { return !scrape().empty(); })) << gateway.Stderr();

  ASSERT_TRUE(
      PushToGateway(*http, {base, "chaos-report", {{"instance", "ci"}}}, {RegistryWithCounter(7)})
          .ok());
  const std::string text = scrape();
  // The gateway sorts labels by name and adds job and the grouping labels.
  const std::string series =
      "steadystate_incidents_total{chaos=\"true\",instance=\"ci\",job=\"chaos-report\","
      "service=\"www\",severity=\"sev1\"}";
  EXPECT_EQ(test_support::SampleValue(text, series), 7) << text;

  // A second push of the same group replaces the first (PUT semantics).
  ASSERT_TRUE(
      PushToGateway(*http, {base, "chaos-report", {{"instance", "ci"}}}, {RegistryWithCounter(2)})
          .ok());
  EXPECT_EQ(test_support::SampleValue(scrape(), series), 2);
}

}  // namespace
}  // namespace steadystate::exporters
