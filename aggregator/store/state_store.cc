#include "state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <initializer_list>
#include <stdexcept>
#include <thread>

namespace naervaer::store {

namespace {

// Keys: "j" + big-endian segment number (the journal, in apply order, one segment per
// checkpoint), "o2/<topic>/" + big-endian partition (next offset of the group consumer),
// "r2/<topic>/" + partition (next offset of the reference reader), "m/seq" (the next
// journal sequence).
//
// Offsets moved from "o/" and "r/" to "o2/" and "r2/" when the journal began to hold
// events in their binary form (2026-11-23). A version from before reads only the old keys,
// and skips binary entries as undecodable: rolled back to, it resumes from the offsets of
// the last checkpoint it wrote itself and consumes again what came after (from Kafka,
// whose production retention is unlimited), instead of skipping those events for good.
// This version reads both and resumes from the later offset of each partition: everything
// before it is in the journal, in one form or the other.
std::string be64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return s;
}

std::string be32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 3; i >= 0; --i, v >>= 8) s[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return s;
}

std::uint32_t from_be32(std::string_view s) {
  std::uint32_t v = 0;
  for (char c : s.substr(0, 4)) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::uint64_t from_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s.substr(0, 8)) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

// The offsets under any of the prefixes, the later one where a partition has several.
std::map<std::int32_t, std::int64_t> read_offsets(rocksdb::DB& db, std::initializer_list<std::string_view> prefixes) {
  std::map<std::int32_t, std::int64_t> out;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  for (const std::string_view prefix : prefixes) {
    const rocksdb::Slice start(prefix.data(), prefix.size());
    for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      std::int64_t& offset = out[static_cast<std::int32_t>(from_be64(key.substr(prefix.size())))];
      offset = std::max(offset,
                        static_cast<std::int64_t>(from_be64(std::string_view(it->value().data(), it->value().size()))));
    }
  }
  return out;
}

// A journal segment is stored zstd-compressed (one frame, its size in the header). Every
// byte not written is a byte the WAL, the memtable and the blob file do not copy and
// checksum: at 2.2 M events, writing the journal uncompressed took about a quarter of the
// aggregator's CPU samples. Events in their binary form (50 bytes each for the generated
// municipality) compress about 3.3:1; as JSON (198 bytes) they compressed about 10:1, at
// four times the compression work. Segments written before compression start with a
// partition number (0x00.. or 0xff..), never with the frame's magic number, so both read
// back.
constexpr int kZstdLevel = 1;  // the fastest level, ~600 MB/s
constexpr unsigned long long kMaxSegmentBytes = 4ULL << 30;

bool is_zstd_frame(std::string_view v) {
  return v.size() >= 4 && static_cast<unsigned char>(v[0]) == 0x28 && static_cast<unsigned char>(v[1]) == 0xb5 &&
         static_cast<unsigned char>(v[2]) == 0x2f && static_cast<unsigned char>(v[3]) == 0xfd;
}

struct FreeZstd {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

}  // namespace

void JournalSegment::append(std::int32_t partition, std::string_view event) {
  bytes_ += be32(static_cast<std::uint32_t>(partition));
  bytes_ += be32(static_cast<std::uint32_t>(event.size()));
  bytes_ += event;
  ++count_;
}

namespace {

// RocksDB's warnings and errors, one line each on standard error (they name files and
// keys of the journal, never a person); its informational chatter is left out. Not its
// LOG file: when the disk is full, writing that file again after the first error trips
// an assertion in Debian's build (WritableFileWriter::AssertFalseAndGetStatusForPrevError,
// from the thread that waits for room), and the process aborts instead of stopping cleanly.
class WarningsToStderr : public rocksdb::Logger {
 public:
  WarningsToStderr() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char line[1024];
    const int n = std::vsnprintf(line, sizeof line, format, ap);
    std::size_t end = n < 0 ? 0 : std::min(static_cast<std::size_t>(n), sizeof line - 1);
    while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == ' ')) --end;
    std::fprintf(stderr, "rocksdb: %.*s\n", static_cast<int>(end), line);
  }
};

}  // namespace

struct StateStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  bool write_failed = false;  // see ~StateStore
  std::string offset_prefix;
  std::string counters_key;  // the checkpoint's counters of events by outcome
  std::string reference_prefix;
  std::string old_offset_prefix;  // before the binary journal: read, never written
  std::string old_reference_prefix;
  std::uint64_t next_seq = 0;                                    // events in the journal
  std::uint64_t next_segment = 0;                                // journal segments (one per checkpoint)
  std::unique_ptr<ZSTD_CCtx, FreeZstd> zstd{ZSTD_createCCtx()};  // the writer's, kept between checkpoints
  std::string compressed;
  bool read_only = false;
};

