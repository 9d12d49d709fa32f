#include "store/store.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/file_system.h>
#include <rocksdb/options.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/codec.h"
#include "store/rocksdb_internal.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace steadystate::store {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using steadystate::test_support::TempDir;

Timestamp At(int64_t ms) { return Timestamp{milliseconds{ms}}; }

Rollup Counts(uint64_t total, uint64_t good) {
  Rollup r;
  r.total = total;
  r.good = good;
  r.latency_good = good;
  r.latency_buckets[2] = total;
  return r;
}

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() { options_.path = dir_ / "data"; }

  std::unique_ptr<Store> OpenOrDie() {
    auto store = Store::Open(options_, clock_);
    if (!store.ok()) ADD_FAILURE() << store.error().message;
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::vector<Sample> ScanAll(const Store& store, Family family, uint64_t series, Timestamp from,
                              Timestamp to) {
    std::vector<Sample> out;
    auto status = store.ScanSamples(family, series, from, to,
                                    [&](const Sample& sample) { out.push_back(sample); });
    EXPECT_TRUE(status.ok()) << status.error().message;
    return out;
  }

  // Opens the directory with plain RocksDB (every column family, the store's merge
  // operator on rollups) to plant data the Store API cannot write.
  struct RawDb {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    std::vector<std::string> names;
    rocksdb::ColumnFamilyHandle* Handle(std::string_view name) {
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name) return handles[i];
      }
      return nullptr;
    }
    ~RawDb() {
      for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
    }
  };
  std::unique_ptr<RawDb> OpenRaw() {
    auto raw = std::make_unique<RawDb>();
    rocksdb::DBOptions db_options;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(db_options, options_.path, &raw->names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : raw->names) {
      rocksdb::ColumnFamilyOptions cf;
      if (name == "rollups") cf.merge_operator = internal::NewRollupMergeOperator();
      descriptors.emplace_back(name, cf);
    }
    rocksdb::DB* db = nullptr;
    const auto status =
        rocksdb::DB::Open(db_options, options_.path, descriptors, &raw->handles, &db);
    EXPECT_TRUE(status.ok()) << status.ToString();
    raw->db.reset(db);
    return raw;
  }

  TempDir dir_;
  FakeClock clock_;
  Options options_;
};

// --- samples -----------------------------------------------------------------------------

TEST_F(StoreTest, SamplesRoundTripWithinHalfOpenRange) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  std::vector<Sample> samples;
  samples.reserve(30);
  for (int64_t i = 0; i < 10; ++i) {
    samples.push_back({7, At(1000 * i), static_cast<double>(i) * 1.5});
    // Neighbouring series on both sides, at the same instants.
    samples.push_back({6, At(1000 * i), -1});
    samples.push_back({8, At(1000 * i), -2});
  }
  ASSERT_TRUE(store->WriteSamples(Family::kHost, samples).ok());

  const auto got = ScanAll(*store, Family::kHost, 7, At(2000), At(5000));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].time, At(2000));
  EXPECT_EQ(got[0].value, 3.0);
  EXPECT_EQ(got[2].time, At(4000));
  for (const auto& s : got) EXPECT_EQ(s.series, 7u);

  EXPECT_EQ(ScanAll(*store, Family::kHost, 7, Timestamp::min(), Timestamp::max()).size(), 10u);
  EXPECT_TRUE(ScanAll(*store, Family::kHost, 7, At(5000), At(5000)).empty());
  EXPECT_TRUE(ScanAll(*store, Family::kHost, 7, At(9001), At(20000)).empty());
  EXPECT_TRUE(ScanAll(*store, Family::kHost, 9, Timestamp::min(), Timestamp::max()).empty());
  // Probe is a separate family.
  EXPECT_TRUE(ScanAll(*store, Family::kProbe, 7, Timestamp::min(), Timestamp::max()).empty());
}

TEST_F(StoreTest, SeriesAtTheEndOfTimeDoesNotLeakIntoTheNextSeries) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::vector<Sample> samples = {{1, Timestamp::max(), 1}, {2, Timestamp::min(), 2}};
  ASSERT_TRUE(store->WriteSamples(Family::kProbe, samples).ok());
  const auto got = ScanAll(*store, Family::kProbe, 1, Timestamp::min(), Timestamp::max());
  EXPECT_TRUE(got.empty());  // max() is excluded by the half-open range, series 2 not reached
  const auto second = ScanAll(*store, Family::kProbe, 2, Timestamp::min(), At(0));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].value, 2);
}

TEST_F(StoreTest, PreEpochTimestampsSortBeforeLaterOnes) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::vector<Sample> samples = {
      {3, At(1000), 4}, {3, At(-1), 2}, {3, At(0), 3}, {3, At(-86'400'000LL * 365 * 30), 1}};
  ASSERT_TRUE(store->WriteSamples(Family::kHost, samples).ok());
  std::vector<double> values;
  for (const auto& s : ScanAll(*store, Family::kHost, 3, Timestamp::min(), Timestamp::max())) {
    values.push_back(s.value);
  }
  EXPECT_THAT(values, ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(ScanAll(*store, Family::kHost, 3, At(-1), At(1)).size(), 2u);
}

TEST_F(StoreTest, LaterWriteAtSameInstantReplacesEarlier) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::vector<Sample> first = {{1, At(5), 1.0}};
  const std::vector<Sample> second = {{1, At(5), 2.0}};
  ASSERT_TRUE(store->WriteSamples(Family::kHost, first).ok());
  ASSERT_TRUE(store->WriteSamples(Family::kHost, second).ok());
  const auto got = ScanAll(*store, Family::kHost, 1, At(0), At(10));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, 2.0);
}

TEST_F(StoreTest, SamplesGoOnlyToTimeSeriesFamilies) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::vector<Sample> samples = {{1, At(0), 1}};
  const auto status = store->WriteSamples(Family::kIncidents, samples);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidInput);
  EXPECT_FALSE(store->ScanSamples(Family::kRollups, 1, At(0), At(1), [](const Sample&) {}).ok());
  EXPECT_EQ(store->WriteErrors(), 0u);  // caller mistakes are not write errors
}

TEST_F(StoreTest, EventsKeepOpaquePayloads) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::string big(1000, 'x');
  const std::vector<Event> events = {{4, At(10), "{\"ok\":true}"}, {4, At(20), big}};
  ASSERT_TRUE(store->WriteEvents(Family::kProbe, events).ok());
  std::vector<std::string> payloads;
  ASSERT_TRUE(
      store
          ->ScanEvents(Family::kProbe, 4, At(0), At(100),
                       [&](Timestamp, std::string_view payload) { payloads.emplace_back(payload); })
          .ok());
  EXPECT_THAT(payloads, ElementsAre("{\"ok\":true}", big));
  // Reading an event as a sample is a reported error, not garbage.
  const auto status = store->ScanSamples(Family::kProbe, 4, At(0), At(100), [](const Sample&) {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kCorruption);
}

// --- series registry ---------------------------------------------------------------------

TEST_F(StoreTest, SeriesIdIsStableAcrossReopen) {
  uint64_t cpu = 0;
  uint64_t www = 0;
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    cpu = store->SeriesId("host:cpu").value();
    www = store->SeriesId("probe:www").value();
    EXPECT_NE(cpu, www);
    EXPECT_GE(cpu, 1u);
    EXPECT_EQ(store->SeriesId("host:cpu").value(), cpu);
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SeriesId("probe:www").value(), www);
  EXPECT_EQ(store->SeriesId("host:cpu").value(), cpu);
  const uint64_t mem = store->SeriesId("host:mem").value();
  EXPECT_NE(mem, cpu);
  EXPECT_NE(mem, www);
  const auto all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, ElementsAre(std::pair<std::string, uint64_t>("host:cpu", cpu),
                                std::pair<std::string, uint64_t>("host:mem", mem),
                                std::pair<std::string, uint64_t>("probe:www", www)));
  EXPECT_FALSE(store->SeriesId("").ok());
}

