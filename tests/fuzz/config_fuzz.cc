// Fuzz target: the config loader at its text level (config::Parse, no files read).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = steadystate::config::Parse(text, "fuzz.yaml");
  if (config.ok()) {
    // Locating a path is part of every later error message.
    (void)config->Where("services.0.probe");
  }
  return 0;
}
