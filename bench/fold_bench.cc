// The in-memory fold on a realistic event mix (issue 2's target: >= 1,000,000 events/s on
// one core). The ceiling measured in the same run is simdjson's bare DOM parse of the same
// messages, the least any consumer of JSON events must do.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <variant>

#include "naervaer/ingest/generator.h"
#include "naervaer/projections/decode.h"
#include "naervaer/projections/encode.h"
#include "naervaer/projections/projection.h"

namespace naervaer {
namespace {

// The generator of the demo: 10,000 employees over 5 years (about 0.5 M events).
constexpr int kEmployees = 10000;
constexpr int kYears = 5;
const Date kAsOf = Date::from_ymd(2026, 11, 22);

const std::vector<std::string>& messages() {
  static const std::vector<std::string> m = [] {
    std::vector<std::string> out;
    ingest::GeneratorOptions o;
    o.seed = 42;
    o.employees = kEmployees;
    o.from = Date::from_ymd(kAsOf.year() - kYears, 1, 1);
    o.to = kAsOf;
    ingest::generate_municipality(o, [&](const Event& e) { out.push_back(encode_event(e)); });
    return out;
  }();
  return m;
}

const std::vector<Event>& decoded() {
  static const std::vector<Event> events = [] {
    std::vector<Event> out;
    EventDecoder decoder;
    for (const std::string& m : messages()) {
      auto r = decoder.decode(m);
      if (auto* e = std::get_if<Event>(&r)) out.push_back(std::move(*e));
    }
    return out;
  }();
  return events;
}

void BM_CeilingSimdjsonParse(benchmark::State& state) {
  simdjson::dom::parser parser;
  for (auto _ : state) {
    for (const std::string& m : messages()) {
      simdjson::dom::element doc;
      benchmark::DoNotOptimize(parser.parse(m.data(), m.size(), true).get(doc));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(messages().size()));
}

void BM_Decode(benchmark::State& state) {
  EventDecoder decoder;
  for (auto _ : state) {
    for (const std::string& m : messages()) benchmark::DoNotOptimize(decoder.decode(m));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(messages().size()));
}

void BM_FoldDecodedEvents(benchmark::State& state) {
  for (auto _ : state) {
    Projection p(kAsOf);
    for (const Event& e : decoded()) benchmark::DoNotOptimize(p.apply(e));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(decoded().size()));
}

void BM_FoldDecodedEventsInBatches(benchmark::State& state) {
  std::vector<ApplyResult> results;
  constexpr std::size_t kBatch = 512;
  for (auto _ : state) {
    Projection p(kAsOf);
    const std::span<const Event> all(decoded());
    for (std::size_t i = 0; i < all.size(); i += kBatch) {
      p.apply_batch(all.subspan(i, std::min(kBatch, all.size() - i)), results);
    }
    benchmark::DoNotOptimize(results);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(decoded().size()));
}

// The same with the per-day figures deferred until every event is folded, as the
// aggregator does for a journal replay or a large backlog.
void BM_FoldDecodedEventsDeferred(benchmark::State& state) {
  std::vector<ApplyResult> results;
  constexpr std::size_t kBatch = 512;
  for (auto _ : state) {
    Projection p(kAsOf);
    p.defer_figures();
    const std::span<const Event> all(decoded());
    for (std::size_t i = 0; i < all.size(); i += kBatch) {
      p.apply_batch(all.subspan(i, std::min(kBatch, all.size() - i)), results);
    }
    p.materialize_figures();
    benchmark::DoNotOptimize(results);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(decoded().size()));
}

// What the aggregator does with a consumed batch: decode every message, fold the batch.
void BM_DecodeAndFold(benchmark::State& state) {
  EventDecoder decoder;
  std::vector<Event> batch;
  std::vector<ApplyResult> results;
  constexpr std::size_t kBatch = 512;
  for (auto _ : state) {
    Projection p(kAsOf);
    for (std::size_t i = 0; i < messages().size(); i += kBatch) {
      batch.clear();
      for (std::size_t j = i; j < std::min(i + kBatch, messages().size()); ++j) {
        auto r = decoder.decode(messages()[j]);
        if (auto* e = std::get_if<Event>(&r)) batch.push_back(std::move(*e));
      }
      p.apply_batch(batch, results);
    }
    const ProjectionStats st = p.stats();
    state.counters["employees"] = static_cast<double>(st.employees);
    state.counters["state_MiB"] = static_cast<double>(st.memory_bytes) / (1 << 20);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(messages().size()));
}

// A window query and a monthly series over the whole history, at the root (every unit).
void BM_QueryRootWindowsAndSeries(benchmark::State& state) {
  Projection p(kAsOf);
  for (const Event& e : decoded()) (void)p.apply(e);
  const UnitId root = *p.find_unit("kommune");
  const auto months = periods_overlapping(Date::from_ymd(2026 - kYears, 1, 1), kAsOf, Granularity::kMonth);
  for (auto _ : state) {
    for (Window w : kAllWindows) benchmark::DoNotOptimize(p.figures(root, window_period(w, kAsOf)));
    benchmark::DoNotOptimize(p.series(root, months));
  }
}

void BM_QueryOneUnitMonthlySeries(benchmark::State& state) {
  Projection p(kAsOf);
  for (const Event& e : decoded()) (void)p.apply(e);
  const UnitId unit = *p.find_unit("helse-3");
  const auto months = periods_overlapping(Date::from_ymd(2026 - kYears, 1, 1), kAsOf, Granularity::kMonth);
  for (auto _ : state) benchmark::DoNotOptimize(p.series(unit, months));
}

void BM_QueryAllUnitsAllWindows(benchmark::State& state) {
  Projection p(kAsOf);
  for (const Event& e : decoded()) (void)p.apply(e);
  for (auto _ : state) {
    for (Window w : kAllWindows) benchmark::DoNotOptimize(p.all_units(window_period(w, kAsOf)));
  }
  state.counters["units"] = static_cast<double>(p.unit_count());
}

BENCHMARK(BM_CeilingSimdjsonParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FoldDecodedEvents)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FoldDecodedEventsInBatches)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FoldDecodedEventsDeferred)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeAndFold)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QueryRootWindowsAndSeries)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QueryOneUnitMonthlySeries)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_QueryAllUnitsAllWindows)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace naervaer

BENCHMARK_MAIN();
