#include "store/rocksdb_internal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <vector>

#include "store/codec.h"

namespace steadystate::store::internal {
namespace {

// FullMergeV2 folds the base value and all operands at once, and PartialMergeMulti
// collapses operand runs during flushes and compactions, so a minute updated many times
// costs one 120-byte value after the next compaction. Never returns false: a false
// return is a merge failure, which RocksDB reports as corruption on reads and which
// stops compactions (and with them writes); a malformed input is skipped instead.
class RollupMergeOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    Rollup sum;
    if (in.existing_value != nullptr) AddEncodedRollup(in.existing_value->ToStringView(), sum);
    for (const rocksdb::Slice& operand : in.operand_list) {
      AddEncodedRollup(operand.ToStringView(), sum);
    }
    const auto encoded = EncodeRollup(sum);
    out->new_value.assign(encoded.data(), encoded.size());
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice& /*key*/, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    Rollup sum;
    for (const rocksdb::Slice& operand : operands) AddEncodedRollup(operand.ToStringView(), sum);
    const auto encoded = EncodeRollup(sum);
    new_value->assign(encoded.data(), encoded.size());
    return true;
  }

  bool AllowSingleOperand() const override { return true; }

  const char* Name() const override { return "steadystate.RollupSum"; }
};

class RetentionFilter final : public rocksdb::CompactionFilter {
 public:
  // An hourly sum (keyed by its hour's start) goes once the last minute of its hour is
  // past the cutoff, together with the minute keys it sums; a daily sum likewise with the
  // last minute of its day.
  explicit RetentionFilter(Timestamp cutoff)
      : cutoff_(cutoff),
        hourly_cutoff_(cutoff - std::chrono::minutes(59)),
        daily_cutoff_(cutoff - std::chrono::minutes(24 * 60 - 1)) {}

  Decision FilterV2(int /*level*/, const rocksdb::Slice& key, ValueType type,
                    const rocksdb::Slice& /*value*/, std::string* /*new_value*/,
                    std::string* /*skip_until*/) const override {
    if (type == ValueType::kBlobIndex || key.size() != kSeriesKeyBytes) return Decision::kKeep;
    const std::string_view k = key.ToStringView();
    const uint64_t id = SeriesKeySeries(k);
    const Timestamp cutoff = IsHourlySeries(id)  ? hourly_cutoff_
                             : IsDailySeries(id) ? daily_cutoff_
                                                 : cutoff_;
    return SeriesKeyTime(k) < cutoff ? Decision::kRemove : Decision::kKeep;
  }

  const char* Name() const override { return "steadystate.Retention"; }

 private:
  Timestamp cutoff_;
  Timestamp hourly_cutoff_;
  Timestamp daily_cutoff_;
};

class RetentionFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  RetentionFilterFactory(std::shared_ptr<const RetentionClock> clock, Duration retention)
      : clock_(std::move(clock)), retention_(retention) {}

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    return std::make_unique<RetentionFilter>(clock_->Now() - retention_);
  }

  const char* Name() const override { return "steadystate.RetentionFactory"; }

 private:
  std::shared_ptr<const RetentionClock> clock_;
  Duration retention_;
};

ErrorCode CodeFor(const rocksdb::Status& status) {
  if (status.IsCorruption()) return ErrorCode::kCorruption;
  if (status.IsIOError()) return ErrorCode::kIo;  // includes NoSpace, PathNotFound
  if (status.IsNotFound()) return ErrorCode::kNotFound;
  if (status.IsBusy() || status.IsTimedOut() || status.IsTryAgain() || status.IsAborted() ||
      status.IsShutdownInProgress()) {
    return ErrorCode::kUnavailable;
  }
  return ErrorCode::kInternal;
}

}  // namespace

RetentionClock::RetentionClock(const Clock& clock)
    : clock_(clock), wall_at_start_(clock.Now()), monotonic_at_start_(clock.Monotonic()) {}

Timestamp RetentionClock::Now() const {
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Monotonic() -
                                                                             monotonic_at_start_);
  return std::min(clock_.Now(), wall_at_start_ + elapsed);
}

std::shared_ptr<rocksdb::MergeOperator> NewRollupMergeOperator() {
  return std::make_shared<RollupMergeOperator>();
}

std::shared_ptr<rocksdb::CompactionFilterFactory> NewRetentionFilterFactory(
    std::shared_ptr<const RetentionClock> clock, Duration retention) {
  return std::make_shared<RetentionFilterFactory>(std::move(clock), retention);
}

Error ToError(const rocksdb::Status& status, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += status.ToString();
  return MakeError(CodeFor(status), std::move(message));
}

int LockHolderPid(const std::string& lock_file) {
  const int fd = ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock probe = {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  probe.l_start = 0;
  probe.l_len = 0;  // the whole file, as RocksDB locks it
  int pid = 0;
  if (::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK) pid = probe.l_pid;
  ::close(fd);
  return pid;
}

}  // namespace steadystate::store::internal
