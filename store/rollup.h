// Rollup: the counts of one service for one minute (or any sum of minutes). SLIs are
// computed from these counts, never from averaged ratios (DESIGN.md §3), so two rollups
// combine by adding every field. Plain value type; not synchronised.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace steadystate::store {

// Upper bounds (inclusive, milliseconds) of the latency histogram buckets. Bucket i counts
// observations with bounds[i-1] < latency <= bounds[i]; the last bucket is unbounded. The
// buckets are NOT cumulative (unlike Prometheus' `le` buckets): sum a prefix to get
// "latency <= bound". Changing these bounds changes the meaning of stored data, so it
// needs a schema version bump.
inline constexpr std::array<uint64_t, 12> kLatencyBucketUpperBoundsMs = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, std::numeric_limits<uint64_t>::max()};
inline constexpr size_t kLatencyBuckets = kLatencyBucketUpperBoundsMs.size();

// The index of the bucket a latency falls into. Negative latencies (a clock step during a
// probe) count in the first bucket.
constexpr size_t LatencyBucketIndex(std::chrono::milliseconds latency) {
  const int64_t ms = latency.count();
  for (size_t i = 0; i + 1 < kLatencyBuckets; ++i) {
    if (ms <= static_cast<int64_t>(kLatencyBucketUpperBoundsMs[i])) return i;
  }
  return kLatencyBuckets - 1;
}

struct Rollup {
  uint64_t total = 0;         // probes run
  uint64_t good = 0;          // probes that succeeded
  uint64_t latency_good = 0;  // succeeded within the service's latency threshold
  std::array<uint64_t, kLatencyBuckets> latency_buckets{};  // see kLatencyBucketUpperBoundsMs

  // Adds every field; unsigned overflow wraps (it would take 2^64 probes).
  Rollup& operator+=(const Rollup& other) {
    total += other.total;
    good += other.good;
    latency_good += other.latency_good;
    for (size_t i = 0; i < kLatencyBuckets; ++i) latency_buckets[i] += other.latency_buckets[i];
    return *this;
  }
  friend Rollup operator+(Rollup a, const Rollup& b) { return a += b; }
  friend bool operator==(const Rollup&, const Rollup&) = default;
};

}  // namespace steadystate::store
