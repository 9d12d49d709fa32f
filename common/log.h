// Logging setup. Code logs through spdlog's default logger; this sets its level and
// format once at start (and on SIGHUP). Never log a secret: config::Secret has no
// formatter on purpose.
#pragma once

#include <string_view>

#include "common/result.h"

namespace steadystate {

enum class LogFormat { kText, kJson };

// level: trace, debug, info, warn, error, off.
Status SetupLogging(std::string_view level, LogFormat format);

// Escapes a string for inclusion in a JSON string literal (no surrounding quotes).
std::string JsonEscape(std::string_view text);

}  // namespace steadystate
