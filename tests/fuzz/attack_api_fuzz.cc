// Fuzz target: the bodies of POST /api/v1/attacks (start) and .../end, and stored attack
// records. The first byte picks the parser.
#include <cstddef>
#include <cstdint>

#include "chaos/attack.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace chaos = steadystate::chaos;
  steadystate::fuzz::FuzzInput input(data, size);
  uint8_t selector = input.TakeByte();
  std::string_view body = input.Rest();
  switch (selector % 3) {
    case 0: {
      auto attack = chaos::ParseAttackStart(body);
      if (attack.ok()) (void)chaos::AttackToJson(*attack);
      break;
    }
    case 1:
      (void)chaos::ParseAttackEnd(body);
      break;
    case 2: {
      auto attack = chaos::AttackFromJson(body);
      if (attack.ok()) {
        auto again = chaos::AttackFromJson(chaos::AttackToJson(*attack));
        FUZZ_CHECK(again.ok());
      }
      break;
    }
  }
  return 0;
}
