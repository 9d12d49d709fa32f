// The on-disk byte layout of the time-series column families (host, probe, rollups).
// Internal to store/ (and its tests); other modules use Store. Pure functions,
// thread-safe. Changing anything here changes the data format: bump kSchemaVersion.
//
// Key (16 bytes): series id as u64 big-endian, then the timestamp in milliseconds since
// the Unix epoch as i64 with the sign bit flipped, big-endian. Byte order is then
// (series, time) order, pre-1970 instants included, so a range scan is a time range.
//
// Sample value (8 bytes): the IEEE-754 bits of the double, little-endian.
// Rollup value (120 bytes): total, good, latency_good, latency_buckets[12], each u64
// little-endian.
//
// The rollups family holds three key spaces with the same value format: minute rollups
// under the series id, hourly sums of them under the series id with the top bit set
// (HourlySeries), keyed by the start of the hour, and (schema 2) daily sums under the
// series id with bit 62 set (DailySeries), keyed by the start of the UTC day. Every
// MergeRollups writes all three in one batch, so a 30-day sum reads ~720 hourly keys plus
// the partial hours at the edges instead of 43,200 minute keys, and a 90-day strip reads
// 90 daily keys. Key order: minute keys, then daily, then hourly. Series ids are
// allocated from 1 up and stay below 2^62.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "store/rollup.h"

namespace steadystate::store {

inline constexpr size_t kSeriesIdBytes = 8;
inline constexpr size_t kSeriesKeyBytes = 16;
inline constexpr size_t kSampleValueBytes = 8;
inline constexpr size_t kRollupFields = 3 + kLatencyBuckets;
inline constexpr size_t kRollupValueBytes = 8 * kRollupFields;

inline constexpr uint64_t kHourlySeriesBit = uint64_t{1} << 63;
inline constexpr uint64_t kDailySeriesBit = uint64_t{1} << 62;

using SeriesKey = std::array<char, kSeriesKeyBytes>;

// The key-space id of the hourly sums of `series` (which must be < 2^63).
constexpr uint64_t HourlySeries(uint64_t series) { return series | kHourlySeriesBit; }
constexpr bool IsHourlySeries(uint64_t series) { return (series & kHourlySeriesBit) != 0; }
// The key-space id of the daily sums of `series` (which must be < 2^62).
constexpr uint64_t DailySeries(uint64_t series) { return series | kDailySeriesBit; }
constexpr bool IsDailySeries(uint64_t series) {
  return (series & (kHourlySeriesBit | kDailySeriesBit)) == kDailySeriesBit;
}
// A minute series id: below 2^62, so neither bit above is set.
constexpr bool IsMinuteSeries(uint64_t series) { return series < kDailySeriesBit; }

SeriesKey EncodeSeriesKey(uint64_t series, Timestamp time);

struct DecodedSeriesKey {
  uint64_t series;
  Timestamp time;
};
// nullopt unless `key` is exactly kSeriesKeyBytes long.
std::optional<DecodedSeriesKey> DecodeSeriesKey(std::string_view key);

// The parts of a key, assuming key.size() == kSeriesKeyBytes (checked by callers).
uint64_t SeriesKeySeries(std::string_view key);
Timestamp SeriesKeyTime(std::string_view key);

// The series-name registry in meta maps "series/<name>" to the id as u64 big-endian.
std::array<char, kSeriesIdBytes> EncodeSeriesId(uint64_t series);
std::optional<uint64_t> DecodeSeriesId(std::string_view bytes);

std::array<char, kSampleValueBytes> EncodeSampleValue(double value);
std::optional<double> DecodeSampleValue(std::string_view bytes);

std::array<char, kRollupValueBytes> EncodeRollup(const Rollup& rollup);
std::optional<Rollup> DecodeRollup(std::string_view bytes);
// Adds an encoded rollup into `sum`; false (and `sum` untouched) if malformed. The merge
// operator is built on this: a malformed operand is skipped, never fatal, because one bad
// write must not make a minute, a compaction or the whole column family unreadable.
bool AddEncodedRollup(std::string_view bytes, Rollup& sum);

// `t` rounded down / up to a multiple of `unit` (since the epoch), saturating at the ends
// of Timestamp's range instead of overflowing.
Timestamp FloorTo(Timestamp t, std::chrono::milliseconds unit);
Timestamp CeilTo(Timestamp t, std::chrono::milliseconds unit);

// The smallest key greater than every key starting with `prefix`, or "" if there is none
// (prefix empty or all 0xff): the exclusive upper bound of a prefix scan.
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace steadystate::store
