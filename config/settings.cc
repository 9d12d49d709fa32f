// The daemon's own settings: server, storage, log, host, steady_state.
#include "config/sections.h"

namespace steadystate::config {

void ReadServer(MapReader& map, ServerConfig& out) {
  map.Read("listen", out.listen, HostPortValue());
  map.ReadSecret("api_token", out.api_token, /*required=*/false);
  map.Read("max_connections", out.max_connections, Count(1, 1'000'000));
  map.Read("max_connections_per_client", out.max_connections_per_client, Count(1, 1'000'000));
}

void ReadStorage(MapReader& map, StorageConfig& out) {
  map.Read("path", out.path, NonEmptyString());
  map.ReadMap("retention", [&](MapReader& retention) {
    retention.Read("raw", out.retention.raw, PositiveDuration());
    retention.Read("rollups", out.retention.rollups, PositiveDuration());
    // Rollups are computed from raw samples; keeping them for less time than the samples
    // they summarise is always a typo (a swapped pair).
    if (out.retention.rollups < out.retention.raw) {
      retention.Error("rollups", FormatDuration(out.retention.rollups) + " is shorter than raw (" +
                                     FormatDuration(out.retention.raw) +
                                     "); rollups summarise raw data and must be kept at least "
                                     "as long");
    }
  });
  map.Read("write_buffer", out.write_buffer_bytes, ByteSize());
  map.Read("block_cache", out.block_cache_bytes, ByteSize());
}

void ReadLog(MapReader& map, LogConfig& out) {
  std::string_view level;
  if (map.Read("level", level, OneOf("a log level", kLogLevels))) out.level = level;
  map.Read("format", out.format, OneOf("a log format", kLogFormats));
}

void ReadHost(MapReader& map, HostConfig& out) {
  map.Read("interval", out.interval, PositiveDuration());
  map.Read("procfs", out.procfs, AbsolutePath());
  map.ReadList("mountpoints", out.mountpoints, AbsolutePath());
}

void ReadSteadyState(MapReader& map, SteadyStateConfig& out) {
  map.Read("window", out.window, PositiveDuration());
}

}  // namespace steadystate::config
