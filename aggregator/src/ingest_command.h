// `naervaer ingest`: HR exports (CSV, JSON Lines) through naervaer::ingest's validation and
// pseudonymisation onto Kafka with the idempotent producer. Also used by `naervaer demo`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client.h"

namespace naervaer {

struct IngestOptions {
  std::string brokers;
  std::string topic = "naervaer.events";
  std::optional<std::string> pseudonym_key_file;
  std::optional<std::int64_t> recorded_at_ms;
  bool dry_run = false;
  bool progress = true;  // a progress bar when standard error is a terminal
  kafka::Config kafka_config;
  std::vector<std::string> files;
};

struct IngestReport {
  int exit_status = 0;  // 0 every row delivered; 3 some rows rejected; 1 nothing sent or a delivery failed
  std::uint64_t rows_sent = 0;
  std::uint64_t rows_rejected = 0;
  double seconds = 0;
};

// Bad rows are named on standard error as FILE:LINE; a summary line ends the run. Throws
// std::runtime_error for a bad key file or producer configuration (nothing sent).
IngestReport run_ingest(const IngestOptions& options);

}  // namespace naervaer
