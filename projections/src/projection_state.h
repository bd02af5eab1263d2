// The projection's private state, shared by the files that implement it, each one concern:
//   projection.cc   the public face: apply, hashing of events, duplicates, stats
//   tree.cc         units, the unit tree and targets (DOMAIN.md §8, §10)
//   records.cc      person records: employments, absences, follow-ups, measures; cases (§5)
//   day_figures.cc  per-unit, per-working-day contracted and lost workdays (§2-§5), the
//                   as-of date (§6), deferred figures
//   queries.cc      figures over periods and windows, series, roll-up, headcount (§4, §7, §9)
//   followup.cc     follow-up deadlines and frequent short-term absence (§11, §12)
//   person_cells.cc each person's own figures in groups of units (measure evaluation, §13)
// Internal: not installed, included by projections/src only.
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dense_series.h"
#include "hash.h"
#include "hash128_map.h"
#include "naervaer/projections/calendar.h"
#include "naervaer/projections/projection.h"

namespace naervaer {

namespace detail {

// Stands for "no end" in records; far beyond any supported date, safe to add to.
constexpr Date kOpen = Date(1 << 28);

// Ids of employments and absences are unique per employee; keeping a 64-bit hash instead
// of the string keeps a record small (an accidental collision within one employee's few
// hundred ids has odds below 10^-14). 0 means "no employment named".
inline std::uint64_t record_id(std::string_view s) noexcept {
  const std::uint64_t h = detail::hash_string(s, 0x1d5);
  return h == 0 ? 1 : h;
}

struct EmploymentRec {
  std::uint64_t id;
  UnitId unit;
  Date from;
  Date to;  // kOpen when open-ended
  Hundredths fte;
};

struct AbsenceRec {
  std::uint64_t id;
  std::uint64_t employment;  // 0: applies to every employment active that day
  Date from;
  Date to;  // kOpen when open-ended
  Hundredths grade;
  AbsenceKind kind;
};

struct FollowupRec {
  FollowupStep step;
  Date date;
};

struct EmployeeState {
  std::vector<EmploymentRec> employments;
  std::vector<AbsenceRec> absences;  // sorted by (from, id)
  std::vector<FollowupRec> followups;

