#include "service.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <pthread.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <thread>
#include <unordered_set>
#include <variant>

#include "http_client.h"
#include "http_server.h"
#include "naervaer/projections/binary.h"
#include "naervaer/projections/decode.h"
#include "naervaer/projections/encode.h"
#include "private_file.h"
#include "serving.h"
#include "state_store.h"
#include "time_travel.h"

namespace naervaer {

namespace {

using Clock = std::chrono::steady_clock;

// Threads named in top -H, perf and /proc (at most 15 characters).
void name_this_thread(const char* name) {
  (void)pthread_setname_np(pthread_self(), name);
}

// The instance's id in the group, stable across restarts: kept in the state directory,
// made on the first start from the host name and random bytes (two instances on one host
// have two state directories, so two ids).
std::string stored_group_instance_id(const std::filesystem::path& state_dir) {
  const std::filesystem::path file = state_dir / "group-instance-id";
  if (std::ifstream in(file); in) {
    std::string id;
    std::getline(in, id);
    if (!id.empty()) return id;
  }
  char host[256] = {};
  (void)gethostname(host, sizeof host - 1);
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", random());
  std::string id = std::string(host[0] != 0 ? host : "naervaer") + "-" + suffix;
  write_owner_only_file(file, id + "\n");
  return id;
}

}  // namespace

Date local_today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return Date::from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

struct Service::Impl final : ServingSource {
  ServiceOptions o;
  std::shared_mutex projection_mutex;
  Projection projection;
  std::atomic<std::uint64_t> generation{0};  // bumped under the write lock on every change
  std::unique_ptr<store::StateStore> store;
  std::unique_ptr<kafka::Producer> dlq;
  std::unique_ptr<kafka::Consumer> consumer;
  // Several instances split the partitions of one group. The unit tree, targets and
  // measures are needed by all of them, so the partitions this instance does not own are
  // followed by `reader` for those reference events only.
  std::unique_ptr<kafka::Reader> reader;
  std::atomic<std::int32_t> partition_total{0};
  // The consumer for the HTTP threads, which serve before it exists (it waits for the
  // broker): null until then.
  std::atomic<kafka::Consumer*> consumer_for_readers{nullptr};
  std::set<std::int32_t> owned;      // the group's current assignment to this instance
  std::set<std::int32_t> in_memory;  // partitions whose person events are in the projection
  std::set<std::int32_t> journaled;  // partitions with person events in the journal
  std::unique_ptr<Serving> serving;
  std::unique_ptr<http::Server> server;
  std::string dlq_topic;
  // Rejects already on the dead-letter topic at or after each owned partition's start
  // offset: sent before a crash (or by the partition's previous owner) but not covered by
  // a committed checkpoint. Consumed again, they are not sent again: each reject is on the
  // topic once. Filled on every assignment; each entry goes when its offset comes by.
  std::map<std::int32_t, std::unordered_set<std::int64_t>> already_dead;

  // Metrics.
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& events_total =
      prometheus::BuildCounter()
          .Name("naervaer_events_total")
          .Help("Events consumed, by type and outcome (applied, duplicate, rejected)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& rejects_total = prometheus::BuildCounter()
                                                               .Name("naervaer_events_rejected_total")
                                                               .Help("Events sent to the dead-letter topic, by reason")
                                                               .Register(*registry);
  prometheus::Family<prometheus::Gauge>& lag = prometheus::BuildGauge()
                                                   .Name("naervaer_consumer_lag")
                                                   .Help("Messages not yet applied, by partition")
                                                   .Register(*registry);
  prometheus::Histogram& checkpoint_seconds =
      prometheus::BuildHistogram()
          .Name("naervaer_checkpoint_duration_seconds")
          .Help("Time to write one checkpoint (journal and offsets in one synced WriteBatch)")
          .Register(*registry)
          .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5, 1});
  prometheus::Gauge& state_bytes = prometheus::BuildGauge()
                                       .Name("naervaer_state_size_bytes")
                                       .Help("Size of the RocksDB state directory (SST files and memtables)")
                                       .Register(*registry)
                                       .Add({});
  prometheus::Gauge& newest_event = prometheus::BuildGauge()
                                        .Name("naervaer_newest_event_recorded_timestamp_seconds")
                                        .Help("recorded_at of the newest event applied")
                                        .Register(*registry)
                                        .Add({});
  prometheus::Gauge& as_of_gauge = prometheus::BuildGauge()
                                       .Name("naervaer_as_of_timestamp_seconds")
                                       .Help("The as-of date of the figures (midnight UTC)")
                                       .Register(*registry)
                                       .Add({});
  prometheus::Gauge& unmatched = prometheus::BuildGauge()
                                     .Name("naervaer_unmatched_absence_workdays")
                                     .Help("Absence working days that applied to no active employment")
                                     .Register(*registry)
                                     .Add({});

  // Counters for /api/v1/status.
  std::atomic<std::uint64_t> applied{0}, duplicates{0}, rejected{0};
  std::atomic<bool> ready_flag{false};  // partitions assigned
  std::atomic<bool> caught_up{false};   // no backlog, once since the last assignment
  // Set when librdkafka says no broker can be reached, until one answers (see run()).
  std::atomic<bool> brokers_lost{false};
  std::atomic<std::time_t> brokers_lost_since{0};
  Clock::time_point last_broker_check;
  // Set with a deferral of the figures, cleared once they are current: spares the main
  // loop's idle check the write lock (set_as_of may have materialized already: a hint).
  std::atomic<bool> maybe_deferred{false};
  // Figure readers between making the figures current and reading them: no deferral
  // begins while there is one (see CurrentFigures).
  std::atomic<int> figure_readers{0};
  std::int64_t newest_recorded_ms = 0;
  bool backlog_reserved = false;  // reserve_for_backlog() done since the last assignment