StateStore::StateStore(const std::filesystem::path& dir, const std::string& topic, Access access)
    : impl_(std::make_unique<Impl>()) {
  std::error_code ec;
  if (access == Access::kReadOnly) {
    if (!std::filesystem::exists(dir / "CURRENT", ec)) {
      throw std::runtime_error("no aggregator state in " + dir.string() + " (no RocksDB CURRENT file)");
    }
  } else {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create state directory " + dir.string() + ": " + ec.message());
    // Health data: the directory is its owner's only, whatever the umask.
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
    if (ec) throw std::runtime_error("cannot make " + dir.string() + " private: " + ec.message());
  }
  impl_->read_only = access == Access::kReadOnly;
  if (!impl_->zstd) throw std::bad_alloc();
  rocksdb::Options options;
  options.create_if_missing = true;
  // Journal segments are written once, in key order: the upper levels stay uncompressed
  // (flushes cost no CPU), the bottom is compressed (small segments only, see below).
  options.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression, rocksdb::kLZ4Compression};
  options.bottommost_compression = rocksdb::kLZ4Compression;
  options.write_buffer_size = 64 << 20;
  // A journal segment (one per checkpoint, up to megabytes) goes to a blob file at flush
  // and is never rewritten by compaction: half the state directory and no compaction CPU
  // for the aggregator's own cores (measured: catch-up 4.6 s -> 3.8 s at 2.2 M events).
  options.enable_blob_files = true;
  options.min_blob_size = 64 << 10;
  options.blob_compression_type = rocksdb::kNoCompression;  // segments come compressed
  options.IncreaseParallelism(2);
  options.info_log = std::make_shared<WarningsToStderr>();
  rocksdb::DB* db = nullptr;
  rocksdb::Status st = access == Access::kReadOnly ? rocksdb::DB::OpenForReadOnly(options, dir.string(), &db)
                                                   : rocksdb::DB::Open(options, dir.string(), &db);
  // Beside a running aggregator, a file listed in the manifest can be deleted (a flush or
  // compaction finished) while a read-only open reads it: then the open is tried again.
  for (int attempt = 1;
       access == Access::kReadOnly && !st.ok() && (st.IsIOError() || st.IsPathNotFound()) && attempt < 5; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
    st = rocksdb::DB::OpenForReadOnly(options, dir.string(), &db);
  }
  if (!st.ok()) throw std::runtime_error("cannot open state directory " + dir.string() + ": " + st.ToString());
  impl_->db.reset(db);
  impl_->offset_prefix = "o2/" + topic + "/";
  impl_->counters_key = "c/" + topic;
  impl_->reference_prefix = "r2/" + topic + "/";
  impl_->old_offset_prefix = "o/" + topic + "/";
  impl_->old_reference_prefix = "r/" + topic + "/";
  // A frame checksum: a flipped byte in a segment is reported, never decoded as other data.
  for (const auto& [parameter, value] : {std::pair{ZSTD_c_compressionLevel, kZstdLevel}, {ZSTD_c_checksumFlag, 1}}) {
    if (ZSTD_isError(ZSTD_CCtx_setParameter(impl_->zstd.get(), parameter, value))) {
      throw std::runtime_error("cannot set up zstd for the journal");
    }
  }
  std::string seq;
  const rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), "m/seq", &seq);
  if (s.ok() && seq.size() == 16) {
    impl_->next_seq = from_be64(seq);
    impl_->next_segment = from_be64(std::string_view(seq).substr(8));
  } else if (!s.IsNotFound()) {
    throw std::runtime_error("cannot read state directory " + dir.string() + ": " + s.ToString());
  }
}

StateStore::~StateStore() {
  // After a failed write (a full disk) RocksDB's log writer keeps the error, and closing the
  // database writes to it again: Debian's build then aborts on an assertion
  // (WritableFileWriter::AssertFalseAndGetStatusForPrevError). The process is on its way
  // out; the next open recovers from the log what was written before the failure.
  if (impl_->write_failed) (void)impl_->db.release();  // NOLINT(bugprone-unused-return-value)
}

