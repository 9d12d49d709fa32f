#include "store/store.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_checksum.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <spdlog/spdlog.h>

#include "store/codec.h"
#include "store/rocksdb_internal.h"

namespace steadystate::store {
namespace {

constexpr std::array<std::string_view, kFamilyCount> kFamilyNames = {
    "host", "probe", "rollups", "incidents", "attacks", "alerts", "outbox", "meta"};
constexpr std::string_view kSchemaKey = "schema_version";
constexpr std::string_view kSeriesPrefix = "series/";

// Periodic compaction rewrites SST files older than this even without new writes, so the
// retention filter also runs on a quiet agent: expired data lingers at most about a day
// past its retention.
constexpr uint64_t kPeriodicCompactionSeconds = uint64_t{24} * 60 * 60;
constexpr uint64_t kMinWriteBufferBytes = 64 << 10;
// After a failed write, how often a later write may try to bring the database back.
constexpr auto kRecoveryInterval = std::chrono::seconds(1);

size_t Index(Family family) { return static_cast<size_t>(family); }

bool IsSeriesFamily(Family family) { return family == Family::kHost || family == Family::kProbe; }

bool IsRecordFamily(Family family) {
  switch (family) {
    case Family::kIncidents:
    case Family::kAttacks:
    case Family::kAlerts:
    case Family::kOutbox:
    case Family::kMeta:
      return true;
    case Family::kHost:
    case Family::kProbe:
    case Family::kRollups:
      return false;
  }
  return false;
}

bool IsReservedMetaKey(std::string_view key) {
  return key == kSchemaKey || key.starts_with(kSeriesPrefix);
}

std::string MetaSeriesKey(std::string_view name) {
  std::string key(kSeriesPrefix);
  key += name;
  return key;
}

// The registered series whose names start with `name_prefix`, as (the rest of the name,
// id) in name order. Reads only those registry keys.
Result<std::vector<std::pair<std::string, uint64_t>>> ListSeriesStartingWith(
    const Store& store, std::string_view name_prefix, const std::string& where) {
  std::vector<std::pair<std::string, uint64_t>> out;
  const std::string prefix = MetaSeriesKey(name_prefix);
  bool bad = false;
  auto status =
      store.ScanRecords(Family::kMeta, prefix, [&](std::string_view key, std::string_view value) {
        const auto id = DecodeSeriesId(value);
        if (!id) {
          bad = true;
          return false;
        }
        out.emplace_back(key.substr(prefix.size()), *id);
        return true;
      });
  if (!status) return status.error();
  if (bad) return MakeError(ErrorCode::kCorruption, where + ": bad series id in meta");
  return out;
}

constexpr std::chrono::milliseconds kMinute = std::chrono::minutes(1);
constexpr std::chrono::milliseconds kHour = std::chrono::hours(1);
constexpr std::chrono::milliseconds kDay = std::chrono::days(1);
// Schema 1 had no daily sums; opening it for writing adds them (MigrateToDailySums).
constexpr int kFirstSchemaWithDailySums = 2;
// Daily sums written per batch while migrating a schema-1 directory.
constexpr size_t kMigrationBatchKeys = 4096;

// Sums rollups that arrive in key order into one sum per bucket (a (series, hour) or a
// (series, day), or a day of one series), handing each bucket's sum to `emit` once the
// next bucket starts and at Finish().
template <typename Bucket>
class RunningSum {
 public:
  explicit RunningSum(std::function<void(const Bucket&, const Rollup&)> emit)
      : emit_(std::move(emit)) {}
  void Add(const Bucket& bucket, const Rollup& delta) {
    if (bucket_ != bucket) {
      Finish();
      bucket_ = bucket;
    }
    sum_ += delta;
  }
  void Finish() {
    if (bucket_) emit_(*bucket_, sum_);
    bucket_.reset();
    sum_ = Rollup{};
  }

 private:
  std::function<void(const Bucket&, const Rollup&)> emit_;
  std::optional<Bucket> bucket_;
  Rollup sum_;
};
using SeriesBucket = std::pair<uint64_t, Timestamp>;

// The items in (series, time) order, stable for equal keys so a later write still wins.
// Inserting in key order lets the memtable skiplist continue from the previous insert
// instead of searching from its top; a sampler's batch comes in (time, series) order.
template <typename T, typename TimeOf>
std::vector<const T*> InKeyOrder(std::span<const T> items, TimeOf time_of) {
  std::vector<const T*> order;
  order.reserve(items.size());
  for (const T& item : items) order.push_back(&item);
  std::stable_sort(order.begin(), order.end(), [&](const T* a, const T* b) {
    if (a->series != b->series) return a->series < b->series;
    return time_of(*a) < time_of(*b);
  });
  return order;
}

Status CheckRollupSeries(uint64_t series) {
  if (IsMinuteSeries(series)) return OkStatus();
  return MakeError(ErrorCode::kInvalidInput,
                   "series id " + std::to_string(series) + " is out of range (>= 2^62)");
}

std::string ErrnoText(int err) { return std::generic_category().message(err); }

rocksdb::Slice ToSlice(std::string_view text) { return {text.data(), text.size()}; }

template <size_t N>
rocksdb::Slice ToSlice(const std::array<char, N>& bytes) {
  return {bytes.data(), N};
}

// RocksDB's info log (warnings and worse) goes to the daemon's log at debug level, never
// to a LOG file in the data directory: a secondary (read-only) instance must not write
// into a directory it merely reads, and on a full disk a failed LOG append is one of the
// writes RocksDB 7.8 asserts on at the next append (the process aborts, at start too).
// The errors that matter reach callers as statuses, which the store reports itself.
class DebugLogger final : public rocksdb::Logger {
 public:
  DebugLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (!spdlog::should_log(spdlog::level::debug)) return;
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    spdlog::debug("rocksdb: {}", line);
  }
};

// A failed write (a full disk) stops all writes until the error is cleared. RocksDB
// would retry on its own (Resume) every 5 s of real time; the store reopens instead on
// its next write (see Store::Impl::Recover), so recovery follows the injected Clock, is
// tested, and never reuses a WAL writer that failed.
class WriteErrorListener final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status /*error*/,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

rocksdb::CompressionType FirstSupported(std::initializer_list<rocksdb::CompressionType> wanted) {
  const auto supported = rocksdb::GetSupportedCompressions();
  for (auto type : wanted) {
    if (std::find(supported.begin(), supported.end(), type) != supported.end()) return type;
  }
  return rocksdb::kNoCompression;
}

Status ValidateOptions(const Options& options) {
  if (options.path.empty()) {
    return MakeError(ErrorCode::kInvalidInput, "storage path must not be empty");
  }
  for (Duration retention : {options.raw_retention, options.rollup_retention}) {
    // The upper bound keeps "now - retention" far from overflowing.
    if (retention <= Duration::zero() || retention > std::chrono::days(100 * 366)) {
      return MakeError(ErrorCode::kInvalidInput,
                       "storage retention must be positive and at most 100 years");
    }
  }
  if (options.write_buffer_bytes < kMinWriteBufferBytes) {
    return MakeError(ErrorCode::kInvalidInput, "storage write buffer must be at least 64 KiB");
  }
  return OkStatus();
}

// What a data directory holds, judged from its file names before RocksDB touches it:
// RocksDB's own recovery creates a new, empty database when CURRENT is missing (and then
// deletes the old files as obsolete), so a directory with data but no usable
// CURRENT -> MANIFEST chain must be refused here.
enum class DirectoryState { kMissing, kEmpty, kDatabase, kDamaged, kForeign, kUnreadable };

struct DirectoryInspection {
  DirectoryState state = DirectoryState::kMissing;
  std::string detail;  // kDamaged: what is missing; kForeign: a file that is not ours
};

// Files RocksDB writes before the database exists (a creation that stopped part way
// leaves them) or that never hold data: they do not make a directory non-empty.
bool IsHarmlessEntry(const std::string& name) {
  return name == "LOCK" || name == "LOG" || name.starts_with("LOG.old.") || name == "IDENTITY" ||
         name == "lost+found" || name == "steadystate-write-probe";
}

// RocksDB's data files: tables, blobs, WALs, manifests, options, CURRENT and its temp.
bool IsDatabaseFile(const std::string& name) {
  const auto digits_then = [&name](std::string_view suffix) {
    if (!name.ends_with(suffix) || name.size() == suffix.size()) return false;
    return std::all_of(name.begin(), name.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  return name == "CURRENT" || name.starts_with("MANIFEST-") || name.starts_with("OPTIONS-") ||
         digits_then(".sst") || digits_then(".log") || digits_then(".blob") ||
         digits_then(".dbtmp") || digits_then(".ldb");
}

DirectoryInspection InspectDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return {DirectoryState::kUnreadable, ec.message()};
  }
  if (!fs::exists(status)) return {DirectoryState::kMissing, ""};
  if (!fs::is_directory(status)) return {DirectoryState::kForeign, "it is not a directory"};
  std::vector<std::string> data_files;
  std::string foreign;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (IsDatabaseFile(name)) {
      data_files.push_back(name);
    } else if (!IsHarmlessEntry(name) && foreign.empty()) {
      foreign = name;
    }
  }
  if (ec) return {DirectoryState::kUnreadable, ec.message()};
  if (data_files.empty()) {
    if (!foreign.empty()) return {DirectoryState::kForeign, "it holds " + foreign};
    return {DirectoryState::kEmpty, ""};
  }
  std::sort(data_files.begin(), data_files.end());
  std::string listed;
  for (size_t i = 0; i < data_files.size() && i < 4; ++i) {
    listed += (i == 0 ? "" : ", ") + data_files[i];
  }
  if (data_files.size() > 4) listed += ", ...";
  const auto damaged = [&](const std::string& what) {
    return DirectoryInspection{DirectoryState::kDamaged, what + " (it holds " + listed + ")"};
  };
  if (std::find(data_files.begin(), data_files.end(), "CURRENT") == data_files.end()) {
    return damaged("its CURRENT file is missing");
  }
  // CURRENT names the live MANIFEST: "MANIFEST-000005\n".
  std::string current;
  if (auto read = rocksdb::ReadFileToString(rocksdb::Env::Default(), dir + "/CURRENT", &current);
      !read.ok()) {
    return damaged("its CURRENT file cannot be read (" + read.ToString() + ")");
  }
  if (!current.empty() && current.back() == '\n') current.pop_back();
  if (!current.starts_with("MANIFEST-") || current.find('/') != std::string::npos) {
    return damaged("its CURRENT file does not name a MANIFEST");
  }
  const auto manifest_size = fs::file_size(fs::path(dir) / current, ec);
  if (ec || manifest_size == 0) {
    return damaged("its CURRENT file names " + current + ", which is missing or empty");
  }
  return {DirectoryState::kDatabase, ""};
}

