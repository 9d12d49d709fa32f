// The one definition of steady state (DESIGN.md §3): a service holds its steady state over
// a range when its probes over that range meet the objective; without probes over the
// range nothing can be vouched for. Every judge of steady state calls JudgeSteadyState;
// they differ only in the range and the objective they pass:
//
//   /api/v1/steady-state (and `attack run --halt-on-breach`, which polls it): each SLO's
//     counts over the trailing steady_state.window against that SLO's objective
//     (SloStatus::steady_counts, slo/slo_engine.h)
//   an attack window's recorded steady_state (the chaos service): every probe of the
//     window's services from start to end against kEveryProbe
//   the correlation's failing stretches: each minute of a service's probes against
//     StretchOptions::min_good_ratio (kEveryProbe by default)
//
// Pure; thread-safe.
#pragma once

#include <string_view>

#include "slo/sli.h"

namespace steadystate::slo {

// As attacks record it: "held", "broken", "unknown".
enum class SteadyState { kHeld, kBroken, kUnknown };
std::string_view ToString(SteadyState state);

// The objective under which one failed probe breaks steady state.
inline constexpr double kEveryProbe = 1.0;

// kUnknown when `counts` has no data; kHeld when good / total meets `objective`
// (MeetsObjective, so 999 of 1000 meets 99.9%); kBroken otherwise. Judging the sum of
// several services' counts against kEveryProbe gives "broken if any probe failed, held if
// any probe ran, unknown otherwise".
SteadyState JudgeSteadyState(const Counts& counts, double objective);

}  // namespace steadystate::slo
