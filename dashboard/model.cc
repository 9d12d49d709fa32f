#include "dashboard/model.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

#include "collector/probe/probe_result.h"
#include "slo/sli.h"
#include "slo/window.h"

namespace steadystate::dashboard {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

// Days that ended this long ago are final: late probes of the day have been merged.
constexpr auto kDaySettle = minutes(2);
// A host reading older than this is not shown as current.
constexpr auto kHostFresh = minutes(5);
constexpr size_t kMaxFailures = 50;

std::string WindowText(const config::SloConfig& slo) {
  if (slo.calendar) {
    std::string out(config::ToString(*slo.calendar));
    if (slo.time_zone != "UTC") out += " (" + slo.time_zone + ")";
    return out;
  }
  return slo::WindowLabel(slo.window);
}

std::string TierText(const slo::BurnRateTier& tier) {
  return tier.tier + " " + slo::LookbackLabel(tier.long_window) + "/" +
         slo::LookbackLabel(tier.short_window);
}

int Rank(Health h) { return static_cast<int>(h); }

store::Rollup ToRollup(uint64_t total, uint64_t good, uint64_t latency_good) {
  store::Rollup r;
  r.total = total;
  r.good = good;
  r.latency_good = latency_good;
  return r;
}

}  // namespace

std::string_view HealthWord(Health health) {
  switch (health) {
    case Health::kBreached:
      return "breached";
    case Health::kNoData:
      return "no data";
    case Health::kBurning:
      return "burning";
    case Health::kMeeting:
      return "meeting";
  }
  return "no data";
}

std::optional<double> DayBar::sli() const {
  if (total == 0) return std::nullopt;
  return static_cast<double>(good) / static_cast<double>(total);
}

DayClass ClassifyDay(const DayBar& day, double objective) {
  const std::optional<double> sli = day.sli();
  if (!sli) return DayClass::kNoData;
  if (slo::MeetsObjective(*sli, objective)) return DayClass::kMet;
  if (slo::MeetsObjective(*sli, 1 - 2 * (1 - objective))) return DayClass::kNear;
  return DayClass::kMissed;
}

SloRow MakeSloRow(const slo::SloStatus& status, const std::vector<slo::BurnRateTier>& tiers) {
  SloRow row;
  row.name = status.config.name;
  row.objective = status.objective;
  row.window = WindowText(status.config);
  row.window_length = status.window.length();
  row.sli = status.sli;
  row.good = status.counts.good;
  row.total = status.counts.total;
  row.budget_remaining_ratio = status.budget.remaining_ratio;
  row.budget_remaining = status.budget.remaining;
  row.error = status.error;
  auto burn = [&](Duration lookback) -> std::optional<double> {
    auto it = status.burn_rates.find(lookback);
    return it == status.burn_rates.end() ? std::nullopt : it->second;
  };
  row.burn_rate_1h = burn(hours(1));
  for (Duration l : slo::StandardLookbacks())
    row.burn_rates.emplace_back(slo::LookbackLabel(l), burn(l));
  for (const slo::BurnRateTier& tier : tiers) {
    const double threshold = slo::BurnRateThreshold(tier, status.window.length(), status.objective);
    const std::optional<double> value =
        slo::BurnRateAlertValue(burn(tier.long_window), burn(tier.short_window), threshold);
    if (value && *value > 1.0) {
      row.burning_tier = TierText(tier);
      break;
    }
  }
  if (status.no_data() || status.error) {
    row.health = Health::kNoData;
  } else if (!status.met || status.budget.exhausted) {
    row.health = Health::kBreached;
  } else if (row.burning_tier) {
    row.health = Health::kBurning;
  } else {
    row.health = Health::kMeeting;
  }
  return row;
}

Health WorstHealth(const std::vector<SloRow>& slos) {
  Health worst = Health::kMeeting;
  if (slos.empty()) return Health::kNoData;
  for (const SloRow& s : slos) {
    if (Rank(s.health) < Rank(worst)) worst = s.health;
  }
  return worst;
}

const SloRow* GoverningSlo(const ServiceRow& row) {
  const SloRow* best = nullptr;
  auto budget = [](const SloRow& s) { return s.budget_remaining_ratio.value_or(-1e300); };
  for (const SloRow& s : row.slos) {
    if (best == nullptr || Rank(s.health) < Rank(best->health) ||
        (Rank(s.health) == Rank(best->health) && budget(s) < budget(*best))) {
      best = &s;
    }
  }
  return best;
}

