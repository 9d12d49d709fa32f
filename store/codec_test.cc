#include "store/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

namespace steadystate::store {
namespace {

using std::chrono::milliseconds;

std::string KeyString(uint64_t series, int64_t ms) {
  const SeriesKey key = EncodeSeriesKey(series, Timestamp{milliseconds{ms}});
  return {key.data(), key.size()};
}

TEST(SeriesKey, IsSixteenBytesBigEndian) {
  const std::string key = KeyString(0x0102030405060708, 0);
  ASSERT_EQ(key.size(), 16u);
  EXPECT_EQ(key.substr(0, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  // 0 ms with the sign bit flipped.
  EXPECT_EQ(key.substr(8), std::string("\x80\0\0\0\0\0\0\0", 8));
}

TEST(SeriesKey, ByteOrderIsSeriesThenTimeIncludingPre1970) {
  const std::vector<int64_t> times = {
      std::numeric_limits<int64_t>::min(), -86'400'000LL * 365 * 10, -1, 0, 1, 1'764'091'223'000,
      std::numeric_limits<int64_t>::max()};
  std::vector<std::string> keys;
  for (uint64_t series : {1u, 2u, 300u}) {
    for (int64_t t : times) keys.push_back(KeyString(series, t));
  }
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));  // std::string compares bytes unsigned
}

TEST(SeriesKey, RoundTrips) {
  for (int64_t t :
       {std::numeric_limits<int64_t>::min(), int64_t{-5}, int64_t{0}, int64_t{1'764'091'223'123}}) {
    const auto decoded = DecodeSeriesKey(KeyString(42, t));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->series, 42u);
    EXPECT_EQ(decoded->time.time_since_epoch().count(), t);
  }
  EXPECT_FALSE(DecodeSeriesKey("short").has_value());
}

TEST(SampleValue, RoundTripsDoubles) {
  for (double v : {0.0, -0.0, 1.5, -3e300, std::numeric_limits<double>::infinity()}) {
    const auto bytes = EncodeSampleValue(v);
    const auto decoded = DecodeSampleValue({bytes.data(), bytes.size()});
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, v);
  }
  EXPECT_FALSE(DecodeSampleValue("1234567").has_value());
}

TEST(RollupValue, IsOneHundredTwentyBytesLittleEndian) {
  Rollup r;
  r.total = 0x0102;
  r.latency_buckets[11] = 7;
  const auto bytes = EncodeRollup(r);
  ASSERT_EQ(bytes.size(), 120u);
  EXPECT_EQ(bytes[0], '\x02');
  EXPECT_EQ(bytes[1], '\x01');
  EXPECT_EQ(bytes[112], '\x07');
  const auto decoded = DecodeRollup({bytes.data(), bytes.size()});
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, r);
}

TEST(RollupValue, AddSkipsMalformedInput) {
  Rollup sum;
  sum.total = 3;
  EXPECT_FALSE(AddEncodedRollup("garbage", sum));
  EXPECT_FALSE(AddEncodedRollup(std::string(121, '\1'), sum));
  EXPECT_EQ(sum.total, 3u);
  Rollup one;
  one.total = one.good = 1;
  const auto bytes = EncodeRollup(one);
  EXPECT_TRUE(AddEncodedRollup({bytes.data(), bytes.size()}, sum));
  EXPECT_EQ(sum.total, 4u);
  EXPECT_EQ(sum.good, 1u);
}

TEST(Rollup, AddsFieldWise) {
  Rollup a;
  a.total = 2;
  a.good = 1;
  a.latency_good = 1;
  a.latency_buckets[3] = 2;
  Rollup b = a;
  b.latency_buckets[0] = 5;
  const Rollup sum = a + b;
  EXPECT_EQ(sum.total, 4u);
  EXPECT_EQ(sum.good, 2u);
  EXPECT_EQ(sum.latency_good, 2u);
  EXPECT_EQ(sum.latency_buckets[3], 4u);
  EXPECT_EQ(sum.latency_buckets[0], 5u);
}

TEST(LatencyBucket, BoundsAreInclusive) {
  EXPECT_EQ(LatencyBucketIndex(milliseconds(-3)), 0u);
  EXPECT_EQ(LatencyBucketIndex(milliseconds(5)), 0u);
  EXPECT_EQ(LatencyBucketIndex(milliseconds(6)), 1u);
  EXPECT_EQ(LatencyBucketIndex(milliseconds(300)), 6u);
  EXPECT_EQ(LatencyBucketIndex(milliseconds(10000)), 10u);
  EXPECT_EQ(LatencyBucketIndex(milliseconds(10001)), 11u);
}

TEST(RoundTo, FloorsAndCeilsIncludingBeforeTheEpochAndSaturates) {
  const milliseconds minute(60'000);
  EXPECT_EQ(FloorTo(Timestamp{milliseconds(61'000)}, minute), Timestamp{minute});
  EXPECT_EQ(FloorTo(Timestamp{milliseconds(-1)}, minute), Timestamp{-minute});
  EXPECT_EQ(CeilTo(Timestamp{milliseconds(-1)}, minute), Timestamp{});
  EXPECT_EQ(CeilTo(Timestamp{milliseconds(1)}, minute), Timestamp{minute});
  EXPECT_EQ(CeilTo(Timestamp{minute}, minute), Timestamp{minute});
  EXPECT_EQ(FloorTo(Timestamp::min(), minute), Timestamp::min());
  EXPECT_EQ(CeilTo(Timestamp::max(), minute), Timestamp::max());
  EXPECT_LT(FloorTo(Timestamp::max(), minute), Timestamp::max());
}

TEST(HourlySeries, UsesTheTopBitOnly) {
  EXPECT_EQ(HourlySeries(5), (uint64_t{1} << 63) | 5);
  EXPECT_TRUE(IsHourlySeries(HourlySeries(5)));
  EXPECT_FALSE(IsHourlySeries(5));
  // Hourly keys sort after every minute key of every series.
  EXPECT_LT(KeyString(~uint64_t{0} >> 1, 0), KeyString(HourlySeries(1), 0));
}

TEST(DailySeries, UsesBit62AndSortsBetweenMinutesAndHours) {
  EXPECT_EQ(DailySeries(5), (uint64_t{1} << 62) | 5);
  EXPECT_TRUE(IsDailySeries(DailySeries(5)));
  EXPECT_FALSE(IsDailySeries(5));
  EXPECT_FALSE(IsDailySeries(HourlySeries(5)));
  EXPECT_FALSE(IsHourlySeries(DailySeries(5)));
  EXPECT_TRUE(IsMinuteSeries(5));
  EXPECT_FALSE(IsMinuteSeries(DailySeries(5)));
  EXPECT_LT(KeyString((uint64_t{1} << 62) - 1, 0), KeyString(DailySeries(1), 0));
  EXPECT_LT(KeyString(DailySeries((uint64_t{1} << 62) - 1), 0), KeyString(HourlySeries(1), 0));
}

TEST(PrefixSuccessor, BoundsAPrefixScan) {
  EXPECT_EQ(PrefixSuccessor("abc"), "abd");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

}  // namespace
}  // namespace steadystate::store
