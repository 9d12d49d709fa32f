// Escaping for the text formats steadystate writes by hand: URL components (API clients,
// the HTTP listener) and CSV per RFC 4180 (every export); the test for which URLs may
// become links (HTML itself is escaped by common/html.h's builder); and the small ASCII
// helpers that protocol parsing needs. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace steadystate {

// True for an absolute http:// or https:// URL (scheme in any case) with a host and no
// whitespace or control character anywhere: the only URLs from data that become links.
bool IsHttpUrl(std::string_view url);

// Percent-encodes everything but RFC 3986's unreserved characters (A-Z a-z 0-9 - _ . ~):
// a query value or a path segment.
std::string UrlEncode(std::string_view text);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in a query string); a
// malformed escape is kept as is.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// The value of a hexadecimal digit (either case), or -1.
int HexValue(char c);

// ASCII lower case (header names, enum-like values); other bytes are kept.
std::string AsciiLower(std::string_view text);

// `text` without leading and trailing ASCII whitespace.
std::string_view TrimSpace(std::string_view text);

// Fields with commas, quotes or line breaks are quoted, quotes doubled. A field a
// spreadsheet would run as a formula (first character = + - @, tab or CR) is quoted with a
// leading ' (OWASP's CSV injection advice), unless the whole field is a decimal number
// such as -0.5 or +3e2, which stays a number.
void AppendCsvField(std::string& out, std::string_view field);
// Appends one row and a CRLF-free "\n" line end (what spreadsheets and pandas accept).
void AppendCsvRow(std::string& out, const std::vector<std::string>& fields);

// The items with `separator` between them. An empty item adds nothing while nothing has
// been added yet (so {"", "a"} joins to "a").
template <typename Range>
std::string Join(const Range& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace steadystate
