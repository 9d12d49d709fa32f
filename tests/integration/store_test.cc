// The data directory under faults, through the real binary: a damaged directory is
// refused every time and left as it was; `store check`, `store repair --to` and
// `store backup` work end to end; a full disk (a real small tmpfs) is logged without a
// flood and keeps /readyz at 503 until a write succeeds with space back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/daemon.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace steadystate::test_support {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr auto kExitDeadline = std::chrono::seconds(30);
// Where no daemon listens, so CLI commands work on the directory itself.
const std::string kNoDaemon = "http://127.0.0.1:1";

ProcessResult Steadystate(std::vector<std::string> args) {
  args.insert(args.begin(), SteadystateBinary());
  return Run(std::move(args));
}

std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    files[entry.path().filename().string()] =
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return files;
}

std::string StartAttack(httplib::Client& client, int i) {
  const std::string body = R"({"type":"cpu","name":"burn )" + std::to_string(i) +
                           R"(","targets":["web-1"],"created_by":"test"})";
  auto res = client.Post("/api/v1/attacks", body, "application/json");
  if (!res || res->status != 201) return "";
  return nlohmann::json::parse(res->body)["id"].get<std::string>();
}

// The attack ids `attacks list` prints for a directory, read without a daemon.
std::set<std::string> ListedIds(const std::string& data) {
  const auto r =
      Steadystate({"--server", kNoDaemon, "attacks", "list", "--data", data, "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> ids;
  const auto list = nlohmann::json::parse(r.out, nullptr, false);
  if (!list.is_array()) return ids;
  for (const auto& a : list) ids.insert(a["id"].get<std::string>());
  return ids;
}

// A stopped daemon's directory holding `count` acknowledged attacks.
std::set<std::string> WriteAttacks(const TempDir& dir, int count) {
  std::set<std::string> ids;
  RunningDaemon daemon(dir, TestConfig());
  EXPECT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  for (int i = 0; i < count; ++i) ids.insert(StartAttack(client, i));
  daemon.process().Signal(SIGTERM);
  EXPECT_TRUE(daemon.process().Wait(kExitDeadline));
  return ids;
}

void RemoveFiles(const std::string& dir, const std::function<bool(const std::string&)>& which) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (which(entry.path().filename().string())) fs::remove(entry.path());
  }
}

// serve (twice), attacks list and store check refuse the directory, and it is unchanged.
void ExpectRefusedUntouched(const TempDir& dir) {
  const std::string data = dir / "data";
  const std::string config = dir.Write("refused.yaml", TestConfig());
  const auto before = Snapshot(data);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto r = Steadystate({"serve", "--config", config, "--data", data});
    EXPECT_EQ(r.exit_code, 1) << "start " << attempt << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("data directory " + data + " is damaged"));
    EXPECT_THAT(r.err, HasSubstr("restore it from a backup"));
    EXPECT_EQ(Snapshot(data), before) << "after start " << attempt;
  }
  const auto listed = Steadystate({"--server", kNoDaemon, "attacks", "list", "--data", data});
  EXPECT_EQ(listed.exit_code, 1) << listed.out;
  EXPECT_THAT(listed.err, HasSubstr("is damaged"));
  const auto checked = Steadystate({"store", "check", "--data", data});
  EXPECT_EQ(checked.exit_code, 1) << checked.out;
  EXPECT_THAT(checked.err, HasSubstr("is damaged"));
  EXPECT_EQ(Snapshot(data), before);
}

TEST(DamagedStore, WithoutCurrentItIsRefusedEveryTimeAndKeepsItsFiles) {
  TempDir dir;
  ASSERT_EQ(WriteAttacks(dir, 5).size(), 5u);
  RemoveFiles(dir / "data", [](const std::string& name) { return name == "CURRENT"; });
  ExpectRefusedUntouched(dir);
}

TEST(DamagedStore, WithoutCurrentAndWalItIsRefusedEveryTimeAndKeepsItsFiles) {
  TempDir dir;
  ASSERT_EQ(WriteAttacks(dir, 5).size(), 5u);
  RemoveFiles(dir / "data",
              [](const std::string& name) { return name == "CURRENT" || name.ends_with(".log"); });
  ExpectRefusedUntouched(dir);
}

