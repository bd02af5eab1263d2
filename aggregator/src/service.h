// The aggregator service: consumes events, folds them into the projection, checkpoints
// journal and offsets to RocksDB in one WriteBatch, sends rejects to the dead-letter topic
// and serves HTTP API v1 and /metrics.
//
// Threads: run() is the only writer of the projection; the HTTP threads read it under a
// shared lock, so every answer is computed from one consistent state.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client.h"
#include "naervaer/projections/projection.h"
#include "web_config.h"

namespace naervaer {

struct ServiceOptions {
  std::string brokers;
  std::string topic = "naervaer.events";
  std::string group = "naervaer-aggregator";
  // This instance's static membership of the group (KIP-345: group.instance.id). None: the
  // id kept in the state directory (made on the first start); empty: a dynamic member.
  std::optional<std::string> group_instance_id;
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path state_dir;
  std::optional<Date> today;  // a fixed as-of date; none: the local date, moving at midnight
  kafka::Config kafka_config;
  std::size_t checkpoint_events = 50000;  // checkpoint after this many messages...
  int checkpoint_ms = 1000;               // ...or this long, whichever comes first
  ProjectionOptions projection;
  bool quiet = false;  // no progress lines on stderr
  // The other instances of the group ("http://HOST:PORT"), whose sums an evaluation adds.
  std::vector<std::string> peers;
  // TLS, users and their unit scopes for the HTTP API (--web-config); empty: open HTTP.
  http::WebConfig web;
  std::filesystem::path web_config_file;  // where `web` came from: read again when it changes
  // "user:password" for asking locked peers (--peer-credentials-file); empty: none.
  std::string peer_credentials;
  // The CA certificates (PEM) the peers' https certificates chain to (--peer-ca-file);
  // empty: the system's.
  std::filesystem::path peer_ca_file;
};

// The local calendar date: the as-of date when none is fixed.
Date local_today();

class Service {
 public:
  // Opens the state directory, rebuilds the projection from the journal, starts HTTP.
  // Throws std::runtime_error / std::invalid_argument with a one-line reason.
  explicit Service(ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Consumes until `stop` is set, then checkpoints and leaves the group. Returns the exit
  // status: 0, or 1 when the state could not be written.
  int run(const std::atomic<bool>& stop);

  [[nodiscard]] std::string http_address() const;

  // Messages not yet applied, summed over the assigned partitions; none before the first
  // assignment. Thread-safe.
  [[nodiscard]] std::optional<std::int64_t> lag() const;

  // Calls `read` with the projection under the shared lock (a consistent state). Thread-safe.
  void read_projection(const std::function<void(const Projection&)>& read) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace naervaer
