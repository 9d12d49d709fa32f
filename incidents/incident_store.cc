#include "incidents/incident_store.h"

#include <algorithm>
#include <functional>
#include <iterator>

namespace steadystate::incidents {
namespace {

// The creation-time index (see the header): kIndexPrefix + Position(created_at, id).
constexpr std::string_view kIndexPrefix =
    "\xff"
    "c";
// Meta key set once every incident of the directory has its index key.
constexpr std::string_view kIndexBuiltMeta = "incidents/created_index";

// 8 bytes big-endian of created_at (sign bit flipped, so that byte order is time order)
// then the id.
std::string Position(Timestamp created_at, std::string_view id) {
  uint64_t bits = static_cast<uint64_t>(created_at.time_since_epoch().count()) ^ (1ULL << 63);
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(bits & 0xff);
    bits >>= 8;
  }
  out.append(id);
  return out;
}

std::string IndexKey(Timestamp created_at, std::string_view id) {
  return std::string(kIndexPrefix) + Position(created_at, id);
}

std::optional<Timestamp> PositionTime(std::string_view position) {
  if (position.size() < 8) return std::nullopt;
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<unsigned char>(position[i]);
  return Timestamp(Duration(static_cast<int64_t>(bits ^ (1ULL << 63))));
}

bool Matches(const IncidentFilter& filter, const Incident& incident) {
  return (!filter.since || incident.created_at >= *filter.since) &&
         (!filter.until || incident.created_at < *filter.until) &&
         (filter.service.empty() || incident.service == filter.service);
}

}  // namespace

Result<UpsertCounts> IncidentStore::Upsert(std::span<const Incident> incidents,
                                           std::span<const store::RecordWrite> extra) {
  std::lock_guard lock(upsert_mu_);
  // The first write to a directory without the index builds it (at once when there are no
  // incidents yet), so that every later write only has to keep it.
  RETURN_IF_ERROR(BuildCreatedIndexLocked());
  UpsertCounts counts;
  // Records must outlive the RecordWrites that view them.
  std::vector<std::string> records;
  records.reserve(incidents.size());
  std::vector<size_t> changed;
  std::vector<std::optional<Timestamp>> old_created(incidents.size());
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
      // An unreadable old record is replaced; its index key (if any) stays behind as a
      // stale entry, which ListPage skips.
      if (auto before = IncidentFromRecord(**existing); before.ok()) {
        old_created[i] = before->created_at;
      }
    } else {
      ++counts.unchanged;
    }
  }
  // Index keys (the new one, and the old one when created_at moved); views of these must
  // stay valid, so the vector never reallocates.
  std::vector<std::string> index_keys;
  index_keys.reserve(2 * changed.size());
  std::vector<store::RecordWrite> writes;
  writes.reserve(3 * changed.size() + extra.size());
  for (size_t i : changed) {
    writes.push_back({store::Family::kIncidents, incidents[i].id, records[i]});
    index_keys.push_back(IndexKey(incidents[i].created_at, incidents[i].id));
    writes.push_back({store::Family::kIncidents, index_keys.back(), std::string_view()});
    if (old_created[i] && *old_created[i] != incidents[i].created_at) {
      index_keys.push_back(IndexKey(*old_created[i], incidents[i].id));
      writes.push_back({store::Family::kIncidents, index_keys.back(), std::nullopt});
    }
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
        if (key.starts_with(kIndexPrefix)) return false;  // the index sorts after every id
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
  return Select([&](const Incident& incident) { return Matches(filter, incident); });
}

Result<IncidentPage> IncidentStore::ListPage(const IncidentFilter& filter, std::string_view after,
                                             size_t limit) const {
  if (limit == 0) return MakeError(ErrorCode::kInvalidInput, "limit: must be at least 1");
  if (!after.empty() && !PositionTime(after)) {
    return MakeError(ErrorCode::kInvalidInput, "cursor: not a position in the incident list");
  }
  IncidentPage page;
  auto built = store_.GetMeta(kIndexBuiltMeta);
  if (!built.ok()) return built.error();
  if (!built->has_value()) {
    // No index yet: the whole family, sorted, and the page cut out of it.
    auto all = List(filter);
    if (!all.ok()) return all.error();
    for (Incident& incident : *all) {
      if (!after.empty() && Position(incident.created_at, incident.id) <= after) continue;
      if (page.incidents.size() == limit) {
        page.next = Position(page.incidents.back().created_at, page.incidents.back().id);
        break;
      }
      page.incidents.push_back(std::move(incident));
    }
    return page;
  }
  std::string from = std::string(kIndexPrefix);
  if (filter.since) from = IndexKey(*filter.since, "");
  if (!after.empty()) from = std::max(from, std::string(kIndexPrefix) + std::string(after) + '\0');
  std::optional<Error> failure;
  RETURN_IF_ERROR(store_.ScanRecordsFrom(
      store::Family::kIncidents, kIndexPrefix, from, [&](std::string_view key, std::string_view) {
        const std::string_view position = key.substr(kIndexPrefix.size());
        const std::optional<Timestamp> created = PositionTime(position);
        if (!created) return true;  // not an index key of this version
        if (filter.until && *created >= *filter.until) return false;
        const std::string_view id = position.substr(8);
        auto record = store_.GetRecord(store::Family::kIncidents, id);
        if (!record.ok()) {
          failure = record.error();
          return false;
        }
        if (!record->has_value()) return true;  // stale entry
        auto incident = IncidentFromRecord(**record);
        if (!incident.ok()) {
          failure =
              MakeError(incident.error().code, std::string(id) + ": " + incident.error().message);
          return false;
        }
        if (incident->created_at != *created) return true;  // stale entry
        if (!Matches(filter, *incident)) return true;
        if (page.incidents.size() == limit) {
          page.next = Position(page.incidents.back().created_at, page.incidents.back().id);
          return false;
        }
        page.incidents.push_back(std::move(*incident));
        return true;
      }));
  if (failure) return *failure;
  return page;
}

Status IncidentStore::BuildCreatedIndex() {
  std::lock_guard lock(upsert_mu_);
  return BuildCreatedIndexLocked();
}

Status IncidentStore::BuildCreatedIndexLocked() {
  if (index_built_) return OkStatus();
  auto built = store_.GetMeta(kIndexBuiltMeta);
  if (!built.ok()) return built.error();
  if (built->has_value()) {
    index_built_ = true;
    return OkStatus();
  }
  std::vector<std::string> keys;
  RETURN_IF_ERROR(Scan([&](const Incident& incident) {
    keys.push_back(IndexKey(incident.created_at, incident.id));
  }));
  // Batches of bounded size; the marker only after the last one.
  constexpr size_t kBatch = 10000;
  for (size_t start = 0; start < keys.size(); start += kBatch) {
    std::vector<store::RecordWrite> writes;
    for (size_t i = start; i < std::min(keys.size(), start + kBatch); ++i) {
      writes.push_back({store::Family::kIncidents, keys[i], std::string_view()});
    }
    RETURN_IF_ERROR(store_.WriteRecords(writes));
  }
  RETURN_IF_ERROR(store_.PutMeta(kIndexBuiltMeta, "1"));
  index_built_ = true;
  return OkStatus();
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
