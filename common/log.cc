#include "common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "common/redact.h"

namespace steadystate {
namespace {

// One JSON object a line: {"ts":"...","level":"info","msg":"..."}. The message is
// escaped, which spdlog's pattern flags cannot do.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    auto t = time_point_cast<milliseconds>(msg.time);
    auto days = floor<std::chrono::days>(t);
    std::string out = "{\"ts\":\"";
    char buf[64];
    auto ymd = std::chrono::year_month_day{days};
    hh_mm_ss tod{t - days};
    std::snprintf(
        buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
        static_cast<long>(tod.hours().count()), static_cast<long>(tod.minutes().count()),
        static_cast<long>(tod.seconds().count()), static_cast<long>(tod.subseconds().count()));
    out += buf;
    out += "\",\"level\":\"";
    auto level = spdlog::level::to_string_view(msg.level);
    out.append(level.data(), level.size());
    out += "\",\"msg\":\"";
    out += JsonEscape(std::string_view(msg.payload.data(), msg.payload.size()));
    out += "\"}\n";
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// Hands the inner formatter the message redacted (and, for the text format, with its
// control characters escaped); timestamps and levels are ours and need neither.
class SafeFormatter final : public spdlog::formatter {
 public:
  SafeFormatter(std::unique_ptr<spdlog::formatter> inner, bool escape_controls)
      : inner_(std::move(inner)), escape_controls_(escape_controls) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string text = Redact(std::string_view(msg.payload.data(), msg.payload.size()));
    if (escape_controls_) text = EscapeControlCharacters(text);
    spdlog::details::log_msg safe = msg;
    safe.payload = spdlog::string_view_t(text.data(), text.size());
    inner_->format(safe, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<SafeFormatter>(inner_->clone(), escape_controls_);
  }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
  bool escape_controls_;
};

}  // namespace

void ProtectDefaultLogger() {
  spdlog::default_logger()->set_formatter(std::make_unique<SafeFormatter>(
      std::make_unique<spdlog::pattern_formatter>(), /*escape_controls=*/true));
}

std::string EscapeControlCharacters(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      // U+0080..U+009F in UTF-8: C1 controls (0x9b is CSI on terminals that take them).
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x",
                    static_cast<unsigned>(static_cast<unsigned char>(text[i + 1])));
      out += buf;
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

Status SetupLogging(std::string_view level, LogFormat format) {
  auto lvl = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to off; only "off" itself may mean off.
  if (lvl == spdlog::level::off && level != "off") {
    return MakeError(ErrorCode::kInvalidInput,
                     "unknown log level \"" + std::string(level) +
                         "\" (one of: trace, debug, info, warn, error, off)");
  }
  static auto logger = [] {
    // Logs go to stderr so stdout stays clean for CLI output.
    auto l = std::make_shared<spdlog::logger>("steadystate",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    spdlog::set_default_logger(l);
    return l;
  }();
  logger->set_level(lvl);
  if (format == LogFormat::kJson) {
    logger->set_formatter(std::make_unique<SafeFormatter>(std::make_unique<JsonFormatter>(),
                                                          /*escape_controls=*/false));
  } else {
    logger->set_formatter(std::make_unique<SafeFormatter>(
        std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l %v",
                                                    spdlog::pattern_time_type::utc),
        /*escape_controls=*/true));
  }
  logger->flush_on(spdlog::level::info);
  return OkStatus();
}

}  // namespace steadystate
