#include "client.h"

#include <librdkafka/rdkafkacpp.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

namespace naervaer::kafka {

namespace {

std::unique_ptr<RdKafka::Conf> make_conf(const std::string& brokers, const Config& defaults, const Config& extra) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  auto set = [&](const std::string& name, const std::string& value) {
    if (conf->set(name, value, err) != RdKafka::Conf::CONF_OK) {
      // The value is not repeated: it may be a password.
      throw std::invalid_argument("librdkafka setting " + name + ": " + err);
    }
  };
  set("bootstrap.servers", brokers);
  for (const auto& [k, v] : defaults) set(k, v);
  for (const auto& [k, v] : extra) set(k, v);  // the user's settings win
  return conf;
}

// librdkafka logs go to stderr as one line each; they never carry message contents.
// With the brokers gone, every client retries every connection every few seconds and says
// so each time: the first such line is shown, then at most one a minute (in the whole
// process) with the number left out. `brokers_down`, when given, is set when librdkafka
// says that no broker can be reached.
class LogToStderr : public RdKafka::EventCb {
 public:
  explicit LogToStderr(std::atomic<bool>* brokers_down = nullptr) : brokers_down_(brokers_down) {}

  void event_cb(RdKafka::Event& event) override {
    if (event.type() != RdKafka::Event::EVENT_ERROR && event.type() != RdKafka::Event::EVENT_LOG) return;
    if (event.type() == RdKafka::Event::EVENT_LOG && event.severity() > RdKafka::Event::EVENT_SEVERITY_WARNING) return;
    if (event.type() == RdKafka::Event::EVENT_ERROR && event.err() == RdKafka::ERR__ALL_BROKERS_DOWN &&
        brokers_down_ != nullptr) {
      brokers_down_->store(true);
    }
    if (is_connection_trouble(event)) {
      static std::atomic<std::int64_t> last_shown_s{-1000};
      static std::atomic<std::uint64_t> left_out{0};
      const std::int64_t now_s =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
      std::int64_t last = last_shown_s.load();
      if (now_s - last < 60 || !last_shown_s.compare_exchange_strong(last, now_s)) {
        ++left_out;
        return;
      }
      const std::uint64_t n = left_out.exchange(0);
      if (n > 0) {
        std::fprintf(stderr, "kafka: %s (and %llu lines like it in the last minute)\n", event.str().c_str(),
                     static_cast<unsigned long long>(n));
        return;
      }
    }
    std::fprintf(stderr, "kafka: %s\n", event.str().c_str());
  }

 private:
  static bool is_connection_trouble(RdKafka::Event& event) {
    if (event.type() == RdKafka::Event::EVENT_ERROR) {
      const RdKafka::ErrorCode e = event.err();
      return e == RdKafka::ERR__TRANSPORT || e == RdKafka::ERR__ALL_BROKERS_DOWN || e == RdKafka::ERR__RESOLVE;
    }
    const std::string text = event.str();
    return text.find("Connect to ") != std::string::npos || text.find("Disconnected") != std::string::npos ||
           text.find("Connection refused") != std::string::npos;
  }

  std::atomic<bool>* brokers_down_;
};

// Up to `max` messages: waits at most `timeout_ms` for the first, then takes only what is
// already fetched. `held` keeps the messages alive behind the views in `out`.
void drain(RdKafka::KafkaConsumer& consumer, std::size_t max, int timeout_ms, std::vector<Message>& out,
           std::vector<std::unique_ptr<RdKafka::Message>>& held) {
  int wait = timeout_ms;
  while (out.size() < max) {
    std::unique_ptr<RdKafka::Message> m(consumer.consume(wait));
    wait = 0;
    if (!m || m->err() == RdKafka::ERR__TIMED_OUT) break;
    if (m->err() == RdKafka::ERR__PARTITION_EOF) continue;
    if (m->err() == RdKafka::ERR__FATAL) {
      // Never recovers (librdkafka issue 3437): for a static member, most likely fenced
      // because another process uses the same group.instance.id. Stop, do not spin.
      std::string reason;
      (void)consumer.fatal_error(reason);
      throw std::runtime_error("the Kafka consumer failed for good (" + reason +
                               "); is another instance using the same --group-instance-id?");
    }
    if (m->err() != RdKafka::ERR_NO_ERROR) {
      std::fprintf(stderr, "kafka: %s\n", m->errstr().c_str());
      break;
    }
    Message msg;
    if (m->key_pointer()) msg.key = std::string_view(static_cast<const char*>(m->key_pointer()), m->key_len());
    msg.value = std::string_view(static_cast<const char*>(m->payload()), m->len());
    msg.partition = m->partition();
    msg.offset = m->offset();
    out.push_back(msg);
    held.push_back(std::move(m));
  }
}

}  // namespace

