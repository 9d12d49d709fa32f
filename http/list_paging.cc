#include "http/list_paging.h"

#include <charconv>

#include "common/text.h"

namespace steadystate::http {
namespace {

// A cursor holds the list's name and a position of a few dozen bytes; anything longer is
// not one of ours.
constexpr size_t kMaxCursorChars = 4096;

Error BadCursor() {
  return MakeError(ErrorCode::kInvalidInput,
                   "cursor: not a cursor of this list (use the next_cursor of the previous page)");
}

}  // namespace

std::string EncodeCursor(std::string_view kind, std::string_view position) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string plain = std::string(kind) + ':' + std::string(position);
  std::string out;
  out.reserve(2 * plain.size());
  for (unsigned char c : plain) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

Result<PageParams> ParsePageParams(const ApiRequest& request, std::string_view kind) {
  PageParams params;
  if (request.HasParam("limit")) {
    const std::string text = request.Param("limit");
    size_t limit = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit < 1 ||
        limit > kMaxPageLimit) {
      return MakeError(ErrorCode::kInvalidInput, "limit: \"" + text.substr(0, 32) +
                                                     "\" is not a whole number from 1 to " +
                                                     std::to_string(kMaxPageLimit));
    }
    params.limit = limit;
  }
  if (request.HasParam("cursor")) {
    const std::string text = request.Param("cursor");
    if (text.empty() || text.size() % 2 != 0 || text.size() > kMaxCursorChars) return BadCursor();
    std::string plain;
    plain.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
      const int hi = HexValue(text[i]);
      const int lo = HexValue(text[i + 1]);
      if (hi < 0 || lo < 0) return BadCursor();
      plain += static_cast<char>(hi * 16 + lo);
    }
    const std::string prefix = std::string(kind) + ':';
    if (!plain.starts_with(prefix) || plain.size() == prefix.size()) return BadCursor();
    params.after = plain.substr(prefix.size());
  }
  return params;
}

void AddNextPageHeaders(ApiResponse& response, const ApiRequest& request, std::string_view kind,
                        const std::optional<std::string>& next) {
  if (!next) return;
  const std::string cursor = EncodeCursor(kind, *next);
  std::string url = request.path + "?";
  for (const auto& [name, value] : request.params) {
    if (name == "cursor") continue;
    url += UrlEncode(name) + "=" + UrlEncode(value) + "&";
  }
  url += "cursor=" + cursor;
  response.headers.emplace_back("Link", "<" + url + ">; rel=\"next\"");
  response.headers.emplace_back("X-Next-Cursor", cursor);
}

}  // namespace steadystate::http
