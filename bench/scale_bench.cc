// Scale: one municipality of N employees over Y years (default 50,000 × 10), folded in
// memory. Prints the memory an employee and a unit cost, and how query time grows with
// the window's length. A measurement to run by hand (minutes at 500,000 employees):
//   build/release/bench/naervaer_scale_bench [employees] [years]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "naervaer/ingest/generator.h"
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

  const double rss_before = rss_mib();
  Projection p(as_of);
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t events = naervaer::bench::fold_municipality(o, p, true);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const ProjectionStats st = p.stats();
  std::fprintf(stderr, "\n");
  std::printf(
      "municipality: %d employees at a time over %d years: %llu events, %zu persons, %zu units, "
      "%zu employments, %zu absences\n",
      employees, years, static_cast<unsigned long long>(events), st.employees, st.units, st.employments, st.absences);
  std::printf("generate + fold: %.1f s (%.0f events/s including the generator)\n", seconds,
              static_cast<double>(events) / seconds);
  std::printf("state estimate %.1f MiB; process RSS grew %.1f MiB\n", static_cast<double>(st.memory_bytes) / (1 << 20),
              rss_mib() - rss_before);
  std::printf("  unit-day figures %.1f MiB: %.0f KiB per unit (%d years of working days)\n",
              static_cast<double>(st.unit_day_bytes) / (1 << 20),
              static_cast<double>(st.unit_day_bytes) / 1024 / static_cast<double>(st.units), years);
  std::printf("  records %.1f MiB: %.0f bytes per person ever employed\n",
              static_cast<double>(st.record_bytes) / (1 << 20),
              static_cast<double>(st.record_bytes) / static_cast<double>(st.employees));
  std::printf("  event ids %.1f MiB: %.1f bytes per event\n", static_cast<double>(st.event_id_bytes) / (1 << 20),
              static_cast<double>(st.event_id_bytes) / static_cast<double>(st.remembered_event_ids));

  const UnitId root = *p.find_unit("kommune");
  const UnitId unit = *p.find_unit("helse-3");
  std::printf("\nquery time (median of 9) by window length:\n%10s %14s %14s %16s\n", "days", "root (ms)", "unit (ms)",
              "all units (ms)");
  for (int days : {30, 90, 365, 1095, 3650}) {
    const Period w{as_of - (days - 1), as_of};
    const double r = median_ms(9, [&] { (void)p.figures(root, w); });
    const double u = median_ms(9, [&] { (void)p.figures(unit, w); });
    const double a = median_ms(9, [&] { (void)p.all_units(w); });
    std::printf("%10d %14.3f %14.3f %16.3f\n", days, r, u, a);
  }
  const auto months = periods_overlapping(o.from, as_of, Granularity::kMonth);
  std::vector<Period> windows;
  for (Window w : kAllWindows) windows.push_back(window_period(w, as_of));
  const double scrape_figures = median_ms(9, [&] { (void)p.all_units(std::span<const Period>(windows)); });
  std::printf("all units, all 8 windows at once (a /metrics scrape's figures): %.3f ms\n", scrape_figures);
  // What the follow-up metrics add to a scrape (DOMAIN.md §11, §12): the steps due in the
  // last 30, 90 and 365 days and the frequent short-term count, for every unit.
  const std::array<Period, 3> followup_windows{window_period(Window::k30d, as_of), window_period(Window::k90d, as_of),
                                               window_period(Window::k365d, as_of)};
  const double followup_ms = median_ms(9, [&] { (void)p.followups_all_units(followup_windows); });
  const double frequent_ms = median_ms(9, [&] { (void)p.frequent_short_term_all_units(FrequentShortTermRule{}); });
  const double both_ms = median_ms(9, [&] { (void)p.followup_figures(followup_windows, FrequentShortTermRule{}); });
  std::printf(
      "follow-up steps, 3 windows, all units: %.3f ms (%.2f x the figures); frequent short-term: %.3f ms "
      "(%.2f x); both in one pass, as a scrape asks: %.3f ms (%.2f x)\n",
      followup_ms, followup_ms / scrape_figures, frequent_ms, frequent_ms / scrape_figures, both_ms,
      both_ms / scrape_figures);
  // Series a scrape exports: the figures' 11 per unmasked unit and window, against the
  // follow-up's 4 per unmasked unit, window and step that was due, and 1 frequent count.
  const auto all = p.all_units(std::span<const Period>(windows));
  const auto followups = p.followups_all_units(followup_windows);
  const auto frequent = p.frequent_short_term_all_units(FrequentShortTermRule{});
  std::size_t figure_series = 0, followup_series = 0, frequent_series = 0;
  for (UnitId u = 0; u < p.unit_count(); ++u) {
    for (const auto& w : all) figure_series += w[u].masked ? 0U : 11U;
    for (const auto& w : followups) {
      if (w[u].masked) continue;
      for (const FollowupCounts& c : w[u].steps) followup_series += c.due > 0 ? 4U : 0U;
    }
    frequent_series += frequent[u].masked ? 0U : 1U;
  }
  std::printf("series: %zu of figures, %zu of follow-up steps (+%.0f %%), %zu frequent counts, over %zu units\n",
              figure_series, followup_series,
              100.0 * static_cast<double>(followup_series) / static_cast<double>(figure_series), frequent_series,
              p.unit_count());
  std::printf("monthly series over %zu months: root %.3f ms, unit %.3f ms\n", months.size(),
              median_ms(9, [&] { (void)p.series(root, months); }), median_ms(9, [&] { (void)p.series(unit, months); }));
  return 0;
}
