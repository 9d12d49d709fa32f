// Internal to store/ and its tests: the RocksDB pieces behind Store (merge operator,
// retention compaction filter, error translation) and a test seam to open a Store over a
// custom rocksdb::Env (fault injection). Includes RocksDB headers, so nothing outside
// store/ may include it; steadystate::store links RocksDB PRIVATE.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/env.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/status.h>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "store/store.h"

namespace steadystate::store::internal {

// The wall clock as retention sees it: the injected Clock, but never further ahead than
// the wall time at open plus the monotonic time elapsed since. A forward wall-clock jump
// (a time-travel attack, a bad NTP step) then cannot expire data early; a backward jump
// only keeps data longer. After a restart the new wall time is trusted. Thread-safe.
class RetentionClock {
 public:
  explicit RetentionClock(const Clock& clock);
  Timestamp Now() const;

 private:
  const Clock& clock_;
  Timestamp wall_at_start_;
  MonotonicTime monotonic_at_start_;
};

// Sums Rollup values field-wise; malformed operands or base values are skipped.
std::shared_ptr<rocksdb::MergeOperator> NewRollupMergeOperator();

// Drops time-series keys whose time is before RetentionClock::Now() - retention, with the
// cutoff fixed when each compaction starts. Keys that are not 16 bytes are kept.
std::shared_ptr<rocksdb::CompactionFilterFactory> NewRetentionFilterFactory(
    std::shared_ptr<const RetentionClock> clock, Duration retention);

// "<context>: <RocksDB status>", with the ErrorCode that matches the status.
Error ToError(const rocksdb::Status& status, std::string_view context);

// The PID holding a POSIX (fcntl) write lock on `lock_file`, or 0 if unknown / unlocked.
// Opening and closing the file drops any fcntl lock this process holds on it, so never
// call it for a file this process may have locked.
int LockHolderPid(const std::string& lock_file);

// Store::Open / OpenReadOnly with a caller-provided Env (nullptr: the default).
Result<std::unique_ptr<Store>> OpenStore(const Options& options, const Clock& clock, bool read_only,
                                         rocksdb::Env* env);

}  // namespace steadystate::store::internal