Verdict MakeVerdict(const std::vector<ServiceRow>& rows, bool evaluated) {
  Verdict v;
  v.evaluated = evaluated;
  v.critical_scope =
      std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.critical; });
  for (const ServiceRow& r : rows) {
    if (v.critical_scope && !r.critical) continue;
    ++v.total;
    if (r.health == Health::kBreached || r.health == Health::kNoData) {
      v.failing.emplace_back(r.name, r.health);
    } else if (r.health == Health::kBurning) {
      v.burning.push_back(r.name);
    }
  }
  v.ok = evaluated && v.total > 0 && v.failing.empty();
  return v;
}

std::string Verdict::Text() const {
  if (!evaluated) return "Checking the SLOs: the first evaluation has not finished yet";
  if (total == 0) return "No services are configured: add services with probes and SLOs";
  const std::string what = critical_scope ? "critical service" : "service";
  const std::string whats = what + (total == 1 ? "" : "s");
  if (failing.empty()) {
    if (total == 1) return "The " + what + " is meeting its SLOs";
    return "All " + std::to_string(total) + " " + whats + " are meeting their SLOs";
  }
  // At most three names, so the sentence stays one glance long (the page links every
  // failing service below it).
  constexpr size_t kNamed = 3;
  const size_t named = failing.size() > kNamed ? kNamed : failing.size();
  std::string names;
  for (size_t i = 0; i < named; ++i) {
    if (i > 0) names += i + 1 == failing.size() ? " and " : ", ";
    names += failing[i].first;
    names += failing[i].second == Health::kNoData ? " (no data)" : " (breached)";
  }
  if (named < failing.size()) names += " and " + std::to_string(failing.size() - named) + " more";
  return std::to_string(failing.size()) + " of " + std::to_string(total) + " " + whats +
         (failing.size() == 1 ? " is" : " are") + " not meeting " +
         (failing.size() == 1 ? "its" : "their") + " SLOs: " + names;
}

std::optional<double> LatencyQuantileMs(const std::array<uint64_t, store::kLatencyBuckets>& buckets,
                                        double q) {
  uint64_t total = 0;
  for (uint64_t b : buckets) total += b;
  if (total == 0) return std::nullopt;
  const double rank = q * static_cast<double>(total);
  double seen = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const double lower =
        i == 0 ? 0.0 : static_cast<double>(store::kLatencyBucketUpperBoundsMs[i - 1]);
    if (i + 1 == buckets.size()) return lower;  // unbounded: the lower bound is all we know
    const double in_bucket = static_cast<double>(buckets[i]);
    if (in_bucket > 0 && seen + in_bucket >= rank) {
      const double upper = static_cast<double>(store::kLatencyBucketUpperBoundsMs[i]);
      return lower + (upper - lower) * std::clamp((rank - seen) / in_bucket, 0.0, 1.0);
    }
    seen += in_bucket;
  }
  return std::nullopt;
}

const AttackRow* AttributeIncident(const incidents::Incident& incident,
                                   const std::vector<AttackRow>& attacks, Timestamp now,
                                   Duration grace) {
  const AttackRow* best = nullptr;
  for (const AttackRow& a : attacks) {
    const Timestamp until = a.end.value_or(now) + grace;
    if (a.start > incident.created_at || incident.created_at > until) continue;
    const bool names_service =
        a.services.empty() ||
        std::find(a.services.begin(), a.services.end(), incident.service) != a.services.end();
    if (!names_service) continue;
    if (best == nullptr || a.start > best->start) best = &a;
  }
  return best;
}

IncidentRow MakeIncidentRow(const incidents::Incident& incident,
                            const std::vector<AttackRow>& attacks, Timestamp now, Duration grace) {
  IncidentRow row;
  row.incident = incident;
  if (const AttackRow* a = AttributeIncident(incident, attacks, now, grace)) {
    row.attack_id = a->id;
    row.ttd = incident.created_at - a->start;
  }
  if (incident.resolved_at) row.ttr = *incident.resolved_at - incident.created_at;
  return row;
}

AttackRow MakeAttackRow(const chaos::Attack& attack) {
  AttackRow row;
  row.id = attack.id;
  row.type = attack.type;
  row.name = attack.name;
  row.created_by = attack.created_by;
  row.outcome = attack.outcome;
  row.steady_state = attack.steady_state;
  row.targets = attack.targets;
  row.services = attack.services;
  row.start = attack.start;
  row.end = attack.end;
  return row;
}