// ---- consumer --------------------------------------------------------------------------

struct Consumer::Impl : public RdKafka::RebalanceCb {
  std::string topic;
  Callbacks callbacks;
  std::atomic<bool> brokers_down{false};
  LogToStderr log{&brokers_down};
  std::unique_ptr<RdKafka::KafkaConsumer> consumer;
  // Keeps the views of the last polls alive (the caller may finish earlier batches while it
  // reads the next).
  std::vector<std::vector<std::unique_ptr<RdKafka::Message>>> held;
  std::size_t held_slot = 0;
  mutable std::mutex progress_mutex;  // progress() is read by the HTTP threads
  std::map<std::int32_t, PartitionProgress> partitions;

  // An exception must not unwind through librdkafka's C frames: it is kept and rethrown by
  // poll() on the consuming thread.
  std::exception_ptr callback_error;

  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    try {
      rebalance(c, err, parts);
    } catch (...) {
      callback_error = std::current_exception();
    }
  }

  // Notes how far each partition was received. A message past offsets the broker no longer
  // holds means they were deleted (retention, a size limit) before they were read here: those
  // events are missing from this instance's figures for good, which is said once per gap
  // (no person in the line; the operator may ingest them again). Offsets skipped for other
  // reasons (compaction, transaction markers) are still held below the log start: not said.
  void note_received(const std::vector<Message>& messages) {
    if (messages.empty()) return;
    std::lock_guard lock(progress_mutex);
    for (const Message& m : messages) {
      auto it = partitions.find(m.partition);
      if (it == partitions.end()) continue;
      std::int64_t& next = it->second.received_next;
      if (m.offset > next) {
        std::int64_t low = 0, high = 0;
        if (consumer->get_watermark_offsets(topic, m.partition, &low, &high) == RdKafka::ERR_NO_ERROR && next < low) {
          it->second.skipped_from = next;
          it->second.skipped_to = std::min(m.offset, low);
          std::fprintf(stderr,
                       "naervaer aggregate: %s [%d]: offsets %lld..%lld were deleted by the broker (retention or a "
                       "size limit) before they were read here; their events are not in this instance's figures\n",
                       topic.c_str(), m.partition, static_cast<long long>(next),
                       static_cast<long long>(std::min(m.offset, low) - 1));
        }
      }
      next = std::max(next, m.offset + 1);
    }
  }

  void rebalance(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err, std::vector<RdKafka::TopicPartition*>& parts) {
    std::vector<std::int32_t> ids;
    ids.reserve(parts.size());
    for (const auto* p : parts) ids.push_back(p->partition());
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      const std::map<std::int32_t, std::int64_t> start = callbacks.on_assign(ids);
      for (auto* p : parts) {
        auto it = start.find(p->partition());
        p->set_offset(it == start.end() ? RdKafka::Topic::OFFSET_BEGINNING : it->second);
      }
      {
        std::lock_guard lock(progress_mutex);
        for (const auto* p : parts) {
          auto it = start.find(p->partition());
          const std::int64_t from = it == start.end() ? 0 : it->second;
          partitions[p->partition()] = PartitionProgress{p->partition(), from, -1, 0, from, 0, 0};
        }
      }
      c->assign(parts);
    } else {
      callbacks.on_revoke(ids);
      {
        std::lock_guard lock(progress_mutex);
        for (std::int32_t id : ids) partitions.erase(id);
      }
      c->unassign();
    }
  }
};