TEST(DamagedStore, AFlippedByteInATableIsDamage) {
  TempDir dir;
  ASSERT_EQ(WriteAttacks(dir, 5).size(), 5u);
  for (const auto& entry : fs::directory_iterator(dir / "data")) {
    if (entry.path().extension() != ".sst") continue;
    std::fstream file(entry.path(), std::ios::binary | std::ios::in | std::ios::out);
    file.seekg(20);
    char byte = 0;
    file.get(byte);
    file.seekp(20);
    file.put(static_cast<char>(byte ^ 0x5a));
  }
  const auto r =
      Steadystate({"serve", "--config", dir.Write("c.yaml", TestConfig()), "--data", dir / "data"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("data directory " + (dir / "data") + " is damaged"));
  EXPECT_THAT(r.err, HasSubstr("checksum mismatch"));
  EXPECT_THAT(r.err, HasSubstr("restore it from a backup"));
  const auto checked = Steadystate({"store", "check", "--data", dir / "data"});
  EXPECT_EQ(checked.exit_code, 1);
  EXPECT_THAT(checked.err, HasSubstr("is damaged"));
}

TEST(StoreCommands, CheckPassesOnAHealthyDirectoryAndWritesNothing) {
  TempDir dir;
  ASSERT_EQ(WriteAttacks(dir, 3).size(), 3u);
  const auto before = Snapshot(dir / "data");
  const auto r = Steadystate({"store", "check", "--data", dir / "data"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("data directory " + (dir / "data") + ": OK ("));
  EXPECT_EQ(Snapshot(dir / "data"), before);
}

TEST(StoreCommands, RepairMakesAUsableCopyAndLeavesTheSourceUntouched) {
  TempDir dir;
  const auto written = WriteAttacks(dir, 5);
  ASSERT_EQ(written.size(), 5u);
  RemoveFiles(dir / "data", [](const std::string& name) { return name == "CURRENT"; });
  const auto before = Snapshot(dir / "data");

  const auto r = Steadystate({"store", "repair", "--to", dir / "repaired", "--data", dir / "data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("attacks: "));
  EXPECT_THAT(r.out, HasSubstr("next: check the copy"));
  EXPECT_EQ(Snapshot(dir / "data"), before);
  EXPECT_EQ(ListedIds(dir / "repaired"), written);
  EXPECT_EQ(Steadystate({"store", "check", "--data", dir / "repaired"}).exit_code, 0);

  // Never into a directory that holds something.
  const auto again =
      Steadystate({"store", "repair", "--to", dir / "repaired", "--data", dir / "data"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, HasSubstr("exists and is not empty"));
}

TEST(StoreCommands, BackupWhileTheDaemonRunsAndWritesHoldsEverythingAcknowledgedBefore) {
  TempDir dir;
  RunningDaemon daemon(dir, TestConfig());
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto client = daemon.Client();
    for (int i = 0; !stop; ++i) {
      const std::string id = StartAttack(client, i);
      if (id.empty()) continue;
      std::lock_guard lock(mu);
      acknowledged.push_back(id);
    }
  });
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    return acknowledged.size() >= 20;
  }));
  std::set<std::string> before_backup;
  {
    std::lock_guard lock(mu);
    before_backup.insert(acknowledged.begin(), acknowledged.end());
  }
  const auto r = Steadystate({"--server", daemon.url(), "store", "backup", dir / "backup"});
  stop = true;
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("backup of the running daemon's store written to " + (dir / "backup")));

  const auto in_backup = ListedIds(dir / "backup");
  for (const auto& id : before_backup) EXPECT_TRUE(in_backup.contains(id)) << id;
  EXPECT_EQ(Steadystate({"store", "check", "--data", dir / "backup"}).exit_code, 0);

  // The target must be new; relative paths are the CLI's, made absolute.
  const auto exists = Steadystate({"--server", daemon.url(), "store", "backup", dir / "backup"});
  EXPECT_EQ(exists.exit_code, 2);
  EXPECT_THAT(exists.err, HasSubstr("already exists"));
  auto client = daemon.Client();
  auto relative =
      client.Post("/api/v1/store/backup", R"({"dir":"relative/x"})", "application/json");
  ASSERT_TRUE(relative);
  EXPECT_EQ(relative->status, 400);
  EXPECT_THAT(relative->body, HasSubstr("must be an absolute path"));

  // Without a daemon the CLI opens the directory itself.
  daemon.process().Signal(SIGTERM);
  ASSERT_TRUE(daemon.process().Wait(kExitDeadline));
  std::set<std::string> all;
  {
    std::lock_guard lock(mu);
    all.insert(acknowledged.begin(), acknowledged.end());
  }
  const auto offline = Steadystate(
      {"--server", kNoDaemon, "store", "backup", dir / "offline", "--data", dir / "data"});
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(ListedIds(dir / "offline"), all);
  // And never creates a store where there is none.
  const auto nothing = Steadystate(
      {"--server", kNoDaemon, "store", "backup", dir / "b2", "--data", dir / "no-such-data"});
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_THAT(nothing.err, HasSubstr("does not exist"));
  EXPECT_FALSE(fs::exists(dir / "no-such-data"));
}

