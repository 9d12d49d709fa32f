// Logging setup. Code logs through spdlog's default logger; this sets its level and
// format once at start (and on SIGHUP). Never log a secret: config::Secret has no
// formatter on purpose, and as a second line of defence every message passes through
// Redact (common/redact.h) before it is formatted, whatever module logs it. In the text
// format control characters in a message are escaped (`\n`, `\x1b`), so a value that
// came from outside (an attack name, a receiver's answer) can neither forge a log line nor
// send escape sequences to a terminal; the JSON format escapes them as JSON does.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace steadystate {

enum class LogFormat { kText, kJson };

// level: trace, debug, info, warn, error, off.
Status SetupLogging(std::string_view level, LogFormat format);

// Redaction and control-character escaping (text format) on the default logger, keeping
// its current sinks and spdlog's default pattern: for the CLI, which logs to the console
// without SetupLogging. SetupLogging does this too. Idempotent.
void ProtectDefaultLogger();

// `text` with C0 control characters, DEL and the C1 controls U+0080..U+009F escaped:
// "\n", "\r", "\t", else "\xHH" ("\u00HH" for C1). Other bytes (UTF-8 included) are kept.
std::string EscapeControlCharacters(std::string_view text);

// Escapes a string for inclusion in a JSON string literal (no surrounding quotes).
std::string JsonEscape(std::string_view text);

}  // namespace steadystate
