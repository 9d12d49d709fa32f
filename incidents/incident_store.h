// IncidentStore: incidents in the store's incidents family, one JSON record per incident
// keyed by its id ("pagerduty:Q1ABC..."), so an incident imported twice is one record.
// Writes are synced (store::Store::WriteRecords): once Upsert returns OK the incidents
// survive kill -9. List scans the family. Beside the records, the family holds an index by
// creation time (a key "\xff" "c" + created_at + id per incident, written in the same
// batch as the record; no id starts with 0xff, which is never UTF-8), so ListPage reads
// only the incidents of its page.
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

// One page of incidents in (created_at, id) order.
struct IncidentPage {
  std::vector<Incident> incidents;
  // Where the next page starts (opaque bytes for ListPage's `after`); unset on the last
  // page.
  std::optional<std::string> next;
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
  // At most `limit` (> 0) incidents matching `filter`, ordered by created_at then id,
  // starting after the position `after` (empty: from the first). Reading page after page
  // returns every incident that exists throughout the reading exactly once, whatever is
  // written meanwhile (an incident added or moved behind the position is not returned).
  // A malformed `after` is kInvalidInput. Without the index (a directory from an older
  // version, before BuildCreatedIndex) it falls back to a scan of the family per page.
  Result<IncidentPage> ListPage(const IncidentFilter& filter, std::string_view after,
                                size_t limit) const;
  // Writes the creation-time index for incidents stored before it existed, once per data
  // directory (a meta key marks it done). The daemon calls it at start; Upsert calls it
  // before its first write.
  Status BuildCreatedIndex();
  // Incidents without resolved_at, ordered by created_at.
  Result<std::vector<Incident>> ListUnresolved() const;
  // Incidents without resolved_at or created at or after `since`, ordered by created_at.
  Result<std::vector<Incident>> ListUnresolvedOrSince(Timestamp since) const;

 private:
  Status Scan(const std::function<void(Incident)>& fn) const;
  // The incidents `keep` accepts, ordered by created_at then id.
  Result<std::vector<Incident>> Select(const std::function<bool(const Incident&)>& keep) const;

  Status BuildCreatedIndexLocked();  // holds upsert_mu_

  store::Store& store_;
  std::mutex upsert_mu_;
  bool index_built_ = false;  // guarded by upsert_mu_
};

// What a dashboard shows of the incident store, kept in memory: every unresolved incident
// and every one created in the last 31 days. The store is scanned again only when its
// incidents changed (store::Store::RecordsVersion) or the copy is 6 hours old (so the
// window slides), so a page view costs no scan of years of history. Thread-safe; one
// caller scans while the others wait for its result.
class RecentIncidents {
 public:
  static constexpr Duration kRecent = std::chrono::days(31);

  RecentIncidents(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Unresolved incidents, ordered by created_at.
  Result<std::vector<Incident>> Unresolved();
  // The incidents of `service` created at or after `since`, resolved or not, ordered by
  // created_at. Only the last 30 days are sure to be complete: an earlier `since` gets
  // what the copy holds.
  Result<std::vector<Incident>> OfService(std::string_view service, Timestamp since);
  // Scans now when the copy is out of date or 5 hours old: for a background task, so
  // that page views find it current.
  Status Refresh();

 private:
  using Snapshot = std::shared_ptr<const std::vector<Incident>>;
  Result<Snapshot> Current(Duration max_age);
  // The incidents of the copy `keep` accepts, in its order.
  Result<std::vector<Incident>> Select(const std::function<bool(const Incident&)>& keep);

  store::Store& store_;
  const Clock& clock_;
  std::mutex mu_;
  Snapshot incidents_;  // by created_at
  uint64_t version_ = 0;
  Timestamp read_at_;
};

}  // namespace steadystate::incidents