  [[nodiscard]] bool has_open_records() const noexcept {
    return std::any_of(employments.begin(), employments.end(), [](const auto& m) { return m.to == kOpen; }) ||
           std::any_of(absences.begin(), absences.end(), [](const auto& a) { return a.to == kOpen; });
  }
};

// An open-ended employment runs to the as-of date.
inline Date effective_end(const EmploymentRec& m, Date as_of) noexcept {
  return m.to == kOpen ? as_of : m.to;
}

// An open-ended absence runs to the as-of date, or, if it starts later, ends on its first day.
inline Date effective_end(const AbsenceRec& a, Date as_of) noexcept {
  if (a.to != kOpen) return a.to;
  return as_of >= a.from ? as_of : a.from;
}

struct LostCell {
  std::int64_t self = 0;
  std::int64_t doctor = 0;
  std::array<std::int64_t, kDurationClassCount> by_class{};
};

struct TargetRec {
  Hundredths attendance_target;
  std::optional<Hundredths> absence_threshold;
};

struct UnitState {
  UnitInfo info;
  std::map<int, TargetRec> targets;              // by year
  std::vector<std::uint32_t> members;            // employee index, once per employment here; sorted
  detail::DenseSeries<std::int64_t> contracted;  // by workday index
  detail::DenseSeries<LostCell> lost;            // by workday index
  std::int32_t tin = 0;                          // subtree = tour[tin, tout)
  std::int32_t tout = 0;
};

// A case (DOMAIN.md §5): absences[first, last) of an employee's sorted list.
struct Case {
  Date start;
  Date end;
  std::size_t first;
  std::size_t last;
};

// Cases merge absences separated by fewer than 16 free calendar days.
constexpr std::int32_t kCaseGapDays = 16;

inline void compute_cases(const std::vector<AbsenceRec>& absences, Date as_of, std::vector<Case>& out) {
  out.clear();
  for (std::size_t i = 0; i < absences.size(); ++i) {
    const Date from = absences[i].from;
    const Date end = effective_end(absences[i], as_of);
    if (!out.empty() && from - out.back().end - 1 < kCaseGapDays) {
      out.back().end = std::max(out.back().end, end);
      out.back().last = i + 1;
    } else {
      out.push_back(Case{from, end, i, i + 1});
    }
  }
}

// The hull of the case (among `cases` of `absences`) that holds the absence with this id.
inline std::optional<Period> case_hull(const std::vector<AbsenceRec>& absences, const std::vector<Case>& cases,
                                       std::uint64_t id) {
  for (const Case& c : cases) {
    for (std::size_t i = c.first; i < c.last; ++i) {
      if (absences[i].id == id) return Period{c.start, c.end};
    }
  }
  return std::nullopt;
}

inline void widen(std::optional<Period>& range, std::optional<Period> add) {
  if (!add) return;
  if (!range) {
    range = add;
    return;
  }
  range->start = std::min(range->start, add->start);
  range->end = std::max(range->end, add->end);
}

// Room for n records, growing by half: assign() or insert() alone would reallocate to
// the exact size on every new absence (growing by half made folding 2.2 M generated events
// about 15 % faster).
template <class T>
void reserve_growing_by_half(std::vector<T>& v, std::size_t n) {
  if (n > v.capacity()) v.reserve(std::max(n, v.capacity() * 3 / 2));
}

// Absences are kept sorted by start (then id, so the order is deterministic).
inline bool absence_before(const AbsenceRec& a, const AbsenceRec& b) noexcept {
  return a.from != b.from ? a.from < b.from : a.id < b.id;
}

}  // namespace detail

// The projection's files use the record types unqualified.
using detail::AbsenceRec;
using detail::Case;
using detail::EmployeeState;
using detail::EmploymentRec;
using detail::FollowupRec;
using detail::kOpen;
using detail::LostCell;
using detail::TargetRec;
using detail::UnitState;

struct Projection::State {
  State() = default;
  // `own` points into this object: a copy or a move would point into the old one.
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  State(State&&) = delete;
  State& operator=(State&&) = delete;
  ~State() = default;

  Date as_of;
  ProjectionOptions options;
  ProjectionStats counters;

  std::vector<UnitState> units;
  std::unordered_map<std::string, UnitId> unit_index;
  std::vector<UnitId> tour;  // units in depth-first order, for subtree ranges

  std::vector<EmployeeState> employees;
  // Per employee: the first day and the last day (kOpen when open-ended) of any employment,
  // kept apart from the records so headcount queries can skip persons long gone cheaply.
  std::vector<Period> employee_span;
  detail::Hash128Map<std::uint32_t> employee_index;  // by the hash of the employee id

  std::map<std::string, MeasureSet> measures;
  detail::DenseSeries<std::int64_t> unmatched;  // by workday index, all employees
  detail::Hash128Map<std::uint64_t> event_ids;  // content fingerprint by event_id

  // Scratch buffers of the writer, kept to avoid allocations per event.
  std::vector<Case> cases_scratch;
  std::vector<Case> cases_scratch2;
  // What lose() needs besides the units' series: scratch buffers, and where the unmatched
  // absence days go. One per thread writing figures (see materialize()).
  struct Writer {
    explicit Writer(detail::DenseSeries<std::int64_t>* unmatched_to) : unmatched(unmatched_to) {}
    std::vector<Case> cases;
    std::vector<std::size_t> active;
    std::vector<std::uint8_t> matched;
    std::vector<Date> cuts;
    detail::DenseSeries<std::int64_t>* unmatched;
  };
  Writer own{&unmatched};  // the fold's
  std::vector<EmploymentRec> employments_before;
  std::vector<AbsenceRec> absences_after;
  std::vector<Period> changed_scratch;
  std::vector<EventHashes> hashes_scratch;

