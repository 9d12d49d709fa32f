#include "exporters/metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <sstream>

namespace steadystate::exporters {

class Metrics::StoreCollector final : public prometheus::Collectable {
 public:
  void Watch(const store::Store* store) { store_.store(store); }

  std::vector<prometheus::MetricFamily> Collect() const override {
    const store::Store* store = store_.load();
    if (store == nullptr) return {};
    prometheus::MetricFamily errors{"steadystate_store_write_errors_total",
                                    "Writes to the local store that failed.",
                                    prometheus::MetricType::Counter,
                                    {}};
    prometheus::ClientMetric errors_metric;
    errors_metric.counter.value = static_cast<double>(store->WriteErrors());
    errors.metric.push_back(errors_metric);
    prometheus::MetricFamily writable{"steadystate_store_writable",
                                      "1 when the last write to the local store succeeded.",
                                      prometheus::MetricType::Gauge,
                                      {}};
    prometheus::ClientMetric writable_metric;
    writable_metric.gauge.value = store->Writable() ? 1 : 0;
    writable.metric.push_back(writable_metric);
    return {errors, writable};
  }

 private:
  std::atomic<const store::Store*> store_{nullptr};
};

Metrics::Metrics(const BuildInfo& build)
    : registry_(std::make_shared<prometheus::Registry>()),
      store_collector_(std::make_shared<StoreCollector>()) {
  prometheus::BuildGauge()
      .Name("steadystate_build_info")
      .Help("A metric with a constant '1' value labeled by version, revision and compiler.")
      .Register(*registry_)
      .Add({{"version", build.version}, {"revision", build.revision}, {"compiler", build.compiler}})
      .Set(1);
}

void Metrics::WatchStore(const store::Store* store) { store_collector_->Watch(store); }

void Metrics::Add(std::shared_ptr<prometheus::Collectable> collectable) {
  std::lock_guard lock(mu_);
  collectables_.push_back(std::move(collectable));
}

std::string Metrics::Serialize() const {
  auto families = registry_->Collect();
  auto append = [&](const prometheus::Collectable& c) {
    auto more = c.Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  };
  append(*store_collector_);
  {
    std::lock_guard lock(mu_);
    for (const auto& c : collectables_) append(*c);
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace steadystate::exporters
