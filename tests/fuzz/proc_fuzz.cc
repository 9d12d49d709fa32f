// Fuzz target: the /proc parsers of the host collector. The first byte picks the file.
#include <cstddef>
#include <cstdint>

#include "collector/host/proc_parsers.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace collector = steadystate::collector;
  steadystate::fuzz::FuzzInput input(data, size);
  uint8_t selector = input.TakeByte();
  std::string_view text = input.Rest();
  switch (selector % 5) {
    case 0: {
      // USER_HZ is 100 on Linux; other values exercise the division.
      double user_hz = (selector / 5) % 2 == 0 ? 100 : 1000;
      (void)collector::ParseProcStat(text, user_hz);
      break;
    }
    case 1:
      (void)collector::ParseMeminfo(text);
      break;
    case 2:
      (void)collector::ParseLoadavg(text);
      break;
    case 3:
      (void)collector::ParseDiskstats(text);
      break;
    case 4:
      (void)collector::ParseMounts(text);
      break;
  }
  return 0;
}