TEST_F(StoreTest, ConcurrentSeriesIdCallsAgree) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> ids(4);
  for (size_t t = 0; t < ids.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i)
        ids[t].push_back(store->SeriesId("s" + std::to_string(i)).value());
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t t = 1; t < ids.size(); ++t) EXPECT_EQ(ids[t], ids[0]);
}

// --- rollups -----------------------------------------------------------------------------

TEST_F(StoreTest, ManyMergesToOneMinuteSumExactlyBeforeAndAfterCompaction) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const Timestamp minute = clock_.Now();
  Rollup expected;
  for (int batch = 0; batch < 50; ++batch) {
    std::vector<RollupUpdate> updates;
    for (int i = 0; i < 40; ++i) {
      Rollup delta = Counts(1, (i % 3 == 0) ? 0 : 1);
      delta.latency_buckets[i % kLatencyBuckets] += 1;
      expected += delta;
      // Anywhere within the minute lands on the minute.
      updates.push_back({5, minute + seconds(i % 60), delta});
    }
    ASSERT_TRUE(store->MergeRollups(updates).ok());
    if (batch == 25) {
      ASSERT_TRUE(store->Flush().ok());  // operands both in an SST and in a memtable
    }
  }
  EXPECT_EQ(expected.total, 2000u);
  EXPECT_EQ(store->SumRollups(5, minute, minute + minutes(1)).value(), expected);

  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->CompactForRetention().ok());
  EXPECT_EQ(store->SumRollups(5, minute, minute + minutes(1)).value(), expected);
  std::vector<Timestamp> minutes_seen;
  ASSERT_TRUE(store
                  ->ScanRollups(5, minute - hours(1), minute + hours(1),
                                [&](Timestamp m, const Rollup& r) {
                                  minutes_seen.push_back(m);
                                  EXPECT_EQ(r, expected);
                                })
                  .ok());
  EXPECT_THAT(minutes_seen, ElementsAre(std::chrono::floor<minutes>(minute)));

  store.reset();
  store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SumRollups(5, minute, minute + minutes(1)).value(), expected);
}

TEST_F(StoreTest, RollupMinutesFloorTowardsThePastBeforeTheEpoch) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::vector<RollupUpdate> updates = {
      {1, At(-1), Counts(1, 1)}, {1, At(-60'000), Counts(2, 2)}, {1, At(59'999), Counts(4, 4)}};
  ASSERT_TRUE(store->MergeRollups(updates).ok());
  std::vector<std::pair<int64_t, uint64_t>> seen;
  ASSERT_TRUE(store
                  ->ScanRollups(1, Timestamp::min(), Timestamp::max(),
                                [&](Timestamp m, const Rollup& r) {
                                  seen.emplace_back(m.time_since_epoch().count(), r.total);
                                })
                  .ok());
  EXPECT_THAT(seen, ElementsAre(std::pair<int64_t, uint64_t>(-60'000, 3),
                                std::pair<int64_t, uint64_t>(0, 4)));
}

TEST_F(StoreTest, SumRollupsCoversHalfOpenRangeOfOneSeries) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const Timestamp start = std::chrono::floor<minutes>(clock_.Now());
  std::vector<RollupUpdate> updates;
  for (int i = 0; i < 10; ++i) {
    updates.push_back({9, start + minutes(i), Counts(i, i / 2)});
    updates.push_back({10, start + minutes(i), Counts(100, 100)});  // a neighbour
  }
  ASSERT_TRUE(store->MergeRollups(updates).ok());
  const auto sum = store->SumRollups(9, start + minutes(3), start + minutes(7));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->total, 3u + 4 + 5 + 6);
  EXPECT_EQ(sum->good, 1u + 2 + 2 + 3);
  EXPECT_EQ(sum->latency_buckets[2], 18u);
  EXPECT_EQ(store->SumRollups(9, start + minutes(20), start + minutes(30)).value(), Rollup{});
}

TEST_F(StoreTest, SumRollupsAgreesWithMinuteByMinuteSumsAcrossHours) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const Timestamp start = std::chrono::floor<hours>(clock_.Now()) - hours(2);
  // Deterministic pseudo-random minutes over ~7 hours for three neighbouring series, in
  // several batches, some flushed and compacted, some still in the memtable.
  uint64_t x = 12345;
  auto next = [&x] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x >> 33;
  };
  for (int batch = 0; batch < 8; ++batch) {
    std::vector<RollupUpdate> updates;
    for (int i = 0; i < 200; ++i) {
      const auto series = 1 + next() % 3;
      const auto at =
          start + milliseconds(static_cast<int64_t>(next() % (7 * uint64_t{3'600'000})));
      updates.push_back({series, at, Counts(1 + next() % 5, next() % 2)});
    }
    ASSERT_TRUE(store->MergeRollups(updates).ok());
    if (batch == 3) {
      ASSERT_TRUE(store->CompactForRetention().ok());
    }
  }
  auto minute_sum = [&](uint64_t series, Timestamp from, Timestamp to) {
    Rollup sum;
    EXPECT_TRUE(
        store->ScanRollups(series, from, to, [&](Timestamp, const Rollup& r) { sum += r; }).ok());
    return sum;
  };
  std::vector<std::pair<Timestamp, Timestamp>> ranges = {
      {Timestamp::min(), Timestamp::max()},
      {start, start + hours(7)},
      {start + minutes(1), start + hours(6) + minutes(59)},
      {start + milliseconds(1), start + hours(3) + milliseconds(1)},
      {start + hours(1), start + hours(2)},
      {start + minutes(10), start + minutes(50)},
      {start - hours(5), start + minutes(61)},
  };
  for (int i = 0; i < 40; ++i) {
    const auto a = start + milliseconds(static_cast<int64_t>(next() % (8 * uint64_t{3'600'000})));
    const auto b = a + milliseconds(static_cast<int64_t>(next() % (5 * uint64_t{3'600'000})));
    ranges.emplace_back(a, b);
  }
  for (uint64_t series = 1; series <= 3; ++series) {
    for (const auto& [from, to] : ranges) {
      const auto sum = store->SumRollups(series, from, to);
      ASSERT_TRUE(sum.ok()) << sum.error().message;
      EXPECT_EQ(*sum, minute_sum(series, from, to))
          << "series " << series << " [" << from.time_since_epoch().count() << ", "
          << to.time_since_epoch().count() << ")";
    }
  }
  // Each whole hour (read from its hourly sum alone) is the sum of that hour's minutes.
  for (uint64_t series = 1; series <= 3; ++series) {
    int hours_seen = 0;
    for (Timestamp hour = std::chrono::floor<hours>(start - hours(1)); hour < start + hours(8);
         hour += hours(1)) {
      const auto sum = store->SumRollups(series, hour, hour + hours(1));
      ASSERT_TRUE(sum.ok()) << sum.error().message;
      EXPECT_EQ(*sum, minute_sum(series, hour, hour + hours(1)));
      hours_seen += sum->total > 0 ? 1 : 0;
    }
    EXPECT_EQ(hours_seen, 7);
  }
  EXPECT_GT(store->SumRollups(2, Timestamp::min(), Timestamp::max())->total, 0u);
  EXPECT_EQ(store->SumRollups(uint64_t{1} << 63, start, start + hours(1)).error().code,
            ErrorCode::kInvalidInput);
}

// --- daily sums ----------------------------------------------------------------------------

// Rollups over three UTC days for two series, with a late update for an earlier day.
class DailySumsTest : public StoreTest {
 protected:
  Timestamp day0() const { return std::chrono::floor<days>(clock_.Now()) - days(2); }

  void Fill(Store& store) {
    std::vector<RollupUpdate> updates;
    for (int i = 0; i < 3 * 24 * 4; ++i) {  // every 15 minutes
      const Timestamp at = day0() + minutes(15 * i) + seconds(7);
      updates.push_back({1, at, Counts(10, i % 37 == 0 ? 4 : 10)});
      if (i % 3 == 0) updates.push_back({2, at, Counts(2, 2)});
    }
    ASSERT_TRUE(store.MergeRollups(updates).ok());
    ASSERT_TRUE(store.Flush().ok());
    // Late data for day 0, in a later batch.
    const std::vector<RollupUpdate> late = {{1, day0() + hours(23) + minutes(59), Counts(5, 0)}};
    ASSERT_TRUE(store.MergeRollups(late).ok());
  }

