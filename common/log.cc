#include "common/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <string>

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

}  // namespace

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
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc));
  }
  logger->flush_on(spdlog::level::info);
  return OkStatus();
}

}  // namespace steadystate
