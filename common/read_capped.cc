#include "common/read_capped.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace steadystate {
namespace {

Error TooLarge(const std::string& path, uint64_t max_bytes, std::string_view limit_name) {
  return MakeError(ErrorCode::kInvalidInput, path + ": larger than " + std::string(limit_name) +
                                                 " (" + std::to_string(max_bytes) + " bytes)");
}

Error CannotRead(const std::string& path, int error) {
  return MakeError(ErrorCode::kInvalidInput, path + ": cannot read: " + std::strerror(error));
}

}  // namespace

Result<std::string> ReadFileCapped(const std::string& path, uint64_t max_bytes,
                                   std::string_view limit_name) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CannotRead(path, errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  // A regular file's size refuses it before reading; anything else is read up to the cap.
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes)
    return TooLarge(path, max_bytes, limit_name);
  std::string out;
  char buffer[64 * 1024];
  while (out.size() <= max_bytes) {
    const uint64_t want = std::min<uint64_t>(sizeof buffer, max_bytes + 1 - out.size());
    const ssize_t n = ::read(fd, buffer, static_cast<size_t>(want));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return CannotRead(path, errno);
    if (n == 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
  return TooLarge(path, max_bytes, limit_name);
}

}  // namespace steadystate
