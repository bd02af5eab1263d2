// Thin adapters over librdkafka: a group consumer whose start offsets come from our own
// store (Kafka's committed offsets are only for monitoring), and a producer with delivery
// reports checked. No librdkafka type appears here.
//
// Consumer and Producer are not thread-safe: use each from one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace naervaer::kafka {

// "-X name=value" pairs passed through to librdkafka (TLS, SASL, tuning).
using Config = std::vector<std::pair<std::string, std::string>>;

struct Message {
  std::string_view key;
  std::string_view value;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

struct PartitionProgress {
  std::int32_t partition = 0;
  std::int64_t next_offset = 0;      // the next offset this consumer will apply
  std::int64_t high_watermark = -1;  // -1 until known
  std::int64_t log_start = 0;        // the first offset the broker still holds (0 until known)
  std::int64_t received_next = 0;    // past the last message received (applied or still queued)
  std::int64_t skipped_from = 0;     // the last run of offsets deleted before they were received:
  std::int64_t skipped_to = 0;       // [skipped_from, skipped_to), empty when equal

  // Messages still to consume: from this consumer's position to the end, less those the
  // broker deleted (retention) before they were received, which will never come: a run
  // already jumped over (until the position passes it) and what lies below the log start
  // beyond what was received. 0 while the end is unknown.
  [[nodiscard]] std::int64_t backlog() const noexcept {
    if (high_watermark < 0) return 0;
    const std::int64_t skipped = std::max<std::int64_t>(0, skipped_to - std::max(skipped_from, next_offset));
    const std::int64_t deleted = std::max<std::int64_t>(0, log_start - std::max(received_next, next_offset));
    return std::max<std::int64_t>(0, high_watermark - next_offset - skipped - deleted);
  }
};

class Consumer {
 public:
  struct Callbacks {
    // Where to start each newly assigned partition; a partition missing from the answer
    // starts at the beginning. Called on the polling thread.
    std::function<std::map<std::int32_t, std::int64_t>(const std::vector<std::int32_t>&)> on_assign;
    // Called before partitions are taken away, on the polling thread: checkpoint now.
    std::function<void(const std::vector<std::int32_t>&)> on_revoke;
  };

  // Throws std::invalid_argument naming the setting when the configuration is bad.
  // The messages of the last `polls_kept` polls stay alive (see poll()). A non-empty
  // `instance_id` makes this a static member of the group (KIP-345: group.instance.id):
  // restarted with the same id within the session timeout, it gets its partitions back
  // without a rebalance.
  Consumer(const std::string& brokers, const std::string& topic, const std::string& group,
           const std::string& instance_id, const Config& extra, Callbacks callbacks, std::size_t polls_kept = 2);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Up to `max` messages, waiting at most `timeout_ms` for the first. The views stay valid
  // for `polls_kept` polls (this one included), so earlier batches can still be finished
  // while the next is read.
  void poll(std::size_t max, int timeout_ms, std::vector<Message>& out);

  // Records that everything before `next_offset` is applied (for progress and lag).
  void mark(std::int32_t partition, std::int64_t next_offset);
  // Thread-safe: read by the HTTP threads. High watermarks come from librdkafka's own
  // record of the fetches (no network round trip), asked only when progress is read.
  [[nodiscard]] std::vector<PartitionProgress> progress() const;
  // Leaves the group (revoking, so the callback checkpoints).
  void close();

  // False once librdkafka has said that no broker can be reached, until one answers again:
  // then a round trip (waiting at most timeout_ms) is made to find out. Polling thread.
  [[nodiscard]] bool brokers_reachable(int timeout_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads chosen partitions from chosen offsets, outside any group (the aggregator uses it
// to follow the unit tree, targets and measures on the partitions it does not own).
class Reader {
 public:
  Reader(const std::string& brokers, const std::string& topic, const Config& extra);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The topic's partition count (from metadata); throws when the topic cannot be seen.
  [[nodiscard]] std::int32_t partition_count();
  // Reads exactly these partitions from now on, each from its offset.
  void assign(const std::map<std::int32_t, std::int64_t>& start);
  void poll(std::size_t max, int timeout_ms, std::vector<Message>& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads back what is on `topic` now: every partition from its first message to its end as
// it stands when called, giving f each message's partition and headers (the dead-letter
// topic, read on start to see which rejects are there already). A topic that does not
// exist yet holds nothing. Returns the number of messages read; throws std::runtime_error
// when the brokers do not answer within timeout_ms.
using Headers = std::vector<std::pair<std::string_view, std::string_view>>;
std::uint64_t read_headers_to_end(const std::string& brokers, const std::string& topic, const Config& extra,
                                  const std::function<void(std::int32_t partition, const Headers&)>& f, int timeout_ms);

class Producer {
 public:
  // Idempotent, compressed; throws std::invalid_argument on bad configuration.
  Producer(const std::string& brokers, const Config& extra);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one message (waiting while the local queue is full).
  void produce(const std::string& topic, std::string_view key, std::string_view value,
               const std::vector<std::pair<std::string, std::string>>& headers = {});
  // Whether a broker answers (a metadata round trip), waiting at most timeout_ms.
  [[nodiscard]] bool brokers_reachable(int timeout_ms);

  enum class Flush {
    kDelivered,    // everything queued was delivered, and nothing failed since the last flush
    kFailed,       // some delivery failed since the last flush (librdkafka gave up on it)
    kStillQueued,  // nothing failed, but not everything was delivered within the time
  };
  // Waits until every queued message is delivered or failed, at most timeout_ms.
  [[nodiscard]] Flush flush(int timeout_ms);
  // Serves delivery reports without waiting (call now and then on long runs).
  void poll();
  // Messages delivered, and messages whose delivery failed, since the start.
  [[nodiscard]] std::uint64_t delivered() const;
  [[nodiscard]] std::uint64_t failed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace naervaer::kafka
