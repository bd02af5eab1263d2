// The ceiling for the aggregator benchmark: raw librdkafka consumption of the same topic
// with the aggregator's consumer settings, doing nothing with the messages.
//   [WORK_NS=n] naervaer_consume_ceiling BROKERS TOPIC EXPECTED_MESSAGES [librdkafka name=value ...]
// Prints "messages=N seconds=S rate=R bytes=B cpu_seconds=C" (timed from the first message
// to the last; C is the process's user and system time over the whole run).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "client.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: naervaer_consume_ceiling BROKERS TOPIC EXPECTED_MESSAGES\n");
    return 2;
  }
  const std::uint64_t expected = std::strtoull(argv[3], nullptr, 10);
  const char* work = std::getenv("WORK_NS");  // NOLINT(concurrency-mt-unsafe): read before any thread starts
  const std::int64_t work_ns = work ? std::atoll(work) : 0;
  naervaer::kafka::Consumer::Callbacks cb;
  cb.on_assign = [](const std::vector<std::int32_t>&) { return std::map<std::int32_t, std::int64_t>{}; };
  cb.on_revoke = [](const std::vector<std::int32_t>&) {};
  naervaer::kafka::Config extra;
  for (int i = 4; i < argc; ++i) {
    const std::string kv = argv[i];
    extra.emplace_back(kv.substr(0, kv.find('=')), kv.substr(kv.find('=') + 1));
  }
  naervaer::kafka::Consumer consumer(argv[1], argv[2], "naervaer-ceiling-" + std::to_string(std::rand()), "", extra,
                                     cb);
  std::vector<naervaer::kafka::Message> batch;
  std::uint64_t n = 0, bytes = 0;
  std::chrono::steady_clock::time_point first;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (n < expected && std::chrono::steady_clock::now() < deadline) {
    consumer.poll(4096, 200, batch);
    if (n == 0 && !batch.empty()) first = std::chrono::steady_clock::now();
    n += batch.size();
    for (const auto& m : batch) bytes += m.value.size();
    // Simulated work per message (WORK_NS): shows how librdkafka's consumption rate falls
    // when the application is busy between polls (see docs/aggregator.md).
    if (work_ns > 0) {
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::nanoseconds(work_ns * static_cast<std::int64_t>(batch.size()));
      while (std::chrono::steady_clock::now() < until) {
      }
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - first).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::printf("messages=%llu seconds=%.3f rate=%.0f bytes=%llu cpu_seconds=%.2f\n", static_cast<unsigned long long>(n),
              s, static_cast<double>(n) / s, static_cast<unsigned long long>(bytes), cpu);
  return n == expected ? 0 : 1;
}
