// Fuzz target: Gremlin attack list bodies (chaos::ParseGremlinAttacksPage).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chaos/attack.h"
#include "chaos/gremlin.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace chaos = steadystate::chaos;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = chaos::ParseGremlinAttacksPage(body);
  if (page.ok()) {
    for (const auto& attack : page->attacks) {
      auto stored = chaos::AttackFromJson(chaos::AttackToJson(attack));
      FUZZ_CHECK(stored.ok());
    }
  }
  return 0;
}