  // Each day's minutes, summed: what every daily sum must equal.
  std::vector<std::pair<Timestamp, Rollup>> MinuteDays(const Store& store, uint64_t series) {
    std::vector<std::pair<Timestamp, Rollup>> out;
    for (int d = 0; d < 3; ++d) {
      Rollup sum;
      EXPECT_TRUE(store
                      .ScanRollups(series, day0() + days(d), day0() + days(d + 1),
                                   [&](Timestamp, const Rollup& r) { sum += r; })
                      .ok());
      out.emplace_back(day0() + days(d), sum);
    }
    return out;
  }

  std::vector<std::pair<Timestamp, Rollup>> DailyDays(const Store& store, uint64_t series,
                                                      Timestamp from, Timestamp to) {
    std::vector<std::pair<Timestamp, Rollup>> out;
    const auto status = store.ScanDailyRollups(
        series, from, to, [&](Timestamp day, const Rollup& r) { out.emplace_back(day, r); });
    EXPECT_TRUE(status.ok()) << status.error().message;
    return out;
  }

  // Plain RocksDB: how many daily-sum keys the directory holds.
  int DailyKeys() {
    auto raw = OpenRaw();
    rocksdb::ReadOptions read;
    std::unique_ptr<rocksdb::Iterator> it(raw->db->NewIterator(read, raw->Handle("rollups")));
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      n += IsDailySeries(SeriesKeySeries(it->key().ToStringView())) ? 1 : 0;
    }
    return n;
  }

  // Turns the directory into what schema 1 wrote: no daily sums, version "1".
  void MakeSchema1() {
    auto raw = OpenRaw();
    const auto from = EncodeSeriesKey(kDailySeriesBit, Timestamp::min());
    const auto to = EncodeSeriesKey(kHourlySeriesBit, Timestamp::min());
    rocksdb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(raw->db
                    ->DeleteRange(sync, raw->Handle("rollups"),
                                  rocksdb::Slice(from.data(), from.size()),
                                  rocksdb::Slice(to.data(), to.size()))
                    .ok());
    ASSERT_TRUE(raw->db->Put(sync, raw->Handle("meta"), "schema_version", "1").ok());
  }
};

TEST_F(DailySumsTest, EachDailySumIsItsDaysMinutesLateDataIncluded) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  Fill(*store);
  for (uint64_t series : {1, 2}) {
    EXPECT_EQ(DailyDays(*store, series, Timestamp::min(), Timestamp::max()),
              MinuteDays(*store, series))
        << "series " << series;
  }
  const auto days1 = DailyDays(*store, 1, Timestamp::min(), Timestamp::max());
  ASSERT_EQ(days1.size(), 3u);
  EXPECT_EQ(days1[0].second.total, 24u * 4 * 10 + 5);  // the late 5 probes counted
  // Bounds are rounded up to whole days: [day0 + 1ms, day0 + 2d) holds day 1 only.
  const auto middle = DailyDays(*store, 1, day0() + milliseconds(1), day0() + days(2));
  ASSERT_EQ(middle.size(), 1u);
  EXPECT_EQ(middle[0].first, day0() + days(1));
  EXPECT_TRUE(DailyDays(*store, 3, Timestamp::min(), Timestamp::max()).empty());
  EXPECT_EQ(store
                ->ScanDailyRollups(uint64_t{1} << 62, Timestamp::min(), Timestamp::max(),
                                   [](Timestamp, const Rollup&) {})
                .error()
                .code,
            ErrorCode::kInvalidInput);
}

TEST_F(DailySumsTest, SurviveRestartAndCompaction) {
  std::vector<std::pair<Timestamp, Rollup>> before;
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    Fill(*store);
    before = DailyDays(*store, 1, Timestamp::min(), Timestamp::max());
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(DailyDays(*store, 1, Timestamp::min(), Timestamp::max()), before);
  ASSERT_TRUE(store->CompactForRetention().ok());
  EXPECT_EQ(DailyDays(*store, 1, Timestamp::min(), Timestamp::max()), before);
  EXPECT_EQ(before, MinuteDays(*store, 1));
}

TEST_F(DailySumsTest, Schema1DirectoryIsReadFromHoursThenMigratedOnWritableOpen) {
  std::vector<std::pair<Timestamp, Rollup>> expected1, expected2;
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    Fill(*store);
    expected1 = MinuteDays(*store, 1);
    expected2 = MinuteDays(*store, 2);
  }
  MakeSchema1();
  ASSERT_EQ(DailyKeys(), 0);
  {
    // A reader may not migrate: it sums hours into the same daily figures.
    auto reader = Store::OpenReadOnly(options_, clock_);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    EXPECT_EQ(DailyDays(**reader, 1, Timestamp::min(), Timestamp::max()), expected1);
    EXPECT_EQ(DailyDays(**reader, 2, Timestamp::min(), Timestamp::max()), expected2);
    EXPECT_EQ((*reader)->GetMeta("schema_version").value(), "1");
  }
  ASSERT_EQ(DailyKeys(), 0);
  {
    auto store = OpenOrDie();  // migrates
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->GetMeta("schema_version").value(), "2");
    EXPECT_EQ(DailyDays(*store, 1, Timestamp::min(), Timestamp::max()), expected1);
    // New merges go on adding to the migrated sums.
    const std::vector<RollupUpdate> more = {{1, day0() + hours(1), Counts(3, 3)}};
    ASSERT_TRUE(store->MergeRollups(more).ok());
    expected1[0].second += Counts(3, 3);
    EXPECT_EQ(DailyDays(*store, 1, Timestamp::min(), Timestamp::max()), expected1);
  }
  EXPECT_EQ(DailyKeys(), 3 + 3);  // three days of two series, now stored
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(DailyDays(*store, 1, Timestamp::min(), Timestamp::max()), expected1);
  EXPECT_EQ(DailyDays(*store, 2, Timestamp::min(), Timestamp::max()), expected2);
}

TEST_F(DailySumsTest, DailySumExpiresWithTheLastMinuteOfItsDay) {
  options_.rollup_retention = days(10);
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  Fill(*store);
  const Timestamp d0 = day0();
  // The cutoff falls inside day 1: day 0 has no minute left and goes; day 1 keeps its
  // sum (its later minutes are still there) until its own last minute expires.
  clock_.Advance(
      std::chrono::duration_cast<milliseconds>(d0 + days(11) + hours(12) - clock_.Now()));
  const std::vector<RollupUpdate> now = {{1, clock_.Now(), Counts(1, 1)}};
  ASSERT_TRUE(store->MergeRollups(now).ok());
  ASSERT_TRUE(store->CompactForRetention().ok());
  const auto left = DailyDays(*store, 1, Timestamp::min(), d0 + days(3));
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].first, d0 + days(1));
  EXPECT_EQ(left[1].first, d0 + days(2));
}

TEST(RollupMergeOperator, SkipsMalformedOperandsAndBaseValues) {
  const auto op = internal::NewRollupMergeOperator();
  const auto one = EncodeRollup(Counts(1, 1));
  const rocksdb::Slice good(one.data(), one.size());
  const rocksdb::Slice bad("not a rollup");
  const std::vector<rocksdb::Slice> operands = {good, bad, rocksdb::Slice(), good};
  std::string result;
  rocksdb::Slice existing_operand;
  rocksdb::MergeOperator::MergeOperationOutput out(result, existing_operand);
  ASSERT_TRUE(op->FullMergeV2(
      rocksdb::MergeOperator::MergeOperationInput("k", &bad, operands, nullptr), &out));
  EXPECT_EQ(DecodeRollup(result).value(), Counts(2, 2));

  std::string partial;
  ASSERT_TRUE(op->PartialMergeMulti("k", {bad, good, bad}, &partial, nullptr));
  EXPECT_EQ(DecodeRollup(partial).value(), Counts(1, 1));
}