Error DamagedError(const std::string& dir, const std::string& detail) {
  return MakeError(ErrorCode::kCorruption,
                   "data directory " + dir + " is damaged (" + detail +
                       "); restore it from a backup, or recover what is left with "
                       "`steadystate store repair --to NEW_DIR` (docs/operations.md)");
}

Error OpenError(const rocksdb::Status& status, const std::string& dir) {
  const std::string text = status.ToString();
  if (status.IsIOError() && text.find("lock hold by current process") != std::string::npos) {
    return MakeError(ErrorCode::kBusy, "data directory " + dir +
                                           " is already in use by this process (PID " +
                                           std::to_string(::getpid()) + ")");
  }
  if (status.IsIOError() && text.find("While lock file") != std::string::npos) {
    // RocksDB holds an fcntl write lock on DIR/LOCK while a read-write instance is open.
    const int pid = internal::LockHolderPid(dir + "/LOCK");
    return MakeError(ErrorCode::kBusy,
                     "data directory " + dir + " is already in use by " +
                         (pid > 0 ? "PID " + std::to_string(pid) : "another process"));
  }
  if (status.IsCorruption()) return DamagedError(dir, text);
  if (status.IsNoSpace() || text.find("No space left on device") != std::string::npos) {
    // Every open writes a new MANIFEST and WAL: there is no running without free space.
    return MakeError(ErrorCode::kIo, "cannot open data directory " + dir +
                                         ": its file system is full (" + text +
                                         "); free some space and start again");
  }
  return internal::ToError(status, "cannot open data directory " + dir);
}

// Logs failed writes without flooding: a full disk fails every sample, probe result and
// record write. The first failure is logged at once; later ones are counted and summed
// up in one line per minute of monotonic time; recovery is logged with the count since
// the last line. Thread-safe.
class WriteFailureLog {
 public:
  static constexpr auto kWindow = std::chrono::seconds(60);

  void Failed(MonotonicTime now, const std::string& reason) {
    std::lock_guard lock(mu_);
    last_reason_ = reason;
    if (!window_start_) {
      window_start_ = now;
      spdlog::error("{} (further store write failures are summed up once a minute)", reason);
      return;
    }
    ++unreported_;
    if (now - *window_start_ >= kWindow) {
      spdlog::error("{} store writes failed in the last {} s: {}", unreported_,
                    std::chrono::duration_cast<std::chrono::seconds>(now - *window_start_).count(),
                    reason);
      window_start_ = now;
      unreported_ = 0;
    }
  }

  void Recovered(MonotonicTime now, const std::string& where) {
    std::lock_guard lock(mu_);
    if (!window_start_) return;
    if (unreported_ > 0) {
      spdlog::error("{} store writes failed in the last {} s: {}", unreported_,
                    std::chrono::duration_cast<std::chrono::seconds>(now - *window_start_).count(),
                    last_reason_);
    }
    spdlog::info("writing to {} works again", where);
    window_start_.reset();
    unreported_ = 0;
  }

  std::string LastReason() const {
    std::lock_guard lock(mu_);
    return last_reason_;
  }

 private:
  mutable std::mutex mu_;
  std::optional<MonotonicTime> window_start_;  // set from the first failure until recovery
  uint64_t unreported_ = 0;                    // failures since the last line
  std::string last_reason_;
};

}  // namespace

std::string_view FamilyName(Family family) { return kFamilyNames[Index(family)]; }

struct Store::Impl {
  // One open RocksDB instance. Operations share it through a shared_ptr; after a fatal
  // I/O error the store closes it and opens a new one (see Recover).
  struct Instance {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;  // every open family, default included
    std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> families{};

    Instance() = default;
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;
    ~Instance() {
      if (db == nullptr) return;
      for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
      rocksdb::Status closed = db->Close();
      (void)closed;  // nothing left to report it to; the WAL has every acknowledged write
    }
    rocksdb::ColumnFamilyHandle* Handle(Family family) const { return families[Index(family)]; }
    // The rollups family holds daily sums for every day (schema >= 2). False only for a
    // schema-1 directory opened read-only: daily figures are then summed from hours.
    bool daily_sums = true;
  };

