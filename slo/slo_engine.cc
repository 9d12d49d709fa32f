#include "slo/slo_engine.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace steadystate::slo {
namespace {

using Sums = std::map<std::pair<Timestamp, Timestamp>, store::Rollup>;

nlohmann::json Number(std::optional<double> v) {
  if (!v) return nullptr;
  return *v;
}

}  // namespace

const ServiceStatus* SloSnapshot::Find(std::string_view name) const {
  for (const ServiceStatus& s : services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string LookbackLabel(Duration lookback) { return WindowLabel(lookback); }

SloEngine::SloEngine(std::vector<config::ServiceConfig> services,
                     config::SteadyStateConfig steady_state, store::Store& store,
                     const Clock& clock, std::vector<BurnRateTier> tiers)
    : services_(std::move(services)),
      steady_state_(steady_state),
      store_(store),
      clock_(clock),
      tiers_(std::move(tiers)),
      latest_(std::make_shared<SloSnapshot>()) {
  std::set<Duration> lookbacks(StandardLookbacks().begin(), StandardLookbacks().end());
  for (const BurnRateTier& tier : tiers_) {
    lookbacks.insert(tier.long_window);
    lookbacks.insert(tier.short_window);
  }
  lookbacks_.assign(lookbacks.begin(), lookbacks.end());
}

std::shared_ptr<const SloSnapshot> SloEngine::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

Status SloEngine::Evaluate() {
  const Timestamp now = clock_.Now();
  auto snapshot = std::make_shared<SloSnapshot>();
  snapshot->evaluated_at = now;
  snapshot->steady_window = steady_state_.window;
  Status first_error;
  for (const config::ServiceConfig& service : services_) {
    if (service.slos.empty()) continue;
    ServiceStatus& out = snapshot->services.emplace_back();
    out.name = service.name;
    out.critical = service.critical;
    std::optional<uint64_t> series;
    if (auto it = series_ids_.find(service.name); it != series_ids_.end()) {
      series = it->second;
    } else if (Result<std::optional<uint64_t>> id =
                   store_.FindSeries(store::SeriesName::Probe(service.name));
               !id.ok()) {
      if (first_error.ok()) first_error = id.error();
    } else if (*id) {
      series_ids_.emplace(service.name, **id);
      series = *id;
    }
    Sums sums;  // one read per distinct range, shared by the service's SLOs
    if (series) {
      if (Status read = PrefetchSums(service, *series, now, sums); !read.ok() && first_error.ok()) {
        first_error = read;
      }
    }
    for (const config::SloConfig& slo : service.slos) {
      if (!series) {
        // A service never probed (no series yet): nothing to judge yet.
        SloStatus& s = out.slos.emplace_back();
        s.config = slo;
        s.objective = ObjectiveRatio(slo);
        if (Result<Window> w = WindowBounds(slo, now); w.ok()) s.window = *w;
        s.budget = ErrorBudgetRemaining(slo, {}, s.window.length());
        for (Duration l : lookbacks_) s.burn_rates[l] = std::nullopt;
        continue;
      }
      out.slos.push_back(EvaluateSlo(slo, *series, now, sums, first_error));
    }
  }
  {
    std::lock_guard lock(mu_);
    latest_ = std::move(snapshot);
  }
  return first_error;
}

// Every range an occurrence SLO reads ends at `now` (rolling windows, calendar windows whose
// end is in the future, lookbacks, steady state), so their sums nest: read the disjoint
// segments between consecutive starts once and add them up from the latest start back. A
// round then reads each key of the longest range once instead of once per range.
Status SloEngine::PrefetchSums(const config::ServiceConfig& service, uint64_t series, Timestamp now,
                               Sums& sums) {
  std::set<Timestamp, std::greater<>> starts;
  for (const config::SloConfig& slo : service.slos) {
    if (slo.budgeting != config::SloBudgeting::kOccurrences) continue;
    if (Result<Window> w = WindowBounds(slo, now); w.ok() && w->end >= now) starts.insert(w->start);
    for (Duration l : lookbacks_) starts.insert(now - l);
    starts.insert(now - steady_state_.window);
  }
  store::Rollup total;
  Timestamp segment_end = now;
  for (Timestamp start : starts) {
    if (start < segment_end) {
      Result<store::Rollup> segment = store_.SumRollups(series, start, segment_end);
      if (!segment.ok()) return segment.error();
      total += *segment;
      segment_end = start;
    }
    sums.emplace(std::make_pair(start, now), total);
  }
  return OkStatus();
}

SloStatus SloEngine::EvaluateSlo(const config::SloConfig& slo, uint64_t series, Timestamp now,
                                 Sums& sums, Status& first_error) {
  SloStatus s;
  s.config = slo;
  s.objective = ObjectiveRatio(slo);
  for (Duration l : lookbacks_) s.burn_rates[l] = std::nullopt;
  auto fail = [&](const Error& e) {
    s.error = e.message;
    if (first_error.ok()) first_error = e;
    return s;
  };
  Result<Window> window = WindowBounds(slo, now);
  if (!window.ok()) return fail(window.error());
  s.window = *window;
  const Timestamp data_end = std::min(now, s.window.end);

  // Counts over [from, to) by the SLO's budgeting method.
  std::function<Result<Counts>(Timestamp, Timestamp)> counts;
  std::vector<Timeslice> slices;
  if (slo.budgeting == config::SloBudgeting::kTimeslices) {
    Duration longest = steady_state_.window;
    for (Duration l : lookbacks_) longest = std::max(longest, l);
    const Timestamp scan_from = std::min(s.window.start, now - longest);
    TimesliceBuilder builder(slo);
    Status scanned = store_.ScanRollups(
        series, scan_from, data_end,
        [&](Timestamp minute, const store::Rollup& r) { builder.Add(minute, r); });
    if (!scanned.ok()) return fail(scanned.error());
    slices = builder.slices();
    counts = [&](Timestamp from, Timestamp to) -> Result<Counts> {
      return TimesliceCounts(slo, slices, from, to);
    };
  } else {
    counts = [&](Timestamp from, Timestamp to) -> Result<Counts> {
      auto key = std::make_pair(from, to);
      auto it = sums.find(key);
      if (it == sums.end()) {
        Result<store::Rollup> sum = store_.SumRollups(series, from, to);
        if (!sum.ok()) return sum.error();
        it = sums.emplace(key, *sum).first;
      }
      return ProbeCounts(slo, it->second);
    };
  }

  Result<Counts> in_window = counts(s.window.start, data_end);
  if (!in_window.ok()) return fail(in_window.error());
  s.counts = *in_window;
  s.sli = Ratio(s.counts);
  s.budget = ErrorBudgetRemaining(slo, s.counts, s.window.length());
  s.met = s.sli && MeetsObjective(*s.sli, s.objective);
  for (Duration l : lookbacks_) {
    Result<Counts> c = counts(now - l, now);
    if (!c.ok()) return fail(c.error());
    s.burn_rates[l] = BurnRate(slo, *c);
  }
  Result<Counts> steady = counts(now - steady_state_.window, now);
  if (!steady.ok()) return fail(steady.error());
  s.steady_counts = *steady;
  s.steady_sli = Ratio(s.steady_counts);
  s.steady_state = JudgeSteadyState(s.steady_counts, s.objective);
  s.steady_met = s.steady_state == SteadyState::kHeld;
  return s;
}

std::vector<RuleSeries> BurnRateSeries(const BurnRateTier& tier, const SloSnapshot& snapshot) {
  std::vector<RuleSeries> out;
  for (const ServiceStatus& service : snapshot.services) {
    for (const SloStatus& slo : service.slos) {
      RuleSeries& series = out.emplace_back();
      series.labels = BurnRateLabels(tier, service.name, slo.config.name);
      auto burn = [&](Duration l) -> std::optional<double> {
        auto it = slo.burn_rates.find(l);
        return it == slo.burn_rates.end() ? std::nullopt : it->second;
      };
      series.value =
          BurnRateAlertValue(burn(tier.long_window), burn(tier.short_window),
                             BurnRateThreshold(tier, slo.window.length(), slo.objective));
    }
  }
  return out;
}

void SloEngine::EvaluateAlerts(AlertEngine& alerts) const {
  std::shared_ptr<const SloSnapshot> snapshot = Latest();
  for (const BurnRateTier& tier : tiers_) {
    alerts.Evaluate(BurnRateRule(tier), BurnRateSeries(tier, *snapshot));
  }
}

std::string ServicesJson(const SloSnapshot& snapshot, const LastProbeLookup& last_probe) {
  nlohmann::json services = nlohmann::json::array();
  for (const ServiceStatus& service : snapshot.services) {
    nlohmann::json slos = nlohmann::json::array();
    for (const SloStatus& slo : service.slos) {
      nlohmann::json burn = nlohmann::json::object();
      for (Duration l : StandardLookbacks()) {
        auto it = slo.burn_rates.find(l);
        burn[LookbackLabel(l)] = Number(it == slo.burn_rates.end() ? std::nullopt : it->second);
      }
      nlohmann::json window = {
          {"start", FormatRfc3339(slo.window.start)},
          {"end", FormatRfc3339(slo.window.end)},
      };
      if (slo.config.calendar) {
        window["calendar"] = std::string(config::ToString(*slo.config.calendar));
        window["time_zone"] = slo.config.time_zone;
      } else {
        window["rolling"] = WindowLabel(slo.config.window);
      }
      nlohmann::json item = {
          {"name", slo.config.name},
          {"objective", slo.objective},
          {"budgeting", std::string(config::ToString(slo.config.budgeting))},
          {"window", window},
          {"sli", Number(slo.sli)},
          {"good", slo.counts.good},
          {"total", slo.counts.total},
          {"no_data", slo.no_data()},
          {"error_budget_remaining_ratio", Number(slo.budget.remaining_ratio)},
          {"error_budget_remaining_seconds", slo.budget.remaining
                                                 ? nlohmann::json(ToSeconds(*slo.budget.remaining))
                                                 : nlohmann::json(nullptr)},
          {"error_budget_exhausted", slo.budget.exhausted},
          {"burn_rates", burn},
          {"met", slo.met},
      };
      if (slo.config.threshold) item["threshold_seconds"] = ToSeconds(*slo.config.threshold);
      if (slo.error) item["error"] = *slo.error;
      slos.push_back(std::move(item));
    }
    nlohmann::json last = nullptr;
    if (last_probe) {
      if (std::optional<LastProbe> p = last_probe(service.name)) {
        last = {{"time", FormatRfc3339(p->time)},
                {"success", p->success},
                {"error_class",
                 p->error_class.empty() ? nlohmann::json(nullptr) : nlohmann::json(p->error_class)},
                {"duration_seconds", p->duration_seconds}};
      }
    }
    services.push_back({{"name", service.name},
                        {"critical", service.critical},
                        {"slos", std::move(slos)},
                        {"last_probe", std::move(last)}});
  }
  // Before the first round there is no evaluation time (not 1970) and no service.
  nlohmann::json body = {
      {"evaluated_at", snapshot.evaluated() ? nlohmann::json(FormatRfc3339(snapshot.evaluated_at))
                                            : nlohmann::json(nullptr)},
      {"services", std::move(services)}};
  return body.dump();
}

namespace {

std::string Percent(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g%%", ratio * 100);
  return buf;
}

SteadyStateService Judge(const ServiceStatus& service, const LastProbeLookup& last_probe,
                         Duration steady_window) {
  SteadyStateService out{service.name, true, {}};
  for (const SloStatus& slo : service.slos) {
    if (slo.error) {
      out.reasons.push_back("slo " + slo.config.name + ": cannot be evaluated: " + *slo.error);
      continue;
    }
    switch (slo.steady_state) {
      case SteadyState::kHeld:
        break;
      case SteadyState::kUnknown:
        out.reasons.push_back("slo " + slo.config.name + ": no probe data in the last " +
                              FormatDuration(steady_window));
        break;
      case SteadyState::kBroken:
        out.reasons.push_back("slo " + slo.config.name + ": " +
                              Percent(slo.steady_sli.value_or(0)) + " over the last " +
                              FormatDuration(steady_window) + " is below the objective " +
                              Percent(slo.objective));
        break;
    }
  }
  if (last_probe) {
    if (std::optional<LastProbe> p = last_probe(service.name); p && !p->success) {
      out.reasons.push_back("last probe at " + FormatRfc3339(p->time) + " failed" +
                            (p->error_class.empty() ? "" : " (" + p->error_class + ")"));
    }
  }
  out.ok = out.reasons.empty();
  return out;
}

}  // namespace

Result<SteadyStateReport> SteadyState(const SloSnapshot& snapshot, std::string_view services_param,
                                      const LastProbeLookup& last_probe) {
  if (!snapshot.evaluated()) {
    SteadyStateReport report;
    report.reasons.emplace_back(
        "the SLOs have not been evaluated yet (the daemon's first round runs right after it "
        "starts)");
    return report;
  }
  std::vector<const ServiceStatus*> chosen;
  if (services_param.empty()) {
    for (const ServiceStatus& s : snapshot.services) {
      if (s.critical) chosen.push_back(&s);
    }
  } else {
    std::vector<std::string> unknown;
    size_t pos = 0;
    while (pos <= services_param.size()) {
      size_t comma = services_param.find(',', pos);
      if (comma == std::string_view::npos) comma = services_param.size();
      std::string_view name = services_param.substr(pos, comma - pos);
      pos = comma + 1;
      if (name.empty()) continue;
      const ServiceStatus* s = snapshot.Find(name);
      if (s == nullptr) {
        unknown.emplace_back(name);
      } else if (std::find(chosen.begin(), chosen.end(), s) == chosen.end()) {
        chosen.push_back(s);
      }
    }
    if (!unknown.empty()) {
      std::string names;
      for (const std::string& n : unknown) names += (names.empty() ? "" : ", ") + n;
      return MakeError(ErrorCode::kInvalidInput,
                       "service: unknown service " + names + " (not configured with SLOs)");
    }
  }
  SteadyStateReport report;
  report.ok = true;  // vacuously, when no service is chosen
  for (const ServiceStatus* s : chosen) {
    report.services.push_back(Judge(*s, last_probe, snapshot.steady_window));
    report.ok = report.ok && report.services.back().ok;
  }
  return report;
}

std::string SteadyStateJson(const SteadyStateReport& report) {
  nlohmann::json services = nlohmann::json::array();
  for (const SteadyStateService& s : report.services) {
    services.push_back({{"name", s.name}, {"ok", s.ok}, {"reasons", s.reasons}});
  }
  nlohmann::json out{{"ok", report.ok}, {"services", std::move(services)}};
  if (!report.reasons.empty()) out["reasons"] = report.reasons;
  return out.dump();
}

}  // namespace steadystate::slo