TEST_F(StoreTest, MalformedRollupOperandOnDiskDoesNotBreakReadsOrCompaction) {
  const Timestamp minute = std::chrono::floor<minutes>(clock_.Now());
  ASSERT_NE(OpenOrDie(), nullptr);  // creates the directory and families
  {
    auto raw = OpenRaw();
    const auto key = EncodeSeriesKey(1, minute);
    const auto good = EncodeRollup(Counts(3, 2));
    auto* rollups = raw->Handle("rollups");
    ASSERT_NE(rollups, nullptr);
    const rocksdb::Slice k(key.data(), key.size());
    ASSERT_TRUE(raw->db->Merge({}, rollups, k, "garbage").ok());
    ASSERT_TRUE(raw->db->Merge({}, rollups, k, rocksdb::Slice(good.data(), good.size())).ok());
    ASSERT_TRUE(raw->db->Merge({}, rollups, k, rocksdb::Slice()).ok());
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SumRollups(1, minute, minute + minutes(1)).value(), Counts(3, 2));
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->CompactForRetention().ok());
  EXPECT_EQ(store->SumRollups(1, minute, minute + minutes(1)).value(), Counts(3, 2));
  const std::vector<RollupUpdate> more = {{1, minute, Counts(1, 1)}};
  ASSERT_TRUE(store->MergeRollups(more).ok());
  EXPECT_EQ(store->SumRollups(1, minute, minute + minutes(1)).value(), Counts(4, 3));
}

// --- retention ---------------------------------------------------------------------------

TEST_F(StoreTest, RetentionDropsExpiredRawDataAndRollupsEachByItsOwnRetention) {
  options_.raw_retention = days(14);
  options_.rollup_retention = days(400);
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const Timestamp t0 = clock_.Now();
  const std::vector<Sample> old_samples = {{1, t0 - days(1), 1}, {1, t0, 2}};
  const std::vector<RollupUpdate> old_rollup = {{1, t0, Counts(5, 5)}};
  ASSERT_TRUE(store->WriteSamples(Family::kHost, old_samples).ok());
  ASSERT_TRUE(store->WriteSamples(Family::kProbe, old_samples).ok());
  ASSERT_TRUE(store->MergeRollups(old_rollup).ok());
  ASSERT_TRUE(store->Flush().ok());

  clock_.Advance(days(14) + hours(1));  // t0 is past raw retention, not rollup retention
  const std::vector<Sample> new_samples = {{1, clock_.Now(), 3}};
  ASSERT_TRUE(store->WriteSamples(Family::kHost, new_samples).ok());
  ASSERT_TRUE(store->WriteSamples(Family::kProbe, new_samples).ok());
  ASSERT_TRUE(store->CompactForRetention().ok());
  for (Family family : {Family::kHost, Family::kProbe}) {
    const auto left = ScanAll(*store, family, 1, Timestamp::min(), Timestamp::max());
    ASSERT_EQ(left.size(), 1u) << FamilyName(family);
    EXPECT_EQ(left[0].value, 3);
  }
  EXPECT_EQ(store->SumRollups(1, Timestamp::min(), Timestamp::max()).value(), Counts(5, 5));

  clock_.Advance(days(400));  // now the old rollup is past its retention too
  const std::vector<RollupUpdate> new_rollup = {{1, clock_.Now(), Counts(7, 6)}};
  ASSERT_TRUE(store->MergeRollups(new_rollup).ok());
  ASSERT_TRUE(store->CompactForRetention().ok());
  EXPECT_EQ(store->SumRollups(1, Timestamp::min(), Timestamp::max()).value(), Counts(7, 6));
  EXPECT_TRUE(ScanAll(*store, Family::kHost, 1, Timestamp::min(), Timestamp::max()).empty());
}

TEST_F(StoreTest, ForwardWallClockJumpDoesNotExpireData) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::vector<Sample> samples = {{1, clock_.Now(), 1}};
  ASSERT_TRUE(store->WriteSamples(Family::kHost, samples).ok());
  ASSERT_TRUE(store->Flush().ok());
  clock_.SetWall(clock_.Now() + days(3650));  // a time-travel attack; no real time passed
  ASSERT_TRUE(store->CompactForRetention().ok());
  EXPECT_EQ(ScanAll(*store, Family::kHost, 1, Timestamp::min(), Timestamp::max()).size(), 1u);
}

// --- records and meta --------------------------------------------------------------------

TEST_F(StoreTest, RecordsPutGetDeleteAndScanByPrefix) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutRecord(Family::kIncidents, "pagerduty:P1", "one").ok());
  ASSERT_TRUE(store->PutRecord(Family::kIncidents, "pagerduty:P2", "two").ok());
  ASSERT_TRUE(store->PutRecord(Family::kIncidents, "pagerdutz", "other").ok());
  ASSERT_TRUE(store->PutRecord(Family::kAttacks, "pagerduty:P1", "not an incident").ok());

  EXPECT_EQ(store->GetRecord(Family::kIncidents, "pagerduty:P1").value(), "one");
  EXPECT_EQ(store->GetRecord(Family::kIncidents, "pagerduty:P3").value(), std::nullopt);

  std::vector<std::string> keys;
  auto collect = [&](std::string_view key, std::string_view) {
    keys.emplace_back(key);
    return true;
  };
  ASSERT_TRUE(store->ScanRecords(Family::kIncidents, "pagerduty:", collect).ok());
  EXPECT_THAT(keys, ElementsAre("pagerduty:P1", "pagerduty:P2"));

  keys.clear();
  ASSERT_TRUE(store
                  ->ScanRecords(Family::kIncidents, "",
                                [&](std::string_view key, std::string_view) {
                                  keys.emplace_back(key);
                                  return false;  // stop after the first
                                })
                  .ok());
  EXPECT_THAT(keys, ElementsAre("pagerduty:P1"));

  ASSERT_TRUE(store->DeleteRecord(Family::kIncidents, "pagerduty:P1").ok());
  EXPECT_EQ(store->GetRecord(Family::kIncidents, "pagerduty:P1").value(), std::nullopt);
  EXPECT_EQ(store->GetRecord(Family::kAttacks, "pagerduty:P1").value(), "not an incident");
  keys.clear();
  ASSERT_TRUE(store->ScanRecords(Family::kIncidents, "pagerduty:", collect).ok());
  EXPECT_THAT(keys, ElementsAre("pagerduty:P2"));
}

TEST_F(StoreTest, ScanRecordsFromResumesAtAKeyWithinThePrefix) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  for (const char* key : {"a:1", "a:2", "a:3", "b:1"}) {
    ASSERT_TRUE(store->PutRecord(Family::kAttacks, key, "x").ok());
  }
  std::vector<std::string> keys;
  auto collect = [&](std::string_view key, std::string_view) {
    keys.emplace_back(key);
    return true;
  };
  // Just after a key (key + '\0'), at a key, and below the prefix.
  ASSERT_TRUE(
      store->ScanRecordsFrom(Family::kAttacks, "a:", std::string("a:1") + '\0', collect).ok());
  EXPECT_THAT(keys, ElementsAre("a:2", "a:3"));
  keys.clear();
  ASSERT_TRUE(store->ScanRecordsFrom(Family::kAttacks, "a:", "a:3", collect).ok());
  EXPECT_THAT(keys, ElementsAre("a:3"));
  keys.clear();
  ASSERT_TRUE(store->ScanRecordsFrom(Family::kAttacks, "a:", "", collect).ok());
  EXPECT_THAT(keys, ElementsAre("a:1", "a:2", "a:3"));
  keys.clear();
  ASSERT_TRUE(store->ScanRecordsFrom(Family::kAttacks, "", "a:4", collect).ok());
  EXPECT_THAT(keys, ElementsAre("b:1"));
}

