// OpenSLO (openslo/v1) documents as extra SLO files (`slo_files:` in the main config), mapped
// onto the same SloConfig as native `slos:` entries (docs/slos.md, "OpenSLO").
//
// Supported: kind Service (its name must be a configured service) and kind SLO with an
// inline `indicator` whose `ratioMetric` good/total `metricSource` is
// `{type: steadystate, spec: {service, signal: success | latency, threshold}}`; `timeWindow`
// rolling ([{duration: 28d, isRolling: true}]) or calendar ([{duration: 1M | 1w | 1Q,
// isRolling: false, calendar: {startTime, timeZone}}]); `budgetingMethod` Occurrences or
// Timeslices; one objective with `target` or `targetPercent` (and `timeSliceTarget`,
// `timeSliceWindow` for Timeslices). Everything else OpenSLO defines (other kinds,
// indicatorRef, thresholdMetric, bad, RatioTimeslices, alertPolicies, ...) is a located
// error "FILE:LINE:COL: PATH: unsupported ..." naming the field.
//
// Pure functions except LoadSloFiles (which reads files); thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace steadystate::config {

// One SLO from an OpenSLO file, for the configured service `service`.
struct OpenSloSlo {
  std::string service;
  SloConfig slo;
  std::string where;  // "FILE:LINE:COL" of the SLO document's metadata.name
};

// Parses multi-document OpenSLO YAML. `config` is the main config: every service named must
// exist there with a probe. Reports every problem at once (kInvalidInput, one line each).
Result<std::vector<OpenSloSlo>> ParseOpenSlo(std::string_view yaml, std::string_view source_name,
                                             const Config& config);

// Reads every file in config.slo_files (relative paths are resolved against the directory of
// config.source_name) and appends its SLOs to the services of `config`. An SLO whose name the
// service already has is an error. On error `config` is unchanged.
Status LoadSloFiles(Config& config);

}  // namespace steadystate::config
