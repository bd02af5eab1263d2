// The projection: folds contract-v1 events into the current records (units, targets,
// employments, absences, measures, follow-ups) and keeps, per unit and working day, the
// exact contracted and lost workdays that DOMAIN.md defines. Every event updates only the
// days it can affect (retract the old contribution over that range, add the new one), so
// the state after any sequence of events equals a recomputation from the final records.
//
// Not thread-safe: one writer; const queries may run concurrently with each other but not
// with apply() or set_as_of().
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "naervaer/projections/event.h"
#include "naervaer/projections/figures.h"
#include "naervaer/projections/periods.h"

namespace naervaer {

using UnitId = std::uint32_t;

// Frequent short-term absence (DOMAIN.md §12): persons with at least `min_cases` short-term
// cases starting in the last `days` days (municipalities set their own rule).
struct FrequentShortTermRule {
  std::int32_t days = 365;
  std::int32_t min_cases = 4;
};

struct ProjectionOptions {
  // Figures of fewer distinct persons than this are masked (DOMAIN.md §7).
  std::int32_t masking_limit = 5;
  // The absence threshold that applies at the root when no target_set gives one.
  std::optional<Hundredths> default_absence_threshold;
  // Frequent short-term absence (DOMAIN.md §12): 4 cases in 365 days unless set.
  FrequentShortTermRule frequent_short_term;
};

enum class Outcome : std::uint8_t { kApplied, kDuplicate, kRejected };
std::string_view to_string(Outcome o) noexcept;

struct [[nodiscard]] ApplyResult {
  Outcome outcome = Outcome::kApplied;
  std::optional<Rejection> rejection;  // set when rejected
};

struct UnitInfo {
  std::string id;
  std::string name;  // the id until the unit is registered
  std::optional<UnitId> parent;
  bool registered = false;  // false: only referenced so far (by an employment, ...)
  std::vector<UnitId> children;
};

// The target and threshold in force for a unit and year, with where each came from.
struct TargetView {
  std::optional<Hundredths> attendance_target;
  std::optional<UnitId> target_from;
  std::optional<Hundredths> absence_threshold;
  std::optional<UnitId> threshold_from;  // none with a value: the configured default
};

// Follow-up of cases (DOMAIN.md §11) for one step, over the steps due in a period.
struct FollowupCounts {
  std::int32_t due = 0;           // steps due in the period (and on or before the as-of date)
  std::int32_t done_on_time = 0;  // recorded on or before the due day
  std::int32_t late = 0;          // recorded after the due day
  std::int32_t overdue = 0;       // not recorded by the as-of date
};
inline constexpr std::size_t kFollowupStepCount = 4;

struct FollowupReport {
  std::array<FollowupCounts, kFollowupStepCount> steps{};  // indexed by FollowupStep
  std::int32_t persons = 0;                                // distinct persons with a step due
  bool masked = true;                                      // the unit has fewer persons than the masking limit
};

// Only ever a count per unit, masked like figures.
struct FrequentShortTerm {
  std::int32_t persons = 0;
  bool masked = true;
};

struct FollowupFigures {
  std::vector<std::vector<FollowupReport>> steps;  // [period][unit]
  std::vector<FrequentShortTerm> frequent;         // [unit]
};

struct ProjectionStats {
  std::uint64_t events_applied = 0;
  std::uint64_t events_duplicate = 0;
  std::uint64_t events_rejected = 0;
  std::size_t units = 0;
  std::size_t employees = 0;
  std::size_t employments = 0;
  std::size_t absences = 0;
  std::size_t measures = 0;
  std::size_t remembered_event_ids = 0;
  // Persons whose deferred figures were computed (materialize_figures), in all and by the
  // two-thread path.
  std::uint64_t persons_refigured = 0;
  std::uint64_t persons_refigured_on_two_threads = 0;
  // Estimates of the heap the state holds, in total and by part.
  std::size_t memory_bytes = 0;
  std::size_t unit_day_bytes = 0;  // per-unit, per-working-day figures
  std::size_t record_bytes = 0;    // employees, employments, absences, indexes
  std::size_t event_id_bytes = 0;  // the event_id index (duplicates, conflicts)
};

// What the fold needs of an event besides its fields: the hashes of its event_id (128
// bits), of its content (content_fingerprint) and of its employee (128 bits; zero for
// events without one). A function of the event alone, so a pipeline computes it beside
// decoding, on another thread than the fold.
struct EventHashes {
  std::uint64_t id_a = 0, id_b = 0;
  std::uint64_t fingerprint = 0;
  std::uint64_t person_a = 0, person_b = 0;
};
[[nodiscard]] EventHashes hash_event(const Event& event);

class Projection {
 public:
  explicit Projection(Date as_of, ProjectionOptions options = {});
  ~Projection();
  Projection(Projection&&) noexcept;
  Projection& operator=(Projection&&) noexcept;

