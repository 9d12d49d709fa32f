// Fuzz target: OpenSLO files (config::ParseOpenSlo) against a fixed main config that has the
// services the seed corpus names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.h"
#include "config/openslo.h"

namespace {

const steadystate::config::Config& MainConfig() {
  static const steadystate::config::Config config = [] {
    auto parsed = steadystate::config::Parse(R"(services:
  - name: checkout
    critical: true
    probe:
      interval: 10s
      timeout: 2s
      http: {url: "http://127.0.0.1:8080/health"}
  - name: search
    probe:
      interval: 10s
      timeout: 2s
      tcp: {address: "127.0.0.1:9200"}
)",
                                             "main.yaml");
    if (!parsed.ok()) std::abort();
    return *parsed;
  }();
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)steadystate::config::ParseOpenSlo(text, "fuzz-openslo.yaml", MainConfig());
  return 0;
}
