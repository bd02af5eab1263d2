// The aggregator's durable state in RocksDB: the journal of applied events (in the order
// they were applied) and the consumer offsets. A checkpoint writes both in ONE WriteBatch,
// so after a crash at any moment the journal and the offsets agree: replaying the journal
// and consuming on from the offsets gives exactly the uninterrupted figures.
// No RocksDB type appears here. Not thread-safe: one writer; size_bytes() may be called
// from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace naervaer::store {

struct [[nodiscard]] StoreStatus {
  bool ok = true;
  std::string message;
};

// The partition an applied event came from; reference events (units, targets, measures)
// read from partitions the instance does not own are tagged kReferencePartition.
inline constexpr std::int32_t kReferencePartition = -1;

// The events of one checkpoint, packed as they arrive into the bytes of one journal
// segment: records [partition: 4 bytes][length: 4 bytes][event], big-endian. One buffer,
// not an allocation per event. The store does not read the events: the aggregator writes
// their binary form (naervaer/projections/binary.h); older journals hold JSON.
class JournalSegment {
 public:
  JournalSegment() = default;
  // A moved-from segment is empty (the buffer and the count go together).
  JournalSegment(JournalSegment&& o) noexcept : bytes_(std::move(o.bytes_)), count_(std::exchange(o.count_, 0)) {
    o.bytes_.clear();
  }
  JournalSegment& operator=(JournalSegment&& o) noexcept {
    bytes_ = std::move(o.bytes_);
    count_ = std::exchange(o.count_, 0);
    o.bytes_.clear();
    return *this;
  }
  JournalSegment(const JournalSegment&) = delete;
  JournalSegment& operator=(const JournalSegment&) = delete;
  ~JournalSegment() = default;

  void append(std::int32_t partition, std::string_view event);
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] const std::string& bytes() const noexcept { return bytes_; }
  // Empties the segment but keeps its buffer, for the next checkpoint.
  void clear() noexcept {
    bytes_.clear();
    count_ = 0;
  }

 private:
  std::string bytes_;
  std::size_t count_ = 0;
};

struct Checkpoint {
  JournalSegment journal;                                  // events applied since the last checkpoint
  std::map<std::int32_t, std::int64_t> next_offsets;       // group consumer, per partition
  std::map<std::int32_t, std::int64_t> reference_offsets;  // reference reader, per partition
  // The aggregator's counters of events by outcome as they stand with these offsets (opaque
  // to the store; empty: unchanged): written in the same batch, so that after a crash they
  // count every message once, as the figures do.
  std::string counters;
};

class StateStore {
 public:
  enum class Access {
    kReadWrite,  // the aggregator's: created when missing, one process at a time
    kReadOnly,   // for reading the journal beside a running aggregator; commit() fails
  };
  // Opens (or, read-write, creates) the store; throws std::runtime_error with the path and
  // the reason.
  StateStore(const std::filesystem::path& dir, const std::string& topic, Access access = Access::kReadWrite);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Appends the journal entries and sets the offsets atomically, synced to disk.
  StoreStatus commit(const Checkpoint& checkpoint);

  [[nodiscard]] std::map<std::int32_t, std::int64_t> next_offsets() const;
  [[nodiscard]] std::map<std::int32_t, std::int64_t> reference_offsets() const;
  // The counters of the last checkpoint (empty when none was written).
  [[nodiscard]] std::string counters() const;
  [[nodiscard]] std::uint64_t journal_size() const noexcept;
  // Calls f for every journal entry in order; stops early when f returns false.
  void replay(const std::function<bool(std::int32_t partition, std::string_view event)>& f) const;
  // Disk used: SST files plus memtables (RocksDB's own estimate).
  [[nodiscard]] std::uint64_t size_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace naervaer::store
