#include "http/csp.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <random>

namespace steadystate::http {
namespace {

std::string Base64(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < size; i += 3) {
    uint32_t v = uint32_t{data[i]} << 16;
    if (i + 1 < size) v |= uint32_t{data[i + 1]} << 8;
    if (i + 2 < size) v |= data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < size ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < size ? kAlphabet[v & 63] : '=';
  }
  return out;
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

std::string NewCspNonce() {
  std::array<uint8_t, 16> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;  // no getrandom (before Linux 3.17): random_device below
    got += static_cast<size_t>(n);
  }
  if (got < bytes.size()) {
    std::random_device device;
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(device());
  }
  return Base64(bytes.data(), bytes.size());
}

std::string ContentSecurityPolicy(const CspPolicy& policy, std::string_view nonce) {
  const std::string n = "'nonce-" + std::string(nonce) + "'";
  std::string out = "default-src 'none'; script-src " + n + "; style-src " + n;
  if (policy.style_attributes) out += "; style-src-attr 'unsafe-inline'";
  if (policy.connect_self) out += "; connect-src 'self'";
  out += "; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
  return out;
}

void ApplyContentSecurityPolicy(ApiResponse& response, const CspPolicy& policy,
                                std::string_view nonce) {
  const std::string attribute = " nonce=\"" + std::string(nonce) + "\">";
  ReplaceAll(response.body, "<script>", "<script" + attribute);
  ReplaceAll(response.body, "<style>", "<style" + attribute);
  response.headers.emplace_back("Content-Security-Policy", ContentSecurityPolicy(policy, nonce));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

}  // namespace steadystate::http