  Options options;
  const Clock* clock = nullptr;
  bool read_only = false;
  rocksdb::Env* env = nullptr;  // nullptr: rocksdb::Env::Default()
  // Whether the next OpenInstance creates the database: only for a directory that was
  // absent or empty (OpenStore checks), never over files RocksDB could not recover.
  bool create = false;
  std::shared_ptr<rocksdb::Cache> cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;
  std::shared_ptr<const internal::RetentionClock> retention_clock;
  std::shared_ptr<rocksdb::EventListener> listener = std::make_shared<WriteErrorListener>();
  // Bumped after every WriteRecords, failed ones included, per family (RecordsVersion).
  std::array<std::atomic<uint64_t>, kFamilyCount> record_versions{};

  mutable std::mutex instance_mu;
  std::shared_ptr<Instance> instance;  // guarded by instance_mu; null if a reopen failed

  std::mutex recovery_mu;
  std::optional<MonotonicTime> last_recovery;  // guarded by recovery_mu

  std::mutex series_mu;
  std::unordered_map<std::string, uint64_t> series_ids;  // guarded by series_mu
  uint64_t next_series_id = 1;                           // guarded by series_mu

  std::atomic<uint64_t> write_errors{0};
  std::atomic<bool> writable{true};
  WriteFailureLog failure_log;

  std::string Where() const { return "data directory " + options.path; }

  // A RocksDB error with context; corruption (a bad checksum in a table, a damaged
  // MANIFEST) says the directory is damaged and what to do, wherever it is found.
  Error Fail(const rocksdb::Status& status, const std::string& context) const {
    if (status.IsCorruption())
      return DamagedError(options.path, context + ": " + status.ToString());
    return internal::ToError(status, context);
  }

  std::shared_ptr<Instance> Current() const {
    std::lock_guard lock(instance_mu);
    return instance;
  }

  Error Closed() const {
    return MakeError(ErrorCode::kIo, Where() +
                                         " is closed after an I/O error; it reopens on "
                                         "the next write once the disk is healthy");
  }

  Status RequireWritable() const {
    if (!read_only) return OkStatus();
    return MakeError(ErrorCode::kInvalidInput, Where() + " is open read-only");
  }

  // Every write goes through here, so WriteErrors() and Writable() see them all. `fill`
  // adds the changes to the batch using the instance's column family handles.
  template <typename Fill>
  Status Write(std::string_view what, bool sync, Fill&& fill) {
    if (auto status = RequireWritable(); !status) return status;
    if (!writable.load(std::memory_order_relaxed)) Recover();
    const auto current = Current();
    rocksdb::Status status = rocksdb::Status::IOError("the database is closed");
    if (current != nullptr) {
      rocksdb::WriteBatch batch;
      fill(batch, *current);
      rocksdb::WriteOptions write_options;
      write_options.sync = sync;
      status = current->db->Write(write_options, &batch);
    }
    if (!status.ok()) {
      write_errors.fetch_add(1, std::memory_order_relaxed);
      writable.store(false, std::memory_order_relaxed);
      Error error = current == nullptr
                        ? Closed()
                        : Fail(status, "writing " + std::string(what) + " to " + Where());
      failure_log.Failed(clock->Monotonic(), error.message);
      return error;
    }
    // After a failure, one write that fits (into a preallocated WAL block, or because a
    // flush freed a little) does not mean the disk has room: healthy again only once the
    // directory's filesystem has room for a memtable flush too.
    if (!writable.load(std::memory_order_relaxed) && HasRoomToWrite()) {
      writable.store(true, std::memory_order_relaxed);
      failure_log.Recovered(clock->Monotonic(), Where());
    }
    return OkStatus();
  }

  // The free space a healthy directory needs: what flushing every memtable writes.
  uint64_t RoomNeeded() const { return options.write_buffer_bytes; }

  // Free space on the directory's filesystem, or nullopt where the Env cannot tell.
  std::optional<uint64_t> FreeBytes() const {
    rocksdb::Env* e = env != nullptr ? env : rocksdb::Env::Default();
    uint64_t free_bytes = 0;
    if (!e->GetFreeSpace(options.path, &free_bytes).ok()) return std::nullopt;
    return free_bytes;
  }

  bool HasRoomToWrite() const {
    const auto free_bytes = FreeBytes();
    return !free_bytes || *free_bytes >= RoomNeeded();
  }

  // Brings a database that refused a write back, at most once per kRecoveryInterval of
  // monotonic time, by reopening it, which recovers every acknowledged write from the WAL.
  // Never by RocksDB's Resume(): after a failed WAL append (a full disk) RocksDB 7.8
  // resumes with the same WAL writer, and the next append to it aborts the process
  // (WritableFileWriter's "previous error" assertion; fixed upstream in 9.x). The reopen
  // waits until the filesystem has room to flush (HasRoomToWrite) and takes a synced
  // write; the instance is only replaced while no other operation uses it, and until
  // then reads keep using the old one.
  void Recover() {
    std::unique_lock lock(recovery_mu, std::try_to_lock);
    if (!lock.owns_lock()) return;  // another thread is at it
    const MonotonicTime now = clock->Monotonic();
    if (last_recovery && now - *last_recovery < kRecoveryInterval) return;
    last_recovery = now;
    if (!HasRoomToWrite() || !DirectoryAcceptsWrites()) return;
    std::lock_guard guard(instance_mu);
    if (instance != nullptr && instance.use_count() > 1) return;  // in use; next time
    instance.reset();  // closes it, releasing the directory lock
    auto reopened = OpenInstance();
    if (reopened.ok()) instance = std::move(reopened).value();
  }

  bool DirectoryAcceptsWrites() const {
    rocksdb::Env* e = env != nullptr ? env : rocksdb::Env::Default();
    const std::string probe = options.path + "/steadystate-write-probe";
    const bool ok = rocksdb::WriteStringToFile(e, "probe", probe, /*should_sync=*/true).ok();
    rocksdb::Status removed = e->DeleteFile(probe);
    (void)removed;
    return ok;
  }

  // Calls fn(key, value) for the keys of `series` in [from, to) until it returns false.
  template <typename Fn>
  Status ScanSeries(Family family, uint64_t series, Timestamp from, Timestamp to, Fn&& fn) const {
    const auto current = Current();
    if (current == nullptr) return Closed();
    return ScanSeriesIn(*current, nullptr, family, series, from, to, std::forward<Fn>(fn));
  }

  template <typename Fn>
  Status ScanSeriesIn(const Instance& current, const rocksdb::Snapshot* snapshot, Family family,
                      uint64_t series, Timestamp from, Timestamp to, Fn&& fn) const {
    if (from >= to) return OkStatus();
    const SeriesKey lower = EncodeSeriesKey(series, from);
    const SeriesKey upper = EncodeSeriesKey(series, to);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    rocksdb::ReadOptions read_options;
    read_options.snapshot = snapshot;
    read_options.iterate_upper_bound = &upper_slice;
    // Lets the prefix (series id) Bloom filters skip SST files without this series.
    read_options.prefix_same_as_start = true;
    std::unique_ptr<rocksdb::Iterator> it(
        current.db->NewIterator(read_options, current.Handle(family)));
    for (it->Seek(ToSlice(lower)); it->Valid(); it->Next()) {
      if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
    }
    if (!it->status().ok()) {
      return Fail(it->status(),
                  "reading " + std::string(FamilyName(family)) + " data from " + Where());
    }
    return OkStatus();
  }

  Error BadValue(Family family, std::string_view key, std::string_view expected) const {
    const auto decoded = DecodeSeriesKey(key);
    return MakeError(ErrorCode::kCorruption,
                     Where() + ": " + std::string(FamilyName(family)) + " series " +
                         std::to_string(decoded ? decoded->series : 0) + " at " +
                         FormatRfc3339(decoded ? decoded->time : Timestamp{}) +
                         " holds a value that is not " + std::string(expected));
  }

