// RunningDaemon: the real `steadystate serve` binary on a loopback port chosen by the
// kernel (port 0), with its data in a temp dir, for integration tests.
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace steadystate::test_support {

class RunningDaemon {
 public:
  // Writes `config_yaml` (which should listen on 127.0.0.1:0) to dir/steadystate.yaml and
  // starts `steadystate serve --config ... --data DATA` (DATA: `data_dir`, else dir/data).
  RunningDaemon(const TempDir& dir, const std::string& config_yaml,
                std::map<std::string, std::string> env = {}, const std::string& data_dir = "");

  // True once the daemon logged its port and answers /healthz.
  bool WaitReady();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Client Client() const;
  Process& process() { return *process_; }
  const std::string& config_path() const { return config_path_; }

 private:
  std::string config_path_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

// The minimal config for tests: listen on port 0, warn-level logs off the hot path.
std::string TestConfig(const std::string& extra = "");

}  // namespace steadystate::test_support
