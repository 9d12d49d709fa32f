// Reading values out of Prometheus text exposition, for tests.
#pragma once

#include <optional>
#include <sstream>
#include <string>

namespace steadystate::test_support {

// The value of the sample written exactly as `series` (e.g.
// `node_cpu_seconds_total{cpu="0",mode="idle"}`), or nullopt.
inline std::optional<double> SampleValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

}  // namespace steadystate::test_support
