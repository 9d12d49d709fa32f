// Store: steadystate's one data directory, a RocksDB database with a column family per
// kind of data (DESIGN.md §5; operations in docs/storage.md).
//
//   host, probe   raw time series: key (series id, time), kept for Options::raw_retention
//   rollups       per-series minute rollups, updated by merge, kept for rollup_retention
//   incidents, attacks, alerts, outbox   records: caller-chosen key -> opaque value
//   meta          schema version, import cursors, the series-name registry
//
// Durability: records and meta are written with fsync, so a `kill -9` (or power loss)
// loses nothing that was acknowledged. Samples, events and rollups go through the WAL
// without fsync: a process crash loses nothing, a power loss may lose the last moments.
// Retention is enforced by RocksDB compactions (a compaction filter), never by scanning:
// data older than its retention may still be returned until a compaction drops it, so
// callers always ask for a time range. Retention's "now" never runs ahead of the
// monotonic clock since open, so a forward wall-clock jump cannot expire data early.
//
// Write failures (a full or failing disk) are returned, counted (WriteErrors), logged
// without flooding and flip Writable() to false; reads keep working. The next write after
// at least a second of monotonic time, once the filesystem has room, reopens the database
// (which replays the WAL, losing nothing acknowledged).
//
// Thread safety: every method may be called concurrently from any thread (RocksDB is
// thread-safe; the series cache has its own lock). A scan reads a consistent snapshot
// taken when it starts; its callback runs on the calling thread, receives views that are
// valid only during the call, and may call other Store methods. The Clock passed to Open
// must outlive the Store.
//
// A data directory is opened for writing by one process only (the daemon). Other
// processes (CLI reads) use OpenReadOnly, which never takes the lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "store/rollup.h"
#include "store/series_name.h"

namespace steadystate::store {

// The schema this build writes and the newest it reads. Stored in meta "schema_version".
// 2 added the daily sums of rollups; a schema-1 directory gets them when opened for
// writing (docs/storage.md).
inline constexpr int kSchemaVersion = 2;

struct Options {
  std::string path = "./steadystate-data";
  Duration raw_retention = std::chrono::days(14);
  Duration rollup_retention = std::chrono::days(400);
  // Budget for all memtables together (RocksDB WriteBufferManager): the bulk of the
  // store's write-side memory. Reaching it flushes the oldest memtable.
  uint64_t write_buffer_bytes = 4 << 20;
  // One LRU block cache shared by all column families (data, index and filter blocks).
  uint64_t block_cache_bytes = 8 << 20;
  // Open creates a database only in an absent or empty directory, and only when this is
  // set; false makes Open fail with kNotFound there (`store backup` without a daemon).
  bool create_if_missing = true;
};

enum class Family { kHost, kProbe, kRollups, kIncidents, kAttacks, kAlerts, kOutbox, kMeta };
inline constexpr size_t kFamilyCount = 8;

// The column family name: "host", "probe", "rollups", "incidents", "attacks", "alerts",
// "outbox", "meta". Also used as a metric label.
std::string_view FamilyName(Family family);

// A numeric point of a time series (host metrics; also usable for numeric probe series).
struct Sample {
  uint64_t series = 0;
  Timestamp time;
  double value = 0;
};

// An opaque payload at a point of a time series, for raw records that are more than a
// number (a serialised ProbeResult). The store keeps the bytes as given.
struct Event {
  uint64_t series = 0;
  Timestamp time;
  std::string_view payload;
};

// Adds `delta` to the rollup of (series, minute). `minute` is floored to the minute.
struct RollupUpdate {
  uint64_t series = 0;
  Timestamp minute;
  Rollup delta;
};

// One change to a record family (incidents, attacks, alerts, outbox, meta):
// a put when `value` is set, a delete otherwise.
struct RecordWrite {
  Family family = Family::kIncidents;
  std::string_view key;
  std::optional<std::string_view> value;
};

struct FamilyStats {
  Family family = Family::kHost;
  uint64_t sst_bytes = 0;       // live SST files on disk
  uint64_t memtable_bytes = 0;  // memory held by this family's memtables
  uint64_t estimated_keys = 0;  // RocksDB's estimate, may count overwritten keys
};

struct StoreStats {
  std::vector<FamilyStats> families;  // one per Family, in enum order
  uint64_t block_cache_bytes = 0;     // in use in the shared block cache
  uint64_t table_reader_bytes = 0;    // index/filter memory outside the block cache
  uint64_t write_errors = 0;
  bool writable = true;
};

// What Store::VerifyChecksums read.
struct VerifyReport {
  uint64_t table_files = 0;  // live SST files, every block's checksum verified
  uint64_t table_bytes = 0;
};

// What RepairCopy recovered.
struct RepairReport {
  std::vector<FamilyStats> families;   // estimated keys per family in the repaired copy
  std::vector<std::string> set_aside;  // files RocksDB's repair could not use (in to/lost)
};

class Store {
 public:
  struct Impl;  // defined in store/store.cc; constructing one needs RocksDB

