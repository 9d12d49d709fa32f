// Fuzz target: the store's binary codecs (store/codec.h): series keys, series ids, sample
// and rollup values, the rollup merge operand, prefix bounds and time rounding. Whatever
// decodes must encode back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "store/codec.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

std::string_view View(const auto& array) { return {array.data(), array.size()}; }

int64_t TakeInt64(std::string_view& bytes) {
  uint64_t value = 0;
  size_t n = bytes.size() < 8 ? bytes.size() : 8;
  std::memcpy(&value, bytes.data(), n);
  bytes.remove_prefix(n);
  return static_cast<int64_t>(value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace store = steadystate::store;
  steadystate::fuzz::FuzzInput input(data, size);
  uint8_t selector = input.TakeByte();
  std::string_view bytes = input.Rest();
  switch (selector % 7) {
    case 0:
      if (auto key = store::DecodeSeriesKey(bytes)) {
        FUZZ_CHECK(View(store::EncodeSeriesKey(key->series, key->time)) == bytes);
        FUZZ_CHECK(store::SeriesKeySeries(bytes) == key->series);
        FUZZ_CHECK(store::SeriesKeyTime(bytes) == key->time);
      }
      break;
    case 1:
      if (auto id = store::DecodeSeriesId(bytes)) {
        FUZZ_CHECK(View(store::EncodeSeriesId(*id)) == bytes);
      }
      break;
    case 2:
      if (auto value = store::DecodeSampleValue(bytes)) {
        FUZZ_CHECK(View(store::EncodeSampleValue(*value)) == bytes);
      }
      break;
    case 3:
      if (auto rollup = store::DecodeRollup(bytes)) {
        FUZZ_CHECK(View(store::EncodeRollup(*rollup)) == bytes);
      }
      break;
    case 4: {
      steadystate::store::Rollup sum;
      sum.total = 1;
      bool added = store::AddEncodedRollup(bytes, sum);
      FUZZ_CHECK(added == store::DecodeRollup(bytes).has_value());
      break;
    }
    case 5: {
      std::string successor = store::PrefixSuccessor(bytes);
      if (!successor.empty()) FUZZ_CHECK(std::string_view(successor) > bytes);
      break;
    }
    case 6: {
      steadystate::Timestamp t{std::chrono::milliseconds(TakeInt64(bytes))};
      std::chrono::milliseconds unit(TakeInt64(bytes));
      if (unit.count() <= 0) break;  // the contract asks for a positive unit
      steadystate::Timestamp floor = store::FloorTo(t, unit);
      steadystate::Timestamp ceil = store::CeilTo(t, unit);
      FUZZ_CHECK(floor <= t && t <= ceil);
      break;
    }
  }
  return 0;
}
