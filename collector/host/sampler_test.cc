#include "collector/host/sampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collector/host/fake_host_filesystem.h"
#include "tests/support/fake_clock.h"

namespace steadystate::collector {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

FakeHostFilesystem Host() {
  FakeHostFilesystem fs;
  fs.files["/host/proc/stat"] = "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n";
  fs.files["/host/proc/meminfo"] = "MemTotal: 1000 kB\nMemAvailable: 250 kB\n";
  fs.files["/host/proc/loadavg"] = "1.50 1.00 0.50 1/100 42\n";
  fs.files["/host/proc/diskstats"] = "8 0 sda 1 0 8 1 2 0 16 2 0 3 3\n";
  fs.files["/host/proc/1/mounts"] = "/dev/sda / ext4 rw 0 0\n/dev/sdb /data xfs rw 0 0\n";
  fs.filesystems["/"] = {1000, 400, 300, 10, 5};
  return fs;
}

TEST(HostSampler, ReadsEveryFileUnderTheProcfsRoot) {
  auto fs = Host();
  FakeClock clock;
  HostSampler sampler({"/host/proc", {}}, fs, clock);
  HostSnapshot snap = sampler.Sample();
  EXPECT_EQ(snap.time, clock.Now());
  EXPECT_DOUBLE_EQ(snap.stat.total.idle, 8);
  EXPECT_DOUBLE_EQ(snap.meminfo.at("MemTotal_bytes"), 1024000);
  EXPECT_DOUBLE_EQ(snap.load->load1, 1.5);
  ASSERT_EQ(snap.disks.size(), 1u);
  ASSERT_EQ(snap.filesystems.size(), 2u);
  EXPECT_FALSE(snap.filesystems[0].device_error);
  EXPECT_TRUE(snap.filesystems[1].device_error);  // /data has no statvfs answer
  EXPECT_THAT(snap.errors, ElementsAre(HasSubstr("statvfs /data")));
}

TEST(HostSampler, ConfiguredMountpointsOnlyAndMissingFilesListed) {
  auto fs = Host();
  fs.files.erase("/host/proc/diskstats");
  FakeClock clock;
  HostSampler sampler({"/host/proc", {"/"}}, fs, clock);
  HostSnapshot snap = sampler.Sample();
  ASSERT_EQ(snap.filesystems.size(), 1u);
  EXPECT_EQ(snap.filesystems[0].mount.fstype, "ext4");
  EXPECT_THAT(snap.errors, ElementsAre(HasSubstr("/host/proc/diskstats")));
}

TEST(ComputeUtilisation, CpuFromDeltasMemoryAndFilesystemsFromNow) {
  auto fs = Host();
  FakeClock clock;
  HostSampler sampler({"/host/proc", {"/"}}, fs, clock);
  HostSnapshot first = sampler.Sample();
  HostUtilisation u0 = ComputeUtilisation(nullptr, first);
  EXPECT_FALSE(u0.cpu.has_value());
  EXPECT_DOUBLE_EQ(*u0.memory, 0.75);
  ASSERT_EQ(u0.filesystems.size(), 1u);
  EXPECT_DOUBLE_EQ(u0.filesystems[0].second, 0.7);

  // 100 more ticks: 90 user, 10 idle -> 90% busy.
  fs.files["/host/proc/stat"] = "cpu  190 0 100 810 0 0 0 0 0 0\n";
  HostSnapshot second = sampler.Sample();
  EXPECT_DOUBLE_EQ(*ComputeUtilisation(&first, second).cpu, 0.9);
  // Counters going backwards (a reboot) give no CPU value rather than nonsense.
  EXPECT_FALSE(ComputeUtilisation(&second, first).cpu.has_value());
}

}  // namespace
}  // namespace steadystate::collector