  // Deferred figures (Projection::defer_figures): the employees changed meanwhile, each
  // with the records that its share of the per-day figures was computed from.
  bool deferring = false;
  struct Counted {
    std::uint32_t employee;
    std::vector<EmploymentRec> employments;
    std::vector<AbsenceRec> absences;
  };
  std::vector<Counted> stale;
  std::vector<std::uint8_t> is_stale;  // by employee
  std::uint64_t refigured = 0;         // persons whose deferred figures were computed
  std::uint64_t refigured_on_two_threads = 0;

  ApplyResult apply(const Event& event, const EventHashes& hashes);

  // ---- units and the tree ----------------------------------------------------------------

  UnitId ensure_unit(const std::string& id);

  void rebuild_tour();

  void visit(UnitId root);

  [[nodiscard]] bool in_subtree(UnitId u, UnitId root) const noexcept {
    return units[root].tin <= units[u].tin && units[u].tin < units[root].tout;
  }
  // Adds `unit` and the units above it to `out` once each (followup.cc).
  void add_with_ancestors(UnitId unit, std::vector<UnitId>& out) const;
  // At 100 % absence on `day` on every employment active then: dialogue meeting 1's
  // condition (DOMAIN.md §11; followup.cc).
  [[nodiscard]] bool fully_absent(const EmployeeState& emp, const Case& c, Date day) const;
  // Follow-up steps due in the periods and frequent short-term counts, each when asked for,
  // in one pass over the employees; not masked (followup.cc).
  void follow_up(std::span<const Period> due_in, std::vector<std::vector<FollowupReport>>* steps,
                 FrequentShortTermRule rule, std::vector<FrequentShortTerm>* frequent) const;

  ApplyResult on(const UnitRegistered& e);

  ApplyResult on(const TargetSet& e);

  // ---- employees -------------------------------------------------------------------------

  std::uint32_t ensure_employee(detail::Key128 person);

  // While deferring, the fold thread has time to spare: it creates the chunks that the
  // employment's figures will be written to, so that materialize() finds its memory
  // mapped and zeroed (first touches are slow here: see docs/decisions.md, "Memory").
  // Lost days only up to the as-of date: an employment recorded to end in 2099 would
  // otherwise reserve 16 KiB of lost days for every 256 working days up to then.
  void reserve_days(const EmploymentRec& m);

  // Called before an employee's records change while deferring.
  void mark_stale(std::uint32_t ei);

  // Each changed employee's old share of the figures out, the current one in: once per
  // employee however many events changed it.
  void refigure(Counted& c, Writer& w);
  void changed_days(const AbsenceRec* before, const AbsenceRec* now, const std::vector<AbsenceRec>& absences_before,
                    const std::vector<AbsenceRec>& absences_now, std::vector<Period>& out) const;

  // Many persons (a catch-up, a replay) are refigured on two threads. Each unit's series is
  // written by one thread only: the units are split in two by id, and a person employed
  // in units of both halves, before or now, is left for the end. Unmatched absence days,
  // one series for all, are summed apart by the second thread and added at the end.
  static constexpr std::size_t kParallelFrom = 1024;

  // A materialize() that failed (out of memory, no thread) left some persons refigured and
  // others not: the next one recomputes every figure from the records instead.
  bool recompute_pending = false;

  void materialize();

  void forget_stale();

  void refigure_stale();

  void add_member(UnitId u, std::uint32_t e);

  void remove_member(UnitId u, std::uint32_t e);

  // Contracted workdays of one employment on its working days in [lo, hi].
  void contract(const EmploymentRec& m, Date lo, Date hi, std::int64_t sign, Date horizon);

  // Lost workdays (and unmatched absence days) of one employee on the days of `range`,
  // from the given records and their cases; sign -1 retracts what +1 added for the same
  // records.
  void lose(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
            const std::vector<Case>& cases, Period range, std::int64_t sign, Date horizon);
  void lose(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
            const std::vector<Case>& cases, Period range, std::int64_t sign, Date horizon, Writer& w);