TEST_F(StoreTest, RecordsVersionChangesWithEveryWriteToItsFamily) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const uint64_t incidents = store->RecordsVersion(Family::kIncidents);
  const uint64_t attacks = store->RecordsVersion(Family::kAttacks);
  ASSERT_TRUE(store->PutRecord(Family::kIncidents, "pagerduty:P1", "one").ok());
  const uint64_t after_put = store->RecordsVersion(Family::kIncidents);
  EXPECT_NE(after_put, incidents);
  EXPECT_EQ(store->RecordsVersion(Family::kAttacks), attacks);
  ASSERT_TRUE(store->DeleteRecord(Family::kIncidents, "pagerduty:P1").ok());
  EXPECT_NE(store->RecordsVersion(Family::kIncidents), after_put);
  const uint64_t after_delete = store->RecordsVersion(Family::kIncidents);
  ASSERT_TRUE(store->PutMeta("cursor", "x").ok());               // another family
  ASSERT_FALSE(store->PutRecord(Family::kHost, "k", "v").ok());  // refused: not a record family
  EXPECT_EQ(store->RecordsVersion(Family::kIncidents), after_delete);
  ASSERT_TRUE(store->GetRecord(Family::kIncidents, "pagerduty:P1").ok());  // reads do not count
  EXPECT_EQ(store->RecordsVersion(Family::kIncidents), after_delete);
}

TEST_F(StoreTest, WriteRecordsAppliesAllOrNothing) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::vector<RecordWrite> page = {
      {Family::kIncidents, "pagerduty:P1", "a"},
      {Family::kIncidents, "pagerduty:P2", "b"},
      {Family::kMeta, "cursor/pagerduty", "2026-11-25T17:20:23.000Z"},
  };
  ASSERT_TRUE(store->WriteRecords(page).ok());
  EXPECT_EQ(store->GetMeta("cursor/pagerduty").value(), "2026-11-25T17:20:23.000Z");

  const std::vector<RecordWrite> invalid = {
      {Family::kIncidents, "pagerduty:P3", "c"},
      {Family::kHost, "x", "y"},
  };
  const auto status = store->WriteRecords(invalid);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(store->GetRecord(Family::kIncidents, "pagerduty:P3").value(), std::nullopt);
}

TEST_F(StoreTest, MetaKeysOwnedByTheStoreCannotBeWritten) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetMeta("schema_version").value(), "2");
  EXPECT_FALSE(store->PutMeta("schema_version", "9").ok());
  EXPECT_FALSE(store->PutMeta("series/evil", "12345678").ok());
  EXPECT_FALSE(store->DeleteRecord(Family::kMeta, "schema_version").ok());
  ASSERT_TRUE(store->PutMeta("cursor/gremlin", "abc").ok());
  EXPECT_EQ(store->GetMeta("cursor/gremlin").value(), "abc");
}

TEST_F(StoreTest, RestartKeepsEverything) {
  const Timestamp now = clock_.Now();
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutRecord(Family::kAttacks, "cli:1", "attack").ok());
    ASSERT_TRUE(store->PutRecord(Family::kAlerts, "HostCpuHigh", "firing").ok());
    ASSERT_TRUE(store->PutRecord(Family::kOutbox, "0001", "notify").ok());
    ASSERT_TRUE(store->PutMeta("cursor/pagerduty", "c1").ok());
    const std::vector<Sample> samples = {{1, now, 0.5}};
    ASSERT_TRUE(store->WriteSamples(Family::kHost, samples).ok());
    const std::vector<RollupUpdate> rollups = {{2, now, Counts(1, 0)}};
    ASSERT_TRUE(store->MergeRollups(rollups).ok());
    // No flush: everything is recovered from the WAL.
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetRecord(Family::kAttacks, "cli:1").value(), "attack");
  EXPECT_EQ(store->GetRecord(Family::kAlerts, "HostCpuHigh").value(), "firing");
  EXPECT_EQ(store->GetRecord(Family::kOutbox, "0001").value(), "notify");
  EXPECT_EQ(store->GetMeta("cursor/pagerduty").value(), "c1");
  const auto samples = ScanAll(*store, Family::kHost, 1, now, now + seconds(1));
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].value, 0.5);
  EXPECT_EQ(store->SumRollups(2, now - minutes(1), now + minutes(1)).value(), Counts(1, 0));
}

TEST_F(StoreTest, CheckpointIsAnOpenableCopy) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutRecord(Family::kIncidents, "k", "v").ok());
  const std::string copy = dir_ / "backup";
  ASSERT_TRUE(store->CreateCheckpoint(copy).ok());
  ASSERT_TRUE(store->PutRecord(Family::kIncidents, "later", "v").ok());
  Options copy_options = options_;
  copy_options.path = copy;
  auto restored = Store::Open(copy_options, clock_);
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_EQ((*restored)->GetRecord(Family::kIncidents, "k").value(), "v");
  EXPECT_EQ((*restored)->GetRecord(Family::kIncidents, "later").value(), std::nullopt);
  EXPECT_FALSE(store->CreateCheckpoint(copy).ok());  // exists already
}

TEST_F(StoreTest, StatsCoverEveryFamily) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::vector<Sample> samples = {{1, At(0), 1}};
  ASSERT_TRUE(store->WriteSamples(Family::kHost, samples).ok());
  const StoreStats stats = store->Stats();
  ASSERT_EQ(stats.families.size(), kFamilyCount);
  EXPECT_EQ(stats.families[0].family, Family::kHost);
  EXPECT_GT(stats.families[0].memtable_bytes, 0u);
  EXPECT_EQ(stats.families[7].family, Family::kMeta);
  EXPECT_TRUE(stats.writable);
  EXPECT_EQ(stats.write_errors, 0u);
  EXPECT_EQ(FamilyName(Family::kOutbox), "outbox");
}

// --- opening: schema, locks, permissions, damage -----------------------------------------

TEST_F(StoreTest, NewerSchemaIsRefusedWithExactMessage) {
  ASSERT_NE(OpenOrDie(), nullptr);
  {
    auto raw = OpenRaw();
    rocksdb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(raw->db->Put(sync, raw->Handle("meta"), "schema_version", "3").ok());
  }
  const std::string expected = "data directory " + options_.path +
                               " was written by a newer steadystate (schema 3; this version "
                               "reads up to 2)";
  auto store = Store::Open(options_, clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(store.error().message, expected);
  auto reader = Store::OpenReadOnly(options_, clock_);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().message, expected);
  // The refused open changed nothing.
  EXPECT_EQ(Store::Open(options_, clock_).error().message, expected);
}

TEST_F(StoreTest, UnreadableSchemaVersionIsCorruption) {
  ASSERT_NE(OpenOrDie(), nullptr);
  {
    auto raw = OpenRaw();
    ASSERT_TRUE(raw->db->Put({}, raw->Handle("meta"), "schema_version", "one").ok());
  }
  auto store = Store::Open(options_, clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorruption);
  EXPECT_THAT(store.error().message, HasSubstr(options_.path));
}

TEST_F(StoreTest, SecondOpenInTheSameProcessIsBusy) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  auto second = Store::Open(options_, clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kBusy);
  EXPECT_EQ(second.error().message, "data directory " + options_.path +
                                        " is already in use by this process (PID " +
                                        std::to_string(::getpid()) + ")");
  // The failed attempt did not release the first store's lock.
  EXPECT_FALSE(Store::Open(options_, clock_).ok());
  EXPECT_TRUE(store->PutMeta("still", "writable").ok());
}

// A child process that holds the store at `options` open (and so its lock) until Release().
class ChildHoldingStore {
 public:
  ChildHoldingStore(const Options& options, const Clock& clock) {
    if (::pipe(ready_) != 0 || ::pipe(release_) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      auto store = Store::Open(options, clock);
      const char status = store.ok() ? 'y' : 'n';
      if (::write(ready_[1], &status, 1) != 1) ::_exit(2);
      char byte;
      if (::read(release_[0], &byte, 1) != 1) ::_exit(3);
      ::_exit(0);  // no destructors: the parent's test state is not ours to tear down
    }
    char status = 0;
    opened_ = pid_ > 0 && ::read(ready_[0], &status, 1) == 1 && status == 'y';
  }
  ~ChildHoldingStore() { Release(); }
  ChildHoldingStore(const ChildHoldingStore&) = delete;
  ChildHoldingStore& operator=(const ChildHoldingStore&) = delete;

  bool opened() const { return opened_; }
  pid_t pid() const { return pid_; }