  // Catching up: the index of event ids seen is sized for the backlog once its length is
  // known (the high watermarks come with the first fetches), instead of doubling its way
  // there with a rehash each time (catching up on 2.2 M events: about a tenth faster). A
  // backlog of re-sent duplicates over-reserves; beyond 48 M events the index grows as
  // before, so the table made at once stays at 1.5 GiB at most (2^26 slots of 24 bytes).
  void reserve_for_backlog() {
    const std::optional<std::uint64_t> backlog = consumer_backlog();
    if (!backlog) return;  // not known yet: again after the next poll
    backlog_reserved = true;
    constexpr std::uint64_t kMostReserved = std::uint64_t{48} << 20;
    const std::uint64_t events = std::min(kMostReserved, applied.load() + *backlog);
    std::unique_lock lock(projection_mutex);  // waits for a fold in progress
    projection.reserve_events(events);
    // More to fold than folded so far (a first start, a long outage): the per-day figures
    // wait until the backlog is folded or somebody asks for them (CurrentFigures).
    if (*backlog > applied.load() && figure_readers.load() == 0) {
      projection.defer_figures();
      deferred_at = Clock::now();
      maybe_deferred = true;
    }
  }

  Clock::time_point deferred_at;  // when the figures were last deferred

  // While one lives, the per-day figures are current and stay so: deferred figures are
  // computed first, under the write lock, and reserve_for_backlog() defers none meanwhile.
  class CurrentFigures {
   public:
    explicit CurrentFigures(Impl& m) : m_(m), reading_(m.figure_readers) {
      bool deferred = false;
      {
        std::shared_lock lock(m_.projection_mutex);
        deferred = m_.projection.figures_deferred();
      }
      if (deferred) m_.materialize_figures("asked for figures");
    }
    CurrentFigures(const CurrentFigures&) = delete;
    CurrentFigures& operator=(const CurrentFigures&) = delete;

   private:
    struct Reading {  // counted from before the check to the end, also when it throws
      explicit Reading(std::atomic<int>& n) : readers(n) { ++readers; }
      ~Reading() { --readers; }
      Reading(const Reading&) = delete;
      Reading& operator=(const Reading&) = delete;
      std::atomic<int>& readers;
    };
    Impl& m_;
    Reading reading_;
  };

  // Messages not yet consumed, summed over the assigned partitions; none before the
  // partitions are registered and their high watermarks known.
  [[nodiscard]] std::optional<std::uint64_t> consumer_backlog() const {
    kafka::Consumer* c = consumer_for_readers.load();
    if (!c) return std::nullopt;
    const auto progress = c->progress();
    if (progress.empty()) return std::nullopt;
    std::uint64_t total = 0;
    for (const kafka::PartitionProgress& p : progress) {
      if (p.high_watermark < 0) return std::nullopt;
      total += static_cast<std::uint64_t>(p.backlog());
    }
    return total;
  }

  void materialize_figures(const char* why) {
    if (!maybe_deferred.load()) return;
    std::unique_lock lock(projection_mutex);
    if (!projection.figures_deferred()) {
      maybe_deferred = false;
      return;
    }
    const auto started = Clock::now();
    projection.materialize_figures();  // if it throws, they stay deferred: the next reader retries
    maybe_deferred = false;
    if (!o.quiet) {
      std::fprintf(stderr, "naervaer aggregate: %s: computed the figures deferred since %.1f s ago in %.2f s\n", why,
                   std::chrono::duration<double>(started - deferred_at).count(),
                   std::chrono::duration<double>(Clock::now() - started).count());
    }
  }

  // Work since the last checkpoint.
  store::Checkpoint pending;
  std::string journal_scratch;

  // An applied event joins the pending journal in its binary form: a quarter of the JSON's
  // bytes to compress and write, and no text to parse on a restart (catching up on 2.2 M
  // events, the checkpoint thread's CPU fell from 1.0-1.2 to 0.4-0.5 s; a restart from
  // 2.0-2.1 to 1.3 s).
  void journal(std::int32_t partition, const Event& e) {
    journal_scratch.clear();
    append_binary(e, journal_scratch);
    pending.journal.append(partition, journal_scratch);
  }
  std::size_t pending_messages = 0;
  Clock::time_point last_checkpoint = Clock::now();

