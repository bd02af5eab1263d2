// Measure evaluation (DOMAIN.md §13) at municipal scale: a generated municipality of N
// employees over Y years (2,000 and 50,000 × 10 in the note), folded in memory; then the
// median time of evaluating every measure, beside the peer it is compared with in the same
// run: one scrape's worth of figures (all units, all windows), which /metrics computes.
//   build/release/bench/naervaer_evaluation_bench [employees] [years]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "naervaer/ingest/generator.h"
#include "naervaer/projections/evaluation.h"
#include "naervaer/projections/projection.h"

using naervaer::bench::median_ms;
using naervaer::bench::rss_mib;

int main(int argc, char** argv) {
  using namespace naervaer;
  const int employees = argc > 1 ? std::atoi(argv[1]) : 50000;
  const int years = argc > 2 ? std::atoi(argv[2]) : 10;
  const Date as_of = Date::from_ymd(2026, 11, 22);
  ingest::GeneratorOptions o;
  o.employees = employees;
  o.from = Date::from_ymd(as_of.year() - years, 1, 1);
  o.to = as_of;
  Projection p(as_of);
  p.defer_figures();
  const std::uint64_t events = naervaer::bench::fold_municipality(o, p, false);
  p.materialize_figures();
  std::printf("municipality: %d employees over %d years, %llu events, %zu units, %zu measures\n", employees, years,
              static_cast<unsigned long long>(events), p.unit_count(), p.measures().size());

  std::vector<Period> windows;
  for (Window w : kAllWindows) windows.push_back(window_period(w, as_of));
  const double scrape_ms = median_ms(7, [&] { (void)p.all_units(std::span<const Period>(windows)); });

  const double rss_before = rss_mib();
  double slowest = 0;
  for (const MeasureSet& m : p.measures()) {
    Verdict verdict = Verdict::kNotStarted;
    const double ms = median_ms(5, [&] {
      const auto e = evaluate_measure(p, m.measure_id, {});
      verdict = std::get<Evaluation>(e).verdict;
    });
    slowest = std::max(slowest, ms);
    std::printf("  %-16s %-24s %8.1f ms  (%.2f x a scrape's figures)\n", m.measure_id.c_str(),
                std::string(to_string(verdict)).c_str(), ms, ms / scrape_ms);
  }
  std::printf("all units x all windows (the peer): %.1f ms\n", scrape_ms);
  std::printf("slowest evaluation: %.1f ms (target < 1000 ms); %.2f x the peer\n", slowest, slowest / scrape_ms);
  std::printf("resident memory grew by %.1f MiB while evaluating (the sums are a few KiB)\n", rss_mib() - rss_before);
}