// A tmpfs mounted on a directory for the test's lifetime.
class Tmpfs {
 public:
  Tmpfs(const std::string& at, const std::string& size) : at_(at) {
    fs::create_directories(at);
    const std::string options = "size=" + size;
    if (::mount("tmpfs", at.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string at_;
  bool mounted_ = false;
  std::string error_;
};

// Fills the filesystem of `path` until ENOSPC.
void FillDisk(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  const std::string chunk(64 << 10, 'x');
  while (std::fwrite(chunk.data(), 1, chunk.size(), file) == chunk.size()) {
  }
  std::fclose(file);  // the last partial chunk may fail to flush: the disk is full
}

// Starts an attack with ~20 KB of targets; the HTTP status (0: no answer).
int StartBulkyAttack(httplib::Client& client, int i) {
  nlohmann::json body;
  body["type"] = "cpu";
  body["name"] = "bulky " + std::to_string(i);
  for (int t = 0; t < 100; ++t)
    body["targets"].push_back(std::to_string(t) + std::string(190, 'h'));
  auto res = client.Post("/api/v1/attacks", body.dump(), "application/json");
  return res ? res->status : 0;
}

int Status(httplib::Client& client, const std::string& path) {
  auto res = client.Get(path);
  return res ? res->status : 0;
}

size_t CountLines(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(FullDisk, IsLoggedWithoutAFloodAndNotReadyUntilAWriteSucceedsWithSpaceBack) {
  TempDir dir;
  Tmpfs tmpfs(dir / "data", "24m");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << tmpfs.error();
  // Small memtables: RocksDB preallocates WAL space by their size, and writes that fit
  // there succeed on a full disk; the test should not need megabytes to get past it.
  RunningDaemon daemon(dir, TestConfig("storage: {write_buffer: 64KiB}\n"));
  ASSERT_TRUE(daemon.WaitReady()) << daemon.process().Stderr();
  auto client = daemon.Client();
  ASSERT_TRUE(WaitFor([&] { return Status(client, "/readyz") == 200; }));
  ASSERT_FALSE(StartAttack(client, 0).empty());

  const std::string filler = dir / "data/filler";
  FillDisk(filler);
  // Every attack start is a synced write; on a full disk they fail.
  int failed = 0;
  for (int i = 1; i <= 200; ++i) {
    const int status = StartBulkyAttack(client, i);
    ASSERT_TRUE(status == 201 || status >= 500) << status << "\n" << daemon.process().Stderr();
    if (status >= 500) ++failed;
  }
  EXPECT_GT(failed, 100);
  EXPECT_EQ(Status(client, "/readyz"), 503);
  // Still full: whatever RocksDB manages meanwhile, the daemon is not ready.
  for (int i = 0; i < 20; ++i) {
    (void)StartBulkyAttack(client, 1000 + i);
    EXPECT_EQ(Status(client, "/readyz"), 503);
  }
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_THAT(ready->body, HasSubstr("is not writable"));
  const std::string log = daemon.process().Stderr();
  // The first failure at once, then at most a line a minute: not one per failed write.
  EXPECT_GE(CountLines(log, "No space left on device"), 1u) << log;
  EXPECT_LE(CountLines(log, "No space left on device"), 4u) << log;

  fs::remove(filler);
  ASSERT_TRUE(WaitFor([&] { return !StartAttack(client, 2000).empty(); }))
      << daemon.process().Stderr();
  EXPECT_TRUE(WaitFor([&] { return Status(client, "/readyz") == 200; }));
  EXPECT_THAT(daemon.process().Stderr(), HasSubstr("works again"));
  daemon.process().Signal(SIGTERM);
  EXPECT_TRUE(daemon.process().Wait(kExitDeadline));
}

}  // namespace
}  // namespace steadystate::test_support
