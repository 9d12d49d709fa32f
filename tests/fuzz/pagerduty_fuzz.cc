// Fuzz target: PagerDuty REST API bodies (incident pages, log-entry pages, one incident,
// error bodies). The first byte picks the parser.
#include <cstddef>
#include <cstdint>

#include "incidents/pagerduty/parse.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace pagerduty = steadystate::incidents::pagerduty;
  steadystate::fuzz::FuzzInput input(data, size);
  uint8_t selector = input.TakeByte();
  std::string_view body = input.Rest();
  switch (selector % 4) {
    case 0:
      (void)pagerduty::ParsePagerDutyIncidentsPage(body, "GET /incidents offset 0");
      break;
    case 1:
      (void)pagerduty::ParsePagerDutyLogEntriesPage(body, "GET /log_entries offset 0");
      break;
    case 2:
      (void)pagerduty::ParsePagerDutyIncident(body);
      break;
    case 3:
      if (auto error = pagerduty::ParsePagerDutyError(body)) (void)error->ToString();
      break;
  }
  return 0;
}
