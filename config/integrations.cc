// pagerduty and chaos: the systems steadystate imports incidents and attack windows from.
#include "config/sections.h"

namespace steadystate::config {

void ReadPagerDuty(MapReader& map, PagerDutyConfig& out) {
  map.ReadSecret("api_token", out.api_token, /*required=*/true);
  map.Read("base_url", out.base_url, HttpUrl());
  map.Read("sync_interval", out.sync_interval, PositiveDuration());
  map.Read("lookback", out.lookback, PositiveDuration());
  map.Read("severity_from", out.severity_from, OneOf("a severity source", kSeverityFroms));
  if (out.severity_from == SeverityFrom::kUrgency) {
    out.severity_map = {{"high", "high"}, {"low", "low"}};
  }
  map.ReadStringMap("severity_map", out.severity_map);
  if (map.Find("severity_map") == nullptr) return;
  if (out.severity_map.empty()) {
    map.Error("severity_map", "maps nothing; leave it out for the default");
  }
  for (const auto& [from, to] : out.severity_map) {
    std::string path = map.PathOf("severity_map") + "." + from;
    if (out.severity_from == SeverityFrom::kUrgency && from != "high" && from != "low") {
      map.ctx().ErrorAt(path, "\"" + from +
                                  "\" is not a PagerDuty urgency (high or low); to map "
                                  "priorities, set severity_from: priority");
    } else if (to.empty()) {
      map.ctx().ErrorAt(path, "the severity must not be empty (example: sev1)");
    }
  }
}

void ReadChaos(MapReader& map, ChaosConfig& out) {
  map.Read("attribution_grace", out.attribution_grace, AnyDuration());
  map.Read("onset_lookback", out.onset_lookback, AnyDuration());
  map.Read("max_attack_duration", out.max_attack_duration, PositiveDuration());
  map.Read("max_journal_bytes", out.max_journal_bytes, ByteSize());
  map.ReadList("announce", out.announce, NonEmptyString());
  map.ReadMapList("sources", [&](MapReader& item, size_t) {
    ChaosSourceConfig& source = out.sources.emplace_back();
    static constexpr auto kKinds = KeysOf(kChaosSourceKinds);
    if (std::optional<size_t> kind = item.ReadOneOf(kKinds)) {
      source.kind = kChaosSourceKinds[*kind].second;
    }
    item.ReadMap("chaostoolkit", [&](MapReader& toolkit) {
      toolkit.ReadRequired("journal_dir", source.chaostoolkit.journal_dir, NonEmptyString());
    });
    item.ReadMap("gremlin", [&](MapReader& gremlin) {
      gremlin.ReadSecret("api_key", source.gremlin.api_key, /*required=*/true);
      gremlin.Read("team_id", source.gremlin.team_id, NonEmptyString());
      gremlin.Read("sync_interval", source.gremlin.sync_interval, PositiveDuration());
      gremlin.Read("base_url", source.gremlin.base_url, HttpUrl());
    });
  });
  // Two Gremlin sources for one team would share a sync cursor and import every attack
  // twice over; two watchers of one journal directory would do the same work twice.
  for (size_t i = 0; i < out.sources.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const ChaosSourceConfig& a = out.sources[j];
      const ChaosSourceConfig& b = out.sources[i];
      if (a.kind != b.kind) continue;
      const std::string path = map.PathOf("sources") + "[" + std::to_string(i) + "]";
      if (b.kind == ChaosSourceKind::kGremlin && a.gremlin.team_id == b.gremlin.team_id &&
          a.gremlin.base_url == b.gremlin.base_url) {
        map.ctx().ErrorAt(path + ".gremlin", "a second gremlin source for the same team as " +
                                                 map.PathOf("sources") + "[" + std::to_string(j) +
                                                 "]");
      } else if (b.kind == ChaosSourceKind::kChaosToolkit &&
                 a.chaostoolkit.journal_dir == b.chaostoolkit.journal_dir) {
        map.ctx().ErrorAt(path + ".chaostoolkit.journal_dir",
                          "\"" + b.chaostoolkit.journal_dir + "\" is already watched by " +
                              map.PathOf("sources") + "[" + std::to_string(j) + "]");
      }
    }
  }
}

}  // namespace steadystate::config