  // Opens the data directory for reading and writing, creating a new database only when
  // the directory is absent or empty. Never creates one over existing data: a directory
  // with RocksDB files but no usable CURRENT -> MANIFEST is refused untouched. Fails with
  //   kBusy        "data directory DIR is already in use by PID n" (or "by another process")
  //   kInvalidInput a newer schema, bad options, or a non-empty directory of other files
  //   kIo          the directory cannot be created or read (message names the OS reason)
  //   kCorruption  "data directory DIR is damaged (...); restore it from a backup ...":
  //                missing CURRENT/MANIFEST, or RocksDB found damaged files
  //   kNotFound    no database and Options::create_if_missing is false
  static Result<std::unique_ptr<Store>> Open(const Options& options, const Clock& clock);

  // Opens an existing data directory for reading only, as a RocksDB secondary instance:
  // it takes no lock, so it works while the daemon runs, and sees everything written
  // (flushed to the WAL) before the call. Later writes by the daemon become visible after
  // CatchUp(). Write methods fail with kInvalidInput. kNotFound if there is no data (an
  // absent or empty directory); kCorruption, as for Open, if it is damaged.
  static Result<std::unique_ptr<Store>> OpenReadOnly(const Options& options, const Clock& clock);

  explicit Store(std::unique_ptr<Impl> impl);  // use Open / OpenReadOnly
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  bool read_only() const;
  const std::string& path() const;

  // Series registry. A series has a stable id (>= 1): allocated on first use, persisted
  // (synced) in meta, cached in memory.
  //
  // The id of `key`, registering it on first use: for writers (store/series_writer.h).
  // Read-only stores return kNotFound for series never registered.
  Result<uint64_t> SeriesId(const SeriesName& name);
  // The id of `key`, or nullopt when it was never registered: for readers. Never registers
  // anything. A read-only store also finds series the daemon registered after it opened.
  Result<std::optional<uint64_t>> FindSeries(const SeriesName& name) const;
  // Every HostFilesystem series as (mountpoint, id), sorted by mountpoint. Reads only the
  // registry entries of filesystem series.
  Result<std::vector<std::pair<std::string, uint64_t>>> ListHostFilesystemSeries() const;
  // SeriesId by raw registry name (SeriesName::str()), for tools and tests that name a
  // series directly.
  Result<uint64_t> SeriesId(std::string_view series_name);
  // Every registered series by raw name, sorted by name (store inspection).
  Result<std::vector<std::pair<std::string, uint64_t>>> ListSeries() const;

  // Time series (family kHost or kProbe). One WriteBatch per call, WAL on, no fsync.
  // A later write at the same (series, time) replaces the earlier one.
  Status WriteSamples(Family family, std::span<const Sample> samples);
  Status WriteEvents(Family family, std::span<const Event> events);
  // Calls `fn` for every point with from <= time < to, in time order. A stored value that
  // is not a sample (an Event payload) ends the scan with kCorruption.
  Status ScanSamples(Family family, uint64_t series, Timestamp from, Timestamp to,
                     const std::function<void(const Sample&)>& fn) const;
  Status ScanEvents(Family family, uint64_t series, Timestamp from, Timestamp to,
                    const std::function<void(Timestamp, std::string_view payload)>& fn) const;

  // Minute rollups: adds every delta with RocksDB merges (never read-modify-write), in one
  // WriteBatch, WAL on, no fsync. Each update also merges into an hourly and a daily (UTC)
  // sum of the series (store/codec.h), which SumRollups and ScanDailyRollups read. A late
  // update (for a minute of an earlier day) lands in all three, so the sums stay exact.
  // Series ids must be < 2^62 (SeriesId's are).
  Status MergeRollups(std::span<const RollupUpdate> updates);
  // Minutes with from <= minute < to, in order; minutes without data are not reported.
  Status ScanRollups(uint64_t series, Timestamp from, Timestamp to,
                     const std::function<void(Timestamp minute, const Rollup&)>& fn) const;
  // The daily sums: UTC days with from <= day < to (bounds rounded up to whole days), in
  // order; days without data are not reported; today's sum is what was merged so far. One
  // key per day (90 for the dashboard's 90-day strip). A schema-1 directory opened
  // read-only has no daily sums: it sums each day's hourly sums instead (same figures).
  Status ScanDailyRollups(uint64_t series, Timestamp from, Timestamp to,
                          const std::function<void(Timestamp day, const Rollup&)>& fn) const;
  // The sum of the minutes ScanRollups would report; ~720 keys for 30 days.
  Result<Rollup> SumRollups(uint64_t series, Timestamp from, Timestamp to) const;

