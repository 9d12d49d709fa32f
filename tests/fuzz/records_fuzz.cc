// Fuzz target: the JSON records the store keeps (incidents, attacks, alerts, queued
// notifications), as a corrupted or hand-edited database would hand them back. The first
// byte picks the record type; a record that parses must survive being written again.
#include <cstddef>
#include <cstdint>

#include "chaos/attack.h"
#include "incidents/incident.h"
#include "notify/notification.h"
#include "slo/alert.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace chaos = steadystate::chaos;
  namespace incidents = steadystate::incidents;
  steadystate::fuzz::FuzzInput input(data, size);
  uint8_t selector = input.TakeByte();
  std::string_view record = input.Rest();
  switch (selector % 4) {
    case 0:
      if (auto incident = incidents::IncidentFromRecord(record); incident.ok()) {
        auto again = incidents::IncidentFromRecord(incidents::IncidentToRecord(*incident));
        FUZZ_CHECK(again.ok());
        (void)incidents::IncidentToJson(*incident);
        (void)incidents::IncidentCsvFields(*incident);
      }
      break;
    case 1:
      if (auto attack = chaos::AttackFromJson(record); attack.ok()) {
        FUZZ_CHECK(chaos::AttackFromJson(chaos::AttackToJson(*attack)).ok());
      }
      break;
    case 2:
      if (auto alert = steadystate::slo::AlertFromJson(record); alert.ok()) {
        FUZZ_CHECK(steadystate::slo::AlertFromJson(steadystate::slo::AlertToJson(*alert)).ok());
      }
      break;
    case 3:
      if (auto notification = steadystate::notify::NotificationFromJson(record);
          notification.ok()) {
        auto again = steadystate::notify::NotificationFromJson(
            steadystate::notify::NotificationToJson(*notification));
        FUZZ_CHECK(again.ok());
      }
      break;
  }
  return 0;
}
