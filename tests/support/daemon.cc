#include "tests/support/daemon.h"

#include <regex>

#include "tests/support/wait.h"

namespace steadystate::test_support {

std::string TestConfig(const std::string& extra) {
  return "server: {listen: \"127.0.0.1:0\"}\nlog: {level: info}\n" + extra;
}

RunningDaemon::RunningDaemon(const TempDir& dir, const std::string& config_yaml,
                             std::map<std::string, std::string> env, const std::string& data_dir) {
  config_path_ = dir.Write("steadystate.yaml", config_yaml);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{SteadystateBinary(), "serve", "--config", config_path_, "--data",
                               data_dir.empty() ? dir / "data" : data_dir},
      dir.path().string(), std::move(env));
}

bool RunningDaemon::WaitReady() {
  static const std::regex kListening(R"(listening on http://127\.0\.0\.1:(\d+))");
  bool found = WaitFor([&] {
    if (!process_->Running()) return true;
    std::smatch m;
    std::string err = process_->Stderr();
    if (!std::regex_search(err, m, kListening)) return false;
    port_ = std::stoi(m[1]);
    return true;
  });
  if (!found || port_ == 0) return false;
  return WaitFor([&] {
    auto res = Client().Get("/healthz");
    return res && res->status == 200;
  });
}

httplib::Client RunningDaemon::Client() const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  return client;
}

}  // namespace steadystate::test_support