AlertRow MakeAlertRow(const slo::Alert& alert) {
  AlertRow row;
  row.name = alert.name;
  row.state = std::string(slo::ToString(alert.state));
  for (const auto& [key, value] : alert.labels) {
    if (key == "severity") {
      row.severity = value;
    } else if (key != "alertname") {
      if (!row.labels.empty()) row.labels += ", ";
      row.labels += key + "=" + value;
    }
  }
  row.since = alert.fired_at.value_or(alert.active_at);
  row.value = alert.value;
  row.threshold = alert.threshold;
  for (const auto& a : alert.attacks) {
    row.attacks.push_back(a.type + " attack" + (a.created_by.empty() ? "" : " by " + a.created_by) +
                          " (" + a.id + ")");
  }
  return row;
}

// --- DashboardData ---

struct DashboardData::Context {
  Timestamp now;
  std::shared_ptr<const slo::SloSnapshot> snapshot;
  std::vector<AttackRow> attacks;  // overlapping the last 30 days (and open incidents' times)
  std::vector<IncidentRow> incidents;
  std::vector<std::string> warnings;
};

DashboardData::DashboardData(DashboardSources sources, const Clock& clock)
    : sources_(std::move(sources)), clock_(clock) {}

DashboardData::Context DashboardData::Gather(Timestamp now) const {
  Context c;
  c.now = now;
  c.snapshot = sources_.snapshot ? sources_.snapshot() : nullptr;
  if (!c.snapshot) c.snapshot = std::make_shared<slo::SloSnapshot>();
  std::vector<incidents::Incident> open;
  if (sources_.open_incidents) open = sources_.open_incidents();
  // Attacks that can be attributed an incident of the last 30 days or an open one.
  Timestamp since = now - days(30) - sources_.attribution_grace;
  for (const auto& i : open) since = std::min(since, i.created_at - sources_.attribution_grace);
  if (sources_.attacks != nullptr) {
    auto list = sources_.attacks->List(since, now + std::chrono::milliseconds(1));
    if (list.ok()) {
      for (const auto& a : *list) c.attacks.push_back(MakeAttackRow(a));
    } else {
      c.warnings.push_back("attack windows could not be read: " + list.error().message);
    }
  }
  for (const auto& i : open) {
    c.incidents.push_back(MakeIncidentRow(i, c.attacks, now, sources_.attribution_grace));
  }
  std::sort(c.incidents.begin(), c.incidents.end(), [](const auto& a, const auto& b) {
    return a.incident.created_at > b.incident.created_at;
  });
  return c;
}

ServiceRow DashboardData::MakeRow(const slo::ServiceStatus& status, const Context& context,
                                  std::vector<std::string>& warnings) const {
  ServiceRow row;
  row.name = status.name;
  row.critical = status.critical;
  for (const slo::SloStatus& s : status.slos) row.slos.push_back(MakeSloRow(s, sources_.tiers));
  row.health = WorstHealth(row.slos);
  if (sources_.last_probe) {
    if (auto p = sources_.last_probe(status.name)) {
      row.last_probe = LastProbeView{p->time, p->success, p->error_class, p->duration_seconds};
    }
  }
  const config::SloConfig* first = status.slos.empty() ? nullptr : &status.slos.front().config;
  if (first != nullptr) {
    row.history_objective = status.slos.front().objective;
    row.history_slo = first->name;
  }
  row.history = History(status.name, first, context.now, warnings);
  for (const IncidentRow& i : context.incidents) {
    if (i.incident.service == status.name) row.incidents.push_back(i);
  }
  for (auto it = context.attacks.rbegin(); it != context.attacks.rend(); ++it) {  // newest first
    const AttackRow& a = *it;
    if (a.running() &&
        std::find(a.services.begin(), a.services.end(), status.name) != a.services.end()) {
      row.attacks.push_back(a);
    }
  }
  return row;
}

