#include "incidents/live_correlation.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace steadystate::incidents {
namespace {

bool SameAlerts(std::vector<FiredAlert> a, const std::vector<FiredAlert>& sorted) {
  if (a.size() != sorted.size()) return false;
  std::sort(a.begin(), a.end(),
            [](const FiredAlert& x, const FiredAlert& y) { return x.fired_at < y.fired_at; });
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k].fired_at != sorted[k].fired_at || a[k].rule != sorted[k].rule ||
        a[k].labels != sorted[k].labels) {
      return false;
    }
  }
  return true;
}

}  // namespace

LiveCorrelation::LiveCorrelation(IncidentReportSources sources) : sources_(std::move(sources)) {}

LiveCorrelation::~LiveCorrelation() = default;

LiveCorrelation::Versions LiveCorrelation::Current() const {
  if (sources_.store == nullptr) return {};
  return {sources_.store->RecordsVersion(store::Family::kIncidents),
          sources_.store->RecordsVersion(store::Family::kAttacks)};
}

// As CorrelateRange: what can touch the incidents starts a grace and a lookback before the
// first of them (or before now without any).
Timestamp LiveCorrelation::From(Timestamp first_created, Timestamp now) const {
  return std::min(first_created, now) - sources_.options.attribution_grace -
         sources_.options.onset_lookback;
}

Status LiveCorrelation::ReadAttacks(Timestamp from, Timestamp now,
                                    std::vector<chaos::Attack>& current) {
  future_.clear();
  if (!sources_.attacks) return OkStatus();
  auto listed = sources_.attacks(from, std::nullopt);
  if (!listed.ok()) return listed.error();
  for (chaos::Attack& a : *listed) {
    (a.start < now ? current : future_).push_back(std::move(a));
  }
  std::sort(future_.begin(), future_.end(),
            [](const chaos::Attack& a, const chaos::Attack& b) { return a.start < b.start; });
  return OkStatus();
}

Result<FailingStretches> LiveCorrelation::ReadStretches(Timestamp from, Timestamp now) const {
  FailingStretches stretches;
  if (sources_.store == nullptr) return stretches;
  for (const ReportService& s : sources_.services) {
    auto loaded = LoadFailingStretches(*sources_.store, s.name, from, now);
    if (!loaded.ok()) return loaded.error();
    if (!loaded->empty()) stretches[s.name] = std::move(*loaded);
  }
  return stretches;
}

Result<bool> LiveCorrelation::Rebuild(Timestamp now, Versions versions) {
  auto listed = sources_.incidents(std::nullopt, std::nullopt);
  if (!listed.ok()) return listed.error();
  Timestamp first = now;
  for (const Incident& i : *listed) first = std::min(first, i.created_at);
  const Timestamp from = From(first, now);
  std::vector<chaos::Attack> attacks;
  RETURN_IF_ERROR(ReadAttacks(from, now, attacks));
  auto stretches = ReadStretches(from, now);
  if (!stretches.ok()) return stretches.error();
  std::vector<FiredAlert> alerts;
  if (sources_.alerts) {
    auto fired = sources_.alerts(from, now);
    if (!fired.ok()) return fired.error();
    alerts = std::move(*fired);
  }
  engine_.reset();  // the old copy goes before the new one is built
  engine_ = std::make_unique<IncrementalCorrelation>(std::move(*listed), std::move(attacks),
                                                     std::move(*stretches), std::move(alerts), now,
                                                     sources_.options);
  versions_ = versions;
  from_ = from;
  return true;
}

Result<bool> LiveCorrelation::Refresh() {
  std::lock_guard lock(mu_);
  // The versions before the reads: a write during them makes the next Refresh read again.
  const Versions versions = Current();
  const Timestamp now = sources_.clock->Now();
  if (engine_ == nullptr || sources_.store == nullptr) return Rebuild(now, versions);
  CorrelationChanges changes;
  changes.now = now;
  Timestamp first = now;
  if (versions.incidents != versions_.incidents) {
    auto listed = sources_.incidents(std::nullopt, std::nullopt);
    if (!listed.ok()) return listed.error();
    std::unordered_set<std::string_view> seen;
    seen.reserve(listed->size());
    for (const Incident& i : *listed) {
      first = std::min(first, i.created_at);
      seen.insert(i.id);
      const Incident* known = engine_->FindIncident(i.id);
      if (known == nullptr || !(*known == i)) changes.incidents.push_back(i);
    }
    for (const CorrelatedIncident& c : engine_->correlation().incidents) {
      if (seen.count(c.incident->id) == 0) changes.removed_incidents.push_back(c.incident->id);
    }
  } else if (!engine_->correlation().incidents.empty()) {
    first = std::min(first, engine_->correlation().incidents.front().incident->created_at);
  }
  if (From(first, now) != from_) return Rebuild(now, versions);
  if (versions.attacks != versions_.attacks || (!future_.empty() && future_.front().start < now)) {
    std::vector<chaos::Attack> current;
    RETURN_IF_ERROR(ReadAttacks(from_, now, current));
    std::unordered_set<std::string_view> seen;
    for (chaos::Attack& a : current) {
      seen.insert(a.id);
      const chaos::Attack* known = engine_->FindAttack(a.id);
      if (known == nullptr || !(*known == a)) {
        changes.attacks.push_back(std::move(a));
      }
    }
    for (const chaos::Attack& a : engine_->attacks()) {
      if (seen.count(a.id) == 0) changes.removed_attacks.push_back(a.id);
    }
  }
  auto stretches = ReadStretches(from_, now);
  if (!stretches.ok()) return stretches.error();
  for (auto& [service, s] : *stretches) {
    auto known = engine_->stretches().find(service);
    if (known == engine_->stretches().end() || known->second != s) {
      changes.stretches[service] = std::move(s);
    }
  }
  for (const auto& [service, s] : engine_->stretches()) {
    if (stretches->count(service) == 0) changes.stretches[service] = {};
  }
  if (sources_.alerts) {
    auto fired = sources_.alerts(from_, now);
    if (!fired.ok()) return fired.error();
    if (!SameAlerts(*fired, engine_->alerts())) changes.alerts = std::move(*fired);
  }
  const bool open_attack = std::any_of(engine_->attacks().begin(), engine_->attacks().end(),
                                       [](const chaos::Attack& a) { return !a.end.has_value(); });
  const bool changed = !changes.incidents.empty() || !changes.removed_incidents.empty() ||
                       !changes.attacks.empty() || !changes.removed_attacks.empty() ||
                       !changes.stretches.empty() || changes.alerts.has_value() ||
                       (open_attack && now != engine_->correlation().now);
  engine_->Apply(std::move(changes));
  versions_ = versions;
  return changed;
}

void LiveCorrelation::Read(const std::function<void(const Correlation&)>& fn) const {
  std::lock_guard lock(mu_);
  if (engine_ != nullptr) fn(engine_->correlation());
}

}  // namespace steadystate::incidents