  explicit Impl(ServiceOptions options)
      : o(std::move(options)), projection(o.today.value_or(local_today()), o.projection) {}
  // Also when the Service constructor throws: no joinable thread may be left behind.
  ~Impl() override {
    stop_folder();
    stop_writer();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Looking a labelled counter up in its family costs a map search and string copies:
  // resolved once per (type, outcome), not once per event.
  std::array<std::array<prometheus::Counter*, 3>, kEventTypeCount> event_counters{};
  std::array<prometheus::Counter*, kReasonCount> reject_counters{};
  prometheus::Counter* undecodable = nullptr;  // rejected before its type was known

  void init_counters() {
    for (std::size_t t = 0; t < kEventTypeCount; ++t) {
      for (std::size_t k = 0; k < 3; ++k) {
        event_counters[t][k] = &events_total.Add({{"type", std::string(to_string(static_cast<EventType>(t)))},
                                                  {"outcome", std::string(to_string(static_cast<Outcome>(k)))}});
      }
    }
    for (std::size_t r = 0; r < kReasonCount; ++r) {
      reject_counters[r] = &rejects_total.Add({{"reason", std::string(reason_code(static_cast<Reason>(r)))}});
    }
    undecodable = &events_total.Add({{"type", "undecodable"}, {"outcome", "rejected"}});
  }

  // The counters as they stand, for the checkpoint that carries the offsets they belong to:
  // restored on start, a message re-consumed after a crash is counted once (text lines
  // "name value", so that a version with more types or reasons reads an older one).
  std::string counters_text() const {
    std::string out;
    const auto line = [&](const std::string& name, double v) {
      out.append(name).append(" ").append(std::to_string(static_cast<std::uint64_t>(v))).append("\n");
    };
    for (std::size_t t = 0; t < kEventTypeCount; ++t) {
      for (std::size_t k = 0; k < 3; ++k) {
        line("events/" + std::string(to_string(static_cast<EventType>(t))) + "/" +
                 std::string(to_string(static_cast<Outcome>(k))),
             event_counters[t][k]->Value());
      }
    }
    for (std::size_t r = 0; r < kReasonCount; ++r) {
      line("rejects/" + std::string(reason_code(static_cast<Reason>(r))), reject_counters[r]->Value());
    }
    line("undecodable", undecodable->Value());
    line("duplicates", static_cast<double>(duplicates.load()));
    line("rejected", static_cast<double>(rejected.load()));
    return out;
  }

  void restore_counters(const std::string& text) {
    std::map<std::string, std::uint64_t> stored;
    std::size_t at = 0;
    while (at < text.size()) {
      const std::size_t end = std::min(text.find('\n', at), text.size());
      const std::string_view line(text.data() + at, end - at);
      const std::size_t space = line.rfind(' ');
      if (space != std::string_view::npos) {
        stored[std::string(line.substr(0, space))] =
            std::strtoull(std::string(line.substr(space + 1)).c_str(), nullptr, 10);
      }
      at = end + 1;
    }
    const auto get = [&](const std::string& name) {
      const auto it = stored.find(name);
      return it == stored.end() ? 0.0 : static_cast<double>(it->second);
    };
    for (std::size_t t = 0; t < kEventTypeCount; ++t) {
      for (std::size_t k = 0; k < 3; ++k) {
        event_counters[t][k]->Increment(get("events/" + std::string(to_string(static_cast<EventType>(t))) + "/" +
                                            std::string(to_string(static_cast<Outcome>(k)))));
      }
    }
    for (std::size_t r = 0; r < kReasonCount; ++r) {
      reject_counters[r]->Increment(get("rejects/" + std::string(reason_code(static_cast<Reason>(r)))));
    }
    undecodable->Increment(get("undecodable"));
    duplicates = static_cast<std::uint64_t>(get("duplicates"));
    rejected = static_cast<std::uint64_t>(get("rejected"));
  }

  void count(EventType type, Outcome outcome) {
    event_counters[static_cast<std::size_t>(type)][static_cast<std::size_t>(outcome)]->Increment();
  }

  // Below the producer's message.max.bytes (1,000,000) with room for the headers.
  static constexpr std::size_t kMostDeadLetterBytes = std::size_t{512} * 1024;

  static std::string fnv1a64_hex(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
  }

  // A reject keeps its original key and value; the reason travels in headers. A value that
  // holds a national identity number is never forwarded: it is replaced by a marker.
  void dead_letter(const kafka::Message& m, const Rejection& r) {
    ++rejected;
    reject_counters[static_cast<std::size_t>(r.reason)]->Increment();
    if (auto it = already_dead.find(m.partition); it != already_dead.end() && it->second.erase(m.offset) > 0) {
      return;  // on the topic already (see already_dead)
    }
    // Redacted whatever the first rule broken was: an event rejected for its date can
    // still carry an identity number elsewhere.
    const bool redact = r.reason == Reason::kIdentityNumber || contains_national_identity_number(m.key) ||
                        contains_national_identity_number(m.value);
    std::vector<std::pair<std::string, std::string>> headers{{"reason", std::string(reason_code(r.reason))},
                                                             {"detail", withhold_long_numbers(r.detail)},
                                                             {"source_partition", std::to_string(m.partition)},
                                                             {"source_offset", std::to_string(m.offset)}};
    std::string_view value = redact ? std::string_view(R"({"redacted":"identity_number"})") : m.value;
    std::string_view key = redact ? std::string_view("redacted") : m.key;
    // A message too large for the dead-letter topic would stop the pipeline (its produce
    // fails, and every restart again): the reject goes there cut, with its size and a hash
    // of the whole, so that it can be found at its source partition and offset.
    if (value.size() + key.size() > kMostDeadLetterBytes) {
      headers.emplace_back("value_bytes", std::to_string(value.size()));
      headers.emplace_back("value_fnv1a64", fnv1a64_hex(value));
      headers.emplace_back("cut", "true");
      value = value.substr(0, kMostDeadLetterBytes / 2);
      key = key.substr(0, std::min<std::size_t>(key.size(), 1024));
    }
    dlq->produce(dlq_topic, key, value, headers);
    ++dead_letters_produced;
  }

  static bool is_reference(EventType t) {
    return t == EventType::kUnitRegistered || t == EventType::kTargetSet || t == EventType::kMeasureSet ||
           t == EventType::kMeasureCancelled;
  }

  // Rebuilds the projection from the journal: reference events always, person events only
  // of the partitions in `keep` (all when none). The caller holds the write lock.
  void rebuild_from_journal(const std::set<std::int32_t>* keep) {
    const auto started = Clock::now();
    projection = Projection(projection.as_of(), o.projection);
    in_memory.clear();
    EventDecoder decoder;
    std::uint64_t n = 0;
    std::uint64_t unreadable = 0;
    const std::uint64_t total = store->journal_size();
    projection.reserve_events(total);  // the index of ids seen never regrows on the way
    projection.defer_figures();        // computed once at the end (bench/fold_bench.cc: 75 against 124 ms)
    // The same pipeline as consumption: this thread decodes while the fold thread folds.
    // The caller holds the write lock (or nothing reads yet), so the fold takes none.
    std::array<Batch, kBatchesInFlight + 1> ring;
    for (Batch& b : ring) b.from_journal = true;
    std::size_t next = 0;
    // Whatever way this ends, no batch of the ring may still be queued or folding.
    struct WaitForFold {
      Impl& m;
      ~WaitForFold() { m.wait_fold_idle(); }
    } wait_for_fold{*this};
    auto flush = [&] {
      if (ring[next].events.empty()) return;
      finish_folded(kBatchesInFlight - 1);
      start_fold(ring[next]);
      next = (next + 1) % ring.size();
      ring[next].events.clear();
      ring[next].hashes.clear();
    };
    store->replay([&](std::int32_t partition, std::string_view entry) {
      auto d = decode_stored(entry, decoder);
      if (auto* e = std::get_if<Event>(&d)) {
        const bool mine = partition != store::kReferencePartition && (!keep || keep->count(partition) > 0);
        if (partition != store::kReferencePartition) journaled.insert(partition);
        if (mine) in_memory.insert(partition);
        if (mine || is_reference(e->type())) {  // hashed by the fold thread, which defers
          ring[next].events.push_back(std::move(*e));
        }
      } else {
        ++unreadable;
      }
      if (ring[next].events.size() == kBatchMessages) flush();
      if (++n % 1000000 == 0 && !o.quiet) {
        std::fprintf(stderr, "naervaer aggregate: replaying the journal: %llu of %llu events\n",
                     static_cast<unsigned long long>(n), static_cast<unsigned long long>(total));
      }
      return true;
    });
    flush();
    drain();
    projection.materialize_figures();
    applied = projection.stats().events_applied;
    if (unreadable > 0) {  // say so, and go on with the rest
      std::fprintf(stderr,
                   "naervaer aggregate: %llu journal entries could not be decoded (damaged, or JSON that this "
                   "version's contract rejects) and were left out\n",
                   static_cast<unsigned long long>(unreadable));
    }
    if (!o.quiet && n > 0) {
      std::fprintf(stderr, "naervaer aggregate: rebuilt %llu events from the journal in %.2f s\n",
                   static_cast<unsigned long long>(n), std::chrono::duration<double>(Clock::now() - started).count());
    }
  }

  // The group assigned `partitions`: drop the person events of partitions now owned by
  // another instance (a rebuild without them), follow the others' reference events.
  std::map<std::int32_t, std::int64_t> on_assign(const std::vector<std::int32_t>& partitions) {
    // Everything applied so far goes to disk first: the rebuild and the start offsets below
    // must see one state, not race with the writer.
    (void)checkpoint(true);
    owned = std::set<std::int32_t>(partitions.begin(), partitions.end());
    // Rebuild when a partition in memory went to another instance, or one came back whose
    // earlier events are in the journal but were dropped from memory.
    const bool lost_one = !std::includes(owned.begin(), owned.end(), in_memory.begin(), in_memory.end());
    const bool regained_one = std::any_of(owned.begin(), owned.end(),
                                          [&](std::int32_t p) { return journaled.count(p) && !in_memory.count(p); });
    if (lost_one || regained_one) {
      std::unique_lock lock(projection_mutex);
      rebuild_from_journal(&owned);
      ++generation;
    }
    const auto stored = store->next_offsets();
    const auto reference = store->reference_offsets();
    std::map<std::int32_t, std::int64_t> follow;
    for (std::int32_t p = 0; p < partition_total; ++p) {
      if (owned.count(p)) continue;
      // Everything before the group's stored offset is in the journal already.
      std::int64_t from = 0;
      if (auto it = stored.find(p); it != stored.end()) from = std::max(from, it->second);
      if (auto it = reference.find(p); it != reference.end()) from = std::max(from, it->second);
      follow[p] = from;
    }
    reader->assign(follow);
    std::map<std::int32_t, std::int64_t> start;
    for (std::int32_t p : partitions) {
      if (auto it = stored.find(p); it != stored.end()) start[p] = it->second;
    }
    find_rejects_sent(start);
    caught_up = false;
    ready_flag = true;
    backlog_reserved = false;
    return start;
  }

  // Nothing came in the last poll: are we caught up, and are the brokers still there? One
  // line when they go and one when they come back; meanwhile HTTP answers from the state
  // as it is, and /readyz says why it is not ready.
  void note_idle() {
    if (!caught_up.load() && ready_flag.load() && consumer_backlog() == 0U) caught_up = true;
    const auto now = Clock::now();
    if (now - last_broker_check < std::chrono::seconds(2)) return;
    last_broker_check = now;
    const bool reachable = consumer->brokers_reachable(1000);
    if (!reachable && !brokers_lost.load()) {
      brokers_lost_since = std::time(nullptr);
      brokers_lost = true;
      std::fprintf(stderr,
                   "naervaer aggregate: the brokers cannot be reached; answering from the state as it is (not "
                   "ready) until they come back\n");
    } else if (reachable && brokers_lost.load()) {
      brokers_lost = false;
      std::fprintf(stderr, "naervaer aggregate: the brokers answer again after %lld s; consuming\n",
                   static_cast<long long>(std::time(nullptr) - brokers_lost_since.load()));
    }
  }

  // Reads the dead-letter topic back: which rejects of the owned partitions, at or after
  // where consumption starts, are there already (see already_dead). Read whole, on every
  // assignment: the topic holds only rejects, and the alternatives cost more than they
  // save here. A transactional producer would make consumption and the topic one
  // transaction, but our offsets live in RocksDB, not in Kafka; offsets stored per
  // checkpoint cannot see what a partition's previous owner sent after its last one.
  void find_rejects_sent(const std::map<std::int32_t, std::int64_t>& start) {
    already_dead.clear();
    const auto started = Clock::now();
    std::uint64_t found = 0;
    try {
      const std::uint64_t read = kafka::read_headers_to_end(
          o.brokers, dlq_topic, o.kafka_config,
          [&](std::int32_t, const kafka::Headers& headers) {
            std::int32_t partition = -1;
            std::int64_t offset = -1;
            for (const auto& [k, v] : headers) {
              if (k == "source_partition") (void)std::from_chars(v.data(), v.data() + v.size(), partition);
              if (k == "source_offset") (void)std::from_chars(v.data(), v.data() + v.size(), offset);
            }
            if (partition < 0 || offset < 0 || !owned.count(partition)) return;
            auto it = start.find(partition);
            if (offset >= (it == start.end() ? 0 : it->second) && already_dead[partition].insert(offset).second) {
              ++found;
            }
          },
          60000);
      if (!o.quiet && found > 0) {
        std::fprintf(stderr,
                     "naervaer aggregate: %llu rejects to be consumed again are on %s already (of %llu read in "
                     "%.2f s): not sent again\n",
                     static_cast<unsigned long long>(found), dlq_topic.c_str(), static_cast<unsigned long long>(read),
                     std::chrono::duration<double>(Clock::now() - started).count());
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr,
                   "naervaer aggregate: cannot read %s back (%s): rejects sent since the last checkpoint may be "
                   "sent again\n",
                   dlq_topic.c_str(), e.what());
    }
  }

  // Reference events from partitions another instance owns (it dead-letters their rejects).
  void process_reference(const std::vector<kafka::Message>& messages, EventDecoder& decoder) {
    auto apply_if_reference = [&](const kafka::Message& m) {
      if (owned.count(m.partition)) return;  // assigned meanwhile: the group consumer has it
      auto d = decoder.decode(m.value);
      auto* e = std::get_if<Event>(&d);
      if (!e || !is_reference(e->type())) return;
      // The journal must list events in the order they were applied: the batches in the
      // fold go first (reference events are rare: units, targets, measures).
      drain();
      ApplyResult r;
      {
        std::unique_lock lock(projection_mutex);
        r = projection.apply(*e);
        ++generation;
      }
      if (r.outcome == Outcome::kApplied) journal(store::kReferencePartition, *e);
    };
    for (const kafka::Message& m : messages) {
      apply_if_reference(m);
      // After the event is journaled: drain() may hand the pending work to the writer.
      pending.reference_offsets[m.partition] = m.offset + 1;
    }
    pending_messages += messages.size();
  }

  // One WriteBatch: the journal since the last checkpoint and the offsets. The DLQ is
  // flushed first, so a reject is never behind a committed offset without being delivered.
  // Checkpoints are written by a writer thread while consumption goes on: one in flight at
  // a time, in order. The WriteBatch holds exactly the journal and offsets of `pending`,
  // so what the consumer does meanwhile cannot make them disagree.
  std::mutex writer_mutex;
  std::condition_variable writer_cv;
  std::optional<store::Checkpoint> in_flight;
  // The journal buffer of the last checkpoint written, emptied, for the next one: two
  // buffers take turns. A new buffer per checkpoint (about 10 MB, grown by doubling) was
  // fresh memory every time: 65,000 of the main thread's page faults while catching up on
  // 2.2 M events, against 17,000 now.
  store::JournalSegment spare_journal;
  bool writer_stop = false;
  std::atomic<bool> write_failed{false};
  std::thread writer;

  // Waits for the rejects to be delivered as long as librdkafka keeps trying (with the
  // brokers gone, up to its message.timeout.ms): the checkpoint waits, and so does
  // consumption, while HTTP answers from the state as it is. False when one failed.
  bool flush_dead_letters() {
    bool said = false;
    for (;;) {
      switch (dlq->flush(30000)) {
        case kafka::Producer::Flush::kDelivered:
          if (said) std::fprintf(stderr, "naervaer aggregate: the dead-letter topic took the rejects; going on\n");
          return true;
        case kafka::Producer::Flush::kFailed:
          return false;
        case kafka::Producer::Flush::kStillQueued:
          if (!said) {
            std::fprintf(stderr,
                         "naervaer aggregate: waiting for the dead-letter topic to take the rejects before the "
                         "checkpoint (are the brokers reachable?)\n");
          }
          said = true;
          break;
      }
    }
  }

  void writer_loop() {
    name_this_thread("naervaer-ckpt");
    std::unique_lock lock(writer_mutex);
    for (;;) {
      writer_cv.wait(lock, [&] { return in_flight.has_value() || writer_stop; });
      if (!in_flight) return;
      lock.unlock();
      const auto started = Clock::now();
      bool ok = true;
      // The rejects of this checkpoint must be delivered before its offsets are committed;
      // when they cannot be, nothing more is committed and the aggregator stops (exit 1):
      // after a restart the same messages are consumed and rejected again.
      if (write_failed.load()) {
        ok = false;
      } else if (!flush_dead_letters()) {
        std::fprintf(stderr, "naervaer aggregate: the dead-letter topic did not take every reject; stopping\n");
        ok = false;
      } else if (die_after_dead_letters_flushed.load() && dead_letters_produced.load() > 0) {
        std::_Exit(137);  // rejects delivered, their offsets not committed: see Service::run
      } else if (const store::StoreStatus st = store->commit(*in_flight); !st.ok) {
        std::fprintf(stderr, "naervaer aggregate: cannot write the state: %s\n", st.message.c_str());
        ok = false;
      }
      checkpoint_seconds.Observe(std::chrono::duration<double>(Clock::now() - started).count());
      lock.lock();
      spare_journal = std::move(in_flight->journal);
      spare_journal.clear();
      in_flight.reset();
      if (!ok) write_failed = true;
      writer_cv.notify_all();
    }
  }

  // Finishes every batch in flight, then hands the pending work to the writer (waiting
  // while the previous one is in flight). With wait, returns only once it is on disk.
  // False when the state cannot be written.
  bool checkpoint(bool wait = false) {
    drain();  // the batches in the fold belong to this checkpoint
    return hand_off(wait);
  }

  // Hands the pending work, as it stands, to the writer. Between two finished batches it
  // is consistent without a drain: it holds the journal, rejects and offsets of exactly
  // the batches finished so far; those still in the fold are not in it.
  bool hand_off(bool wait) {
    std::unique_lock lock(writer_mutex);
    writer_cv.wait(lock, [&] { return !in_flight.has_value(); });
    if (write_failed.load()) return false;  // a later commit would skip the failed one's events
    if (pending_messages > 0) {
      pending.counters = counters_text();
      in_flight = std::move(pending);
      pending = store::Checkpoint{};
      pending.journal = std::move(spare_journal);
      pending_messages = 0;
      last_checkpoint = Clock::now();
      writer_cv.notify_all();
    }
    if (wait) writer_cv.wait(lock, [&] { return !in_flight.has_value(); });
    return !write_failed.load();
  }

  // The failpoint's crash: like kill -9 after the checkpoints already handed to the writer
  // are durable, before the pending one. Waiting for the writer makes each crash test run
  // leave a journal of known extent (otherwise a run can die before its first commit);
  // crashes in the middle of a write are what the tests' real kill -9 is for.
  [[noreturn]] void die_at_failpoint() {
    std::unique_lock lock(writer_mutex);
    writer_cv.wait(lock, [&] { return !in_flight.has_value(); });
    std::_Exit(137);
  }

  void stop_writer() {
    {
      std::lock_guard lock(writer_mutex);
      writer_stop = true;
    }
    writer_cv.notify_all();
    if (writer.joinable()) writer.join();
  }

  // One poll's messages on their way through decode (main thread), fold (the fold thread)
  // and finish (main thread again).
  struct Batch {
    bool from_journal = false;  // a rebuild's batch: no messages, nothing to journal or count
    std::vector<kafka::Message> messages;
    std::vector<Event> events;
    // hash_event(events[i]): computed by the thread with time to spare. Folding with the
    // figures current, that is the decoding thread; deferred, the fold thread (empty here).
    std::vector<EventHashes> hashes;
    std::vector<std::size_t> origin;  // events[i] came from messages[origin[i]]
    std::vector<ApplyResult> results;
  };

  void decode_batch(Batch& b, EventDecoder& decoder) {
    b.events.clear();
    b.hashes.clear();
    b.origin.clear();
    const bool hash_here = !maybe_deferred.load();
    for (std::size_t i = 0; i < b.messages.size(); ++i) {
      auto d = decoder.decode(b.messages[i].value);
      if (auto* e = std::get_if<Event>(&d)) {
        if (hash_here) b.hashes.push_back(hash_event(*e));
        b.events.push_back(std::move(*e));
        b.origin.push_back(i);
      } else {
        undecodable->Increment();
        dead_letter(b.messages[i], std::get<Rejection>(d));
      }
    }
  }

  // Counts, journal, rejects and offsets of a folded batch.
  void finish_batch(const Batch& b) {
    if (b.from_journal) {
      for (std::size_t i = 0; i < b.events.size(); ++i) {
        if (b.results[i].outcome == Outcome::kApplied) {
          newest_recorded_ms = std::max(newest_recorded_ms, b.events[i].recorded_at_ms);
        }
      }
      return;
    }
    for (std::size_t i = 0; i < b.events.size(); ++i) {
      const kafka::Message& m = b.messages[b.origin[i]];
      count(b.events[i].type(), b.results[i].outcome);
      switch (b.results[i].outcome) {
        case Outcome::kApplied:
          ++applied;
          journal(m.partition, b.events[i]);
          newest_recorded_ms = std::max(newest_recorded_ms, b.events[i].recorded_at_ms);
          break;
        case Outcome::kDuplicate:
          ++duplicates;
          break;
        case Outcome::kRejected:
          dead_letter(m, *b.results[i].rejection);
          break;
      }
    }
    std::map<std::int32_t, std::int64_t> next;
    for (const kafka::Message& m : b.messages) next[m.partition] = m.offset + 1;
    for (const auto& [partition, offset] : next) {
      pending.next_offsets[partition] = offset;
      consumer->mark(partition, offset);
      in_memory.insert(partition);
      journaled.insert(partition);
    }
    pending_messages += b.messages.size();
    finished_messages += b.messages.size();
  }

  // The fold runs on its own thread, so that consuming and decoding the next batches (main
  // thread) overlaps folding earlier ones: the two halves of the per-message work on two
  // cores. Up to kBatchesInFlight decoded batches queue for the fold, so neither side stalls
  // the other when the scheduler briefly gives its core to the writer or librdkafka (one
  // batch in flight: 0.53 M events/s at catch-up; four: 0.60; eight: no better than four).
  // Batches are finished (counted, journaled, offsets marked) on the main thread in the
  // order they were read; drain() finishes all of them before anything that must see every
  // consumed message applied (a checkpoint, an assignment, the end).
  static constexpr std::size_t kBatchesInFlight = 4;
  static constexpr std::size_t kBatchMessages = 4096;  // at most, per poll or journal batch
  std::thread folder;
  std::mutex fold_mutex;
  std::condition_variable fold_cv;
  std::deque<Batch*> fold_queue;     // under fold_mutex: started, not yet folded, in order
  std::uint64_t batches_folded = 0;  // under fold_mutex
  bool fold_stop = false;
  std::exception_ptr fold_error;
  std::deque<Batch*> in_flight_batches;  // main thread only: started, not yet finished, in order
  std::uint64_t batches_finished = 0;    // main thread only
  std::uint64_t finished_messages = 0;
  std::uint64_t die_after_messages = 0;                     // the crash tests' failpoint (see Service::run); 0: none
  std::atomic<bool> die_after_dead_letters_flushed{false};  // the other failpoint (see Service::run)
  std::atomic<std::uint64_t> dead_letters_produced{0};

  void fold_loop() {
    name_this_thread("naervaer-fold");
    std::unique_lock lock(fold_mutex);
    for (;;) {
      fold_cv.wait(lock, [&] { return !fold_queue.empty() || fold_stop; });
      if (fold_queue.empty()) return;
      Batch* b = fold_queue.front();
      lock.unlock();
      std::exception_ptr error;
      try {
        if (b->hashes.size() != b->events.size()) {  // before the lock: nobody waits for it
          b->hashes.clear();
          for (const Event& e : b->events) b->hashes.push_back(hash_event(e));
        }
        if (b->from_journal) {
          projection.apply_batch(b->events, b->hashes, b->results);  // see rebuild_from_journal
        } else {
          std::unique_lock projection_lock(projection_mutex);
          projection.apply_batch(b->events, b->hashes, b->results);
          ++generation;
        }
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      fold_queue.pop_front();
      if (error) {
        fold_error = error;  // the main thread rethrows it; nothing after it is folded
        fold_queue.clear();
      } else {
        ++batches_folded;
      }
      fold_cv.notify_all();
    }
  }

  void start_fold(Batch& b) {
    {
      std::lock_guard lock(fold_mutex);
      if (fold_error) std::rethrow_exception(fold_error);
    }
    if (!folder.joinable()) {
      fold_stop = false;  // it may have been stopped once (a rebuild after run())
      folder = std::thread([this] { fold_loop(); });
    }
    {
      std::lock_guard lock(fold_mutex);
      fold_queue.push_back(&b);
    }
    fold_cv.notify_all();
    in_flight_batches.push_back(&b);
  }

  // Finishes the folded batches, oldest first, waiting while more than `keep_at_most` are
  // still in flight.
  void finish_folded(std::size_t keep_at_most) {
    while (!in_flight_batches.empty()) {
      {
        std::unique_lock lock(fold_mutex);
        if (in_flight_batches.size() > keep_at_most) {
          fold_cv.wait(lock, [&] { return batches_folded > batches_finished || fold_error; });
        }
        if (fold_error) std::rethrow_exception(fold_error);  // sticky: nothing is folded after it
        if (batches_folded == batches_finished) return;      // the oldest is still folding
      }
      finish_batch(*in_flight_batches.front());
      in_flight_batches.pop_front();
      ++batches_finished;
      if (die_after_messages != 0 && finished_messages >= die_after_messages) die_at_failpoint();
      // Several batches can finish at once: checkpoints stay near checkpoint_events each
      // (a failure shows at the main loop's next checkpoint).
      if (pending_messages >= o.checkpoint_events) (void)hand_off(false);
    }
  }

  void drain() { finish_folded(0); }

  // Waits until the fold thread holds no batch, and forgets those not finished: for the way
  // out of a rebuild or of run() (an exception included), before their batches go away.
  void wait_fold_idle() {
    std::unique_lock lock(fold_mutex);
    fold_cv.wait(lock, [&] { return fold_queue.empty(); });
    in_flight_batches.clear();
    batches_finished = batches_folded;  // the next batch started is the next one folded
    fold_error = nullptr;
  }

  void stop_folder() {
    {
      std::lock_guard lock(fold_mutex);
      fold_stop = true;
    }
    fold_cv.notify_all();
    if (folder.joinable()) folder.join();
  }

  // ---- what serving reads (ServingSource) ----------------------------------------------

  [[nodiscard]] std::string not_ready_reason() const override {
    if (brokers_lost.load()) {
      const std::time_t since = brokers_lost_since.load();
      std::tm tm{};
      gmtime_r(&since, &tm);
      char when[32];
      std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
      return std::string("the brokers cannot be reached since ") + when + "; serving the state as it was then";
    }
    if (!ready_flag.load()) return "waiting for partitions from the consumer group";
    if (!caught_up.load()) {
      const std::optional<std::uint64_t> backlog = consumer_backlog();
      return backlog ? "catching up: " + std::to_string(*backlog) + " events behind" : "catching up";
    }
    return {};
  }

  [[nodiscard]] PipelineStatus status() override {
    PipelineStatus st;
    st.topic = o.topic;
    st.events_applied = applied.load();
    st.events_duplicate = duplicates.load();
    st.events_rejected = rejected.load();
    st.partition_total = partition_total;
    kafka::Consumer* c = consumer_for_readers.load();
    for (const kafka::PartitionProgress& p : c ? c->progress() : std::vector<kafka::PartitionProgress>{}) {
      st.partitions.push_back(PartitionStatus{p.partition, p.next_offset, p.high_watermark, p.backlog()});
    }
    std::shared_lock lock(projection_mutex);
    st.as_of = projection.as_of();
    return st;
  }

  std::mutex lag_mutex;
  std::map<std::int32_t, prometheus::Gauge*> lag_gauges;

  void pipeline_metrics(std::string& out) override {
    {
      std::lock_guard lock(lag_mutex);
      std::map<std::int32_t, prometheus::Gauge*> assigned;
      kafka::Consumer* c = consumer_for_readers.load();
      for (const kafka::PartitionProgress& p : c ? c->progress() : std::vector<kafka::PartitionProgress>{}) {
        const auto lag_now = static_cast<double>(p.backlog());
        auto it = lag_gauges.find(p.partition);
        prometheus::Gauge* g =
            it != lag_gauges.end() ? it->second : &lag.Add({{"partition", std::to_string(p.partition)}});
        g->Set(lag_now);
        assigned[p.partition] = g;
      }
      for (const auto& [partition, gauge] : lag_gauges) {
        if (!assigned.count(partition)) lag.Remove(gauge);
      }
      lag_gauges = std::move(assigned);
    }
    state_bytes.Set(static_cast<double>(store->size_bytes()));
    {
      const CurrentFigures current(*this);
      std::shared_lock lock(projection_mutex);
      as_of_gauge.Set(static_cast<double>(projection.as_of().days()) * 86400.0);
      unmatched.Set(static_cast<double>(projection.unmatched_absence_days()));
    }
    std::ostringstream text;
    prometheus::TextSerializer().Serialize(text, registry->Collect());
    out.append(text.str());
  }

  std::unique_ptr<TimeTravel> past;  // answers as known at earlier times, from the journal
  TimeTravel* time_travel() override { return past.get(); }

  void read_projection(const std::function<void(const Projection&, std::uint64_t)>& read) override {
    const CurrentFigures current(*this);
    std::shared_lock lock(projection_mutex);
    read(projection, generation.load());
  }
};

namespace {

// The peers without this instance itself, so that every instance can be given the same list
// (a StatefulSet's pods: http://aggregator-0.aggregator-headless:8080, ...). Itself: the same
// port, and its host name (or that name and a domain), loopback or the address it listens on.
// An address not recognised still does no harm: its sums carry this instance's id.
std::vector<std::string> peers_other_than_self(const std::vector<std::string>& peers, const std::string& listen,
                                               bool quiet) {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) name[0] = '\0';
  const std::string host_name = name;
  const std::size_t colon = listen.rfind(':');
  const std::string listen_host = listen.substr(0, colon);
  const std::string listen_port = colon == std::string::npos ? "" : listen.substr(colon + 1);
  std::vector<std::string> out;
  for (const std::string& peer : peers) {
    std::string authority = peer.substr(peer.find("://") == std::string::npos ? 0 : peer.find("://") + 3);
    authority = authority.substr(0, authority.find('/'));
    const std::size_t c = authority.rfind(':');
    const std::string host = authority.substr(0, c);
    const std::string port =
        c == std::string::npos ? (peer.starts_with("https:") ? "443" : "80") : authority.substr(c + 1);
    const bool self =
        port == listen_port && (host == "localhost" || host == "127.0.0.1" || host == listen_host ||
                                (!host_name.empty() && (host == host_name || host.starts_with(host_name + "."))));
    if (self) {
      if (!quiet) std::fprintf(stderr, "naervaer aggregate: peer %s is this instance; left out\n", peer.c_str());
      continue;
    }
    out.push_back(peer);
  }
  return out;
}

}  // namespace

Service::Service(ServiceOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl& m = *impl_;
  m.dlq_topic = m.o.topic + ".dlq";
  m.store = std::make_unique<store::StateStore>(m.o.state_dir, m.o.topic);
  m.rebuild_from_journal(nullptr);
  m.init_counters();
  m.restore_counters(m.store->counters());
  m.past = std::make_unique<TimeTravel>(TimeTravelOptions{m.o.state_dir, m.o.topic, m.o.projection});
  ServingOptions serving_options;
  serving_options.peers = peers_other_than_self(m.o.peers, m.o.listen, m.o.quiet);
  if (!m.o.peer_credentials.empty()) {
    serving_options.peer_client.authorization = http::basic_authorization(m.o.peer_credentials);
  }
  serving_options.peer_client.ca_file = m.o.peer_ca_file;
  m.serving = std::make_unique<Serving>(m, std::move(serving_options));
  // HTTP first: /healthz answers while the broker is still being looked for (a liveness
  // probe must not kill a healthy pod), /readyz says not ready until partitions come.
  // An evaluation asking its peers holds a thread while they answer: room for the peers'
  // own requests for sums, and for health checks, meanwhile.
  m.server = std::make_unique<http::Server>(
      m.o.listen, [&m](const http::Request& r) { return m.serving->handle(r); }, m.o.peers.empty() ? 2 : 6, m.o.web,
      m.o.web_config_file);
  m.dlq = std::make_unique<kafka::Producer>(m.o.brokers, m.o.kafka_config);
  m.reader = std::make_unique<kafka::Reader>(m.o.brokers, m.o.topic, m.o.kafka_config);
  m.partition_total = m.reader->partition_count();
  kafka::Consumer::Callbacks callbacks;
  callbacks.on_assign = [&m](const std::vector<std::int32_t>& partitions) { return m.on_assign(partitions); };
  callbacks.on_revoke = [&m](const std::vector<std::int32_t>& partitions) {
    (void)m.checkpoint(true);
    for (std::int32_t p : partitions) m.owned.erase(p);  // their messages are no longer ours
    if (m.owned.empty()) m.ready_flag = false;
  };
  // The views of every batch in flight, and of the one being read, must stay valid.
  const std::string instance_id = m.o.group_instance_id.value_or(stored_group_instance_id(m.o.state_dir));
  m.consumer = std::make_unique<kafka::Consumer>(m.o.brokers, m.o.topic, m.o.group, instance_id, m.o.kafka_config,
                                                 callbacks, Impl::kBatchesInFlight + 1);
  m.consumer_for_readers = m.consumer.get();
  // Last, though ~Impl would also join it if something after it threw.
  m.writer = std::thread([&m] { m.writer_loop(); });
}

Service::~Service() {
  // The HTTP threads read everything else: stop them first. Closing the consumer may
  // checkpoint (its revoke callback), so it goes while the writer still runs.
  impl_->server.reset();
  impl_->consumer.reset();
  impl_->stop_writer();
}

std::string Service::http_address() const {
  return impl_->server->address();
}

int Service::run(const std::atomic<bool>& stop) {
  Impl& m = *impl_;
  EventDecoder decoder;
  // The batches in flight, and one more: the batch being read and decoded.
  std::array<Impl::Batch, Impl::kBatchesInFlight + 1> batches;
  // The fold thread stops on every way out, an exception included, and before the batches
  // it may be folding are destroyed (declared after them, so it runs first).
  struct FolderStop {
    Impl& m;
    ~FolderStop() {
      m.stop_folder();     // joins: a fold in progress finishes first
      m.wait_fold_idle();  // forgets what was folded but not finished
    }
  } folder_stop{m};
  std::size_t next = 0;
  std::vector<kafka::Message> reference_messages;
  int status = 0;
  // A failpoint for crash tests (like RocksDB's kill points): the process dies as kill -9
  // would, right after applying the batch that holds the N-th message, before its checkpoint
  // (once the checkpoints before it are written: see die_at_failpoint).
  // Read once, before any other thread could change the environment.
  const char* failpoint = std::getenv("NAERVAER_FAILPOINT_EXIT_AFTER_MESSAGES");  // NOLINT(concurrency-mt-unsafe)
  m.die_after_messages = failpoint ? std::strtoull(failpoint, nullptr, 10) : 0;
  // Another: the process dies once a checkpoint's rejects are on the dead-letter topic,
  // before its offsets are committed (they are consumed and rejected again after a restart).
  m.die_after_dead_letters_flushed =
      std::getenv("NAERVAER_FAILPOINT_EXIT_AFTER_DEAD_LETTERS") != nullptr;  // NOLINT(concurrency-mt-unsafe)
  const std::size_t poll_max =
      std::min<std::size_t>(Impl::kBatchMessages, std::max<std::size_t>(1, m.o.checkpoint_events));
  while (!stop.load()) {
    if (m.write_failed.load()) {  // said by the writer; stop now, not at the next checkpoint
      status = 1;
      break;
    }
    Impl::Batch& batch = batches[next];
    const bool idle = m.in_flight_batches.empty();
    m.consumer->poll(poll_max, idle ? 100 : 0, batch.messages);
    // A rebalance inside poll() can revoke a partition whose messages were fetched before:
    // they belong to the instance that owns it now.
    std::erase_if(batch.messages, [&](const kafka::Message& msg) { return m.owned.count(msg.partition) == 0; });
    if (!batch.messages.empty()) {
      if (!m.backlog_reserved) m.reserve_for_backlog();
      m.decode_batch(batch, decoder);
    }
    // Room for this batch; with nothing new to overlap, everything in flight is finished.
    m.finish_folded(batch.messages.empty() ? 0 : Impl::kBatchesInFlight - 1);
    // Nothing in flight, nothing came for a while and nothing is left: the backlog is folded.
    if (idle && batch.messages.empty() && m.maybe_deferred.load() && m.consumer_backlog() == 0U) {
      m.materialize_figures("caught up");
    }
    if (idle && batch.messages.empty()) m.note_idle();
    if (!batch.messages.empty()) {
      m.start_fold(batch);
      next = (next + 1) % batches.size();
    }
    m.reader->poll(poll_max, 0, reference_messages);
    if (!reference_messages.empty()) m.process_reference(reference_messages, decoder);
    if (m.pending_messages >= m.o.checkpoint_events ||
        (m.pending_messages > 0 && Clock::now() - m.last_checkpoint >= std::chrono::milliseconds(m.o.checkpoint_ms))) {
      if (!m.checkpoint()) {
        status = 1;
        break;
      }
    }
    if (!m.o.today) {  // the as-of date moves at midnight by itself
      const Date today = local_today();
      if (today != m.projection.as_of()) {
        std::unique_lock lock(m.projection_mutex);
        m.projection.set_as_of(today);
        ++m.generation;
      }
    }
    m.newest_event.Set(static_cast<double>(m.newest_recorded_ms) / 1000.0);
  }
  if (status == 0 && !m.checkpoint(true)) status = 1;
  m.consumer->close();  // leaves the group; the revoke callback checkpoints anything left
  if (status == 0 && !m.checkpoint(true)) status = 1;
  m.stop_writer();
  return status;
}

std::optional<std::int64_t> Service::lag() const {
  if (!impl_->ready_flag.load()) return std::nullopt;
  const std::optional<std::uint64_t> backlog = impl_->consumer_backlog();
  if (!backlog) return std::nullopt;
  return static_cast<std::int64_t>(*backlog);
}

void Service::read_projection(const std::function<void(const Projection&)>& read) const {
  impl_->read_projection([&](const Projection& p, std::uint64_t) { read(p); });
}

}  // namespace naervaer