  // The registered id of `name`, or nullopt. A read-write store holds every registration
  // in series_ids (loaded at open, then added by SeriesId); a read-only one also reads meta,
  // since the daemon may have registered the series after it opened. Needs series_mu.
  Result<std::optional<uint64_t>> FindSeriesLocked(std::string_view name) {
    if (auto it = series_ids.find(std::string(name)); it != series_ids.end())
      return std::optional<uint64_t>(it->second);
    if (!read_only || name.empty()) return std::optional<uint64_t>();
    const auto current = Current();
    if (current == nullptr) return Closed();
    std::string value;
    const rocksdb::Status status = current->db->Get(
        rocksdb::ReadOptions(), current->Handle(Family::kMeta), MetaSeriesKey(name), &value);
    if (status.IsNotFound()) return std::optional<uint64_t>();
    if (!status.ok()) return Fail(status, "reading the series registry");
    const auto id = DecodeSeriesId(value);
    if (!id) return MakeError(ErrorCode::kCorruption, Where() + ": bad series id");
    series_ids.emplace(name, *id);
    return std::optional<uint64_t>(*id);
  }

  Status LoadSeriesRegistry(const Instance& current) {
    std::lock_guard lock(series_mu);
    rocksdb::ReadOptions read_options;
    const std::string upper = PrefixSuccessor(kSeriesPrefix);
    const rocksdb::Slice upper_slice = ToSlice(upper);
    read_options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        current.db->NewIterator(read_options, current.Handle(Family::kMeta)));
    for (it->Seek(ToSlice(kSeriesPrefix)); it->Valid(); it->Next()) {
      const auto id = DecodeSeriesId(it->value().ToStringView());
      if (!id) {
        return MakeError(ErrorCode::kCorruption,
                         Where() + ": meta key " + it->key().ToString() + " is not a series id");
      }
      series_ids.emplace(it->key().ToStringView().substr(kSeriesPrefix.size()), *id);
      next_series_id = std::max(next_series_id, *id + 1);
    }
    if (!it->status().ok()) {
      return Fail(it->status(), "reading the series registry in " + Where());
    }
    return OkStatus();
  }

  // Reads, or for a fresh directory writes, the schema version; returns the version the
  // directory has (kSchemaVersion for a fresh one).
  Result<int> CheckSchema(const Instance& current) const {
    std::string stored;
    rocksdb::Status status = current.db->Get(rocksdb::ReadOptions(), current.Handle(Family::kMeta),
                                             ToSlice(kSchemaKey), &stored);
    if (status.IsNotFound()) {
      // A fresh directory (or one whose creator stopped before writing the version).
      if (read_only) return kSchemaVersion;
      rocksdb::WriteOptions sync;
      sync.sync = true;
      status = current.db->Put(sync, current.Handle(Family::kMeta), ToSlice(kSchemaKey),
                               std::to_string(kSchemaVersion));
      if (!status.ok()) return Fail(status, "writing the schema version to " + Where());
      return kSchemaVersion;
    }
    if (!status.ok()) return Fail(status, "reading the schema version in " + Where());
    int version = 0;
    const auto [end, ec] = std::from_chars(stored.data(), stored.data() + stored.size(), version);
    if (ec != std::errc() || end != stored.data() + stored.size() || version < 1) {
      return MakeError(ErrorCode::kCorruption,
                       Where() + " has an unreadable schema version \"" + stored + "\"");
    }
    if (version > kSchemaVersion) {
      return MakeError(ErrorCode::kInvalidInput,
                       Where() + " was written by a newer steadystate (schema " +
                           std::to_string(version) + "; this version reads up to " +
                           std::to_string(kSchemaVersion) + ")");
    }
    return version;
  }

  // Schema 1 -> 2: writes the daily sum of every (series, day) that has hourly sums, then
  // the new version (synced, which also syncs the WAL before it). Runs at open, before any
  // rollup is merged, with Puts: a crash part way leaves version 1, and the next open
  // writes the same values again.
  Status MigrateToDailySums(const Instance& current) const {
    auto* handle = current.Handle(Family::kRollups);
    rocksdb::ReadOptions read;
    read.total_order_seek = true;  // across series: the prefix extractor is per series
    std::unique_ptr<rocksdb::Iterator> it(current.db->NewIterator(read, handle));
    rocksdb::WriteBatch batch;
    auto write = [&]() -> Status {
      const rocksdb::Status status = current.db->Write(rocksdb::WriteOptions(), &batch);
      batch.Clear();
      if (!status.ok()) return Fail(status, "adding daily sums to " + Where());
      return OkStatus();
    };
    RunningSum<SeriesBucket> days([&](const SeriesBucket& day, const Rollup& sum) {
      batch.Put(handle, ToSlice(EncodeSeriesKey(DailySeries(day.first), day.second)),
                ToSlice(EncodeRollup(sum)));
    });
    const SeriesKey first = EncodeSeriesKey(kHourlySeriesBit, Timestamp::min());
    for (it->Seek(ToSlice(first)); it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      if (key.size() != kSeriesKeyBytes || !IsHourlySeries(SeriesKeySeries(key))) continue;
      Rollup hour;
      AddEncodedRollup(it->value().ToStringView(), hour);  // a malformed sum counts as empty
      days.Add({SeriesKeySeries(key) & ~kHourlySeriesBit, FloorTo(SeriesKeyTime(key), kDay)}, hour);
      if (static_cast<size_t>(batch.Count()) >= kMigrationBatchKeys) {
        if (auto status = write(); !status) return status;
      }
    }
    if (!it->status().ok()) {
      return Fail(it->status(), "reading hourly sums in " + Where());
    }
    days.Finish();
    if (batch.Count() > 0) {
      if (auto status = write(); !status) return status;
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    const rocksdb::Status status =
        current.db->Put(sync, current.Handle(Family::kMeta), ToSlice(kSchemaKey),
                        std::to_string(kFirstSchemaWithDailySums));
    if (!status.ok()) return Fail(status, "writing the schema version to " + Where());
    return OkStatus();
  }

  rocksdb::DBOptions DbOptions() const {
    rocksdb::DBOptions o;
    if (env != nullptr) o.env = env;
    // error_if_exists: a database that appeared since OpenStore looked is not ours to
    // create over; without `create`, a vanished CURRENT fails instead of starting empty.
    o.create_if_missing = create && !read_only;
    o.error_if_exists = create && !read_only;
    o.create_missing_column_families = !read_only;
    // An agent: two background threads (one flush, one compaction), few open files,
    // a bounded memtable budget, no statistics, a small WARN-level LOG.
    o.max_background_jobs = 2;
    o.max_subcompactions = 1;
    o.max_open_files = read_only ? -1 : 128;  // a secondary instance requires -1
    o.table_cache_numshardbits = 4;
    o.write_buffer_manager = write_buffers;
    // Per open file writer (WAL, flush and compaction outputs); 1 MiB by default.
    o.writable_file_max_buffer_size = 256 << 10;
    // Rarely written families (records) pin old WAL files until they flush; this caps
    // the WAL on disk and the replay time after a crash.
    o.max_total_wal_size = 4 * options.write_buffer_bytes;
    o.info_log = std::make_shared<DebugLogger>();
    o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    o.stats_dump_period_sec = 0;
    o.stats_persist_period_sec = 0;
    o.persist_stats_to_disk = false;
    o.listeners.push_back(listener);
    // Whole-file checksums in the MANIFEST, which `store check` verifies.
    o.file_checksum_gen_factory = rocksdb::GetFileChecksumGenCrc32cFactory();
    // Nothing may be written (flushed) before the schema version is known to be ours:
    // see OpenInstance. The shutdown flush is switched back on once it is.
    o.avoid_flush_during_recovery = true;
    o.avoid_flush_during_shutdown = true;
    return o;
  }

  rocksdb::ColumnFamilyOptions FamilyOptions(std::optional<Family> family) const {
    rocksdb::ColumnFamilyOptions o;
    // Compactions start only after the schema check (see DbOptions).
    o.disable_auto_compactions = true;
    o.level_compaction_dynamic_level_bytes = true;
    o.compression = FirstSupported({rocksdb::kLZ4Compression, rocksdb::kSnappyCompression});
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    // Index and filter blocks live in (and are bounded by) the shared cache.
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    table.format_version = 5;
    table.block_size = 4 << 10;
    o.write_buffer_size = std::max(kMinWriteBufferBytes, options.write_buffer_bytes / 8);
    if (family && (IsSeriesFamily(*family) || *family == Family::kRollups)) {
      const bool rollups = *family == Family::kRollups;
      o.write_buffer_size = std::max(kMinWriteBufferBytes, options.write_buffer_bytes / 2);
      // The series id: with prefix Bloom filters a scan skips SST files without its series.
      o.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(kSeriesIdBytes));
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      table.whole_key_filtering = false;  // time-series keys are scanned, never looked up
      table.block_size = 16 << 10;        // long sequential scans
      o.compaction_filter_factory = internal::NewRetentionFilterFactory(
          retention_clock, rollups ? options.rollup_retention : options.raw_retention);
      o.periodic_compaction_seconds = kPeriodicCompactionSeconds;
      // Per-series insert hints: each series' keys arrive in increasing time, so the
      // memtable can continue from the series' previous insert.
      o.memtable_insert_with_hint_prefix_extractor = o.prefix_extractor;
      if (rollups) o.merge_operator = internal::NewRollupMergeOperator();
    } else if (family) {
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      o.bottommost_compression = FirstSupported({rocksdb::kZSTD, rocksdb::kLZ4Compression});
    }
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return o;
  }

  // Opens RocksDB over the directory (which exists), checks the schema version, and only
  // then lets compactions run.
  Result<std::shared_ptr<Instance>> OpenInstance() const {
    const std::string& dir = options.path;
    rocksdb::DBOptions db_options = DbOptions();
    // Open every family the directory has (RocksDB insists), plus ours.
    std::vector<std::string> names;
    if (!create) {
      const rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(db_options, dir, &names);
      if (!listed.ok()) return OpenError(listed, dir);
    }
    auto has = [&names](std::string_view name) {
      return std::find(names.begin(), names.end(), name) != names.end();
    };
    if (!has(rocksdb::kDefaultColumnFamilyName)) {
      names.emplace_back(rocksdb::kDefaultColumnFamilyName);
    }
    for (std::string_view name : kFamilyNames) {
      if (has(name)) continue;
      if (read_only) {
        return MakeError(ErrorCode::kCorruption, Where() + " has no column family " +
                                                     std::string(name) +
                                                     "; is it a steadystate data directory?");
      }
      names.emplace_back(name);
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names) {
      std::optional<Family> family;
      for (size_t i = 0; i < kFamilyCount; ++i) {
        if (kFamilyNames[i] == name) family = static_cast<Family>(i);
      }
      descriptors.emplace_back(name, FamilyOptions(family));
    }

    auto current = std::make_shared<Instance>();
    rocksdb::DB* raw = nullptr;
    rocksdb::Status opened;
    if (read_only) {
      // The secondary's own directory would only receive its info log (see DebugLogger).
      opened =
          rocksdb::DB::OpenAsSecondary(db_options, dir, dir, descriptors, &current->handles, &raw);
    } else {
      opened = rocksdb::DB::Open(db_options, dir, descriptors, &current->handles, &raw);
    }
    if (!opened.ok()) return OpenError(opened, dir);
    current->db.reset(raw);
    for (auto* handle : current->handles) {
      for (size_t i = 0; i < kFamilyCount; ++i) {
        if (kFamilyNames[i] == handle->GetName()) current->families[i] = handle;
      }
    }

    // Checked before anything can rewrite data: recovery does not flush and compactions
    // are off until here, so an older binary never merges or expires a newer schema's data.
    auto version = CheckSchema(*current);
    if (!version.ok()) return version.error();
    if (*version < kFirstSchemaWithDailySums) {
      if (read_only) {
        current->daily_sums = false;
      } else if (auto status = MigrateToDailySums(*current); !status) {
        return status.error();
      }
    }
    if (!read_only) {
      for (auto* handle : current->handles) {
        const rocksdb::Status set =
            current->db->SetOptions(handle, {{"disable_auto_compactions", "false"}});
        if (!set.ok()) return Fail(set, "configuring " + Where());
      }
      const rocksdb::Status set =
          current->db->SetDBOptions({{"avoid_flush_during_shutdown", "false"}});
      if (!set.ok()) return Fail(set, "configuring " + Where());
    }
    return current;
  }
};

