// Fuzz target: RFC 3339 instants, durations and the small config values (host:port, byte
// sizes, status ranges, URLs, names). The first byte picks the parser; parsed instants and
// durations must survive their own formatting.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/time.h"
#include "config/values.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace config = steadystate::config;
  steadystate::fuzz::FuzzInput input(data, size);
  uint8_t selector = input.TakeByte();
  std::string_view text = input.Rest();
  switch (selector % 7) {
    case 0: {
      auto instant = steadystate::ParseRfc3339(text);
      if (instant.ok()) {
        auto again = steadystate::ParseRfc3339(steadystate::FormatRfc3339(*instant));
        FUZZ_CHECK(again.ok() && *again == *instant);
      }
      break;
    }
    case 1: {
      auto duration = steadystate::ParseDuration(text);
      if (duration.ok()) {
        auto again = steadystate::ParseDuration(steadystate::FormatDuration(*duration));
        FUZZ_CHECK(again.ok() && *again == *duration);
      }
      break;
    }
    case 2: {
      auto host_port = config::ParseHostPort(text);
      if (host_port.ok()) {
        auto again = config::ParseHostPort(host_port->ToString());
        FUZZ_CHECK(again.ok() && *again == *host_port);
      }
      break;
    }
    case 3:
      (void)config::ParseByteSize(text);
      break;
    case 4: {
      auto range = config::ParseStatusRange(text);
      if (range.ok()) FUZZ_CHECK(range->low <= range->high);
      break;
    }
    case 5:
      (void)config::CheckHttpUrl(text);
      break;
    case 6: {
      (void)config::CheckName(text);
      // The did-you-mean hint compares a typo against candidates; bounded so one input
      // stays fast (EditDistance is quadratic).
      std::string_view typo = input.TakeUntilNul().substr(0, 256);
      const char* candidates[] = {"services", "slos", "alerts", "notifiers", "pagerduty"};
      (void)config::DidYouMean(typo, candidates);
      break;
    }
  }
  return 0;
}