  // Records: incidents, attacks, alerts, outbox (and meta). Writes are synced.
  Status PutRecord(Family family, std::string_view key, std::string_view value);
  Status DeleteRecord(Family family, std::string_view key);
  // Applies every write atomically (one synced WriteBatch), e.g. a page of imported
  // incidents together with the import cursor in meta.
  Status WriteRecords(std::span<const RecordWrite> writes);
  Result<std::optional<std::string>> GetRecord(Family family, std::string_view key) const;
  // Changes after every WriteRecords (PutRecord, DeleteRecord) that touched `family`,
  // failed ones included, so a cache of records read at version v is current while the
  // version is still v: records change only through this Store (the directory is locked
  // to one process).
  uint64_t RecordsVersion(Family family) const;
  // Every record whose key starts with `prefix`, in key order, until `fn` returns false.
  Status ScanRecords(
      Family family, std::string_view prefix,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const;
  // The same from the first key >= `from` (a page of a list resumes there without reading
  // the keys before it; pass a key + '\0' to start just after that key). A `from` below
  // `prefix` starts at the prefix.
  Status ScanRecordsFrom(
      Family family, std::string_view prefix, std::string_view from,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  // Meta: small settings such as import cursors. The keys "schema_version" and
  // "series/..." belong to the store and cannot be written.
  Result<std::optional<std::string>> GetMeta(std::string_view key) const;
  Status PutMeta(std::string_view key, std::string_view value);

  // Compacts the time-series families so that data past its retention is dropped now
  // rather than by the next automatic (or daily periodic) compaction. Rewrites those
  // families: call it at most daily.
  Status CompactForRetention();
  // Flushes every memtable to SST files (tests, benchmarks, before a file-level backup).
  Status Flush();
  // Writes a consistent, openable copy of the data to `dir` (which must not exist), on
  // the same filesystem mostly as hard links. The backup method for a running daemon.
  Status CreateCheckpoint(const std::string& dir);
  // Read-only stores: makes writes the daemon made since open (or the last CatchUp)
  // visible. No-op for a read-write store.
  Status CatchUp();
  // Reads every live table file end to end and verifies its block checksums and, where one
  // was recorded when the file was written, its whole-file checksum. Never writes. On a
  // read-only store beside a running daemon, a file that a compaction removed meanwhile
  // is retried after CatchUp(). kCorruption "data directory ... is damaged (...)".
  Result<VerifyReport> VerifyChecksums();

  // Health for /readyz and metrics: false after a failed write, true again after the
  // next successful one made while the filesystem has room to flush the memtables
  // (Options::write_buffer_bytes free), so a disk that is still full never reads as
  // healthy because one small write fitted. Each failed write counts once in
  // WriteErrors(). Failures are logged by the store: the first at once, then one line per
  // minute "N store writes failed in the last 60 s: <reason>", and a line on recovery.
  bool Writable() const;
  // "" when Writable(); else why not, for /readyz: the error count, the free space when it
  // is short, and the last failure.
  std::string NotWritableReason() const;
  uint64_t WriteErrors() const;
  StoreStats Stats() const;

 private:
  // Scans rollup keys of `id` (a minute series or its hourly-sum series) in [from, to).
  Status ScanRollupKeys(uint64_t id, Timestamp from, Timestamp to,
                        const std::function<void(Timestamp, const Rollup&)>& fn) const;

  std::unique_ptr<Impl> impl_;
};

// Copies the data directory `from.path` to `to` (which must not exist, or be empty) and
// runs RocksDB's repair (rocksdb::RepairDB) on the copy: it salvages every readable
// record from the table files and WALs and writes a new MANIFEST and CURRENT. The source
// is only read, never changed; it must not be in use by a daemon (kBusy). Damaged files
// that the repair could not use end up in `to`/lost. Errors: kInvalidInput when `to` is
// not empty or lies inside `from`, kNotFound when `from` holds no data files.
Result<RepairReport> RepairCopy(const Options& from, const std::string& to, const Clock& clock);

}  // namespace steadystate::store