Result<std::unique_ptr<Store>> internal::OpenStore(const Options& options, const Clock& clock,
                                                   bool read_only, rocksdb::Env* env) {
  if (auto status = ValidateOptions(options); !status) return status.error();
  namespace fs = std::filesystem;
  const std::string& dir = options.path;
  const DirectoryInspection found = InspectDirectory(dir);
  switch (found.state) {
    case DirectoryState::kUnreadable:
      return MakeError(ErrorCode::kIo, std::string(read_only ? "cannot read" : "cannot open") +
                                           " data directory " + dir + ": " + found.detail);
    case DirectoryState::kDamaged:
      return DamagedError(dir, found.detail);
    case DirectoryState::kForeign:
      if (read_only) {
        return MakeError(ErrorCode::kNotFound, "data directory " + dir + " holds no data");
      }
      return MakeError(ErrorCode::kInvalidInput,
                       "data directory " + dir + " is not empty but holds no steadystate data (" +
                           found.detail + "); choose a new or empty directory");
    case DirectoryState::kMissing:
    case DirectoryState::kEmpty:
      if (read_only || !options.create_if_missing) {
        return MakeError(ErrorCode::kNotFound, found.state == DirectoryState::kEmpty
                                                   ? "data directory " + dir + " holds no data"
                                                   : "data directory " + dir + " does not exist");
      }
      break;
    case DirectoryState::kDatabase:
      break;
  }
  const bool create = found.state != DirectoryState::kDatabase;
  if (read_only) {
    if (::access(dir.c_str(), R_OK | X_OK) != 0) {
      return MakeError(ErrorCode::kIo,
                       "cannot read data directory " + dir + ": " + ErrnoText(errno));
    }
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return MakeError(ErrorCode::kIo, "cannot create data directory " + dir + ": " + ec.message());
    }
    if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
      return MakeError(ErrorCode::kIo,
                       "cannot open data directory " + dir + ": " + ErrnoText(errno));
    }
  }

  auto impl = std::make_unique<Store::Impl>();
  impl->options = options;
  impl->clock = &clock;
  impl->read_only = read_only;
  impl->env = env;
  impl->create = create;
  impl->cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  impl->write_buffers = std::make_shared<rocksdb::WriteBufferManager>(options.write_buffer_bytes);
  impl->retention_clock = std::make_shared<RetentionClock>(clock);
  auto opened = impl->OpenInstance();
  if (!opened.ok()) return opened.error();
  if (auto status = impl->LoadSeriesRegistry(**opened); !status) return status.error();
  impl->instance = std::move(opened).value();
  impl->create = false;  // a reopen after an I/O error must find the database it created
  return std::make_unique<Store>(std::move(impl));
}

Result<std::unique_ptr<Store>> Store::Open(const Options& options, const Clock& clock) {
  return internal::OpenStore(options, clock, /*read_only=*/false, nullptr);
}

