// CSV per RFC 4180 for the exports: the shared implementation lives in common/text.h.
#pragma once

#include "common/text.h"

namespace steadystate::exporters {

using steadystate::AppendCsvField;
using steadystate::AppendCsvRow;

}  // namespace steadystate::exporters
