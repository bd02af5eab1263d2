// Serving: the HTTP API v1, the page at `/` and /metrics, rendered from what the pipeline
// exposes (ServingSource). Routes, JSON and the metrics text live here and in api.cc and
// unit_metrics.cc; consuming, folding and checkpointing live in service.cc. A new endpoint
// touches only serving.
//
// Thread-safe: handle() is called concurrently from the HTTP threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http_client.h"
#include "http_server.h"
#include "naervaer/projections/projection.h"

namespace naervaer {

class TimeTravel;

struct PartitionStatus {
  std::int32_t partition = 0;
  std::int64_t next_offset = 0;
  std::int64_t high_watermark = -1;  // -1: not known yet
  std::int64_t lag = 0;              // messages still to consume (kafka::PartitionProgress::backlog)
};

struct PipelineStatus {
  Date as_of;
  std::string topic;
  std::uint64_t events_applied = 0;
  std::uint64_t events_duplicate = 0;
  std::uint64_t events_rejected = 0;
  std::vector<PartitionStatus> partitions;  // the partitions assigned to this instance
  std::int32_t partition_total = 0;         // of the topic; 0 when not known yet
};

// What serving needs of the pipeline. Every member is thread-safe.
class ServingSource {
 public:
  virtual ~ServingSource() = default;
  // Empty when ready: partitions assigned, the brokers reachable, caught up once since the
  // assignment. Otherwise why not, in a few words.
  [[nodiscard]] virtual std::string not_ready_reason() const = 0;
  [[nodiscard]] virtual PipelineStatus status() = 0;
  // Appends the Prometheus text of the pipeline's own metrics (events, lag, checkpoints).
  virtual void pipeline_metrics(std::string& out) = 0;
  // Calls `read` with the projection, its figures current, under its shared lock, and its
  // generation: a number that changes whenever the projection does (for caches).
  virtual void read_projection(const std::function<void(const Projection&, std::uint64_t generation)>& read) = 0;
  // Answers as known at an earlier time (DOMAIN.md §14), or null where not served.
  virtual TimeTravel* time_travel() = 0;
};

struct ServingOptions {
  // The other instances of the consumer group, "http[s]://HOST:PORT": an evaluation adds
  // their persons' sums to this instance's own (DOMAIN.md §13 is exact only over every
  // person).
  std::vector<std::string> peers;
  // How the peers are asked: the deadline, "Basic ..." when they are locked (--web-config),
  // the CA their https certificates chain to.
  http::ClientOptions peer_client;
};
// A request of a user with a unit scope (--web-config unit_scopes, http::Request::unit_scope)
// sees only those units and their descendants: the units, their series, follow-ups,
// revisions and reports; not /metrics, the measures or the evaluations, which span units
// (403). Users without one see everything.

class Serving {
 public:
  explicit Serving(ServingSource& source, ServingOptions options = {});
  ~Serving();
  Serving(const Serving&) = delete;
  Serving& operator=(const Serving&) = delete;

  http::Response handle(const http::Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace naervaer