Result<std::unique_ptr<Store>> Store::OpenReadOnly(const Options& options, const Clock& clock) {
  return internal::OpenStore(options, clock, /*read_only=*/true, nullptr);
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

bool Store::read_only() const { return impl_->read_only; }
const std::string& Store::path() const { return impl_->options.path; }

Result<uint64_t> Store::SeriesId(const SeriesName& name) { return SeriesId(name.str()); }

Result<std::optional<uint64_t>> Store::FindSeries(const SeriesName& name) const {
  std::lock_guard lock(impl_->series_mu);
  return impl_->FindSeriesLocked(name.str());
}

Result<std::vector<std::pair<std::string, uint64_t>>> Store::ListHostFilesystemSeries() const {
  return ListSeriesStartingWith(*this, kHostFilesystemSeriesPrefix, impl_->Where());
}

Result<uint64_t> Store::SeriesId(std::string_view series_name) {
  if (series_name.empty()) {
    return MakeError(ErrorCode::kInvalidInput, "a series name must not be empty");
  }
  std::lock_guard lock(impl_->series_mu);
  Result<std::optional<uint64_t>> found = impl_->FindSeriesLocked(series_name);
  if (!found.ok()) return found.error();
  if (*found) return **found;
  if (impl_->read_only) {
    return MakeError(ErrorCode::kNotFound, "series " + std::string(series_name) +
                                               " is not registered in " + impl_->Where());
  }
  const std::string key = MetaSeriesKey(series_name);
  const uint64_t id = impl_->next_series_id;
  auto status =
      impl_->Write("the series registry", /*sync=*/true,
                   [&](rocksdb::WriteBatch& batch, const Impl::Instance& db) {
                     batch.Put(db.Handle(Family::kMeta), key, ToSlice(EncodeSeriesId(id)));
                   });
  if (!status) {
    return status.error();
  }
  impl_->next_series_id = id + 1;
  impl_->series_ids.emplace(series_name, id);
  return id;
}

Result<std::vector<std::pair<std::string, uint64_t>>> Store::ListSeries() const {
  return ListSeriesStartingWith(*this, "", impl_->Where());
}

Status Store::WriteSamples(Family family, std::span<const Sample> samples) {
  if (!IsSeriesFamily(family)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "samples go to host or probe, not " + std::string(FamilyName(family)));
  }
  if (auto status = impl_->RequireWritable(); !status) return status;
  if (samples.empty()) return OkStatus();
  return impl_->Write(
      "samples", /*sync=*/false, [&](rocksdb::WriteBatch& batch, const Impl::Instance& db) {
        auto* handle = db.Handle(family);
        for (const Sample* sample : InKeyOrder(samples, [](const Sample& x) { return x.time; })) {
          batch.Put(handle, ToSlice(EncodeSeriesKey(sample->series, sample->time)),
                    ToSlice(EncodeSampleValue(sample->value)));
        }
      });
}

Status Store::WriteEvents(Family family, std::span<const Event> events) {
  if (!IsSeriesFamily(family)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "events go to host or probe, not " + std::string(FamilyName(family)));
  }
  if (auto status = impl_->RequireWritable(); !status) return status;
  if (events.empty()) return OkStatus();
  return impl_->Write(
      "events", /*sync=*/false, [&](rocksdb::WriteBatch& batch, const Impl::Instance& db) {
        auto* handle = db.Handle(family);
        for (const Event* event : InKeyOrder(events, [](const Event& x) { return x.time; })) {
          batch.Put(handle, ToSlice(EncodeSeriesKey(event->series, event->time)),
                    ToSlice(event->payload));
        }
      });
}

Status Store::ScanSamples(Family family, uint64_t series, Timestamp from, Timestamp to,
                          const std::function<void(const Sample&)>& fn) const {
  if (!IsSeriesFamily(family)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "samples live in host or probe, not " + std::string(FamilyName(family)));
  }
  std::optional<Error> bad;
  auto status = impl_->ScanSeries(family, series, from, to,
                                  [&](std::string_view key, std::string_view value) {
                                    const auto decoded = DecodeSampleValue(value);
                                    if (!decoded) {
                                      bad = impl_->BadValue(family, key, "a sample");
                                      return false;
                                    }
                                    fn(Sample{series, SeriesKeyTime(key), *decoded});
                                    return true;
                                  });
  if (!status) return status;
  if (bad) return *bad;
  return OkStatus();
}

Status Store::ScanEvents(Family family, uint64_t series, Timestamp from, Timestamp to,
                         const std::function<void(Timestamp, std::string_view payload)>& fn) const {
  if (!IsSeriesFamily(family)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "events live in host or probe, not " + std::string(FamilyName(family)));
  }
  return impl_->ScanSeries(family, series, from, to,
                           [&](std::string_view key, std::string_view value) {
                             fn(SeriesKeyTime(key), value);
                             return true;
                           });
}

Status Store::MergeRollups(std::span<const RollupUpdate> updates) {
  if (auto status = impl_->RequireWritable(); !status) return status;
  for (const RollupUpdate& update : updates) {
    if (auto status = CheckRollupSeries(update.series); !status) return status;
  }
  if (updates.empty()) return OkStatus();
  const auto order =
      InKeyOrder(updates, [](const RollupUpdate& u) { return FloorTo(u.minute, kMinute); });
  return impl_->Write(
      "rollups", /*sync=*/false, [&](rocksdb::WriteBatch& batch, const Impl::Instance& db) {
        auto* handle = db.Handle(Family::kRollups);
        // One merge per minute key, one per (series, hour) run for the hourly sums and
        // one per (series, day) run for the daily sums (see store/codec.h).
        auto merge_into = [&](uint64_t (*id)(uint64_t)) {
          return [&batch, handle, id](const SeriesBucket& bucket, const Rollup& sum) {
            batch.Merge(handle, ToSlice(EncodeSeriesKey(id(bucket.first), bucket.second)),
                        ToSlice(EncodeRollup(sum)));
          };
        };
        RunningSum<SeriesBucket> hours(merge_into(HourlySeries));
        RunningSum<SeriesBucket> days(merge_into(DailySeries));
        for (const RollupUpdate* update : order) {
          const Timestamp minute = FloorTo(update->minute, kMinute);
          batch.Merge(handle, ToSlice(EncodeSeriesKey(update->series, minute)),
                      ToSlice(EncodeRollup(update->delta)));
          hours.Add({update->series, FloorTo(minute, kHour)}, update->delta);
          days.Add({update->series, FloorTo(minute, kDay)}, update->delta);
        }
        hours.Finish();
        days.Finish();
      });
}

Status Store::ScanRollups(uint64_t series, Timestamp from, Timestamp to,
                          const std::function<void(Timestamp minute, const Rollup&)>& fn) const {
  if (auto status = CheckRollupSeries(series); !status) return status;
  return ScanRollupKeys(series, from, to, fn);
}

Status Store::ScanDailyRollups(uint64_t series, Timestamp from, Timestamp to,
                               const std::function<void(Timestamp day, const Rollup&)>& fn) const {
  if (auto status = CheckRollupSeries(series); !status) return status;
  const auto current = impl_->Current();
  if (current == nullptr) return impl_->Closed();
  const Timestamp first_day = CeilTo(from, kDay);
  const Timestamp end_day = CeilTo(to, kDay);
  if (current->daily_sums) return ScanRollupKeys(DailySeries(series), first_day, end_day, fn);
  // A schema-1 directory opened read-only: sum each day's hours.
  RunningSum<Timestamp> days(fn);
  auto status =
      ScanRollupKeys(HourlySeries(series), first_day, end_day,
                     [&](Timestamp hour, const Rollup& r) { days.Add(FloorTo(hour, kDay), r); });
  if (!status) return status;
  days.Finish();
  return OkStatus();
}