  // Lets the child go and waits for it. True when it exited 0.
  bool Release() {
    if (pid_ <= 0 || released_) return released_ && exited_cleanly_;
    released_ = true;
    int wait_status = 0;
    const bool written = ::write(release_[1], "x", 1) == 1;
    exited_cleanly_ = written && ::waitpid(pid_, &wait_status, 0) == pid_ &&
                      WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
    for (int fd : {ready_[0], ready_[1], release_[0], release_[1]}) ::close(fd);
    return exited_cleanly_;
  }

 private:
  int ready_[2] = {-1, -1};
  int release_[2] = {-1, -1};
  pid_t pid_ = -1;
  bool opened_ = false;
  bool released_ = false;
  bool exited_cleanly_ = false;
};

TEST_F(StoreTest, LockHeldByAnotherProcessNamesItsPid) {
  ChildHoldingStore child(options_, clock_);
  ASSERT_TRUE(child.opened()) << "the child could not open the store";

  auto store = Store::Open(options_, clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kBusy);
  EXPECT_EQ(store.error().message, "data directory " + options_.path +
                                       " is already in use by PID " + std::to_string(child.pid()));
  // A read-only store does not need the lock.
  EXPECT_TRUE(Store::OpenReadOnly(options_, clock_).ok());

  EXPECT_TRUE(child.Release());
  // The lock went with the process.
  EXPECT_TRUE(Store::Open(options_, clock_).ok());
}

// Runs `check` as an unprivileged user when the test runs as root (root bypasses
// permission checks); returns whether it passed, or nullopt if that is impossible.
std::optional<bool> RunUnprivileged(const std::function<bool()>& check) {
  if (::geteuid() != 0) return check();
  const pid_t child = ::fork();
  if (child < 0) return std::nullopt;
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(77);
    ::_exit(check() ? 0 : 1);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return false;
  if (WEXITSTATUS(status) == 77) return std::nullopt;
  return WEXITSTATUS(status) == 0;
}

TEST_F(StoreTest, PermissionDeniedNamesTheDirectoryAndTheReason) {
  const std::string locked = dir_ / "locked";
  ASSERT_EQ(::mkdir(locked.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);  // let an unprivileged child reach it
  FakeClock clock;
  const auto passed = RunUnprivileged([&] {
    Options unwritable;
    unwritable.path = locked;
    auto store = Store::Open(unwritable, clock);
    Options uncreatable;
    uncreatable.path = locked + "/data";
    auto nested = Store::Open(uncreatable, clock);
    auto reader = Store::OpenReadOnly(uncreatable, clock);
    return !store.ok() && store.error().code == ErrorCode::kIo &&
           store.error().message ==
               "cannot open data directory " + locked + ": Permission denied" &&
           !nested.ok() && nested.error().code == ErrorCode::kIo &&
           nested.error().message.find(locked + "/data") != std::string::npos &&
           nested.error().message.find("Permission denied") != std::string::npos && !reader.ok() &&
           reader.error().message.find("Permission denied") != std::string::npos;
  });
  if (!passed.has_value()) GTEST_SKIP() << "running as root and cannot drop privileges";
  EXPECT_TRUE(*passed);
}

TEST_F(StoreTest, DamagedFilesAreReportedAsCorruptionNamingTheDirectory) {
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutRecord(Family::kIncidents, "k", "v").ok());
  }
  // Overwrite the MANIFEST (the file list) with garbage of the same size.
  bool damaged = false;
  for (const auto& entry : std::filesystem::directory_iterator(options_.path)) {
    if (entry.path().filename().string().starts_with("MANIFEST-")) {
      const auto size = std::filesystem::file_size(entry.path());
      std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << std::string(size, '\x5a');
      damaged = true;
    }
  }
  ASSERT_TRUE(damaged);
  auto store = Store::Open(options_, clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorruption) << store.error().message;
  EXPECT_THAT(store.error().message, HasSubstr("data directory " + options_.path + " is damaged"));
}

// Every file name in the directory with its contents.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    files[entry.path().filename().string()] =
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return files;
}

class DamagedDirectoryTest : public StoreTest {
 protected:
  // A directory with records in table files and in the WAL, closed.
  void WriteData() {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutRecord(Family::kIncidents, "flushed", "v").ok());
    ASSERT_TRUE(store->Flush().ok());
    ASSERT_TRUE(store->PutRecord(Family::kIncidents, "in-wal", "v").ok());
  }

  void Remove(const std::function<bool(const std::string&)>& which) {
    for (const auto& entry : std::filesystem::directory_iterator(options_.path)) {
      if (which(entry.path().filename().string())) std::filesystem::remove(entry.path());
    }
  }

  // Opening for writing (twice) and for reading is refused, and nothing changes.
  void ExpectRefusedUntouched(const std::string& why) {
    const auto before = Snapshot(options_.path);
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto store = Store::Open(options_, clock_);
      ASSERT_FALSE(store.ok()) << "attempt " << attempt;
      EXPECT_EQ(store.error().code, ErrorCode::kCorruption);
      EXPECT_THAT(store.error().message,
                  HasSubstr("data directory " + options_.path + " is damaged (" + why));
      EXPECT_THAT(store.error().message, HasSubstr("restore it from a backup"));
    }
    auto reader = Store::OpenReadOnly(options_, clock_);
    ASSERT_FALSE(reader.ok());
    EXPECT_EQ(reader.error().code, ErrorCode::kCorruption);
    EXPECT_THAT(reader.error().message, HasSubstr("is damaged"));
    EXPECT_EQ(Snapshot(options_.path), before);
  }
};

TEST_F(DamagedDirectoryTest, MissingCurrentIsRefusedEveryTimeAndNothingIsTouched) {
  WriteData();
  Remove([](const std::string& name) { return name == "CURRENT"; });
  ExpectRefusedUntouched("its CURRENT file is missing");
}

TEST_F(DamagedDirectoryTest, MissingCurrentAndWalIsRefusedEveryTimeAndNothingIsTouched) {
  WriteData();
  Remove([](const std::string& name) { return name == "CURRENT" || name.ends_with(".log"); });
  ExpectRefusedUntouched("its CURRENT file is missing");
}

TEST_F(DamagedDirectoryTest, CurrentNamingAMissingManifestIsRefused) {
  WriteData();
  Remove([](const std::string& name) { return name.starts_with("MANIFEST-"); });
  ExpectRefusedUntouched("its CURRENT file names MANIFEST-");
}

TEST_F(DamagedDirectoryTest, ANonEmptyDirectoryOfOtherFilesIsNotTakenOver) {
  std::filesystem::create_directories(options_.path);
  std::ofstream(options_.path + "/notes.txt") << "mine";
  auto store = Store::Open(options_, clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(store.error().message, HasSubstr("holds no steadystate data (it holds notes.txt)"));
  EXPECT_EQ(Snapshot(options_.path).size(), 1u);
}

TEST_F(DamagedDirectoryTest, AnEmptyDirectoryGetsANewDatabase) {
  std::filesystem::create_directories(options_.path);
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->PutRecord(Family::kIncidents, "k", "v").ok());
}

TEST_F(DamagedDirectoryTest, NoCreationWhenCreateIfMissingIsOff) {
  options_.create_if_missing = false;
  auto store = Store::Open(options_, clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(options_.path));
}

// Flips a byte in the first data block of every table file not in `keep`.
void FlipTableBytes(const std::string& dir, const std::map<std::string, std::string>& keep = {}) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".sst") continue;
    if (keep.contains(entry.path().filename().string())) continue;
    std::fstream file(entry.path(), std::ios::binary | std::ios::in | std::ios::out);
    file.seekg(20);  // inside the first data block
    char byte = 0;
    file.get(byte);
    file.seekp(20);
    file.put(static_cast<char>(byte ^ 0x5a));
  }
}