Consumer::Consumer(const std::string& brokers, const std::string& topic, const std::string& group,
                   const std::string& instance_id, const Config& extra, Callbacks callbacks, std::size_t polls_kept)
    : impl_(std::make_unique<Impl>()) {
  if (polls_kept == 0) throw std::invalid_argument("a consumer must keep at least the messages of its last poll");
  impl_->topic = topic;
  impl_->callbacks = std::move(callbacks);
  impl_->held.resize(polls_kept);
  std::unique_ptr<RdKafka::Conf> conf = make_conf(brokers,
                                                  {{"group.id", group},
                                                   {"enable.auto.commit", "false"},
                                                   {"enable.auto.offset.store", "false"},
                                                   {"auto.offset.reset", "earliest"},
                                                   {"partition.assignment.strategy", "range,roundrobin"},
                                                   {"fetch.wait.max.ms", "50"},
                                                   // librdkafka 2.0 pauses fetching a partition for a
                                                   // second whenever the consumer's whole queue is over
                                                   // these; while the fold is busy it is, so keep them
                                                   // high (the prefetch stays bounded at 128 MiB).
                                                   {"queued.min.messages", "10000000"},
                                                   {"queued.max.messages.kbytes", "131072"}},
                                                  extra);
  std::string err;
  if (!instance_id.empty() && conf->set("group.instance.id", instance_id, err) != RdKafka::Conf::CONF_OK) {
    throw std::invalid_argument("group.instance.id: " + err);
  }
  if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(impl_.get()), err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", static_cast<RdKafka::EventCb*>(&impl_->log), err) != RdKafka::Conf::CONF_OK) {
    throw std::invalid_argument(err);
  }
  impl_->consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!impl_->consumer) throw std::invalid_argument("cannot create the Kafka consumer: " + err);
  if (const RdKafka::ErrorCode rc = impl_->consumer->subscribe({topic}); rc != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("cannot subscribe to " + topic + ": " + RdKafka::err2str(rc));
  }
}

Consumer::~Consumer() {
  if (impl_->consumer) impl_->consumer->close();
}

void Consumer::poll(std::size_t max, int timeout_ms, std::vector<Message>& out) {
  out.clear();
  impl_->held_slot = (impl_->held_slot + 1) % impl_->held.size();
  impl_->held[impl_->held_slot].clear();
  drain(*impl_->consumer, max, timeout_ms, out, impl_->held[impl_->held_slot]);
  if (impl_->callback_error) std::rethrow_exception(std::exchange(impl_->callback_error, nullptr));
  impl_->note_received(out);
}

void Consumer::mark(std::int32_t partition, std::int64_t next_offset) {
  std::lock_guard lock(impl_->progress_mutex);
  auto it = impl_->partitions.find(partition);
  if (it != impl_->partitions.end()) it->second.next_offset = next_offset;
}

std::vector<PartitionProgress> Consumer::progress() const {
  std::lock_guard lock(impl_->progress_mutex);
  std::vector<PartitionProgress> out;
  for (const auto& [id, p] : impl_->partitions) {
    out.push_back(p);
    std::int64_t low = 0, high = 0;
    if (impl_->consumer->get_watermark_offsets(impl_->topic, id, &low, &high) == RdKafka::ERR_NO_ERROR) {
      out.back().high_watermark = high;
      out.back().log_start = std::max<std::int64_t>(0, low);
    }
  }
  return out;
}

void Consumer::close() {
  if (impl_->consumer) impl_->consumer->close();
}

bool Consumer::brokers_reachable(int timeout_ms) {
  if (!impl_->brokers_down.load()) return true;
  // A metadata round trip (query_watermark_offsets, tried first, waits for a partition
  // leader far beyond its timeout when there is none).
  std::string err;
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(impl_->consumer.get(), impl_->topic, nullptr, err));
  if (!topic) return false;
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode rc = impl_->consumer->metadata(false, topic.get(), &raw, timeout_ms);
  delete raw;
  if (rc != RdKafka::ERR_NO_ERROR) return false;
  impl_->brokers_down = false;
  return true;
}

// ---- reader ----------------------------------------------------------------------------

struct Reader::Impl {
  std::string topic;
  LogToStderr log;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer;
  std::vector<std::unique_ptr<RdKafka::Message>> held;
  bool assigned = false;
};

Reader::Reader(const std::string& brokers, const std::string& topic, const Config& extra)
    : impl_(std::make_unique<Impl>()) {
  impl_->topic = topic;
  // librdkafka wants a group id even for a consumer that only assigns; it never joins or commits.
  std::unique_ptr<RdKafka::Conf> conf = make_conf(brokers,
                                                  {{"group.id", "naervaer-reference-reader"},
                                                   {"enable.auto.commit", "false"},
                                                   {"enable.auto.offset.store", "false"},
                                                   {"auto.offset.reset", "earliest"},
                                                   {"fetch.wait.max.ms", "100"}},
                                                  extra);
  std::string err;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&impl_->log), err) != RdKafka::Conf::CONF_OK) {
    throw std::invalid_argument(err);
  }
  impl_->consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!impl_->consumer) throw std::invalid_argument("cannot create the Kafka reader: " + err);
}

