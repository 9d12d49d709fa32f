#include "config/values.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <optional>
#include <vector>

namespace steadystate::config {
namespace {

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidInput, std::move(message));
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::optional<uint64_t> ParseUnsigned(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

std::string HostPort::ToString() const {
  std::string text = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return text + ":" + std::to_string(port);
}

Result<HostPort> ParseHostPort(std::string_view text) {
  auto bad = [&](std::string_view why) {
    std::string message = Quote(text) + " is not host:port (";
    if (!why.empty()) message += std::string(why) + "; ";
    return Invalid(message + "example: 127.0.0.1:9470)");
  };
  HostPort out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("an IPv6 address is written [::1]:9470");
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    for (char c : out.host) {
      bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') return bad("not an IPv6 address inside [ ]");
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("");
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    for (char c : out.host) {
      if (!IsHostChar(c)) return bad("");
    }
  }
  if (out.host.empty()) return bad("the host is missing; 0.0.0.0 means every address");
  auto port = ParseUnsigned(port_text);
  if (!port) return bad("");
  if (*port > 65535) return bad("the port must be 0-65535");
  out.port = static_cast<uint16_t>(*port);
  return out;
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  auto bad = [&](std::string_view why) {
    std::string message = Quote(text) + " is not a size (";
    if (!why.empty()) message += std::string(why) + "; ";
    return Invalid(message + "examples: 512KiB, 4MiB, 1GiB, 8MB, 1048576)");
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  auto number = ParseUnsigned(text.substr(0, digits));
  if (!number) return bad("");
  struct Unit {
    std::string_view name;
    uint64_t bytes;
  };
  static constexpr std::array<Unit, 11> kUnits{{{"", 1},
                                                {"B", 1},
                                                {"kB", 1000},
                                                {"KB", 1000},
                                                {"MB", 1000ULL * 1000},
                                                {"GB", 1000ULL * 1000 * 1000},
                                                {"TB", 1000ULL * 1000 * 1000 * 1000},
                                                {"KiB", 1ULL << 10},
                                                {"MiB", 1ULL << 20},
                                                {"GiB", 1ULL << 30},
                                                {"TiB", 1ULL << 40}}};
  std::string_view suffix = text.substr(digits);
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (suffix == u.name) unit = &u;
  }
  if (unit == nullptr) return bad("unknown unit");
  if (*number > std::numeric_limits<uint64_t>::max() / unit->bytes) return bad("too large");
  return *number * unit->bytes;
}

Result<StatusRange> ParseStatusRange(std::string_view text) {
  auto bad = [&] {
    return Invalid(Quote(text) +
                   " is not an HTTP status or range of statuses 100-599 (examples: 204, 200-299)");
  };
  size_t dash = text.find('-');
  auto low = ParseUnsigned(text.substr(0, dash));
  auto high = dash == std::string_view::npos ? low : ParseUnsigned(text.substr(dash + 1));
  if (!low || !high || *low < 100 || *high > 599 || *low > *high) return bad();
  return StatusRange{static_cast<int>(*low), static_cast<int>(*high)};
}

Status CheckHttpUrl(std::string_view text) {
  std::string_view rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    rest = text.substr(8);
  } else {
    return Invalid(
        "must be an http:// or https:// URL (example: https://hooks.example.com/alerts)");
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string_view host = authority.starts_with('[') ? authority.substr(0, authority.find(']') + 1)
                                                     : authority.substr(0, authority.find(':'));
  if (host.empty() || host == "[]") {
    return Invalid("the URL has no host (example: https://hooks.example.com/alerts)");
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') {
      return Invalid(
          "the URL contains a space or control character; percent-encode it (example: "
          "https://hooks.example.com/alerts?q=a%20b)");
    }
  }
  return OkStatus();
}

Status CheckName(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Invalid(Quote(text) + " is not a valid name (" + std::string(why) +
                   "; example: checkout-api)");
  };
  if (text.empty()) return bad("it is empty");
  if (text.size() > 63) return bad("at most 63 characters");
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(text[0])) return bad("it must start with a lowercase letter or digit");
  for (char c : text) {
    if (!lower_or_digit(c) && c != '_' && c != '.' && c != '-') {
      return bad("use lowercase letters, digits, '_', '.' and '-'");
    }
  }
  return OkStatus();
}

size_t EditDistance(std::string_view a, std::string_view b) {
  // Two-row Wagner-Fischer; inputs are config keys and names, so short.
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace steadystate::config
