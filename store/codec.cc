#include "store/codec.h"

#include <bit>
#include <cstring>
#include <limits>

namespace steadystate::store {
namespace {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "mixed-endian targets are not supported");

constexpr uint64_t kSignBit = uint64_t{1} << 63;

uint64_t ByteSwapIf(bool swap, uint64_t v) {
  if (!swap) return v;
  v = ((v & 0x00ff00ff00ff00ffULL) << 8) | ((v >> 8) & 0x00ff00ff00ff00ffULL);
  v = ((v & 0x0000ffff0000ffffULL) << 16) | ((v >> 16) & 0x0000ffff0000ffffULL);
  return (v << 32) | (v >> 32);
}

void StoreBigEndian(char* out, uint64_t v) {
  v = ByteSwapIf(std::endian::native == std::endian::little, v);
  std::memcpy(out, &v, sizeof v);
}

uint64_t LoadBigEndian(const char* in) {
  uint64_t v;
  std::memcpy(&v, in, sizeof v);
  return ByteSwapIf(std::endian::native == std::endian::little, v);
}

void StoreLittleEndian(char* out, uint64_t v) {
  v = ByteSwapIf(std::endian::native == std::endian::big, v);
  std::memcpy(out, &v, sizeof v);
}

uint64_t LoadLittleEndian(const char* in) {
  uint64_t v;
  std::memcpy(&v, in, sizeof v);
  return ByteSwapIf(std::endian::native == std::endian::big, v);
}

}  // namespace

SeriesKey EncodeSeriesKey(uint64_t series, Timestamp time) {
  SeriesKey key;
  StoreBigEndian(key.data(), series);
  StoreBigEndian(key.data() + kSeriesIdBytes,
                 static_cast<uint64_t>(time.time_since_epoch().count()) ^ kSignBit);
  return key;
}

uint64_t SeriesKeySeries(std::string_view key) { return LoadBigEndian(key.data()); }

Timestamp SeriesKeyTime(std::string_view key) {
  const uint64_t raw = LoadBigEndian(key.data() + kSeriesIdBytes) ^ kSignBit;
  return Timestamp{std::chrono::milliseconds{static_cast<int64_t>(raw)}};
}

std::optional<DecodedSeriesKey> DecodeSeriesKey(std::string_view key) {
  if (key.size() != kSeriesKeyBytes) return std::nullopt;
  return DecodedSeriesKey{LoadBigEndian(key.data()), SeriesKeyTime(key)};
}

std::array<char, kSeriesIdBytes> EncodeSeriesId(uint64_t series) {
  std::array<char, kSeriesIdBytes> out;
  StoreBigEndian(out.data(), series);
  return out;
}

std::optional<uint64_t> DecodeSeriesId(std::string_view bytes) {
  if (bytes.size() != kSeriesIdBytes) return std::nullopt;
  return LoadBigEndian(bytes.data());
}

std::array<char, kSampleValueBytes> EncodeSampleValue(double value) {
  std::array<char, kSampleValueBytes> out;
  StoreLittleEndian(out.data(), std::bit_cast<uint64_t>(value));
  return out;
}

std::optional<double> DecodeSampleValue(std::string_view bytes) {
  if (bytes.size() != kSampleValueBytes) return std::nullopt;
  return std::bit_cast<double>(LoadLittleEndian(bytes.data()));
}

std::array<char, kRollupValueBytes> EncodeRollup(const Rollup& rollup) {
  std::array<char, kRollupValueBytes> out;
  StoreLittleEndian(out.data(), rollup.total);
  StoreLittleEndian(out.data() + 8, rollup.good);
  StoreLittleEndian(out.data() + 16, rollup.latency_good);
  for (size_t i = 0; i < kLatencyBuckets; ++i) {
    StoreLittleEndian(out.data() + 24 + 8 * i, rollup.latency_buckets[i]);
  }
  return out;
}

bool AddEncodedRollup(std::string_view bytes, Rollup& sum) {
  if (bytes.size() != kRollupValueBytes) return false;
  const char* p = bytes.data();
  sum.total += LoadLittleEndian(p);
  sum.good += LoadLittleEndian(p + 8);
  sum.latency_good += LoadLittleEndian(p + 16);
  for (size_t i = 0; i < kLatencyBuckets; ++i) {
    sum.latency_buckets[i] += LoadLittleEndian(p + 24 + 8 * i);
  }
  return true;
}

std::optional<Rollup> DecodeRollup(std::string_view bytes) {
  Rollup rollup;
  if (!AddEncodedRollup(bytes, rollup)) return std::nullopt;
  return rollup;
}

namespace {
int64_t PositiveRemainder(int64_t ms, int64_t unit) {
  const int64_t r = ms % unit;
  return r < 0 ? r + unit : r;
}
}  // namespace

Timestamp FloorTo(Timestamp t, std::chrono::milliseconds unit) {
  const int64_t ms = t.time_since_epoch().count();
  const int64_t down = PositiveRemainder(ms, unit.count());
  if (ms < std::numeric_limits<int64_t>::min() + down) return Timestamp::min();
  return Timestamp{std::chrono::milliseconds{ms - down}};
}

Timestamp CeilTo(Timestamp t, std::chrono::milliseconds unit) {
  const int64_t ms = t.time_since_epoch().count();
  const int64_t rem = PositiveRemainder(ms, unit.count());
  if (rem == 0) return t;
  const int64_t up = unit.count() - rem;
  if (ms > std::numeric_limits<int64_t>::max() - up) return Timestamp::max();
  return Timestamp{std::chrono::milliseconds{ms + up}};
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(out.back());
    if (last != 0xff) {
      ++last;
      return out;
    }
    out.pop_back();
  }
  return out;
}

}  // namespace steadystate::store
