#include "common/time.h"

#include <date/date.h>

#include <array>
#include <cstdint>
#include <optional>

namespace steadystate {
namespace {

// Reads exactly n decimal digits at text[pos..].
std::optional<int> Digits(std::string_view text, size_t pos, size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Error BadInstant(std::string_view text, std::string_view why) {
  return MakeError(ErrorCode::kInvalidInput,
                   "\"" + std::string(text) + "\" is not an RFC 3339 instant (" + std::string(why) +
                       "; example: 2026-11-25T17:20:23Z)");
}

}  // namespace

Result<Timestamp> ParseRfc3339(std::string_view text) {
  // YYYY-MM-DD
  auto year = Digits(text, 0, 4);
  auto month = Digits(text, 5, 2);
  auto day = Digits(text, 8, 2);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-') {
    return BadInstant(text, "expected YYYY-MM-DD at the start");
  }
  date::year_month_day ymd{date::year{*year}, date::month{static_cast<unsigned>(*month)},
                           date::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return BadInstant(text, "no such date");
  const auto midnight = date::sys_days{ymd};
  if (text.size() == 10) return Timestamp{midnight};

  char sep = text[10];
  if (sep != 'T' && sep != 't' && sep != ' ')
    return BadInstant(text, "expected 'T' after the date");
  auto hour = Digits(text, 11, 2);
  auto minute = Digits(text, 14, 2);
  auto second = Digits(text, 17, 2);
  if (!hour || !minute || !second || text.size() < 19 || text[13] != ':' || text[16] != ':') {
    return BadInstant(text, "expected hh:mm:ss after 'T'");
  }
  if (*hour > 23 || *minute > 59 || *second > 59) {
    return BadInstant(text, "time of day out of range");
  }
  int64_t millis = 0;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return BadInstant(text, "empty fraction after '.'");
  }
  std::chrono::minutes offset{0};
  if (pos < text.size()) {
    char z = text[pos];
    if ((z == 'Z' || z == 'z') && pos + 1 == text.size()) {
      // UTC
    } else if (z == '+' || z == '-') {
      auto oh = Digits(text, pos + 1, 2);
      auto om = Digits(text, pos + 4, 2);
      if (!oh || !om || text.size() != pos + 6 || text[pos + 3] != ':' || *oh > 23 || *om > 59) {
        return BadInstant(text, "offset must be Z or +hh:mm / -hh:mm");
      }
      offset = std::chrono::hours(*oh) + std::chrono::minutes(*om);
      if (z == '-') offset = -offset;
    } else {
      return BadInstant(text, "unexpected text after the time");
    }
  }
  Timestamp local = midnight + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
                    std::chrono::seconds(*second) + std::chrono::milliseconds(millis);
  return local - offset;
}

std::string FormatRfc3339(Timestamp t) { return date::format("%FT%TZ", t); }

Result<Duration> ParseDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    std::string msg = "\"" + std::string(text) + "\" is not a duration";
    if (!why.empty()) msg += " (" + std::string(why) + ")";
    msg += " (examples: 10s, 5m)";
    return MakeError(ErrorCode::kInvalidInput, msg);
  };
  if (text == "0") return Duration{0};
  if (text.empty()) return bad("");
  struct Unit {
    std::string_view name;
    int64_t millis;
  };
  // Longest names first so "ms" is not read as "m" followed by garbage.
  static constexpr std::array<Unit, 6> kUnits{{{"ms", 1},
                                               {"s", 1000},
                                               {"m", 60'000},
                                               {"h", 3'600'000},
                                               {"d", 86'400'000},
                                               {"w", 604'800'000}}};
  int64_t total = 0;
  int64_t last_unit = INT64_MAX;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    int64_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      n = n * 10 + (text[pos] - '0');
      if (n > 1'000'000'000) return bad("too large");
      ++pos;
    }
    if (pos == start) return bad("");
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(pos, u.name.size()) == u.name &&
          (u.name != "m" || text.substr(pos, 2) != "ms")) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return bad(pos == text.size() ? "missing unit" : "unknown unit");
    }
    if (unit->millis >= last_unit) return bad("units must decrease, as in 1h30m");
    last_unit = unit->millis;
    pos += unit->name.size();
    total += n * unit->millis;
  }
  return Duration{total};
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  static constexpr std::array<std::pair<const char*, int64_t>, 6> kUnits{{{"w", 604'800'000},
                                                                          {"d", 86'400'000},
                                                                          {"h", 3'600'000},
                                                                          {"m", 60'000},
                                                                          {"s", 1000},
                                                                          {"ms", 1}}};
  for (const auto& [name, size] : kUnits) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

}  // namespace steadystate
