// The daemon's Prometheus registry: every module's metrics live here, and /metrics
// serialises it with prometheus-cpp's TextSerializer. Self metrics (build info, store
// health) are collected at scrape time so they are never stale.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"

namespace steadystate::exporters {

struct BuildInfo {
  std::string version;
  std::string revision;
  std::string compiler;
};

// Thread-safe (prometheus-cpp's registry is; Serialize may run on any HTTP thread).
class Metrics {
 public:
  explicit Metrics(const BuildInfo& build);

  prometheus::Registry& registry() { return *registry_; }
  // Adds the store's health to every scrape; the store must outlive this object or be
  // detached with WatchStore(nullptr) first.
  void WatchStore(const store::Store* store);
  // Adds a collectable scraped with everything else (host metrics, alerts). Kept alive here.
  void Add(std::shared_ptr<prometheus::Collectable> collectable);
  // The text exposition format, version 0.0.4.
  std::string Serialize() const;

 private:
  class StoreCollector;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<StoreCollector> store_collector_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
};

}  // namespace steadystate::exporters