  // Applies one event: a repeat of an event_id with the same content is a duplicate and
  // changes nothing; with other content it is rejected as a conflict.
  ApplyResult apply(const Event& event);
  // The same as apply() on each event in order, but faster: it prefetches ahead. Results
  // are appended to `results` (cleared first).
  void apply_batch(std::span<const Event> events, std::vector<ApplyResult>& results);
  // The same with each event's hash_event() computed beforehand (one per event).
  void apply_batch(std::span<const Event> events, std::span<const EventHashes> hashes,
                   std::vector<ApplyResult>& results);
  // Makes room for `events` distinct event ids in all, so that applying that many never
  // regrows the index of ids seen (a replay of a journal of known length).
  void reserve_events(std::size_t events);

  // Folding a large backlog (a journal replay, a catch-up from far behind) is faster with
  // the per-day figures deferred: events then update the records only, and the figures of
  // each person changed are computed once, by materialize_figures(), instead of being
  // retracted and re-added at every correction or growing case. While deferred, the figure
  // queries (figures, series, all_units, own_day, unmatched_absence_days) throw
  // std::logic_error; records, targets, headcounts, follow-ups and counts stay current.
  // set_as_of() to another date materializes first. Materializing ends the deferral; if it
  // throws (out of memory), the figures stay deferred and the next call recomputes them
  // all from the records.
  void defer_figures() noexcept;
  void materialize_figures();
  [[nodiscard]] bool figures_deferred() const noexcept;

  // Moves the as-of date (DOMAIN.md §6). Forward moves are incremental (open-ended
  // employments and absences grow); a backward move recomputes everything.
  void set_as_of(Date as_of);
  [[nodiscard]] Date as_of() const noexcept;
  [[nodiscard]] const ProjectionOptions& options() const noexcept;

  // Units, in order of first appearance.
  [[nodiscard]] std::size_t unit_count() const noexcept;
  [[nodiscard]] const UnitInfo& unit(UnitId id) const;
  [[nodiscard]] std::optional<UnitId> find_unit(std::string_view id) const;
  [[nodiscard]] std::vector<UnitId> roots() const;
  [[nodiscard]] bool is_descendant_or_self(UnitId unit, UnitId ancestor) const noexcept;

  // Figures of a unit with all its descendants over one period, clipped to the as-of date.
  [[nodiscard]] Figures figures(UnitId unit, Period period) const;
  // One Figures per period; periods must be sorted and must not overlap.
  [[nodiscard]] std::vector<Figures> series(UnitId unit, const std::vector<Period>& periods) const;
  // One Figures per unit (index = UnitId) for one period: a single pass over all units.
  [[nodiscard]] std::vector<Figures> all_units(Period period) const;
  // The same for several periods at once (result[p][unit]): one pass over all employees.
  [[nodiscard]] std::vector<std::vector<Figures>> all_units(std::span<const Period> periods) const;
  // The unit's own figures on one day (no descendants, no clipping, no masking): for tests.
  [[nodiscard]] Sums own_day(UnitId unit, Date day) const;

  [[nodiscard]] TargetView target(UnitId unit, int year) const;

  // Follow-up steps due in `due_in` (up to the as-of date) for persons employed in the unit
  // (or a descendant) on the due day, masked as the unit's figures over `due_in` are.
  [[nodiscard]] FollowupReport followups(UnitId unit, Period due_in) const;
  // The same for every unit (result[period][unit]): one pass over all employees.
  [[nodiscard]] std::vector<std::vector<FollowupReport>> followups_all_units(std::span<const Period> due_in) const;
  // Persons employed in the unit (or a descendant) during the rule's last days with at
  // least its number of short-term cases starting in them.
  [[nodiscard]] FrequentShortTerm frequent_short_term(UnitId unit, FrequentShortTermRule rule) const;
  // The same for every unit (by UnitId): one pass over all employees.
  [[nodiscard]] std::vector<FrequentShortTerm> frequent_short_term_all_units(FrequentShortTermRule rule) const;
  // Both for every unit in one pass over the employees (what a /metrics scrape needs).
  [[nodiscard]] FollowupFigures followup_figures(std::span<const Period> due_in, FrequentShortTermRule rule) const;
  [[nodiscard]] std::vector<MeasureSet> measures() const;
  [[nodiscard]] std::optional<MeasureSet> measure(std::string_view measure_id) const;

  // Each person's own figures in groups of units over periods (the cells of a measure
  // evaluation, DOMAIN.md §13): calls visit(cells) once per person with a contracted
  // working day in some cell, with cells[g * periods.size() + p] for group g and period p,
  // each period clipped to the as-of date. group_of_unit: by UnitId, a group below
  // `groups`, or -1 for none. Reads only the records: works while figures are deferred.
  void for_each_person_cells(std::span<const std::int8_t> group_of_unit, std::size_t groups,
                             std::span<const Period> periods,
                             const std::function<void(std::span<const Sums> cells)>& visit) const;
  // Absence days (per absence, working days up to the as-of date) that applied to no
  // active employment and so count nowhere.
  [[nodiscard]] std::int64_t unmatched_absence_days() const;
  [[nodiscard]] ProjectionStats stats() const;

 private:
  void require_figures() const;  // throws while the figures are deferred

  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace naervaer
