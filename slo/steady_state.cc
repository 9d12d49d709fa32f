#include "slo/steady_state.h"

namespace steadystate::slo {

std::string_view ToString(SteadyState state) {
  switch (state) {
    case SteadyState::kHeld:
      return "held";
    case SteadyState::kBroken:
      return "broken";
    case SteadyState::kUnknown:
      break;
  }
  return "unknown";
}

SteadyState JudgeSteadyState(const Counts& counts, double objective) {
  const std::optional<double> ratio = Ratio(counts);
  if (!ratio) return SteadyState::kUnknown;
  return MeetsObjective(*ratio, objective) ? SteadyState::kHeld : SteadyState::kBroken;
}

}  // namespace steadystate::slo
