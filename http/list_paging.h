// Paging of the API's list endpoints (DESIGN.md §6, docs/api.md): the query takes `limit`
// (default 1000, at most 10000) and an opaque `cursor`; the body is one page (a JSON array
// or a CSV with its header) and, when more follow, the reply carries
//   Link: </api/v1/...?...&cursor=C>; rel="next"
//   X-Next-Cursor: C
// so JSON and CSV clients follow pages the same way (as on GitHub's API) and a client that
// reads a bare array keeps working. Pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/server.h"

namespace steadystate::http {

inline constexpr size_t kDefaultPageLimit = 1000;
inline constexpr size_t kMaxPageLimit = 10000;

// Which list a cursor belongs to: a cursor of one list is refused by another.
inline constexpr std::string_view kIncidentCursor = "incidents";
inline constexpr std::string_view kAttackCursor = "attacks";

struct PageParams {
  size_t limit = kDefaultPageLimit;
  // The position the previous page ended at, as the list's store API gave it ("" for the
  // first page).
  std::string after;
};

// `limit` and `cursor` of the request. kInvalidInput naming the parameter for a limit that
// is not an integer in [1, kMaxPageLimit] or a cursor that is not one of `kind`'s.
Result<PageParams> ParsePageParams(const ApiRequest& request, std::string_view kind);

// The cursor for a position of list `kind` (hex: safe in a URL and a header as is).
std::string EncodeCursor(std::string_view kind, std::string_view position);

// Adds Link and X-Next-Cursor for the page after `next` (nothing when unset): the
// request's path and parameters with `cursor` replaced.
void AddNextPageHeaders(ApiResponse& response, const ApiRequest& request, std::string_view kind,
                        const std::optional<std::string>& next);

}  // namespace steadystate::http
