#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

extern char** environ;

namespace steadystate::test_support {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::atomic<int> counter{0};

}  // namespace

Process::Process(std::vector<std::string> argv, const std::string& capture_dir,
                 const std::map<std::string, std::string>& extra_env) {
  const int n = counter++;
  out_path_ = capture_dir + "/proc" + std::to_string(n) + ".out";
  err_path_ = capture_dir + "/proc" + std::to_string(n) + ".err";
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    auto eq = entry.find('=');
    if (extra_env.count(entry.substr(0, eq)) == 0) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : extra_env) env_strings.push_back(k + "=" + v);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    // A fresh process group, so signals sent to the test runner's group don't reach it.
    setpgid(0, 0);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
}

Process::~Process() {
  if (Running()) {
    Signal(SIGKILL);
    Wait(std::chrono::seconds(10));
  }
}

void Process::Signal(int sig) const {
  if (pid_ > 0) kill(pid_, sig);
}

bool Process::Running() {
  if (result_ || pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  ProcessResult res;
  if (r == pid_) {
    if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) res.signal = WTERMSIG(status);
  }
  res.out = Stdout();
  res.err = Stderr();
  result_ = res;
  return false;
}

std::optional<ProcessResult> Process::Wait(std::chrono::milliseconds deadline) {
  if (!WaitFor([this] { return !Running(); }, deadline)) return std::nullopt;
  return result_;
}

std::string Process::Stdout() const { return ReadAll(out_path_); }
std::string Process::Stderr() const { return ReadAll(err_path_); }

ProcessResult Run(std::vector<std::string> argv, std::map<std::string, std::string> extra_env) {
  TempDir capture;
  Process p(std::move(argv), capture.path().string(), std::move(extra_env));
  auto result = p.Wait(std::chrono::seconds(60));
  if (!result) throw std::runtime_error("command did not finish within 60 s");
  return *result;
}

std::string SteadystateBinary() {
  const char* p = std::getenv("STEADYSTATE_BINARY");
  return p != nullptr ? p : STEADYSTATE_TEST_BINARY;
}

std::string SourceDir() {
  const char* p = std::getenv("STEADYSTATE_SOURCE_DIR");
  return p != nullptr ? p : STEADYSTATE_TEST_SOURCE_DIR;
}

}  // namespace steadystate::test_support
