#include "incidents/incident_store.h"

#include <algorithm>
#include <functional>
#include <iterator>

namespace steadystate::incidents {

Result<UpsertCounts> IncidentStore::Upsert(std::span<const Incident> incidents,
                                           std::span<const store::RecordWrite> extra) {
  std::lock_guard lock(upsert_mu_);
  UpsertCounts counts;
  // Records must outlive the RecordWrites that view them.
  std::vector<std::string> records;
  records.reserve(incidents.size());
  std::vector<size_t> changed;
  for (size_t i = 0; i < incidents.size(); ++i) {
    records.push_back(IncidentToRecord(incidents[i]));
    auto existing = store_.GetRecord(store::Family::kIncidents, incidents[i].id);
    if (!existing.ok()) return existing.error();
    if (!existing->has_value()) {
      ++counts.added;
      changed.push_back(i);
    } else if (**existing != records.back()) {
      ++counts.updated;
      changed.push_back(i);
    } else {
      ++counts.unchanged;
    }
  }
  std::vector<store::RecordWrite> writes;
  writes.reserve(changed.size() + extra.size());
  for (size_t i : changed) {
    writes.push_back({store::Family::kIncidents, incidents[i].id, records[i]});
  }
  writes.insert(writes.end(), extra.begin(), extra.end());
  if (!writes.empty()) RETURN_IF_ERROR(store_.WriteRecords(writes));
  return counts;
}

Result<std::optional<Incident>> IncidentStore::Get(std::string_view id) const {
  auto record = store_.GetRecord(store::Family::kIncidents, id);
  if (!record.ok()) return record.error();
  if (!record->has_value()) return std::optional<Incident>{};
  auto incident = IncidentFromRecord(**record);
  if (!incident.ok()) return incident.error();
  return std::optional<Incident>(std::move(*incident));
}

Status IncidentStore::Scan(const std::function<void(Incident)>& fn) const {
  Status bad = OkStatus();
  RETURN_IF_ERROR(store_.ScanRecords(
      store::Family::kIncidents, "", [&](std::string_view key, std::string_view value) {
        auto incident = IncidentFromRecord(value);
        if (!incident.ok()) {
          bad =
              MakeError(incident.error().code, std::string(key) + ": " + incident.error().message);
          return false;
        }
        fn(std::move(*incident));
        return true;
      }));
  return bad;
}

namespace {
void SortByCreated(std::vector<Incident>& incidents) {
  std::sort(incidents.begin(), incidents.end(), [](const Incident& a, const Incident& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
}
}  // namespace

Result<std::vector<Incident>> IncidentStore::Select(
    const std::function<bool(const Incident&)>& keep) const {
  std::vector<Incident> out;
  RETURN_IF_ERROR(Scan([&](Incident incident) {
    if (keep(incident)) out.push_back(std::move(incident));
  }));
  SortByCreated(out);
  return out;
}

Result<std::vector<Incident>> IncidentStore::List(const IncidentFilter& filter) const {
  return Select([&](const Incident& incident) {
    return (!filter.since || incident.created_at >= *filter.since) &&
           (!filter.until || incident.created_at < *filter.until) &&
           (filter.service.empty() || incident.service == filter.service);
  });
}

Result<std::vector<Incident>> IncidentStore::ListUnresolved() const {
  return Select([](const Incident& incident) { return !incident.resolved(); });
}

Result<std::vector<Incident>> IncidentStore::ListUnresolvedOrSince(Timestamp since) const {
  return Select([&](const Incident& incident) {
    return !incident.resolved() || incident.created_at >= since;
  });
}

// --- RecentIncidents ---

Result<RecentIncidents::Snapshot> RecentIncidents::Current(Duration max_age) {
  std::lock_guard lock(mu_);
  // The version before the scan: a write during it makes the next call scan again.
  const uint64_t version = store_.RecordsVersion(store::Family::kIncidents);
  const Timestamp now = clock_.Now();
  if (incidents_ != nullptr && version == version_ && now >= read_at_ && now - read_at_ < max_age) {
    return incidents_;
  }
  auto read = IncidentStore(store_).ListUnresolvedOrSince(now - kRecent);
  if (!read.ok()) return read.error();
  incidents_ = std::make_shared<const std::vector<Incident>>(std::move(*read));
  version_ = version;
  read_at_ = now;
  return incidents_;
}

Result<std::vector<Incident>> RecentIncidents::Select(
    const std::function<bool(const Incident&)>& keep) {
  auto all = Current(std::chrono::hours(6));
  if (!all.ok()) return all.error();
  std::vector<Incident> out;
  std::copy_if((*all)->begin(), (*all)->end(), std::back_inserter(out), keep);
  return out;
}

Result<std::vector<Incident>> RecentIncidents::Unresolved() {
  return Select([](const Incident& i) { return !i.resolved(); });
}

Result<std::vector<Incident>> RecentIncidents::OfService(std::string_view service,
                                                         Timestamp since) {
  return Select([&](const Incident& i) { return i.service == service && i.created_at >= since; });
}

Status RecentIncidents::Refresh() {
  auto all = Current(std::chrono::hours(5));
  if (!all.ok()) return all.error();
  return OkStatus();
}

}  // namespace steadystate::incidents
