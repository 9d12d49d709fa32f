#include "store/series_name.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "store/series_writer.h"
#include "store/store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace steadystate::store {
namespace {

using std::chrono::milliseconds;
using steadystate::test_support::OpenTestStore;
using steadystate::test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Timestamp At(int64_t ms) { return Timestamp{milliseconds{ms}}; }

// The names are the registry keys of existing data directories: they must not change.
TEST(SeriesName, NamesAreTheStoredRegistryNames) {
  EXPECT_EQ(SeriesName::Probe("www").str(), "probe:www");
  EXPECT_EQ(SeriesName::Probe("").str(), "probe:");
  EXPECT_EQ(SeriesName::Host(HostMetric::kCpuUtilisation).str(), "host:cpu_utilisation");
  EXPECT_EQ(SeriesName::Host(HostMetric::kMemoryUtilisation).str(), "host:memory_utilisation");
  EXPECT_EQ(SeriesName::Host(HostMetric::kLoad1).str(), "host:load1");
  EXPECT_EQ(SeriesName::HostFilesystem("/var/lib").str(), "host:filesystem_utilisation:/var/lib");
  EXPECT_EQ(SeriesName::Probe("a"), SeriesName::Probe("a"));
  EXPECT_FALSE(SeriesName::Probe("a") == SeriesName::Probe("b"));
}

TEST(SeriesName, TypedAndRawNamesShareOneId) {
  TempDir dir;
  FakeClock clock;
  auto store = OpenTestStore(dir, clock);
  ASSERT_NE(store, nullptr);
  const uint64_t raw = store->SeriesId("probe:www").value();
  EXPECT_EQ(store->SeriesId(SeriesName::Probe("www")).value(), raw);
  EXPECT_EQ(store->FindSeries(SeriesName::Probe("www")).value(), raw);
}

TEST(FindSeries, NeverRegistersASeries) {
  TempDir dir;
  FakeClock clock;
  auto store = OpenTestStore(dir, clock);
  ASSERT_NE(store, nullptr);
  auto missing = store->FindSeries(SeriesName::Probe("www"));
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_EQ(*missing, std::nullopt);
  EXPECT_THAT(store->ListSeries().value(), IsEmpty());
  // Registered by a writer, found by a reader; other names still absent.
  const uint64_t id = store->SeriesId(SeriesName::Probe("www")).value();
  EXPECT_EQ(store->FindSeries(SeriesName::Probe("www")).value(), id);
  EXPECT_EQ(store->FindSeries(SeriesName::Probe("db")).value(), std::nullopt);
  EXPECT_EQ(store->ListSeries().value().size(), 1u);
}

TEST(FindSeries, ReadOnlyStoreFindsSeriesRegisteredAfterItOpened) {
  TempDir dir;
  FakeClock clock;
  auto writer = OpenTestStore(dir, clock);
  ASSERT_NE(writer, nullptr);
  Options options;
  options.path = dir / "data";
  auto reader = Store::OpenReadOnly(options, clock);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ((*reader)->FindSeries(SeriesName::Probe("www")).value(), std::nullopt);
  const uint64_t id = writer->SeriesId(SeriesName::Probe("www")).value();
  ASSERT_TRUE((*reader)->CatchUp().ok());
  EXPECT_EQ((*reader)->FindSeries(SeriesName::Probe("www")).value(), id);
}

TEST(ListHostFilesystemSeries, ListsOnlyFilesystemsByMountpoint) {
  TempDir dir;
  FakeClock clock;
  auto store = OpenTestStore(dir, clock);
  ASSERT_NE(store, nullptr);
  const uint64_t var = store->SeriesId(SeriesName::HostFilesystem("/var")).value();
  ASSERT_TRUE(store->SeriesId(SeriesName::Host(HostMetric::kCpuUtilisation)).ok());
  ASSERT_TRUE(store->SeriesId(SeriesName::Probe("www")).ok());
  const uint64_t root = store->SeriesId(SeriesName::HostFilesystem("/")).value();
  EXPECT_THAT(store->ListHostFilesystemSeries().value(),
              ElementsAre(std::pair<std::string, uint64_t>("/", root),
                          std::pair<std::string, uint64_t>("/var", var)));
}

TEST(SeriesWriter, WritesAProbeResultUnderItsProbeSeries) {
  TempDir dir;
  FakeClock clock;
  auto store = OpenTestStore(dir, clock);
  ASSERT_NE(store, nullptr);
  Rollup delta;
  delta.total = 1;
  delta.good = 1;
  ASSERT_TRUE(WriteProbeResult(*store, "www", At(90'500), "payload", delta).ok());
  const uint64_t id = store->FindSeries(SeriesName::Probe("www")).value().value();
  EXPECT_EQ(store->SeriesId("probe:www").value(), id);
  std::vector<std::pair<Timestamp, std::string>> events;
  ASSERT_TRUE(store
                  ->ScanEvents(Family::kProbe, id, At(0), At(200'000),
                               [&](Timestamp t, std::string_view p) { events.emplace_back(t, p); })
                  .ok());
  EXPECT_THAT(events, ElementsAre(std::pair<Timestamp, std::string>(At(90'500), "payload")));
  std::vector<Timestamp> minutes;
  ASSERT_TRUE(store
                  ->ScanRollups(id, At(0), At(200'000),
                                [&](Timestamp m, const Rollup& r) {
                                  EXPECT_EQ(r.total, 1u);
                                  minutes.push_back(m);
                                })
                  .ok());
  EXPECT_THAT(minutes, ElementsAre(At(60'000)));
}

TEST(SeriesWriter, WritesHostSamplesUnderTheirKeys) {
  TempDir dir;
  FakeClock clock;
  auto store = OpenTestStore(dir, clock);
  ASSERT_NE(store, nullptr);
  const std::vector<HostSample> samples = {
      {SeriesName::Host(HostMetric::kCpuUtilisation), 0.25},
      {SeriesName::HostFilesystem("/"), 0.5},
  };
  ASSERT_TRUE(WriteHostSamples(*store, At(1000), samples).ok());
  const uint64_t cpu =
      store->FindSeries(SeriesName::Host(HostMetric::kCpuUtilisation)).value().value();
  EXPECT_EQ(store->SeriesId("host:cpu_utilisation").value(), cpu);
  std::vector<double> values;
  ASSERT_TRUE(store
                  ->ScanSamples(Family::kHost, cpu, At(0), At(2000),
                                [&](const Sample& s) { values.push_back(s.value); })
                  .ok());
  EXPECT_THAT(values, ElementsAre(0.25));
  EXPECT_EQ(store->ListHostFilesystemSeries().value().size(), 1u);
}

}  // namespace
}  // namespace steadystate::store
