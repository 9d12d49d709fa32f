#include "exporters/host_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "collector/host/fake_host_filesystem.h"
#include "tests/support/fake_clock.h"

namespace steadystate::exporters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Scrape(const HostMetrics& metrics) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, metrics.Collect());
  return out.str();
}

TEST(HostMetrics, UsesNodeExporterNamesAndLabels) {
  collector::FakeHostFilesystem fs;
  fs.files["/proc/stat"] =
      "cpu  200 0 100 1600 0 0 0 0 0 0\ncpu0 100 0 50 800 0 0 0 0 0 0\n"
      "cpu1 100 0 50 800 0 0 0 0 0 0\n";
  fs.files["/proc/meminfo"] = "MemTotal: 1000 kB\nMemAvailable: 250 kB\nHugePages_Total: 0\n";
  fs.files["/proc/loadavg"] = "0.25 0.5 0.75 1/1 1\n";
  fs.files["/proc/diskstats"] =
      "8 0 sda 1 0 8 1 2 0 16 2 0 3000 3\n8 1 sda1 1 0 8 1 2 0 16 2 0 3 3\n";
  fs.files["/proc/1/mounts"] = "/dev/sda / ext4 rw 0 0\n";
  fs.filesystems["/"] = {1000, 400, 300, 10, 5};
  FakeClock clock;
  collector::HostSampler sampler({"/proc", {}}, fs, clock);
  auto snap = sampler.Sample();
  HostMetrics metrics;
  EXPECT_EQ(Scrape(metrics), "");
  metrics.Update(snap, collector::ComputeUtilisation(nullptr, snap));
  const std::string text = Scrape(metrics);

  EXPECT_THAT(text, HasSubstr("# TYPE node_cpu_seconds_total counter"));
  EXPECT_THAT(text, HasSubstr("node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 8"));
  EXPECT_THAT(text, HasSubstr("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1"));
  EXPECT_THAT(text, HasSubstr("node_memory_MemTotal_bytes 1024000"));
  EXPECT_THAT(text, HasSubstr("node_memory_MemAvailable_bytes 256000"));
  EXPECT_THAT(text, HasSubstr("node_memory_HugePages_Total 0"));
  EXPECT_THAT(text, HasSubstr("node_load1 0.25"));
  EXPECT_THAT(text, HasSubstr("node_disk_io_time_seconds_total{device=\"sda\"} 3"));
  EXPECT_THAT(text, HasSubstr("node_disk_read_bytes_total{device=\"sda\"} 4096"));
  EXPECT_THAT(text, Not(HasSubstr("sda1")));
  EXPECT_THAT(text, HasSubstr("node_filesystem_avail_bytes{device=\"/dev/sda\",fstype=\"ext4\","
                              "mountpoint=\"/\"} 300"));
  EXPECT_THAT(text, HasSubstr("node_filesystem_size_bytes{device=\"/dev/sda\",fstype=\"ext4\","
                              "mountpoint=\"/\"} 1000"));
  EXPECT_THAT(text, HasSubstr("steadystate_host_memory_utilisation_ratio 0.75"));
  EXPECT_THAT(text,
              HasSubstr("steadystate_host_filesystem_utilisation_ratio{mountpoint=\"/\"} 0.7"));
  // CPU utilisation needs two samples.
  EXPECT_THAT(text, Not(HasSubstr("steadystate_host_cpu_utilisation_ratio")));
}

}  // namespace
}  // namespace steadystate::exporters
