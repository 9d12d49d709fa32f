// Reading a file that someone else wrote (a Chaos Toolkit journal) without trusting its
// size: never more than a cap is read into memory, whatever the file is (a regular file,
// a FIFO, /dev/zero behind a symlink). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace steadystate {

// The whole content of `path`, reading at most `max_bytes` + 1 bytes. A file over
// `max_bytes` is kInvalidInput "<path>: larger than <limit_name> (<max_bytes> bytes)";
// a file that cannot be opened or read is kInvalidInput "<path>: cannot read: <reason>".
Result<std::string> ReadFileCapped(const std::string& path, uint64_t max_bytes,
                                   std::string_view limit_name);

}  // namespace steadystate
