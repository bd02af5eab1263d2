#include "broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <stdexcept>

namespace naervaer::kafka {

struct EmbeddedBroker::Impl {
  int brokers = 1;
  rd_kafka_t* handle = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;
};

EmbeddedBroker::EmbeddedBroker(const BrokerOptions& options) : impl_(std::make_unique<Impl>()) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The mock cluster needs a client instance to live in; nothing is sent through it.
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  impl_->handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!impl_->handle) throw std::runtime_error(std::string("cannot start the embedded broker: ") + err);
  impl_->brokers = options.brokers;
  impl_->cluster = rd_kafka_mock_cluster_new(impl_->handle, options.brokers);
  if (!impl_->cluster) {
    rd_kafka_destroy(impl_->handle);
    throw std::runtime_error("cannot start the embedded broker (mock cluster)");
  }
  for (const std::string& topic : options.topics) {
    if (rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), options.partitions, 1) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_mock_cluster_destroy(impl_->cluster);
      rd_kafka_destroy(impl_->handle);
      throw std::runtime_error("cannot create topic " + topic + " on the embedded broker");
    }
  }
}

EmbeddedBroker::~EmbeddedBroker() {
  rd_kafka_mock_cluster_destroy(impl_->cluster);
  rd_kafka_destroy(impl_->handle);
}

std::string EmbeddedBroker::bootstrap_servers() const {
  return rd_kafka_mock_cluster_bootstraps(impl_->cluster);
}

void EmbeddedBroker::set_reachable(bool reachable) {
  for (std::int32_t id = 1; id <= impl_->brokers; ++id) {  // the mock numbers its brokers from 1
    if (reachable) {
      (void)rd_kafka_mock_broker_set_up(impl_->cluster, id);
    } else {
      (void)rd_kafka_mock_broker_set_down(impl_->cluster, id);
    }
  }
}

}  // namespace naervaer::kafka
