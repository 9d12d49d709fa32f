#include "collector/host/proc_parsers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace steadystate::collector {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(STEADYSTATE_SOURCE_DIR) + "/tests/data/proc/" + name);
  std::stringstream s;
  s << in.rdbuf();
  if (s.str().empty()) ADD_FAILURE() << "missing fixture " << name;
  return s.str();
}

TEST(ParseProcStat, ReadsOldSevenColumnKernels) {
  auto stat = ParseProcStat(Fixture("stat-2.6.18"));
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  ASSERT_EQ(stat->cpus.size(), 2u);
  EXPECT_DOUBLE_EQ(stat->total.user, 22.55);
  EXPECT_DOUBLE_EQ(stat->total.softirq, 4.56);
  EXPECT_DOUBLE_EQ(stat->total.steal, 0);
  EXPECT_DOUBLE_EQ(stat->cpus[1].idle, 113138.45);
}

TEST(ParseProcStat, ReadsModernKernelsWithGuestNice) {
  auto stat = ParseProcStat(Fixture("stat-6.1"));
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  ASSERT_EQ(stat->cpus.size(), 2u);
  EXPECT_EQ(stat->cpus[0].cpu, 0);
  EXPECT_DOUBLE_EQ(stat->cpus[0].steal, 29.11);
  EXPECT_DOUBLE_EQ(stat->cpus[0].guest, 0.6);
  EXPECT_DOUBLE_EQ(stat->cpus[1].guest_nice, 0.04);
  // Guest time is inside user already and is not added again.
  EXPECT_DOUBLE_EQ(stat->total.Total(),
                   (6049464.0 + 1460 + 1722345 + 131372813 + 40434 + 0 + 61812 + 5812) / 100);
}

TEST(ParseProcStat, KeepsCpuNumbersAcrossHotplugGaps) {
  auto stat = ParseProcStat(Fixture("stat-hotplug"));
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  std::vector<int> ids;
  for (const auto& c : stat->cpus) ids.push_back(c.cpu);
  EXPECT_THAT(ids, ElementsAre(0, 2, 3));
}

TEST(ParseProcStat, TruncatedAndGarbageAreClearErrors) {
  auto truncated = ParseProcStat(Fixture("stat-truncated"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().message, "/proc/stat line 1: a cpu line needs at least 4 counters");
  auto garbage = ParseProcStat(Fixture("stat-garbage"));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().message, "/proc/stat line 1: \"abc\" is not a number");
  EXPECT_FALSE(ParseProcStat("").ok());
  EXPECT_FALSE(ParseProcStat("cpux 1 2 3 4\ncpu 1 2 3 4").ok());
  EXPECT_FALSE(ParseProcStat(std::string("cpu 1 2 \0 4", 11)).ok());
}

TEST(ParseMeminfo, ConvertsKilobytesAndRenamesLikeNodeExporter) {
  auto mem = ParseMeminfo(Fixture("meminfo-6.1"));
  ASSERT_TRUE(mem.ok()) << mem.error().message;
  EXPECT_DOUBLE_EQ(mem->at("MemTotal_bytes"), 24598632.0 * 1024);
  EXPECT_DOUBLE_EQ(mem->at("MemAvailable_bytes"), 24031832.0 * 1024);
  EXPECT_DOUBLE_EQ(mem->at("Active_anon_bytes"), 103384.0 * 1024);
  EXPECT_DOUBLE_EQ(mem->at("HugePages_Total"), 0);
  EXPECT_FALSE(ParseMeminfo("MemFree: 12 kB\n").ok());
  EXPECT_THAT(ParseMeminfo("MemTotal: 12 MB\n").error().message, HasSubstr("unknown unit"));
  EXPECT_THAT(ParseMeminfo("MemTotal 12 kB\n").error().message, HasSubstr("line 1: no ':'"));
}

TEST(ParseLoadavg, ReadsThreeAverages) {
  auto load = ParseLoadavg(Fixture("loadavg"));
  ASSERT_TRUE(load.ok());
  EXPECT_DOUBLE_EQ(load->load1, 0.52);
  EXPECT_DOUBLE_EQ(load->load15, 0.59);
  EXPECT_FALSE(ParseLoadavg("0.5 0.4").ok());
  EXPECT_FALSE(ParseLoadavg("a b c").ok());
}

TEST(ParseDiskstats, ReadsFourteenEighteenAndTwentyFieldsSkippingPartitions) {
  auto d14 = ParseDiskstats(Fixture("diskstats-14"));
  ASSERT_TRUE(d14.ok()) << d14.error().message;
  ASSERT_EQ(d14->size(), 1u);
  EXPECT_EQ((*d14)[0].device, "sda");
  EXPECT_DOUBLE_EQ((*d14)[0].read_bytes, 127186.0 * 512);
  EXPECT_DOUBLE_EQ((*d14)[0].written_bytes, 555555.0 * 512);
  EXPECT_DOUBLE_EQ((*d14)[0].io_time_seconds, 4.567);
  EXPECT_FALSE((*d14)[0].discards_completed.has_value());

  auto d18 = ParseDiskstats(Fixture("diskstats-18"));
  ASSERT_TRUE(d18.ok()) << d18.error().message;
  ASSERT_EQ(d18->size(), 1u);
  EXPECT_EQ((*d18)[0].device, "vda");
  EXPECT_DOUBLE_EQ(*(*d18)[0].discarded_sectors, 64000.0);
  EXPECT_FALSE((*d18)[0].flush_requests.has_value());

  auto d20 = ParseDiskstats(Fixture("diskstats-20"));
  ASSERT_TRUE(d20.ok()) << d20.error().message;
  ASSERT_EQ(d20->size(), 2u);
  EXPECT_EQ((*d20)[0].device, "nvme0n1");
  EXPECT_EQ((*d20)[1].device, "dm-0");
  EXPECT_DOUBLE_EQ(*(*d20)[0].flush_requests, 121418);
  EXPECT_DOUBLE_EQ(*(*d20)[0].flush_time_seconds, 65.62);

  auto bad = ParseDiskstats(Fixture("diskstats-bad"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "/proc/diskstats line 1: expected 14, 18 or 20 fields, got 6");
}

TEST(IgnoredDiskDevice, MatchesNodeExporterDefaults) {
  for (const char* d : {"ram0", "zram12", "loop7", "fd0", "sda1", "vdb12", "xvda3", "hdc2",
                        "nvme0n1p1", "nvme10n2p15"}) {
    EXPECT_TRUE(IgnoredDiskDevice(d)) << d;
  }
  for (const char* d : {"sda", "vdb", "xvda", "nvme0n1", "dm-0", "md127", "sr0", "mmcblk0"}) {
    EXPECT_FALSE(IgnoredDiskDevice(d)) << d;
  }
}

TEST(ParseMounts, KeepsRealFilesystemsOnceAndDecodesEscapes) {
  auto mounts = ParseMounts(Fixture("mounts"));
  ASSERT_TRUE(mounts.ok()) << mounts.error().message;
  std::vector<std::string> points;
  for (const auto& m : *mounts) points.push_back(m.mountpoint);
  EXPECT_THAT(points, ElementsAre("/", "/srv/data files", "/boot"));
  EXPECT_EQ(mounts->back().device, "/dev/vdd");
  EXPECT_FALSE(ParseMounts("/dev/vda /\n").ok());
}

}  // namespace
}  // namespace steadystate::collector