Reader::~Reader() {
  if (impl_->consumer) impl_->consumer->close();
}

std::int32_t Reader::partition_count() {
  std::string err;
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(impl_->consumer.get(), impl_->topic, nullptr, err));
  if (!topic) throw std::runtime_error("cannot look up topic " + impl_->topic + ": " + err);
  RdKafka::Metadata* raw = nullptr;
  for (int attempt = 0; attempt < 50; ++attempt) {
    const RdKafka::ErrorCode rc = impl_->consumer->metadata(false, topic.get(), &raw, 5000);
    if (rc == RdKafka::ERR_NO_ERROR && raw) {
      std::unique_ptr<RdKafka::Metadata> md(raw);
      for (const auto* t : *md->topics()) {
        if (t->topic() == impl_->topic && t->err() == RdKafka::ERR_NO_ERROR && !t->partitions()->empty()) {
          return static_cast<std::int32_t>(t->partitions()->size());
        }
      }
    } else {
      delete raw;
    }
    raw = nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw std::runtime_error("cannot see topic " + impl_->topic + " on the brokers");
}

void Reader::assign(const std::map<std::int32_t, std::int64_t>& start) {
  std::vector<RdKafka::TopicPartition*> parts;
  parts.reserve(start.size());
  for (const auto& [p, offset] : start) {
    parts.push_back(RdKafka::TopicPartition::create(impl_->topic, p, offset));
  }
  if (parts.empty()) {
    impl_->consumer->unassign();
  } else {
    impl_->consumer->assign(parts);
  }
  impl_->assigned = !parts.empty();
  RdKafka::TopicPartition::destroy(parts);
}

void Reader::poll(std::size_t max, int timeout_ms, std::vector<Message>& out) {
  out.clear();
  impl_->held.clear();
  if (!impl_->assigned) return;
  drain(*impl_->consumer, max, timeout_ms, out, impl_->held);
}

// ---- reading a topic back -------------------------------------------------------------

std::uint64_t read_headers_to_end(const std::string& brokers, const std::string& topic, const Config& extra,
                                  const std::function<void(std::int32_t partition, const Headers&)>& f,
                                  int timeout_ms) {
  LogToStderr log;
  // Not a group member: assigns, never joins or commits.
  std::unique_ptr<RdKafka::Conf> conf = make_conf(brokers,
                                                  {{"group.id", "naervaer-read-back"},
                                                   {"enable.auto.commit", "false"},
                                                   {"enable.auto.offset.store", "false"},
                                                   {"enable.partition.eof", "true"},
                                                   {"fetch.wait.max.ms", "100"}},
                                                  extra);
  std::string err;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&log), err) != RdKafka::Conf::CONF_OK) {
    throw std::invalid_argument(err);
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw std::invalid_argument("cannot create a Kafka reader: " + err);
  struct Close {
    RdKafka::KafkaConsumer& c;
    ~Close() { c.close(); }
  } close{*consumer};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto left_ms = [&] {
    return static_cast<int>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
  };
  // The partitions, from the metadata of all topics (asking for one topic by name would
  // create it where the brokers create topics on request).
  std::int32_t partitions = 0;
  for (;;) {
    RdKafka::Metadata* raw = nullptr;
    const RdKafka::ErrorCode rc = consumer->metadata(true, nullptr, &raw, std::max(1, std::min(5000, left_ms())));
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (rc == RdKafka::ERR_NO_ERROR && md) {
      for (const auto* t : *md->topics()) {
        if (t->topic() == topic && t->err() == RdKafka::ERR_NO_ERROR) {
          partitions = static_cast<std::int32_t>(t->partitions()->size());
        }
      }
      break;
    }
    if (left_ms() == 0) throw std::runtime_error("cannot read " + topic + ": " + RdKafka::err2str(rc));
  }
  std::map<std::int32_t, std::int64_t> end;  // the last offset to read, per partition
  std::vector<RdKafka::TopicPartition*> parts;
  for (std::int32_t p = 0; p < partitions; ++p) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    const RdKafka::ErrorCode rc =
        consumer->query_watermark_offsets(topic, p, &low, &high, std::max(1, std::min(5000, left_ms())));
    if (rc != RdKafka::ERR_NO_ERROR) {
      RdKafka::TopicPartition::destroy(parts);
      throw std::runtime_error("cannot read the offsets of " + topic + ": " + RdKafka::err2str(rc));
    }
    if (high > low) {
      end[p] = high - 1;
      parts.push_back(RdKafka::TopicPartition::create(topic, p, low));
    }
  }
  if (parts.empty()) return 0;
  consumer->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  std::uint64_t n = 0;
  Headers headers;
  while (!end.empty()) {
    if (left_ms() == 0) throw std::runtime_error("reading " + topic + " back took too long");
    std::unique_ptr<RdKafka::Message> m(consumer->consume(std::min(500, left_ms())));
    if (!m || m->err() == RdKafka::ERR__TIMED_OUT) continue;
    // At the end of a partition whose last offsets hold no message (a transaction marker)
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      end.erase(m->partition());
      continue;
    }
    if (m->err() != RdKafka::ERR_NO_ERROR) throw std::runtime_error("cannot read " + topic + ": " + m->errstr());
    auto it = end.find(m->partition());
    if (it == end.end()) continue;
    // Header::key() returns a copy: the keys are kept here while f reads the views.
    std::vector<std::string> keys;
    std::vector<RdKafka::Headers::Header> all;
    if (RdKafka::Headers* h = m->headers()) all = h->get_all();
    keys.reserve(all.size());
    headers.clear();
    for (const RdKafka::Headers::Header& header : all) {
      if (header.value() == nullptr) continue;
      keys.push_back(header.key());
      headers.emplace_back(keys.back(),
                           std::string_view(static_cast<const char*>(header.value()), header.value_size()));
    }
    f(m->partition(), headers);
    ++n;
    if (m->offset() >= it->second) end.erase(it);
  }
  return n;
}

