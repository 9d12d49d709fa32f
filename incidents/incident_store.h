// IncidentStore: incidents in the store's incidents family, one JSON record per incident
// keyed by its id ("pagerduty:Q1ABC..."), so an incident imported twice is one record.
// Writes are synced (store::Store::WriteRecords): once Upsert returns OK the incidents
// survive kill -9. Incidents are few (thousands to millions), so List scans the family;
// there is no time index yet.
//
// Thread-safe: every method may be called from any thread (the store is thread-safe and
// Upsert holds a lock so two importers cannot interleave read-compare-write).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "incidents/incident.h"
#include "store/store.h"

namespace steadystate::incidents {

struct UpsertCounts {
  int64_t added = 0;      // no record with this id before
  int64_t updated = 0;    // a record existed and differed
  int64_t unchanged = 0;  // the stored record was byte-identical
  UpsertCounts& operator+=(const UpsertCounts& o) {
    added += o.added;
    updated += o.updated;
    unchanged += o.unchanged;
    return *this;
  }
};

struct IncidentFilter {
  std::optional<Timestamp> since;  // created_at >= since
  std::optional<Timestamp> until;  // created_at < until
  std::string service;             // empty: every service
};

class IncidentStore {
 public:
  explicit IncidentStore(store::Store& store) : store_(store) {}

  // Writes every incident whose record changed, together with `extra` (e.g. an import
  // cursor in meta), in one atomic synced batch: either all of it is stored or none.
  Result<UpsertCounts> Upsert(std::span<const Incident> incidents,
                              std::span<const store::RecordWrite> extra = {});
  Result<std::optional<Incident>> Get(std::string_view id) const;
  // Incidents matching `filter`, ordered by created_at then id.
  Result<std::vector<Incident>> List(const IncidentFilter& filter) const;
  // Incidents without resolved_at, ordered by created_at.
  Result<std::vector<Incident>> ListUnresolved() const;

 private:
  Status Scan(const std::function<void(Incident)>& fn) const;

  store::Store& store_;
  std::mutex upsert_mu_;
};

}  // namespace steadystate::incidents