StoreStatus StateStore::commit(const Checkpoint& c) {
  if (impl_->read_only) return {false, "the state was opened read-only"};
  rocksdb::WriteBatch batch;
  std::uint64_t seq = impl_->next_seq;
  const std::uint64_t segment_seq = impl_->next_segment;
  // The journal of one checkpoint is one value, so RocksDB does one insert per checkpoint.
  if (!c.journal.empty()) {
    const std::string& raw = c.journal.bytes();
    std::string& z = impl_->compressed;
    z.resize(ZSTD_compressBound(raw.size()));
    const std::size_t n = ZSTD_compress2(impl_->zstd.get(), z.data(), z.size(), raw.data(), raw.size());
    if (ZSTD_isError(n)) return {false, std::string("cannot compress the journal: ") + ZSTD_getErrorName(n)};
    if (rocksdb::Status s = batch.Put("j" + be64(segment_seq), rocksdb::Slice(z.data(), n)); !s.ok()) {
      return {false, s.ToString()};
    }
    seq += c.journal.size();
  }
  for (const auto& [prefix, offsets] :
       {std::pair{&impl_->offset_prefix, &c.next_offsets}, std::pair{&impl_->reference_prefix, &c.reference_offsets}}) {
    for (const auto& [partition, offset] : *offsets) {
      const rocksdb::Status s =
          batch.Put(*prefix + be64(static_cast<std::uint32_t>(partition)), be64(static_cast<std::uint64_t>(offset)));
      if (!s.ok()) return {false, s.ToString()};
    }
  }
  if (!c.counters.empty()) {
    if (rocksdb::Status s = batch.Put(impl_->counters_key, c.counters); !s.ok()) return {false, s.ToString()};
  }
  if (rocksdb::Status s = batch.Put("m/seq", be64(seq) + be64(segment_seq + 1)); !s.ok()) return {false, s.ToString()};
  rocksdb::WriteOptions wo;
  wo.sync = true;  // a checkpoint survives a power cut, not only a crash
  const rocksdb::Status s = impl_->db->Write(wo, &batch);
  if (!s.ok()) {
    impl_->write_failed = true;
    return {false, "checkpoint failed: " + s.ToString()};
  }
  impl_->next_seq = seq;
  impl_->next_segment = segment_seq + 1;
  return {};
}

std::string StateStore::counters() const {
  std::string value;
  const rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->counters_key, &value);
  return s.ok() ? value : std::string();
}

std::map<std::int32_t, std::int64_t> StateStore::next_offsets() const {
  return read_offsets(*impl_->db, {impl_->old_offset_prefix, impl_->offset_prefix});
}

std::map<std::int32_t, std::int64_t> StateStore::reference_offsets() const {
  return read_offsets(*impl_->db, {impl_->old_reference_prefix, impl_->reference_prefix});
}

std::uint64_t StateStore::journal_size() const noexcept {
  return impl_->next_seq;
}

void StateStore::replay(const std::function<bool(std::int32_t, std::string_view)>& f) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro));
  const std::unique_ptr<ZSTD_DCtx, FreeZstd> zstd(ZSTD_createDCtx());
  if (!zstd) throw std::bad_alloc();
  std::string raw;
  for (it->Seek("j"); it->Valid() && it->key().starts_with("j"); it->Next()) {
    std::string_view v(it->value().data(), it->value().size());
    if (is_zstd_frame(v)) {
      const unsigned long long size = ZSTD_getFrameContentSize(v.data(), v.size());
      if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
        throw std::runtime_error("a journal segment is damaged (a compressed frame without its size)");
      }
      // A segment is one checkpoint (50,000 events by default), far below this; a larger
      // size in the header is damage, not a reason to allocate it.
      if (size > kMaxSegmentBytes) throw std::runtime_error("a journal segment is damaged (an impossible size)");
      raw.resize(size);
      const std::size_t n = ZSTD_decompressDCtx(zstd.get(), raw.data(), raw.size(), v.data(), v.size());
      if (ZSTD_isError(n) || n != size) {
        throw std::runtime_error(std::string("a journal segment is damaged (") +
                                 (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "shorter than its header says") + ")");
      }
      v = raw;
    }
    while (!v.empty()) {
      if (v.size() < 8) throw std::runtime_error("a journal segment is damaged (a truncated record header)");
      const auto partition = static_cast<std::int32_t>(from_be32(v));
      const std::uint32_t length = from_be32(v.substr(4));
      if (v.size() < 8 + static_cast<std::size_t>(length)) {
        throw std::runtime_error("a journal segment is damaged (a truncated record)");
      }
      if (!f(partition, v.substr(8, length))) return;
      v.remove_prefix(8 + static_cast<std::size_t>(length));
    }
  }
  if (!it->status().ok()) throw std::runtime_error("reading the journal failed: " + it->status().ToString());
}

std::uint64_t StateStore::size_bytes() const {
  std::uint64_t sst = 0, mem = 0;
  impl_->db->GetIntProperty("rocksdb.total-sst-files-size", &sst);
  impl_->db->GetIntProperty("rocksdb.cur-size-all-mem-tables", &mem);
  return sst + mem;
}

}  // namespace naervaer::store
