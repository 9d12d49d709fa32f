// store check | repair | backup: looking after the data directory (docs/operations.md).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <string>

#include "app/cli_context.h"
#include "app/commands.h"
#include "app/store_api.h"

namespace steadystate::app {
namespace {

std::string Bytes(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 20)) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (uint64_t{1} << 10)) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

// Read-only, without the directory's lock (a RocksDB secondary instance), so it runs
// beside the daemon: opening replays the MANIFEST and WAL, then every table file is read
// and its checksums compared.
int StoreCheck(const CliContext& context) {
  auto config = LoadCliConfig(context);
  if (!config.ok()) return FailCommand(config.error());
  const std::string& dir = config->storage.path;
  auto store = OpenStoreForReading(*config, SystemClock());
  if (!store.ok()) return FailCommand(store.error());
  auto report = (*store)->VerifyChecksums();
  if (!report.ok()) return FailCommand(report.error());
  std::cout << "data directory " << dir << ": OK (" << report->table_files << " table files, "
            << Bytes(report->table_bytes) << ", every checksum verified)\n";
  return kExitOk;
}

int StoreRepair(const CliContext& context, const std::string& to) {
  auto config = LoadCliConfig(context);
  if (!config.ok()) return FailCommand(config.error());
  const std::string& dir = config->storage.path;
  auto report = store::RepairCopy(StoreOptionsFor(*config), to, SystemClock());
  if (!report.ok()) return FailCommand(report.error());
  std::cout << "repaired a copy of " << dir << " in " << to << " (" << dir
            << " was not changed)\nrecovered (estimated keys per family):\n";
  for (const auto& family : report->families) {
    std::cout << "  " << store::FamilyName(family.family) << ": " << family.estimated_keys << "\n";
  }
  if (report->set_aside.empty()) {
    std::cout << "no file had to be set aside\n";
  } else {
    std::cout << "set aside in " << to << "/lost (unreadable, not recovered):";
    for (const auto& name : report->set_aside) std::cout << " " << name;
    std::cout << "\n";
  }
  std::cout << "next: check the copy with `steadystate store check --data " << to
            << "` and look at it with `steadystate attacks list --data " << to
            << "`; then stop the daemon, move " << dir << " aside and " << to
            << " into its place (or point storage.path at it), and start the daemon. "
               "Data a backup holds that the copy lacks is only in the backup.\n";
  return kExitOk;
}

void PrintBackup(const BackupSummary& summary, const std::string& from) {
  std::cout << "backup of " << from << " written to " << summary.dir << " (" << summary.table_files
            << " table files, " << Bytes(summary.table_bytes)
            << ")\nrestore: stop the daemon, move the data directory aside, copy " << summary.dir
            << " in its place (cp -a), and start the daemon\n";
}

int StoreBackup(const CliContext& context, const std::string& to) {
  auto config = LoadCliConfig(context);
  if (!config.ok()) return FailCommand(config.error());
  // The daemon resolves paths against its own working directory, not ours.
  std::error_code ec;
  const std::string dir = std::filesystem::absolute(to, ec).lexically_normal().string();
  if (ec) return FailCommand(MakeError(ErrorCode::kInvalidInput, to + ": " + ec.message()));
  const std::string& data = config->storage.path;

  const DaemonApi api = ConnectDaemon(context, *config);
  nlohmann::json body;
  body["dir"] = dir;
  // A checkpoint flushes the memtables and, on another filesystem, copies every file.
  auto answer = api.Call("POST", "/api/v1/store/backup", body.dump(), std::chrono::minutes(30));
  if (!answer.ok()) return FailCommand(answer.error());
  if (answer->has_value()) {
    const HttpResponse& r = **answer;
    if (r.status != 201) {
      return FailCommand(MakeError(r.status == 400 ? ErrorCode::kInvalidInput : ErrorCode::kIo,
                                   "the daemon at " + UrlHost(api.server_url()) +
                                       " could not write the backup: " + ApiErrorMessage(r)));
    }
    const auto reply = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    BackupSummary summary{dir};
    if (reply.is_object()) {
      summary.table_files = reply.value("table_files", uint64_t{0});
      summary.table_bytes = reply.value("table_bytes", uint64_t{0});
    }
    PrintBackup(summary, "the running daemon's store");
    return kExitOk;
  }

  // No daemon answers: the store is ours to open (never to create).
  store::Options options = StoreOptionsFor(*config);
  options.create_if_missing = false;
  auto store = store::Store::Open(options, SystemClock());
  if (!store.ok()) {
    if (store.error().code == ErrorCode::kBusy) {
      return FailCommand(MakeError(ErrorCode::kIo, store.error().message + ", but no daemon " +
                                                       "answered at " + api.server_url() +
                                                       "; pass the daemon's --server URL"));
    }
    return FailCommand(store.error());
  }
  auto summary = BackupStore(**store, dir, SystemClock());
  if (!summary.ok()) return FailCommand(summary.error());
  PrintBackup(*summary, data);
  return kExitOk;
}

}  // namespace

void AddStoreCommands(CLI::App& cli, CliContext& context) {
  auto* store = cli.add_subcommand("store", "Check, repair or back up the data directory");
  store->require_subcommand(1);
  store
      ->add_subcommand("check",
                       "Verify every file's checksums (read-only; safe beside the daemon): "
                       "exit 0 when intact, 1 with the damage")
      ->callback([&context] { context.exit_code = StoreCheck(context); });

  auto* repair = store->add_subcommand(
      "repair", "Copy the data directory to NEW_DIR and repair the copy (never in place)");
  auto to = std::make_shared<std::string>();
  repair->add_option("--to", *to, "New (or empty) directory for the repaired copy")->required();
  repair->callback([&context, to] { context.exit_code = StoreRepair(context, *to); });

  auto* backup = store->add_subcommand(
      "backup",
      "Write a consistent copy (a RocksDB checkpoint) to DIR, through the running daemon "
      "when one answers at --server");
  auto backup_dir = std::make_shared<std::string>();
  backup->add_option("DIR", *backup_dir, "New directory for the backup")->required();
  backup->callback(
      [&context, backup_dir] { context.exit_code = StoreBackup(context, *backup_dir); });
}

}  // namespace steadystate::app
