// The one writer of probe results and host samples: it resolves each series through
// SeriesName (registering it on first use) and writes the points, so no caller builds a
// series name or an id by hand. Readers look series up with Store::FindSeries.
//
// Thread-safe as Store is.
#pragma once

#include <span>
#include <string_view>

#include "common/result.h"
#include "common/time.h"
#include "store/rollup.h"
#include "store/series_name.h"
#include "store/store.h"

namespace steadystate::store {

// One probe result of `service` at `time`: the serialised result `payload` as an Event in
// Family::kProbe under SeriesName::Probe(service), then `delta` merged into that series'
// rollup of the minute of `time`.
Status WriteProbeResult(Store& store, std::string_view service, Timestamp time,
                        std::string_view payload, const Rollup& delta);

struct HostSample {
  SeriesName key;  // a Host or HostFilesystem key
  double value = 0;
};

// Host samples taken at `time`, in one WriteSamples batch (Family::kHost). A sample whose
// series cannot be registered is left out and the others are written; the first such
// error is returned when the batch itself succeeds.
Status WriteHostSamples(Store& store, Timestamp time, std::span<const HostSample> samples);

}  // namespace steadystate::store
