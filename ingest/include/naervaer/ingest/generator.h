// A realistic synthetic municipality as contract-v1 events, for the demo, tests and
// benchmarks (`naervaer generate`). Deterministic for a seed; streamed: memory does not
// grow with the number of employees or years.
//
// What it models (the figures land in the ranges Norwegian municipalities report):
//  - a root, sectors (oppvekst, helse og omsorg, teknisk drift, kultur, administrasjon)
//    and units of 15–90 persons with Norwegian names; yearly attendance targets (92–95 %)
//    and absence thresholds per unit;
//  - positions that are filled by a sequence of employees (turnover about 8 % a year),
//    much part-time work in health care, changes of fte as a closed and a new employment;
//  - absence of 6–10 % a year: short self-certified spells, doctor-certified cases, long
//    cases of graded sick notes that follow on (long-term carries 60–75 % of lost days);
//    a winter peak, a summer low and a November peak;
//  - late registration (recorded_at after the fact), corrections, cancellations, repeats;
//  - measures (tiltak) in some units from a date on, lowering absence by `measure_effect`.
// Not thread-safe; one generator per thread.
#pragma once

#include <cstdint>
#include <functional>

#include "naervaer/projections/event.h"

namespace naervaer::ingest {

struct GeneratorOptions {
  std::uint64_t seed = 1;
  int employees = 2000;  // persons employed at any one time
  Date from = Date::from_ymd(2024, 1, 1);
  Date to = Date::from_ymd(2026, 12, 31);
  double measure_effect = 0.25;  // share of absence a measure removes in its units
  double repeat_share = 0.01;    // events sent twice (re-exports): duplicates downstream
};

struct GeneratorSummary {
  std::uint64_t events = 0;
  std::uint64_t units = 0;
  std::uint64_t persons = 0;  // everyone ever employed
  std::uint64_t measures = 0;
};

// Calls sink for every event: units and targets first, then measures, then each person's
// events in the order they were recorded (so every entity's events are in order).
GeneratorSummary generate_municipality(const GeneratorOptions& options, const std::function<void(const Event&)>& sink);

}  // namespace naervaer::ingest