TEST_F(DamagedDirectoryTest, AFlippedByteInATableIsDamageOnReadAndOnVerify) {
  std::map<std::string, std::string> schema_only;
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Flush().ok());
    schema_only = Snapshot(options_.path);  // the meta table with the schema version
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(
          store->PutRecord(Family::kIncidents, "k" + std::to_string(i), std::string(50, 'x')).ok());
    }
    ASSERT_TRUE(store->Flush().ok());
  }
  FlipTableBytes(options_.path, schema_only);  // the incidents' table
  auto store = Store::OpenReadOnly(options_, clock_);
  ASSERT_TRUE(store.ok()) << store.error().message;  // open reads only footers and indexes
  const auto scanned = (*store)->ScanRecords(
      Family::kIncidents, "", [](std::string_view, std::string_view) { return true; });
  ASSERT_FALSE(scanned.ok());
  EXPECT_EQ(scanned.error().code, ErrorCode::kCorruption);
  EXPECT_THAT(scanned.error().message,
              HasSubstr("data directory " + options_.path + " is damaged ("));
  EXPECT_THAT(scanned.error().message, HasSubstr("restore it from a backup"));
  const auto got = (*store)->GetRecord(Family::kIncidents, "k5");
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.error().message, HasSubstr("is damaged"));
  const auto verified = (*store)->VerifyChecksums();
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code, ErrorCode::kCorruption);
  EXPECT_THAT(verified.error().message, HasSubstr("is damaged"));
  store->reset();

  // Damage found while opening (here in the table holding the schema version) too.
  FlipTableBytes(options_.path);
  auto opened = Store::Open(options_, clock_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kCorruption);
  EXPECT_THAT(opened.error().message,
              HasSubstr("data directory " + options_.path + " is damaged ("));
  EXPECT_THAT(opened.error().message, HasSubstr("restore it from a backup"));
}

TEST_F(DamagedDirectoryTest, VerifyPassesOnAHealthyDirectoryBesideTheWriter) {
  auto writer = OpenOrDie();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->PutRecord(Family::kIncidents, "k", "v").ok());
  ASSERT_TRUE(writer->Flush().ok());
  auto reader = Store::OpenReadOnly(options_, clock_);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  const auto report = (*reader)->VerifyChecksums();
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_GE(report->table_files, 1u);
  EXPECT_GT(report->table_bytes, 0u);
}

TEST_F(DamagedDirectoryTest, RepairCopyRecoversRecordsAndLeavesTheSourceUntouched) {
  WriteData();
  Remove([](const std::string& name) { return name == "CURRENT"; });
  const auto before = Snapshot(options_.path);
  const std::string to = dir_ / "repaired";
  const auto report = RepairCopy(options_, to, clock_);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(Snapshot(options_.path), before);
  EXPECT_EQ(report->families.size(), kFamilyCount);

  Options repaired = options_;
  repaired.path = to;
  auto store = Store::Open(repaired, clock_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ((*store)->GetRecord(Family::kIncidents, "flushed").value(), "v");
  EXPECT_EQ((*store)->GetRecord(Family::kIncidents, "in-wal").value(), "v");

  // Never over a directory that holds something.
  const auto again = RepairCopy(options_, to, clock_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(again.error().message, HasSubstr("exists and is not empty"));
}

TEST_F(DamagedDirectoryTest, RepairRefusesADirectoryInUse) {
  ChildHoldingStore child(options_, clock_);
  ASSERT_TRUE(child.opened()) << "the child could not open the store";
  const auto refused = RepairCopy(options_, dir_ / "copy", clock_);
  child.Release();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kBusy);
  EXPECT_THAT(refused.error().message,
              HasSubstr("is in use by PID " + std::to_string(child.pid())));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "copy"));
}

TEST_F(StoreTest, InvalidOptionsAreRejected) {
  Options bad = options_;
  bad.path = "";
  EXPECT_EQ(Store::Open(bad, clock_).error().code, ErrorCode::kInvalidInput);
  bad = options_;
  bad.raw_retention = Duration::zero();
  EXPECT_EQ(Store::Open(bad, clock_).error().code, ErrorCode::kInvalidInput);
  bad = options_;
  bad.write_buffer_bytes = 1024;
  EXPECT_EQ(Store::Open(bad, clock_).error().code, ErrorCode::kInvalidInput);
}

// --- read-only --------------------------------------------------------------------------