std::vector<DayBar> DashboardData::History(const std::string& service, const config::SloConfig* slo,
                                           Timestamp now,
                                           std::vector<std::string>& warnings) const {
  std::vector<DayBar> out;
  const Timestamp today = std::chrono::floor<days>(now);
  for (int i = kHistoryDays - 1; i >= 0; --i) out.push_back(DayBar{today - days(i)});
  if (sources_.store == nullptr || slo == nullptr) return out;
  auto series = sources_.store->SeriesId(collector::ProbeSeriesName(service));
  if (!series.ok()) {
    if (series.error().code != ErrorCode::kNotFound) warnings.push_back(series.error().message);
    return out;
  }
  // Final days come from the cache; the missing ones from one scan of the store's daily
  // sums (one key per UTC day, store/store.h), so a cold view reads 90 keys per service.
  // Days still filling up are summed each time.
  auto is_final = [&](Timestamp day) { return day + days(1) + kDaySettle <= now; };
  std::map<Timestamp, DayCounts> fetched;
  {
    std::optional<Timestamp> first_missing;
    Timestamp end_missing{};
    {
      std::lock_guard lock(cache_mu_);
      for (const DayBar& bar : out) {
        if (!is_final(bar.day) || day_cache_.count({*series, bar.day}) > 0) continue;
        if (!first_missing) first_missing = bar.day;
        end_missing = bar.day + days(1);
      }
    }
    if (first_missing) {
      auto scanned = sources_.store->ScanDailyRollups(
          *series, *first_missing, end_missing, [&](Timestamp day, const store::Rollup& r) {
            fetched[day] = DayCounts{r.total, r.good, r.latency_good};
          });
      if (!scanned.ok()) {
        warnings.push_back("history of " + service + ": " + scanned.error().message);
        return out;
      }
    }
  }
  for (DayBar& bar : out) {
    DayCounts counts;
    if (is_final(bar.day)) {
      std::lock_guard lock(cache_mu_);
      auto [it, inserted] = day_cache_.try_emplace({*series, bar.day});
      if (inserted) {
        auto f = fetched.find(bar.day);
        if (f != fetched.end()) it->second = f->second;
      }
      counts = it->second;
    } else {
      auto sum = sources_.store->SumRollups(*series, bar.day, std::min(bar.day + days(1), now));
      if (!sum.ok()) {
        warnings.push_back("history of " + service + ": " + sum.error().message);
        return out;
      }
      counts = DayCounts{sum->total, sum->good, sum->latency_good};
    }
    const slo::Counts c =
        slo::ProbeCounts(*slo, ToRollup(counts.total, counts.good, counts.latency_good));
    bar.good = c.good;
    bar.total = c.total;
  }
  return out;
}

std::vector<HostGauge> DashboardData::Host(Timestamp now,
                                           std::vector<std::string>& warnings) const {
  std::vector<HostGauge> out;
  if (sources_.store == nullptr) return out;
  auto series = sources_.store->ListSeries();
  if (!series.ok()) {
    warnings.push_back("host series could not be listed: " + series.error().message);
    return out;
  }
  std::vector<std::pair<std::string, uint64_t>> wanted;
  for (const char* name : {"host:cpu_utilisation", "host:memory_utilisation"}) {
    for (const auto& [n, id] : *series) {
      if (n == name) wanted.emplace_back(n, id);
    }
  }
  const std::string fs_prefix = "host:filesystem_utilisation:";
  for (const auto& [n, id] : *series) {
    if (n.rfind(fs_prefix, 0) == 0) wanted.emplace_back(n, id);
  }
  for (const auto& [name, id] : wanted) {
    HostGauge g;
    g.label = name == "host:cpu_utilisation"      ? "CPU"
              : name == "host:memory_utilisation" ? "Memory"
                                                  : "Disk " + name.substr(fs_prefix.size());
    std::optional<store::Sample> last;
    Timestamp minute{};
    double sum = 0;
    int n = 0;
    auto flush = [&] {
      if (n > 0) g.trend.emplace_back(minute, sum / n);
      sum = 0;
      n = 0;
    };
    Status s = sources_.store->ScanSamples(
        store::Family::kHost, id, now - hours(1), now, [&](const store::Sample& sample) {
          const Timestamp m = std::chrono::floor<minutes>(sample.time);
          if (m != minute) flush();
          minute = m;
          sum += sample.value;
          ++n;
          last = sample;
        });
    flush();
    if (!s.ok()) warnings.push_back(g.label + " samples: " + s.error().message);
    if (last && last->time >= now - kHostFresh) g.value = last->value;
    out.push_back(std::move(g));
  }
  return out;
}

