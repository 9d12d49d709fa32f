// SmallTmpfs: a real, small tmpfs mounted on a fresh directory, for disk-full tests. Fill()
// writes a filler file until the file system has no space left; Free() deletes it. The
// mount is removed with the object. Mounting needs CAP_SYS_ADMIN (root, or a user and
// mount namespace): when the kernel refuses, mounted() is false and error() says why, so
// the test can GTEST_SKIP with that reason.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace steadystate::test_support {

class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& size = "64m") {
    mount_point_ = dir_ / "tmpfs";
    std::filesystem::create_directories(mount_point_);
    const std::string options = "size=" + size + ",mode=0700";
    if (mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      error_ = "cannot mount a tmpfs on " + mount_point_ + " (" + std::strerror(errno) +
               "): the disk-full test needs CAP_SYS_ADMIN";
      return;
    }
    mounted_ = true;
  }
  ~SmallTmpfs() {
    if (mounted_) umount2(mount_point_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return mount_point_; }
  std::string operator/(const std::string& name) const { return mount_point_ + "/" + name; }

  // Writes the filler file until the write fails with ENOSPC. True when the disk is full.
  bool Fill() {
    const int fd = open(Filler().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    const std::vector<char> block(1 << 16, 'x');
    bool full = false;
    size_t chunk = block.size();
    while (chunk > 0) {
      const ssize_t n = write(fd, block.data(), chunk);
      if (n < 0 && errno == ENOSPC) {
        chunk /= 2;  // fill the last partial pages too
        full = chunk == 0;
        continue;
      }
      if (n < 0) break;
    }
    close(fd);
    return full;
  }

  // Deletes the filler file: the space is back.
  void Free() { std::filesystem::remove(Filler()); }

 private:
  std::string Filler() const { return mount_point_ + "/filler"; }

  TempDir dir_;
  std::string mount_point_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace steadystate::test_support
