// CSV per RFC 4180: fields with commas, quotes or line breaks are quoted, quotes doubled.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace steadystate::exporters {

void AppendCsvField(std::string& out, std::string_view field);
// Appends one row and a CRLF-free "\n" line end (what spreadsheets and pandas accept).
void AppendCsvRow(std::string& out, const std::vector<std::string>& fields);

}  // namespace steadystate::exporters
