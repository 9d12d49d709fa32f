// Host metrics against the real prometheus-node-exporter on the same host: the same
// names, labels and values, so node_exporter's PromQL and dashboards work on ours.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>

#include "tests/support/daemon.h"
#include "tests/support/ports.h"
#include "tests/support/prom_text.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

std::string Scrape(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  auto res = client.Get("/metrics");
  return res && res->status == 200 ? res->body : "";
}

TEST(HostMetricsVsNodeExporter, CpuAndMemoryAgree) {
  const char* node_exporter = "/usr/bin/prometheus-node-exporter";
  ASSERT_EQ(access(node_exporter, X_OK), 0) << "scripts/install-deps installs it";
  TempDir dir;
  const int ne_port = FreePort();
  Process ne({node_exporter, "--web.listen-address=127.0.0.1:" + std::to_string(ne_port),
              "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo"},
             dir.path().string());
  RunningDaemon daemon(dir, TestConfig("host: {interval: 1s}\n"));
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  ASSERT_TRUE(WaitFor([&] { return !Scrape(ne_port).empty(); })) << ne.Stderr();

  // Both read /proc when asked (node_exporter) or at most 1 s earlier (steadystate).
  ASSERT_TRUE(WaitFor([&] {
    return SampleValue(Scrape(daemon.port()), "steadystate_host_cpu_utilisation_ratio").has_value();
  }));
  const std::string ours = Scrape(daemon.port());
  const std::string theirs = Scrape(ne_port);
  int compared = 0;
  for (int cpu = 0; cpu < 64; ++cpu) {
    for (const char* mode : {"idle", "user", "system", "iowait"}) {
      const std::string series =
          "node_cpu_seconds_total{cpu=\"" + std::to_string(cpu) + "\",mode=\"" + mode + "\"}";
      auto a = SampleValue(ours, series);
      auto b = SampleValue(theirs, series);
      ASSERT_EQ(a.has_value(), b.has_value()) << series;
      if (!a) continue;
      // One sampling interval (1 s) of one CPU, plus slack for the two reads.
      EXPECT_NEAR(*a, *b, 2.0) << series;
      ++compared;
    }
  }
  EXPECT_GE(compared, 4);
  for (const char* series : {"node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes"}) {
    auto a = SampleValue(ours, series);
    auto b = SampleValue(theirs, series);
    ASSERT_TRUE(a && b) << series;
    EXPECT_LE(std::abs(*a - *b), 0.01 * *b) << series;
  }
}

}  // namespace
}  // namespace steadystate::test_support