  // The rule of DOMAIN.md §3 and §5, once, for every consumer of lost workdays (the units'
  // series, a person's own cells): calls emit.lost(employment, wa, wb, self, doctor, class)
  // for each run of working days [wa, wb) on which the employment loses self and doctor
  // (fte × grade, unsigned) in a case of that duration class, and emit.unmatched(wa, wb, n)
  // where n absences apply to no active employment. Within a case the records active on a
  // day change only where a record starts or ends, so the work is done once per such
  // segment. Defined in lost_segments.h.
  template <class Emit>
  void lost_segments(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
                     const std::vector<Case>& cases, Period range, Date horizon, Writer& w, Emit& emit) const;

  // All of one employee's figures, from these records: sign -1 retracts what +1 added.
  void add_all(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
               std::int64_t sign, Writer& w);

  ApplyResult on(const EmploymentSet& e, detail::Key128 person);

  ApplyResult on(const EmploymentCancelled& e, detail::Key128 person);

  // Upserts (rec) or removes (none) one employment, retracting and re-adding exactly the
  // days it touched before and touches now (or, deferring, only the records).
  void replace_employment(std::uint32_t ei, std::uint64_t id, const std::optional<EmploymentRec>& rec);

  ApplyResult on(const AbsenceSet& e, detail::Key128 person);

  ApplyResult on(const AbsenceCancelled& e, detail::Key128 person);

  // Upserts or removes one absence. Every day of the cases that held it before and hold it
  // now is recomputed: their lengths, and so the duration class of all their days, change.
  void replace_absence(std::uint32_t ei, std::uint64_t id, const std::optional<AbsenceRec>& rec);

  ApplyResult on(const MeasureSet& e);

  ApplyResult on(const MeasureCancelled& e);

  ApplyResult on(const FollowupRecorded& e, detail::Key128 person);

  // ---- the as-of date --------------------------------------------------------------------

  void advance(Date to);

  void recompute_all();

  // ---- queries ---------------------------------------------------------------------------

  // The unit's own sums over working-day indexes [a, b).
  void own_sums(const UnitState& u, std::int32_t a, std::int32_t b, Sums& out) const {
    u.contracted.for_each(a, b, [&](std::int32_t, std::int64_t v) { out.contracted += v; });
    u.lost.for_each(a, b, [&](std::int32_t, const LostCell& c) {
      out.lost_self += c.self;
      out.lost_doctor += c.doctor;
      for (std::size_t k = 0; k < kDurationClassCount; ++k) out.lost_by_class[k] += c.by_class[k];
    });
  }

  // Working-day index range of a period clipped to the as-of date.
  [[nodiscard]] std::pair<std::int32_t, std::int32_t> clipped(Period p) const noexcept {
    const Date end = std::min(p.end, as_of);
    if (end < p.start) return {0, 0};
    return {calendar::workday_index(p.start), calendar::workday_index(end + 1)};
  }

  // In a loop over employees (the k-th of n is employees[employee_at(k)]): the records are
  // scattered in memory, and a miss per employee was half of such a loop's time. Each
  // record is loaded 16 steps early, its employments 8 steps early.
  template <class EmployeeAt>
  void prefetch_ahead(std::size_t k, std::size_t n, EmployeeAt employee_at) const {
    constexpr std::size_t kAhead = 8;
    if (k + 2 * kAhead < n) __builtin_prefetch(&employees[employee_at(k + 2 * kAhead)]);
    if (k + kAhead < n) __builtin_prefetch(employees[employee_at(k + kAhead)].employments.data());
  }

  // Distinct employees with at least one contracted working day in each period, within
  // the subtree of `root` (DOMAIN.md §7). Periods sorted and disjoint.
  std::vector<std::int32_t> headcounts(UnitId root, const std::vector<Period>& periods) const;

  Figures make_figures(Period p, std::int32_t headcount, const Sums& sums) const;

  void memory(ProjectionStats& st) const;
};

}  // namespace naervaer
