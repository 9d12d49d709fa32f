// Fuzz target: Chaos Toolkit journals. The input is an optional type override, a '\0', then
// the journal; without a '\0' the whole input is the journal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chaos/attack.h"
#include "chaos/chaostoolkit.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace chaos = steadystate::chaos;
  std::string_view whole(reinterpret_cast<const char*>(data), size);
  std::string_view type_override;
  std::string_view journal = whole;
  if (whole.find('\0') != std::string_view::npos) {
    steadystate::fuzz::FuzzInput input(data, size);
    type_override = input.TakeUntilNul();
    journal = input.Rest();
  }
  auto attack = chaos::ParseChaosToolkitJournal(journal, type_override);
  if (attack.ok()) {
    // A parsed journal is stored as JSON and read back: the record must survive.
    auto stored = chaos::AttackFromJson(chaos::AttackToJson(*attack));
    FUZZ_CHECK(stored.ok());
  }
  (void)chaos::AttackTypeFromText(journal);
  return 0;
}
