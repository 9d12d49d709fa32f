#include "exporters/prometheus_rules.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "config/config.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace steadystate::exporters {
namespace {

constexpr const char* kConfig = R"(
alerts:
  - {name: HostCpuHigh, metric: cpu_utilisation, above: 0.80, for: 2m, recover_below: 0.75,
     severity: critical}
  - {name: DiskFull, metric: filesystem_utilisation, above: 0.9, for: 5m}
services:
  - name: www
    probe: {http: {url: "http://127.0.0.1:1/health"}}
    slos:
      - {name: availability, objective: 99.9, window: 30d}
      - {name: monthly, objective: 99, calendar: month, time_zone: Europe/Berlin}
)";

std::string Rules() {
  auto config = config::Parse(kConfig, "test.yaml");
  EXPECT_TRUE(config.ok()) << config.error().message;
  return PrometheusRules(*config, slo::DefaultBurnRateTiers());
}

TEST(PrometheusRules, ScalesEachSlosBurnThreshold) {
  const std::string rules = Rules();
  // 99.9% over 30d: the workbook's 14.4; 99% over a nominal 30-day month: capped just below
  // the highest possible burn rate 1 / (1 - 0.99) = 100 only when 14.4 exceeds it; it does not.
  EXPECT_NE(rules.find("steadystate_burn_rate{service=\"www\", slo=\"availability\", "
                       "window=\"1h\"} > 14.4"),
            std::string::npos)
      << rules;
  EXPECT_NE(rules.find("alert: SloBurnRateTicket3d6h"), std::string::npos);
  EXPECT_NE(rules.find("for: 2m"), std::string::npos);
}

// promtool (from Debian's prometheus package, installed by scripts/install-deps test)
// accepts the file, and its rule unit tests show the alerts fire, hold through the
// hysteresis band and resolve at the expected instants.
TEST(PrometheusRules, PromtoolAcceptsThemAndTheAlertsBehave) {
  ASSERT_EQ(access("/usr/bin/promtool", X_OK), 0)
      << "run scripts/install-deps test to install promtool (package prometheus)";
  test_support::TempDir dir;
  dir.Write("rules.yml", Rules());
  auto check = test_support::Run({"/usr/bin/promtool", "check", "rules", dir / "rules.yml"});
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;

  // node_cpu_seconds_total idle rises 0.1 s/s (90% busy) for 5m, then 0.22 s/s (78%: inside
  // the hysteresis band) until 10m, then 0.3 s/s (70%).
  dir.Write("test.yml", R"yaml(rule_files: [rules.yml]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'node_cpu_seconds_total{instance="web-1",cpu="0",mode="idle"}'
        values: '0+1.5x20 33.3+3.3x19 99.3+4.5x30'
      - series: 'steadystate_burn_rate{instance="web-1",service="www",slo="availability",window="1h"}'
        values: '20x40'
      - series: 'steadystate_burn_rate{instance="web-1",service="www",slo="availability",window="5m"}'
        values: '20x20 1x20'
    alert_rule_test:
      - eval_time: 1m
        alertname: HostCpuHigh
        exp_alerts: []
      - eval_time: 4m
        alertname: HostCpuHigh
        exp_alerts:
          - exp_labels: {instance: web-1, severity: critical}
            exp_annotations:
              summary: "CPU utilisation of web-1 is 90% (above 80%)"
              description: "Check steadystate_attack_active on the host before acting: a chaos attack may be running on purpose."
      - eval_time: 8m
        alertname: HostCpuHigh
        exp_alerts:
          - exp_labels: {instance: web-1, severity: critical}
            exp_annotations:
              summary: "CPU utilisation of web-1 is 78% (above 80%)"
              description: "Check steadystate_attack_active on the host before acting: a chaos attack may be running on purpose."
      - eval_time: 12m
        alertname: HostCpuHigh
        exp_alerts: []
      - eval_time: 2m
        alertname: SloBurnRatePage1h5m
        exp_alerts:
          - exp_labels: {instance: web-1, service: www, slo: availability, severity: critical,
                         tier: page, long_window: 1h, short_window: 5m}
            exp_annotations:
              summary: "www availability burns its error budget at 20.0x over 1h and 5m"
      - eval_time: 7m
        alertname: SloBurnRatePage1h5m
        exp_alerts: []
)yaml");
  auto test = test_support::Run({"/usr/bin/promtool", "test", "rules", dir / "test.yml"});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
}

}  // namespace
}  // namespace steadystate::exporters