Status Store::ScanRollupKeys(uint64_t id, Timestamp from, Timestamp to,
                             const std::function<void(Timestamp, const Rollup&)>& fn) const {
  std::optional<Error> bad;
  auto status = impl_->ScanSeries(Family::kRollups, id, from, to,
                                  [&](std::string_view key, std::string_view value) {
                                    const auto rollup = DecodeRollup(value);
                                    if (!rollup) {
                                      bad = impl_->BadValue(Family::kRollups, key, "a rollup");
                                      return false;
                                    }
                                    fn(SeriesKeyTime(key), *rollup);
                                    return true;
                                  });
  if (!status) return status;
  if (bad) return *bad;
  return OkStatus();
}

Result<Rollup> Store::SumRollups(uint64_t series, Timestamp from, Timestamp to) const {
  if (auto status = CheckRollupSeries(series); !status) return status.error();
  const auto current = impl_->Current();
  if (current == nullptr) return impl_->Closed();
  // Minute keys are minute-aligned, so these bounds select the same minutes.
  const Timestamp first_minute = CeilTo(from, kMinute);
  const Timestamp end_minute = CeilTo(to, kMinute);
  // Whole hours inside the range come from the hourly sums, the edges from minute keys,
  // all read from one snapshot so a concurrent MergeRollups counts in all parts or none.
  const Timestamp first_hour = CeilTo(first_minute, kHour);
  const Timestamp end_hour = FloorTo(end_minute, kHour);
  rocksdb::ManagedSnapshot snapshot(current->db.get());
  Rollup sum;
  std::optional<Error> bad;
  auto add = [&](std::string_view key, std::string_view value) {
    if (AddEncodedRollup(value, sum)) return true;
    bad = impl_->BadValue(Family::kRollups, key, "a rollup");
    return false;
  };
  auto scan = [&](uint64_t id, Timestamp begin, Timestamp end) {
    if (bad) return OkStatus();
    return impl_->ScanSeriesIn(*current, snapshot.snapshot(), Family::kRollups, id, begin, end,
                               add);
  };
  if (first_hour < end_hour) {
    if (auto status = scan(series, first_minute, first_hour); !status) return status.error();
    if (auto status = scan(HourlySeries(series), first_hour, end_hour); !status) {
      return status.error();
    }
    if (auto status = scan(series, end_hour, end_minute); !status) return status.error();
  } else {
    if (auto status = scan(series, first_minute, end_minute); !status) return status.error();
  }
  if (bad) return *bad;
  return sum;
}

Status Store::PutRecord(Family family, std::string_view key, std::string_view value) {
  const RecordWrite write{family, key, value};
  return WriteRecords(std::span(&write, 1));
}

Status Store::DeleteRecord(Family family, std::string_view key) {
  const RecordWrite write{family, key, std::nullopt};
  return WriteRecords(std::span(&write, 1));
}

Status Store::WriteRecords(std::span<const RecordWrite> writes) {
  if (auto status = impl_->RequireWritable(); !status) return status;
  for (const RecordWrite& write : writes) {
    if (!IsRecordFamily(write.family)) {
      return MakeError(ErrorCode::kInvalidInput,
                       "records cannot be written to " + std::string(FamilyName(write.family)));
    }
    if (write.family == Family::kMeta && IsReservedMetaKey(write.key)) {
      return MakeError(ErrorCode::kInvalidInput,
                       "meta key " + std::string(write.key) + " belongs to the store");
    }
  }
  if (writes.empty()) return OkStatus();
  Status written = impl_->Write("records", /*sync=*/true,
                                [&](rocksdb::WriteBatch& batch, const Impl::Instance& db) {
                                  for (const RecordWrite& write : writes) {
                                    auto* handle = db.Handle(write.family);
                                    if (write.value) {
                                      batch.Put(handle, ToSlice(write.key), ToSlice(*write.value));
                                    } else {
                                      batch.Delete(handle, ToSlice(write.key));
                                    }
                                  }
                                });
  // After the write, so a reader that saw the old version and then read the records saw
  // at least what that version stood for.
  for (const RecordWrite& write : writes) ++impl_->record_versions[Index(write.family)];
  return written;
}

uint64_t Store::RecordsVersion(Family family) const {
  return impl_->record_versions[Index(family)].load();
}

Result<std::optional<std::string>> Store::GetRecord(Family family, std::string_view key) const {
  if (!IsRecordFamily(family)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "records are not kept in " + std::string(FamilyName(family)));
  }
  const auto current = impl_->Current();
  if (current == nullptr) return impl_->Closed();
  std::string value;
  const rocksdb::Status status =
      current->db->Get(rocksdb::ReadOptions(), current->Handle(family), ToSlice(key), &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) {
    return impl_->Fail(status,
                       "reading " + std::string(FamilyName(family)) + " from " + impl_->Where());
  }
  return std::optional<std::string>(std::move(value));
}

Status Store::ScanRecords(
    Family family, std::string_view prefix,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  return ScanRecordsFrom(family, prefix, prefix, fn);
}

Status Store::ScanRecordsFrom(
    Family family, std::string_view prefix, std::string_view from,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  if (!IsRecordFamily(family)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "records are not kept in " + std::string(FamilyName(family)));
  }
  const auto current = impl_->Current();
  if (current == nullptr) return impl_->Closed();
  rocksdb::ReadOptions read_options;
  const std::string upper = PrefixSuccessor(prefix);
  const rocksdb::Slice upper_slice = ToSlice(upper);
  if (!upper.empty()) read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      current->db->NewIterator(read_options, current->Handle(family)));
  for (it->Seek(ToSlice(std::max(prefix, from))); it->Valid(); it->Next()) {
    if (!it->key().starts_with(ToSlice(prefix))) break;  // no upper bound for an all-0xff prefix
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  if (!it->status().ok()) {
    return impl_->Fail(it->status(),
                       "reading " + std::string(FamilyName(family)) + " from " + impl_->Where());
  }
  return OkStatus();
}

Result<std::optional<std::string>> Store::GetMeta(std::string_view key) const {
  return GetRecord(Family::kMeta, key);
}

Status Store::PutMeta(std::string_view key, std::string_view value) {
  return PutRecord(Family::kMeta, key, value);
}

Status Store::CompactForRetention() {
  if (auto status = impl_->RequireWritable(); !status) return status;
  const auto current = impl_->Current();
  if (current == nullptr) return impl_->Closed();
  rocksdb::CompactRangeOptions compact;
  // The bottommost level holds most expired data; rewrite it too, but not the files this
  // same compaction just wrote there.
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  for (Family family : {Family::kHost, Family::kProbe, Family::kRollups}) {
    const rocksdb::Status status =
        current->db->CompactRange(compact, current->Handle(family), nullptr, nullptr);
    if (!status.ok()) {
      return impl_->Fail(status,
                         "compacting " + std::string(FamilyName(family)) + " in " + impl_->Where());
    }
  }
  return OkStatus();
}

Status Store::Flush() {
  if (auto status = impl_->RequireWritable(); !status) return status;
  const auto current = impl_->Current();
  if (current == nullptr) return impl_->Closed();
  const rocksdb::Status status = current->db->Flush(rocksdb::FlushOptions(), current->handles);
  if (!status.ok()) return impl_->Fail(status, "flushing " + impl_->Where());
  return OkStatus();
}

