// Fuzz target: Gremlin attack list bodies (incidents::ParseGremlinAttacksPage).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "incidents/attack.h"
#include "incidents/gremlin.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace incidents = steadystate::incidents;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto page = incidents::ParseGremlinAttacksPage(body);
  if (page.ok()) {
    for (const auto& attack : page->attacks) {
      auto stored = incidents::AttackFromJson(incidents::AttackToJson(attack));
      FUZZ_CHECK(stored.ok());
    }
  }
  return 0;
}