Overview DashboardData::BuildOverview() const {
  const Timestamp now = clock_.Now();
  Context context = Gather(now);
  Overview o;
  o.now = now;
  o.evaluated_at = context.snapshot->evaluated_at;
  o.warnings = std::move(context.warnings);
  for (const slo::ServiceStatus& s : context.snapshot->services) {
    o.services.push_back(MakeRow(s, context, o.warnings));
  }
  std::stable_partition(o.services.begin(), o.services.end(),
                        [](const ServiceRow& r) { return r.critical; });
  o.verdict = MakeVerdict(o.services, context.snapshot->evaluated());
  for (const AttackRow& a : context.attacks) {
    if (a.running()) o.active_attacks.push_back(a);
  }
  std::reverse(o.active_attacks.begin(), o.active_attacks.end());  // newest first
  o.open_incidents = context.incidents;
  if (sources_.alerts) {
    for (const slo::Alert& a : sources_.alerts()) {
      if (a.state == slo::AlertState::kFiring || a.state == slo::AlertState::kPending) {
        o.alerts.push_back(MakeAlertRow(a));
      }
    }
    std::stable_partition(o.alerts.begin(), o.alerts.end(),
                          [](const AlertRow& a) { return a.state == "firing"; });
  }
  o.host = Host(now, o.warnings);
  // Drop cached days that fell out of every strip.
  {
    std::lock_guard lock(cache_mu_);
    const Timestamp oldest = std::chrono::floor<days>(now) - days(kHistoryDays);
    if (day_cache_.size() > 2 * (o.services.size() + 1) * (kHistoryDays + 1)) {
      std::erase_if(day_cache_, [&](const auto& entry) { return entry.first.second < oldest; });
    }
  }
  return o;
}

namespace {

struct RangeSpec {
  std::string label;
  Duration length;
  Duration step;
};

RangeSpec RangeFor(std::string_view range) {
  if (range == "7d") return {"7d", days(7), hours(1)};
  if (range == "30d") return {"30d", days(30), hours(6)};
  return {"24h", hours(24), minutes(10)};
}

// One SLO's error budget over its current window, as it is spent: at each step,
// 1 - bad so far / (budget * all probes in the window so far). Ends at the current figure.
struct BurnDownAcc {
  const slo::SloStatus* status = nullptr;
  Timestamp start, end;
  Duration step{0};
  std::vector<store::Rollup> steps;
};

}  // namespace

void DashboardData::Charts(ServiceDetail& detail, const slo::ServiceStatus& status,
                           uint64_t series) const {
  const RangeSpec spec = RangeFor(detail.range);
  const Timestamp now = detail.now;
  const Timestamp from = std::chrono::floor<minutes>(now - spec.length);
  detail.from = from;
  const size_t n = static_cast<size_t>((now - from + spec.step - Duration(1)) / spec.step);
  std::vector<store::Rollup> buckets(n);
  std::vector<BurnDownAcc> burn;
  Timestamp scan_from = from;
  for (const slo::SloStatus& s : status.slos) {
    if (s.config.budgeting != config::SloBudgeting::kOccurrences || s.error) continue;
    BurnDownAcc& acc = burn.emplace_back();
    acc.status = &s;
    acc.start = s.window.start;
    acc.end = std::min(now, s.window.end);
    acc.step = std::max<Duration>(minutes(1), s.window.length() / 120);
    if (acc.end <= acc.start) {
      burn.pop_back();
      continue;
    }
    acc.steps.resize(
        static_cast<size_t>((acc.end - acc.start + acc.step - Duration(1)) / acc.step));
    scan_from = std::min(scan_from, acc.start);
  }
  Status scanned = sources_.store->ScanRollups(
      series, scan_from, now, [&](Timestamp minute, const store::Rollup& r) {
        if (minute >= from) {
          const auto i = static_cast<size_t>((minute - from) / spec.step);
          if (i < buckets.size()) buckets[i] += r;
        }
        for (BurnDownAcc& acc : burn) {
          if (minute < acc.start || minute >= acc.end) continue;
          const auto i = static_cast<size_t>((minute - acc.start) / acc.step);
          if (i < acc.steps.size()) acc.steps[i] += r;
        }
      });
  if (!scanned.ok()) {
    detail.warnings.push_back("rollups could not be read: " + scanned.error().message);
    return;
  }
  for (const slo::SloStatus& s : status.slos) {
    Chart chart;
    chart.title = "SLI: " + s.config.name;
    chart.unit = "ratio";
    chart.reference = s.objective;
    chart.reference_label = "objective";
    std::vector<ChartPoint> points;
    for (size_t i = 0; i < buckets.size(); ++i) {
      points.push_back({from + spec.step * static_cast<int64_t>(i),
                        slo::Ratio(slo::ProbeCounts(s.config, buckets[i]))});
    }
    chart.lines.emplace_back(s.config.name, std::move(points));
    detail.sli_charts.push_back(std::move(chart));
  }
  detail.latency.title = "Probe latency";
  detail.latency.unit = "ms";
  for (auto [label, q] : {std::pair{"p50", 0.5}, std::pair{"p95", 0.95}, std::pair{"p99", 0.99}}) {
    std::vector<ChartPoint> points;
    for (size_t i = 0; i < buckets.size(); ++i) {
      points.push_back({from + spec.step * static_cast<int64_t>(i),
                        LatencyQuantileMs(buckets[i].latency_buckets, q)});
    }
    detail.latency.lines.emplace_back(label, std::move(points));
  }
  for (const BurnDownAcc& acc : burn) {
    Chart chart;
    chart.title = "Error budget: " + acc.status->config.name + " (" +
                  WindowText(acc.status->config) + " window)";
    chart.unit = "ratio";
    chart.reference = 0;
    chart.reference_label = "spent";
    slo::Counts whole;
    for (const auto& r : acc.steps) whole += slo::ProbeCounts(acc.status->config, r);
    const double budget = slo::ErrorBudget(acc.status->config);
    std::vector<ChartPoint> points;
    uint64_t bad = 0;
    for (size_t i = 0; i < acc.steps.size(); ++i) {
      const slo::Counts c = slo::ProbeCounts(acc.status->config, acc.steps[i]);
      bad += c.total - c.good;
      std::optional<double> remaining;
      if (whole.total > 0) {
        remaining = 1.0 - static_cast<double>(bad) / (budget * static_cast<double>(whole.total));
      }
      points.push_back({acc.start + acc.step * static_cast<int64_t>(i), remaining});
    }
    chart.lines.emplace_back("budget remaining", std::move(points));
    detail.burn_down.push_back(std::move(chart));
  }
}

