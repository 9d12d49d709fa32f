// Parsers for the small value types that config files, flags and request parameters share:
// host:port, byte sizes, HTTP status ranges, http(s) URLs and object names. Pure functions;
// thread-safe. Every error message quotes the input (except URLs, which may carry tokens)
// and gives a valid example, so it can be shown to a user as is.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace steadystate::config {

struct HostPort {
  std::string host;  // name, IPv4 or IPv6 address without brackets
  uint16_t port = 0;

  // "127.0.0.1:9470", "[::1]:9470".
  std::string ToString() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// "127.0.0.1:9470", "localhost:80", "[::1]:9470", ":9470" is rejected (the host is
// required; use 0.0.0.0 to listen everywhere). Port 0..65535; callers that need a real
// target port reject 0 themselves.
Result<HostPort> ParseHostPort(std::string_view text);

// "4MiB", "512KiB", "1GiB", "8MB", "1kB", "1048576" (bytes). Binary units (KiB, MiB, GiB,
// TiB) are powers of 1024, decimal units (kB/KB, MB, GB, TB) powers of 1000, "B" is bytes.
Result<uint64_t> ParseByteSize(std::string_view text);

// One accepted HTTP status or an inclusive range of them: "204", "200-299". Codes 100..599.
struct StatusRange {
  int low = 0;
  int high = 0;

  bool Contains(int status) const { return status >= low && status <= high; }
  friend bool operator==(const StatusRange&, const StatusRange&) = default;
};
Result<StatusRange> ParseStatusRange(std::string_view text);

// An absolute http:// or https:// URL with a non-empty host. The message does not repeat the
// URL: webhook URLs often embed a token.
Status CheckHttpUrl(std::string_view text);

// Service, SLO and notifier names: [a-z0-9][a-z0-9_.-]*, at most 63 characters, so they are
// safe as Prometheus label values, URL path segments and file names.
Status CheckName(std::string_view text);

// Levenshtein distance, used for "did you mean" hints.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `text` when it is plausibly a typo of it (edit distance <= 2, or
// one is a prefix of the other), else empty.
template <typename Range>
std::string_view ClosestMatch(std::string_view text, const Range& candidates) {
  std::string_view best;
  size_t best_distance = 3;
  for (std::string_view candidate : candidates) {
    size_t distance = EditDistance(text, candidate);
    bool prefix = !text.empty() && (candidate.starts_with(text) || text.starts_with(candidate));
    if (prefix && distance > 2) distance = 2;
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

// " (did you mean \"x\"?)" or "".
template <typename Range>
std::string DidYouMean(std::string_view text, const Range& candidates) {
  std::string_view match = ClosestMatch(text, candidates);
  if (match.empty()) return "";
  return " (did you mean \"" + std::string(match) + "\"?)";
}

}  // namespace steadystate::config
