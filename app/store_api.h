// Backups of a running daemon's store (docs/operations.md, "Backup and restore"):
//   POST /api/v1/store/backup  {"dir": "/absolute/new/dir"}   (write: bearer token)
// writes a RocksDB checkpoint of the live store to `dir` and answers
// {"dir": ..., "table_files": n, "table_bytes": n}. `steadystate store backup DIR` calls
// it, or, when no daemon answers, opens the directory itself and calls BackupStore.
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "http/server.h"
#include "store/store.h"

namespace steadystate::app {

struct BackupSummary {
  std::string dir;
  uint64_t table_files = 0;
  uint64_t table_bytes = 0;
};

// Writes a checkpoint of `store` to `dir`, which must be an absolute path that does not
// exist yet (its parent must). On the same filesystem the copy is mostly hard links; a
// checkpoint is consistent and opens as a data directory of its own. kInvalidInput names
// what is wrong with `dir`.
Result<BackupSummary> BackupStore(store::Store& store, const std::string& dir, const Clock& clock);

// The route above; `store` and `clock` must outlive it.
http::ApiRoute StoreBackupRoute(store::Store& store, const Clock& clock);

}  // namespace steadystate::app
