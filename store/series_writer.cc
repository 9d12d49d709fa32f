#include "store/series_writer.h"

#include <vector>

namespace steadystate::store {

Status WriteProbeResult(Store& store, std::string_view service, Timestamp time,
                        std::string_view payload, const Rollup& delta) {
  Result<uint64_t> series = store.SeriesId(SeriesName::Probe(service));
  if (!series.ok()) return series.error();
  const Event event{*series, time, payload};
  RETURN_IF_ERROR(store.WriteEvents(Family::kProbe, {&event, 1}));
  const RollupUpdate rollup{*series, std::chrono::floor<std::chrono::minutes>(time), delta};
  return store.MergeRollups({&rollup, 1});
}

Status WriteHostSamples(Store& store, Timestamp time, std::span<const HostSample> samples) {
  std::vector<Sample> points;
  points.reserve(samples.size());
  Status first_error;
  for (const HostSample& s : samples) {
    Result<uint64_t> id = store.SeriesId(s.key);
    if (id.ok()) {
      points.push_back({*id, time, s.value});
    } else if (first_error.ok()) {
      first_error = id.error();
    }
  }
  if (points.empty()) return first_error;
  RETURN_IF_ERROR(store.WriteSamples(Family::kHost, points));
  return first_error;
}

}  // namespace steadystate::store
