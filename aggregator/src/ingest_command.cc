#include "ingest_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "naervaer/ingest/importer.h"
#include "naervaer/ingest/pseudonym.h"

namespace naervaer {

namespace {

using Clock = std::chrono::steady_clock;

// "[#######.......]  52%  1,234,567/2,345,678 rows  812,345 rows/s  ETA 1 s" on one line,
// redrawn at most ten times a second.
class ProgressBar {
 public:
  ProgressBar(bool enabled, std::uint64_t total) : enabled_(enabled && ::isatty(2) == 1), total_(total) {}

  void update(std::uint64_t done) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (done != total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    const double fraction = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1;
    char bar[31];
    const int filled = static_cast<int>(fraction * 30);
    for (int i = 0; i < 30; ++i) bar[i] = i < filled ? '#' : '.';
    bar[30] = '\0';
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
    std::fprintf(stderr, "\r[%s] %3.0f%%  %llu/%llu rows  %.0f rows/s  ETA %.0f s ", bar, fraction * 100,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), rate, eta);
    if (done == total_) std::fputc('\n', stderr);
  }

 private:
  bool enabled_;
  std::uint64_t total_;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_{};
};

}  // namespace

IngestReport run_ingest(const IngestOptions& o) {
  IngestReport report;
  const auto started = Clock::now();
  std::optional<ingest::Pseudonymiser> pseudonymiser;
  if (o.pseudonym_key_file) pseudonymiser = ingest::Pseudonymiser::from_key_file(*o.pseudonym_key_file);
  ingest::Importer importer(ingest::ImportSettings{pseudonymiser ? &*pseudonymiser : nullptr, o.recorded_at_ms});

  // Pass 1: validate everything before anything is sent.
  const ingest::ScanResult scan = importer.scan(
      o.files, [](const ingest::RowProblem& p) { std::fprintf(stderr, "%s\n", ingest::to_string(p).c_str()); });
  if (scan.fatal) {
    std::fprintf(stderr, "%s\nnaervaer ingest: nothing was sent\n", ingest::to_string(*scan.fatal).c_str());
    report.exit_status = 1;
    return report;
  }
  report.rows_rejected = scan.rejected_rows;
  std::string by_stage;
  for (std::size_t s = 0; s < ingest::kStageCount; ++s) {
    if (scan.valid_by_stage[s] == 0) continue;
    by_stage += (by_stage.empty() ? "" : ", ") + std::string(ingest::to_string(static_cast<ingest::Stage>(s))) + " " +
                std::to_string(scan.valid_by_stage[s]);
  }
  if (o.dry_run) {
    std::fprintf(stderr, "naervaer ingest: dry run, nothing sent: %llu valid rows (%s), %llu rejected, %zu files\n",
                 static_cast<unsigned long long>(scan.valid_rows), by_stage.c_str(),
                 static_cast<unsigned long long>(scan.rejected_rows), scan.files.size());
    report.exit_status = scan.rejected_rows ? 3 : 0;
    return report;
  }

  // Pass 2: produce in stage order, checking every delivery report.
  kafka::Producer producer(o.brokers, o.kafka_config);
  if (!producer.brokers_reachable(10000)) {
    std::fprintf(stderr,
                 "naervaer ingest: the brokers at %s did not answer within 10 s; nothing was sent (is Kafka "
                 "running, and is --brokers right?)\n",
                 o.brokers.c_str());
    report.exit_status = 1;
    return report;
  }
  ProgressBar bar(o.progress, scan.valid_rows);
  std::uint64_t sent = 0;
  importer.emit(scan, [&](const Event& e, std::string_view json) {
    producer.produce(o.topic, e.entity_key(), json);
    if (++sent % 1024 == 0) {
      producer.poll();
      bar.update(sent);
    }
  });
  // Counted from the delivery reports: a row is delivered when the broker said so. Rows
  // still queued when the wait ends are not delivered, whatever happens to them later.
  const kafka::Producer::Flush flushed = producer.flush(60000);
  bar.update(sent);
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  report.rows_sent = std::min(sent, producer.delivered());
  const std::uint64_t not_delivered = sent - report.rows_sent;
  std::fprintf(stderr,
               "naervaer ingest: %llu rows delivered to %s (%s), %llu rejected, %llu not delivered; %.2f s, %.0f "
               "rows/s\n",
               static_cast<unsigned long long>(report.rows_sent), o.topic.c_str(), by_stage.c_str(),
               static_cast<unsigned long long>(scan.rejected_rows), static_cast<unsigned long long>(not_delivered),
               report.seconds, static_cast<double>(sent) / std::max(report.seconds, 1e-9));
  if (not_delivered > 0 || flushed != kafka::Producer::Flush::kDelivered) {
    std::fprintf(stderr, "naervaer ingest: %s; run the same import again (rows delivered twice count once)\n",
                 flushed == kafka::Producer::Flush::kStillQueued
                     ? "the brokers did not confirm every row within 60 s"
                     : "the brokers refused some rows (the lines above say why)");
    report.exit_status = 1;
  } else {
    report.exit_status = scan.rejected_rows ? 3 : 0;
  }
  return report;
}

}  // namespace naervaer