void DashboardData::Failures(ServiceDetail& detail, uint64_t series) const {
  std::deque<FailedProbe> failures;
  Status scanned = sources_.store->ScanEvents(
      store::Family::kProbe, series, detail.now - hours(24),
      detail.now + std::chrono::milliseconds(1), [&](Timestamp time, std::string_view payload) {
        ++detail.probes_24h;
        auto result = collector::ParseProbeResult(payload, detail.row.name, time);
        if (!result.ok() || result->success) return;
        ++detail.failure_classes[result->error_class];
        failures.push_back(FailedProbe{time, result->error_class, result->error,
                                       result->http_status, ToSeconds(result->duration)});
        if (failures.size() > kMaxFailures) failures.pop_front();
      });
  if (!scanned.ok()) {
    detail.warnings.push_back("raw probe results could not be read: " + scanned.error().message);
  }
  detail.failures.assign(failures.rbegin(), failures.rend());
}

std::optional<ServiceDetail> DashboardData::BuildService(std::string_view name,
                                                         std::string_view range) const {
  const Timestamp now = clock_.Now();
  Context context = Gather(now);
  const slo::ServiceStatus* status = context.snapshot->Find(name);
  if (status == nullptr) return std::nullopt;
  ServiceDetail d;
  d.now = now;
  d.range = RangeFor(range).label;
  d.warnings = context.warnings;
  d.row = MakeRow(*status, context, d.warnings);
  d.incidents = d.row.incidents;
  if (sources_.service_incidents) {
    for (const auto& i : sources_.service_incidents(status->name, now - days(30))) {
      if (!i.resolved_at) continue;  // the open ones are the row's
      d.incidents.push_back(MakeIncidentRow(i, context.attacks, now, sources_.attribution_grace));
    }
    std::stable_sort(d.incidents.begin(), d.incidents.end(), [](const auto& a, const auto& b) {
      return a.incident.created_at > b.incident.created_at;
    });
  }
  for (auto it = context.attacks.rbegin(); it != context.attacks.rend(); ++it) {
    const bool touched = it->services.empty() || std::find(it->services.begin(), it->services.end(),
                                                           status->name) != it->services.end();
    if (touched && (!it->end || *it->end >= now - days(30))) d.attacks.push_back(*it);
  }
  if (sources_.store != nullptr) {
    auto series = sources_.store->SeriesId(collector::ProbeSeriesName(status->name));
    if (series.ok()) {
      Charts(d, *status, *series);
      Failures(d, *series);
    } else if (series.error().code != ErrorCode::kNotFound) {
      d.warnings.push_back(series.error().message);
    }
  }
  return d;
}

}  // namespace steadystate::dashboard
