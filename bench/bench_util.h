// What the scale benchmarks share: a generated municipality folded in memory, resident
// memory, and the median of repeated timings.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "naervaer/ingest/generator.h"
#include "naervaer/projections/projection.h"

namespace naervaer::bench {

inline double rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      double kib = 0;
      status >> kib;
      return kib / 1024;
    }
    status.ignore(1 << 12, '\n');
  }
  return 0;
}

template <class F>
double median_ms(int reps, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Generates the municipality into `p` in batches; returns the events folded. With progress,
// a count on stderr every million events.
inline std::uint64_t fold_municipality(const ingest::GeneratorOptions& o, Projection& p, bool progress) {
  std::vector<Event> batch;
  std::vector<ApplyResult> results;
  std::uint64_t events = 0;
  ingest::generate_municipality(o, [&](const Event& e) {
    batch.push_back(e);
    if (batch.size() == 4096) {
      p.apply_batch(batch, results);
      events += batch.size();
      batch.clear();
      if (progress && events % (1 << 20) < 4096) {
        std::fprintf(stderr, "\r%llu events", static_cast<unsigned long long>(events));
      }
    }
  });
  p.apply_batch(batch, results);
  return events + batch.size();
}

}  // namespace naervaer::bench
