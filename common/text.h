// Escaping for the text formats steadystate writes by hand: HTML (the dashboard and the
// reports), URL components (API clients, the HTTP listener) and CSV per RFC 4180 (every
// export); and the small ASCII helpers that protocol parsing needs. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace steadystate {

// & < > " ' as character references: safe in element text and quoted attributes.
std::string EscapeHtml(std::string_view text);

// Percent-encodes everything but RFC 3986's unreserved characters (A-Z a-z 0-9 - _ . ~):
// a query value or a path segment.
std::string UrlEncode(std::string_view text);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in a query string); a
// malformed escape is kept as is.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// ASCII lower case (header names, enum-like values); other bytes are kept.
std::string AsciiLower(std::string_view text);

// `text` without leading and trailing ASCII whitespace.
std::string_view TrimSpace(std::string_view text);

// Fields with commas, quotes or line breaks are quoted, quotes doubled.
void AppendCsvField(std::string& out, std::string_view field);
// Appends one row and a CRLF-free "\n" line end (what spreadsheets and pandas accept).
void AppendCsvRow(std::string& out, const std::vector<std::string>& fields);

}  // namespace steadystate
