// Process: runs a program (usually the real steadystate binary) as a child with its
// stdout and stderr captured to files, for integration tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace steadystate::test_support {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

class Process {
 public:
  // Starts argv[0] with the given arguments; extra_env entries are added to (or
  // override) the inherited environment.
  Process(std::vector<std::string> argv, const std::string& capture_dir,
          const std::map<std::string, std::string>& extra_env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig) const;
  // Waits until the process exits or the deadline passes (then nullopt).
  std::optional<ProcessResult> Wait(std::chrono::milliseconds deadline);
  bool Running();
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
  std::optional<ProcessResult> result_;
};

// Runs a command to completion (deadline 60 s) and returns its result.
ProcessResult Run(std::vector<std::string> argv, std::map<std::string, std::string> extra_env = {});

// Path of the steadystate binary under test (env STEADYSTATE_BINARY, else the build's).
std::string SteadystateBinary();
// Path of the source tree (env STEADYSTATE_SOURCE_DIR, else the configured one).
std::string SourceDir();

}  // namespace steadystate::test_support
