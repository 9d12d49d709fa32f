// FakeHostFilesystem: a HostFilesystem over an in-memory map, for tests.
#pragma once

#include <map>
#include <string>

#include "collector/host/sampler.h"

namespace steadystate::collector {

class FakeHostFilesystem final : public HostFilesystem {
 public:
  std::map<std::string, std::string> files;
  std::map<std::string, StatVfs> filesystems;

  Result<std::string> ReadFile(const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) return MakeError(ErrorCode::kIo, path + ": No such file or directory");
    return it->second;
  }
  Result<StatVfs> StatFilesystem(const std::string& mountpoint) const override {
    auto it = filesystems.find(mountpoint);
    if (it == filesystems.end()) {
      return MakeError(ErrorCode::kIo, "statvfs " + mountpoint + ": Input/output error");
    }
    return it->second;
  }
};

}  // namespace steadystate::collector