TEST_F(StoreTest, ReadOnlySeesWritesOfAnOpenWriter) {
  auto writer = OpenOrDie();
  ASSERT_NE(writer, nullptr);
  const uint64_t cpu = writer->SeriesId("host:cpu").value();
  const std::vector<Sample> first = {{cpu, At(1000), 1}};
  ASSERT_TRUE(writer->WriteSamples(Family::kHost, first).ok());
  ASSERT_TRUE(writer->PutRecord(Family::kIncidents, "a", "1").ok());

  auto reader_or = Store::OpenReadOnly(options_, clock_);
  ASSERT_TRUE(reader_or.ok()) << reader_or.error().message;
  auto& reader = *reader_or;
  EXPECT_TRUE(reader->read_only());
  EXPECT_EQ(reader->SeriesId("host:cpu").value(), cpu);
  EXPECT_EQ(ScanAll(*reader, Family::kHost, cpu, At(0), At(10'000)).size(), 1u);
  EXPECT_EQ(reader->GetRecord(Family::kIncidents, "a").value(), "1");

  // Written after the reader opened: visible after CatchUp, also once flushed to SSTs.
  const uint64_t mem = writer->SeriesId("host:mem").value();
  const std::vector<Sample> second = {{cpu, At(2000), 2}, {mem, At(2000), 3}};
  ASSERT_TRUE(writer->WriteSamples(Family::kHost, second).ok());
  ASSERT_TRUE(writer->PutRecord(Family::kIncidents, "b", "2").ok());
  ASSERT_TRUE(reader->CatchUp().ok());
  EXPECT_EQ(ScanAll(*reader, Family::kHost, cpu, At(0), At(10'000)).size(), 2u);
  EXPECT_EQ(reader->SeriesId("host:mem").value(), mem);
  EXPECT_EQ(reader->GetRecord(Family::kIncidents, "b").value(), "2");
  ASSERT_TRUE(writer->Flush().ok());
  ASSERT_TRUE(writer->CompactForRetention().ok());
  ASSERT_TRUE(reader->CatchUp().ok());
  EXPECT_EQ(ScanAll(*reader, Family::kHost, cpu, At(0), At(10'000)).size(), 2u);

  // It cannot write, and it does not invent series.
  EXPECT_EQ(reader->PutRecord(Family::kIncidents, "c", "3").error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(reader->WriteSamples(Family::kHost, second).error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(reader->SeriesId("host:disk").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(reader->WriteErrors(), 0u);
}

TEST_F(StoreTest, ReadOnlyOfMissingDirectoryIsNotFound) {
  auto reader = Store::OpenReadOnly(options_, clock_);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(reader.error().message, "data directory " + options_.path + " does not exist");
  EXPECT_FALSE(std::filesystem::exists(options_.path));  // and it did not create it
}

// --- write failures ----------------------------------------------------------------------

// A filesystem whose writes fail while `fault` is set: ENOSPC like a full disk, or EIO
// like a failing one.
class FaultyFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault { kNone, kNoSpace, kEio };

  FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto status = target()->NewWritableFile(name, options, result, dbg);
    if (status.ok()) *result = std::make_unique<File>(std::move(*result), this);
    return status;
  }

  // What GetFreeSpace reports: a full disk, then one with room again.
  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 uint64_t* diskfree, rocksdb::IODebugContext* dbg) override {
    if (const uint64_t free_bytes = free_space.load(); free_bytes != kRealFreeSpace) {
      *diskfree = free_bytes;
      return rocksdb::IOStatus::OK();
    }
    return target()->GetFreeSpace(path, options, diskfree, dbg);
  }

  static constexpr uint64_t kRealFreeSpace = ~uint64_t{0};
  std::atomic<Fault> fault{Fault::kNone};
  std::atomic<uint64_t> free_space{kRealFreeSpace};

 private:
  rocksdb::IOStatus Injected() const {
    switch (fault.load()) {
      case Fault::kNone:
        break;
      case Fault::kNoSpace:
        return rocksdb::IOStatus::NoSpace("injected", "No space left on device");
      case Fault::kEio:
        return rocksdb::IOStatus::IOError("injected", "Input/output error");
    }
    return rocksdb::IOStatus::OK();
  }

  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, const FaultyFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (auto injected = fs_->Injected(); !injected.ok()) return injected;
      return target()->Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (auto injected = fs_->Injected(); !injected.ok()) return injected;
      return target()->Append(data, options, info, dbg);
    }

   private:
    const FaultyFileSystem* fs_;
  };
};

class FaultyStoreTest : public StoreTest {
 protected:
  std::unique_ptr<Store> OpenOnFaultyDisk() {
    auto opened = internal::OpenStore(options_, clock_, /*read_only=*/false, env_.get());
    if (!opened.ok()) ADD_FAILURE() << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  std::shared_ptr<FaultyFileSystem> fs_ = std::make_shared<FaultyFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
};

TEST_F(FaultyStoreTest, FailedWritesAreCountedAndWritingResumesWhenTheDiskHasSpaceAgain) {
  auto store = OpenOnFaultyDisk();
  ASSERT_NE(store, nullptr);
  const std::vector<Sample> first = {{1, At(1), 1}};
  ASSERT_TRUE(store->WriteSamples(Family::kHost, first).ok());
  EXPECT_TRUE(store->Writable());

  fs_->fault = FaultyFileSystem::Fault::kNoSpace;
  const std::vector<Sample> lost = {{1, At(2), 2}};
  const auto failed = store->WriteSamples(Family::kHost, lost);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kIo);
  EXPECT_THAT(failed.error().message,
              HasSubstr("writing samples to data directory " + options_.path));
  EXPECT_FALSE(store->Writable());
  EXPECT_FALSE(store->PutRecord(Family::kIncidents, "k", "v").ok());
  EXPECT_EQ(store->WriteErrors(), 2u);
  EXPECT_FALSE(store->Stats().writable);
  EXPECT_EQ(ScanAll(*store, Family::kHost, 1, At(0), At(10)).size(), 1u);  // reads work

  fs_->fault = FaultyFileSystem::Fault::kNone;
  clock_.Advance(seconds(1));  // recovery is tried at most once a second
  const std::vector<Sample> later = {{1, At(3), 3}};
  const auto resumed = store->WriteSamples(Family::kHost, later);
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_TRUE(store->Writable());
  EXPECT_EQ(store->WriteErrors(), 2u);
  ASSERT_TRUE(store->PutRecord(Family::kIncidents, "k", "v").ok());
  std::vector<double> values;
  for (const auto& s : ScanAll(*store, Family::kHost, 1, At(0), At(10))) values.push_back(s.value);
  EXPECT_THAT(values, ElementsAre(1, 3));
}

TEST_F(FaultyStoreTest, FatalWriteErrorReopensTheDatabaseKeepingAcknowledgedWrites) {
  auto store = OpenOnFaultyDisk();
  ASSERT_NE(store, nullptr);
  const std::vector<Sample> first = {{1, At(1), 1}};
  ASSERT_TRUE(store->WriteSamples(Family::kHost, first).ok());
  ASSERT_TRUE(store->PutRecord(Family::kIncidents, "before", "v").ok());

  fs_->fault = FaultyFileSystem::Fault::kEio;
  const std::vector<Sample> lost = {{1, At(2), 2}};
  EXPECT_FALSE(store->WriteSamples(Family::kHost, lost).ok());
  clock_.Advance(seconds(1));
  // The disk still fails: the store keeps the old instance for reads.
  EXPECT_FALSE(store->WriteSamples(Family::kHost, lost).ok());
  EXPECT_EQ(store->WriteErrors(), 2u);
  EXPECT_EQ(ScanAll(*store, Family::kHost, 1, At(0), At(10)).size(), 1u);
  EXPECT_EQ(store->GetRecord(Family::kIncidents, "before").value(), "v");

  fs_->fault = FaultyFileSystem::Fault::kNone;
  clock_.Advance(seconds(1));
  const std::vector<Sample> later = {{1, At(3), 3}};
  const auto resumed = store->WriteSamples(Family::kHost, later);
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_TRUE(store->Writable());
  std::vector<double> values;
  for (const auto& s : ScanAll(*store, Family::kHost, 1, At(0), At(10))) values.push_back(s.value);
  EXPECT_THAT(values, ElementsAre(1, 3));
  EXPECT_EQ(store->GetRecord(Family::kIncidents, "before").value(), "v");
  EXPECT_EQ(store->SeriesId("host:cpu").value(), 1u);
}

// Captures what the store logs through spdlog's default logger.
class CapturedLog {
 public:
  CapturedLog()
      : previous_(spdlog::default_logger()),
        logger_(std::make_shared<spdlog::logger>(
            "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_))) {
    logger_->set_pattern("%l %v");
    spdlog::set_default_logger(logger_);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> Lines() {
    logger_->flush();
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(FaultyStoreTest, AFullDiskIsLoggedOnceAMinuteAndStaysUnhealthyUntilThereIsRoom) {
  auto store = OpenOnFaultyDisk();
  ASSERT_NE(store, nullptr);
  CapturedLog log;
  fs_->free_space = 0;
  fs_->fault = FaultyFileSystem::Fault::kNoSpace;
  // Five minutes of a sample write every second, all failing.
  for (int64_t i = 0; i < 300; ++i) {
    const std::vector<Sample> sample = {{1, At(i), 1}};
    EXPECT_FALSE(store->WriteSamples(Family::kHost, sample).ok());
    clock_.Advance(seconds(1));
  }
  EXPECT_EQ(store->WriteErrors(), 300u);
  auto lines = log.Lines();
  // The first failure at once, then one summary per minute: 1 + 4 lines, not 300.
  ASSERT_EQ(lines.size(), 5u) << ::testing::PrintToString(lines);
  EXPECT_THAT(lines[0], HasSubstr("error writing samples to data directory " + options_.path));
  EXPECT_THAT(lines[1], HasSubstr("60 store writes failed in the last 60 s: writing samples"));
  EXPECT_THAT(lines[4], HasSubstr("60 store writes failed in the last 60 s"));

  // Writes would fit again, but the disk has no room to flush: the store does not come
  // back (nor report healthy) until it has.
  fs_->fault = FaultyFileSystem::Fault::kNone;
  for (int64_t i = 0; i < 3; ++i) {
    const std::vector<Sample> sample = {{1, At(1000 + i), 1}};
    EXPECT_FALSE(store->WriteSamples(Family::kHost, sample).ok());
    clock_.Advance(seconds(1));
  }
  EXPECT_FALSE(store->Writable());
  EXPECT_THAT(store->NotWritableReason(), HasSubstr("0 KiB free, 4096 KiB needed"));
  lines = log.Lines();
  ASSERT_EQ(lines.size(), 6u) << ::testing::PrintToString(lines);  // the 6th minute's line
  EXPECT_THAT(lines[5], HasSubstr("60 store writes failed in the last 60 s"));

  // Space is back: the next successful write makes it healthy and says so.
  fs_->free_space = 1 << 30;
  const std::vector<Sample> sample = {{1, At(2000), 1}};
  ASSERT_TRUE(store->WriteSamples(Family::kHost, sample).ok());
  EXPECT_TRUE(store->Writable());
  EXPECT_EQ(store->NotWritableReason(), "");
  lines = log.Lines();
  ASSERT_EQ(lines.size(), 8u) << ::testing::PrintToString(lines);
  // The failures since the last summary, then the recovery.
  EXPECT_THAT(lines[6], HasSubstr("2 store writes failed in the last 3 s"));
  EXPECT_THAT(lines[7], HasSubstr("writing to data directory " + options_.path + " works again"));
  std::vector<double> values;
  for (const auto& s : ScanAll(*store, Family::kHost, 1, At(0), At(10'000))) {
    values.push_back(s.value);
  }
  EXPECT_EQ(values.size(), 1u);  // only the write made after recovery

  // A new episode is logged at once again.
  fs_->fault = FaultyFileSystem::Fault::kNoSpace;
  EXPECT_FALSE(store->WriteSamples(Family::kHost, sample).ok());
  EXPECT_EQ(log.Lines().size(), 9u);
}

}  // namespace
}  // namespace steadystate::store
