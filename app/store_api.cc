#include "app/store_api.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <system_error>

namespace steadystate::app {

Result<BackupSummary> BackupStore(store::Store& store, const std::string& dir, const Clock& clock) {
  namespace fs = std::filesystem;
  const fs::path target(dir);
  if (dir.empty() || !target.is_absolute()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "backup directory \"" + dir + "\" must be an absolute path");
  }
  std::error_code ec;
  if (fs::exists(fs::symlink_status(target, ec))) {
    return MakeError(ErrorCode::kInvalidInput,
                     "backup directory " + dir + " already exists; name a new one");
  }
  if (!fs::is_directory(target.parent_path(), ec)) {
    return MakeError(ErrorCode::kInvalidInput, "backup directory " + dir + ": its parent " +
                                                   target.parent_path().string() +
                                                   " is not a directory");
  }
  RETURN_IF_ERROR(store.CreateCheckpoint(dir));
  // What the checkpoint holds: the verify report of the copy, read without writing to it.
  store::Options copy;
  copy.path = dir;
  auto opened = store::Store::OpenReadOnly(copy, clock);
  if (!opened.ok()) {
    return MakeError(opened.error().code,
                     "the backup in " + dir + " does not open: " + opened.error().message);
  }
  auto verified = (*opened)->VerifyChecksums();
  if (!verified.ok()) return verified.error();
  return BackupSummary{dir, verified->table_files, verified->table_bytes};
}

http::ApiRoute StoreBackupRoute(store::Store& store, const Clock& clock) {
  http::ApiRoute route;
  route.method = http::ApiRoute::Method::kPost;
  route.pattern = "/api/v1/store/backup";
  route.write = true;
  route.handler = [&store, &clock](const http::ApiRequest& request) {
    const auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("dir") || !body["dir"].is_string()) {
      return http::ApiResponse::Error(
          400, "the body must be a JSON object with \"dir\": an absolute path");
    }
    auto summary = BackupStore(store, body["dir"].get<std::string>(), clock);
    if (!summary.ok()) return http::ApiResponse::FromError(summary.error());
    nlohmann::ordered_json reply;
    reply["dir"] = summary->dir;
    reply["table_files"] = summary->table_files;
    reply["table_bytes"] = summary->table_bytes;
    return http::ApiResponse::Json(201, reply.dump());
  };
  return route;
}

}  // namespace steadystate::app