Status Store::CreateCheckpoint(const std::string& dir) {
  if (auto status = impl_->RequireWritable(); !status) return status;
  const auto current = impl_->Current();
  if (current == nullptr) return impl_->Closed();
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status status = rocksdb::Checkpoint::Create(current->db.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: flush first, so the copy needs no WAL replay.
  if (status.ok()) status = checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
  if (!status.ok()) {
    return impl_->Fail(status, "creating a checkpoint of " + impl_->Where() + " in " + dir);
  }
  return OkStatus();
}

Status Store::CatchUp() {
  if (!impl_->read_only) return OkStatus();
  const auto current = impl_->Current();
  if (current == nullptr) return impl_->Closed();
  const rocksdb::Status status = current->db->TryCatchUpWithPrimary();
  if (!status.ok()) return impl_->Fail(status, "catching up with " + impl_->Where());
  return OkStatus();
}

Result<VerifyReport> Store::VerifyChecksums() {
  const auto current = impl_->Current();
  if (current == nullptr) return impl_->Closed();
  rocksdb::Status status;
  for (int attempt = 0; attempt < 3; ++attempt) {
    status = current->db->VerifyChecksum(rocksdb::ReadOptions());
    if (status.ok()) {
      status = current->db->VerifyFileChecksums(rocksdb::ReadOptions());
      // Files written before whole-file checksums were recorded have none to compare.
      if (status.IsInvalidArgument() || status.IsNotSupported()) status = rocksdb::Status::OK();
    }
    if (status.ok() || status.IsCorruption() || !impl_->read_only) break;
    // Beside a running daemon a compaction may have removed a file meanwhile.
    if (!current->db->TryCatchUpWithPrimary().ok()) break;
  }
  if (!status.ok()) return impl_->Fail(status, "verifying the checksums of " + impl_->Where());
  std::vector<rocksdb::LiveFileMetaData> files;
  current->db->GetLiveFilesMetaData(&files);
  VerifyReport report;
  for (const auto& file : files) {
    ++report.table_files;
    report.table_bytes += file.size;
  }
  return report;
}

Result<RepairReport> RepairCopy(const Options& from, const std::string& to, const Clock& clock) {
  if (auto status = ValidateOptions(from); !status) return status.error();
  namespace fs = std::filesystem;
  const std::string& dir = from.path;
  const DirectoryInspection found = InspectDirectory(dir);
  switch (found.state) {
    case DirectoryState::kUnreadable:
      return MakeError(ErrorCode::kIo, "cannot read data directory " + dir + ": " + found.detail);
    case DirectoryState::kMissing:
      return MakeError(ErrorCode::kNotFound, "data directory " + dir + " does not exist");
    case DirectoryState::kEmpty:
    case DirectoryState::kForeign:
      return MakeError(ErrorCode::kNotFound,
                       "data directory " + dir + " holds no data files to repair");
    case DirectoryState::kDamaged:
    case DirectoryState::kDatabase:
      break;
  }
  if (const int pid = internal::LockHolderPid(dir + "/LOCK"); pid > 0) {
    return MakeError(ErrorCode::kBusy, "data directory " + dir + " is in use by PID " +
                                           std::to_string(pid) +
                                           "; stop the daemon before repairing a copy");
  }
  std::error_code ec;
  const fs::path source = fs::weakly_canonical(dir, ec);
  const fs::path target = fs::weakly_canonical(to, ec);
  if (ec) return MakeError(ErrorCode::kInvalidInput, "--to " + to + ": " + ec.message());
  if (target == source || target.string().starts_with(source.string() + "/")) {
    return MakeError(ErrorCode::kInvalidInput,
                     "--to " + to + " must lie outside the data directory " + dir);
  }
  if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
    return MakeError(ErrorCode::kInvalidInput,
                     "--to " + to + " exists and is not empty; repair writes to a new directory");
  }
  fs::create_directories(target, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot create " + to + ": " + ec.message());
  for (fs::directory_iterator it(source, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!it->is_regular_file() || !IsDatabaseFile(name)) continue;
    fs::copy_file(it->path(), target / name, ec);
    if (ec) {
      return MakeError(ErrorCode::kIo,
                       "cannot copy " + it->path().string() + " to " + to + ": " + ec.message());
    }
  }
  if (ec)
    return MakeError(ErrorCode::kIo, "cannot read data directory " + dir + ": " + ec.message());

  // The families' options (the rollups' merge operator above all) as the daemon has them.
  Options copy_options = from;
  copy_options.path = target.string();
  Store::Impl impl;
  impl.options = copy_options;
  impl.clock = &clock;
  impl.cache = rocksdb::NewLRUCache(copy_options.block_cache_bytes);
  impl.write_buffers =
      std::make_shared<rocksdb::WriteBufferManager>(copy_options.write_buffer_bytes);
  impl.retention_clock = std::make_shared<internal::RetentionClock>(clock);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, impl.FamilyOptions(std::nullopt));
  for (size_t i = 0; i < kFamilyCount; ++i) {
    descriptors.emplace_back(std::string(kFamilyNames[i]),
                             impl.FamilyOptions(static_cast<Family>(i)));
  }
  const rocksdb::Status repaired = rocksdb::RepairDB(target.string(), impl.DbOptions(), descriptors,
                                                     impl.FamilyOptions(std::nullopt));
  if (!repaired.ok()) return internal::ToError(repaired, "repairing the copy in " + to);

  RepairReport report;
  for (fs::directory_iterator it(target / "lost", ec), end; !ec && it != end; it.increment(ec)) {
    report.set_aside.push_back(it->path().filename().string());
  }
  std::sort(report.set_aside.begin(), report.set_aside.end());
  // Opening it as the daemon would proves it usable (and adds any family that was lost).
  auto store = Store::Open(copy_options, clock);
  if (!store.ok()) {
    return MakeError(store.error().code,
                     "the repaired copy in " + to + " cannot be opened: " + store.error().message);
  }
  report.families = (*store)->Stats().families;
  return report;
}

bool Store::Writable() const { return impl_->writable.load(std::memory_order_relaxed); }

std::string Store::NotWritableReason() const {
  if (Writable()) return "";
  std::string reason = impl_->Where() + " is not writable (" + std::to_string(WriteErrors()) +
                       " write errors so far";
  if (const auto free_bytes = impl_->FreeBytes(); free_bytes && *free_bytes < impl_->RoomNeeded()) {
    reason += "; " + std::to_string(*free_bytes >> 10) + " KiB free, " +
              std::to_string(impl_->RoomNeeded() >> 10) + " KiB needed";
  }
  const std::string last = impl_->failure_log.LastReason();
  if (!last.empty()) reason += "; last: " + last;
  return reason + ")";
}

uint64_t Store::WriteErrors() const { return impl_->write_errors.load(std::memory_order_relaxed); }

StoreStats Store::Stats() const {
  StoreStats stats;
  const auto current = impl_->Current();
  for (size_t i = 0; i < kFamilyCount; ++i) {
    FamilyStats family{static_cast<Family>(i)};
    if (current != nullptr) {
      auto* handle = current->families[i];
      auto& db = *current->db;
      db.GetIntProperty(handle, "rocksdb.live-sst-files-size", &family.sst_bytes);
      db.GetIntProperty(handle, "rocksdb.cur-size-all-mem-tables", &family.memtable_bytes);
      db.GetIntProperty(handle, "rocksdb.estimate-num-keys", &family.estimated_keys);
    }
    stats.families.push_back(family);
  }
  stats.block_cache_bytes = impl_->cache->GetUsage();
  if (current != nullptr) {
    current->db->GetAggregatedIntProperty("rocksdb.estimate-table-readers-mem",
                                          &stats.table_reader_bytes);
  }
  stats.write_errors = WriteErrors();
  stats.writable = Writable();
  return stats;
}

}  // namespace steadystate::store