// ---- producer --------------------------------------------------------------------------

struct Producer::Impl : public RdKafka::DeliveryReportCb {
  LogToStderr log;
  std::unique_ptr<RdKafka::Producer> producer;
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  std::uint64_t failed_at_flush = 0;

  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) {
      ++delivered;
    } else {
      ++failed;
      std::fprintf(stderr, "kafka: delivery to %s failed: %s\n", m.topic_name().c_str(), m.errstr().c_str());
    }
  }
};

Producer::Producer(const std::string& brokers, const Config& extra) : impl_(std::make_unique<Impl>()) {
  std::unique_ptr<RdKafka::Conf> conf =
      make_conf(brokers, {{"enable.idempotence", "true"}, {"compression.codec", "lz4"}, {"linger.ms", "20"}}, extra);
  std::string err;
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(impl_.get()), err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", static_cast<RdKafka::EventCb*>(&impl_->log), err) != RdKafka::Conf::CONF_OK) {
    throw std::invalid_argument(err);
  }
  impl_->producer.reset(RdKafka::Producer::create(conf.get(), err));
  if (!impl_->producer) throw std::invalid_argument("cannot create the Kafka producer: " + err);
}

Producer::~Producer() {
  if (impl_->producer) (void)impl_->producer->flush(10000);
}

void Producer::produce(const std::string& topic, std::string_view key, std::string_view value,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  for (;;) {
    RdKafka::Headers* h = nullptr;
    if (!headers.empty()) {
      h = RdKafka::Headers::create();
      for (const auto& [k, v] : headers) h->add(k, v);
    }
    const RdKafka::ErrorCode rc =
        impl_->producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                 const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, h, nullptr);
    if (rc == RdKafka::ERR_NO_ERROR) return;  // the headers now belong to librdkafka
    delete h;
    if (rc != RdKafka::ERR__QUEUE_FULL)
      throw std::runtime_error("cannot produce to " + topic + ": " + RdKafka::err2str(rc));
    impl_->producer->poll(100);  // wait for room
  }
}

bool Producer::brokers_reachable(int timeout_ms) {
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode rc = impl_->producer->metadata(true, nullptr, &raw, timeout_ms);
  delete raw;
  return rc == RdKafka::ERR_NO_ERROR;
}

Producer::Flush Producer::flush(int timeout_ms) {
  const RdKafka::ErrorCode rc = impl_->producer->flush(timeout_ms);
  const std::uint64_t failed_now = impl_->failed.load();
  if (failed_now != impl_->failed_at_flush) {
    impl_->failed_at_flush = failed_now;
    return Flush::kFailed;
  }
  return rc == RdKafka::ERR_NO_ERROR ? Flush::kDelivered : Flush::kStillQueued;
}

std::uint64_t Producer::delivered() const {
  return impl_->delivered.load();
}

void Producer::poll() {
  impl_->producer->poll(0);
}

std::uint64_t Producer::failed() const {
  return impl_->failed.load();
}

}  // namespace naervaer::kafka
