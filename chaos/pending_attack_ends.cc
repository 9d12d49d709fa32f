#include "chaos/pending_attack_ends.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <vector>

#include "common/time.h"

namespace steadystate::chaos {
namespace {

// An open, flock'ed file descriptor, closed (and so unlocked) however we leave.
class LockedFile {
 public:
  LockedFile(const std::string& path, int flags)
      : fd_(open(path.c_str(), flags | O_CLOEXEC, 0600)) {
    if (fd_ >= 0 && flock(fd_, LOCK_EX) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~LockedFile() {
    if (fd_ >= 0) close(fd_);
  }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

Error IoError(const std::string& what, const std::string& path) {
  return MakeError(ErrorCode::kIo, what + " " + path + ": " + std::strerror(errno));
}

Status WriteAll(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot write", path);
    text.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

}  // namespace

std::string PendingAttackEndsPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "pending-attack-ends.jsonl").string();
}

std::string AttackEndToJson(const AttackEnd& e) {
  nlohmann::json j;
  j["outcome"] = e.outcome;
  if (e.end) j["end"] = FormatRfc3339(*e.end);
  if (e.start) j["start"] = FormatRfc3339(*e.start);
  if (!e.steady_state.empty()) j["steady_state"] = e.steady_state;
  if (!e.halted_reason.empty()) j["halted_reason"] = e.halted_reason;
  if (e.exit_status) j["exit_status"] = *e.exit_status;
  return j.dump();
}

Status AppendPendingAttackEnd(const std::string& data_dir, const std::string& id,
                              const AttackEnd& end) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::path(data_dir) / "CURRENT", ec)) {
    return MakeError(ErrorCode::kNotFound, data_dir + " is not a steadystate data directory");
  }
  const std::string path = PendingAttackEndsPath(data_dir);
  LockedFile file(path, O_WRONLY | O_CREAT | O_APPEND);
  if (file.fd() < 0) return IoError("cannot open", path);
  nlohmann::json line;
  line["id"] = id;
  line["end"] = nlohmann::json::parse(AttackEndToJson(end));
  RETURN_IF_ERROR(WriteAll(file.fd(), line.dump() + "\n", path));
  if (fsync(file.fd()) != 0) return IoError("cannot sync", path);
  return OkStatus();
}

Result<int> ApplyPendingAttackEnds(const std::string& data_dir, const RecordAttackEnd& record) {
  const std::string path = PendingAttackEndsPath(data_dir);
  LockedFile file(path, O_RDWR);
  if (file.fd() < 0) {
    if (errno == ENOENT) return 0;
    return IoError("cannot open", path);
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(file.fd(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read", path);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  int recorded = 0;
  std::string kept;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_string() ||
        !j.contains("end")) {
      spdlog::error("{}: dropping an unreadable line", path);
      continue;
    }
    const std::string id = j["id"].get<std::string>();
    auto end = ParseAttackEnd(j["end"].dump());
    if (!end.ok()) {
      spdlog::error("{}: dropping the end of attack {}: {}", path, id, end.error().message);
      continue;
    }
    auto ended = record(id, *end);
    if (ended.ok()) {
      ++recorded;
      spdlog::info("attack {} {}: end recorded from {}", id, ended->outcome, path);
    } else if (ended.error().code == ErrorCode::kNotFound ||
               ended.error().code == ErrorCode::kInvalidInput) {
      spdlog::warn("{}: the end of attack {} is not recorded: {}", path, id, ended.error().message);
    } else {
      kept += line + "\n";  // the store refused it: next time
    }
  }
  if (text.empty() || kept == text) return recorded;
  // Truncated, never unlinked: a writer waiting for the lock holds this very file open.
  if (ftruncate(file.fd(), 0) != 0 || lseek(file.fd(), 0, SEEK_SET) != 0) {
    return IoError("cannot rewrite", path);
  }
  RETURN_IF_ERROR(WriteAll(file.fd(), kept, path));
  if (fsync(file.fd()) != 0) return IoError("cannot sync", path);
  return recorded;
}

}  // namespace steadystate::chaos
