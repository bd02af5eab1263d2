// The embedded Kafka-protocol broker for development and tests: librdkafka's mock
// cluster, listening on loopback. It keeps only about 5 MiB or 100,000 batches per
// partition and forgets older data, so it is a transport, never a store of record.
// Thread-safe to construct and destroy from one thread; the cluster runs its own threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace naervaer::kafka {

struct BrokerOptions {
  int brokers = 1;
  // Enough partitions that the demo, the tests and the benchmark never lose data
  // (32 × 5 MiB of compressed batches).
  int partitions = 32;
  std::vector<std::string> topics = {"naervaer.events", "naervaer.events.dlq"};
};

class EmbeddedBroker {
 public:
  explicit EmbeddedBroker(const BrokerOptions& options);  // throws std::runtime_error
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:PORT[,...]"
  [[nodiscard]] std::string bootstrap_servers() const;

  // Fault injection for tests: every broker drops its connections and refuses new ones
  // (false), or takes them again (true). The data stays.
  void set_reachable(bool reachable);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace naervaer::kafka
