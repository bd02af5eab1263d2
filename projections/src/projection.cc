#include "naervaer/projections/projection.h"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "dense_series.h"
#include "hash.h"
#include "hash128_map.h"
#include "naervaer/projections/calendar.h"

namespace naervaer {

std::string_view to_string(Outcome o) noexcept {
  switch (o) {
    case Outcome::kApplied:
      return "applied";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kRejected:
      return "rejected";
  }
  return "?";
}

namespace {

// Stands for "no end" in records; far beyond any supported date, safe to add to.
constexpr Date kOpen = Date(1 << 28);

// Ids of employments and absences are unique per employee; keeping a 64-bit hash instead
// of the string keeps a record small (an accidental collision within one employee's few
// hundred ids has odds below 10^-14). 0 means "no employment named".
std::uint64_t record_id(std::string_view s) noexcept {
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
Date effective_end(const EmploymentRec& m, Date as_of) noexcept {
  return m.to == kOpen ? as_of : m.to;
}

// An open-ended absence runs to the as-of date, or, if it starts later, ends on its first day.
Date effective_end(const AbsenceRec& a, Date as_of) noexcept {
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

void compute_cases(const std::vector<AbsenceRec>& absences, Date as_of, std::vector<Case>& out) {
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
std::optional<Period> case_hull(const std::vector<AbsenceRec>& absences, const std::vector<Case>& cases,
                                std::uint64_t id) {
  for (const Case& c : cases) {
    for (std::size_t i = c.first; i < c.last; ++i) {
      if (absences[i].id == id) return Period{c.start, c.end};
    }
  }
  return std::nullopt;
}

void widen(std::optional<Period>& range, std::optional<Period> add) {
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
bool absence_before(const AbsenceRec& a, const AbsenceRec& b) noexcept {
  return a.from != b.from ? a.from < b.from : a.id < b.id;
}

}  // namespace

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

  UnitId ensure_unit(const std::string& id) {
    auto [it, inserted] = unit_index.try_emplace(id, static_cast<UnitId>(units.size()));
    if (inserted) {
      UnitState u;
      u.info.id = id;
      u.info.name = id;
      units.push_back(std::move(u));
      rebuild_tour();
    }
    return it->second;
  }

  void rebuild_tour() {
    tour.clear();
    tour.reserve(units.size());
    for (UnitId r = 0; r < units.size(); ++r) {
      if (!units[r].info.parent) visit(r);
    }
  }

  void visit(UnitId root) {
    // Iterative depth-first walk: trees may be deep, the stack must not be.
    std::vector<std::pair<UnitId, std::size_t>> stack{{root, 0}};
    units[root].tin = static_cast<std::int32_t>(tour.size());
    tour.push_back(root);
    while (!stack.empty()) {
      auto& [u, next] = stack.back();
      if (next < units[u].info.children.size()) {
        const UnitId c = units[u].info.children[next++];
        units[c].tin = static_cast<std::int32_t>(tour.size());
        tour.push_back(c);
        stack.emplace_back(c, 0);
      } else {
        units[u].tout = static_cast<std::int32_t>(tour.size());
        stack.pop_back();
      }
    }
  }

  [[nodiscard]] bool in_subtree(UnitId u, UnitId root) const noexcept {
    return units[root].tin <= units[u].tin && units[u].tin < units[root].tout;
  }

  ApplyResult on(const UnitRegistered& e) {
    const UnitId u = ensure_unit(e.unit);
    std::optional<UnitId> parent;
    if (e.parent) {
      parent = ensure_unit(*e.parent);
      for (std::optional<UnitId> a = parent; a; a = units[*a].info.parent) {
        if (*a == u) {
          return {Outcome::kRejected,
                  Rejection{Reason::kHierarchyCycle, "parent " + *e.parent + " is a descendant of unit " + e.unit}};
        }
      }
    }
    UnitInfo& info = units[u].info;
    info.name = e.name;
    info.registered = true;
    if (info.parent != parent) {
      if (info.parent) {
        auto& siblings = units[*info.parent].info.children;
        siblings.erase(std::find(siblings.begin(), siblings.end(), u));
      }
      if (parent) units[*parent].info.children.push_back(u);
      info.parent = parent;
      rebuild_tour();
    }
    return {};
  }

  ApplyResult on(const TargetSet& e) {
    units[ensure_unit(e.unit)].targets[e.year] = TargetRec{e.attendance_target, e.absence_threshold};
    return {};
  }

  // ---- employees -------------------------------------------------------------------------

  std::uint32_t ensure_employee(detail::Key128 person) {
    const auto probe = employee_index.probe(person);
    if (probe.value) return *probe.value;
    const auto index = static_cast<std::uint32_t>(employees.size());
    employee_index.insert(probe, index);
    employees.emplace_back();
    employee_span.push_back(Period{kOpen, calendar::kFirstSupported - 1});
    is_stale.push_back(0);
    return index;
  }

  // While deferring, the fold thread has time to spare: it creates the chunks that the
  // employment's figures will be written to, so that materialize() finds its memory
  // mapped and zeroed (first touches are slow here: see docs/decisions.md, "Memory").
  // Lost days only up to the as-of date: an employment recorded to end in 2099 would
  // otherwise reserve 16 KiB of lost days for every 256 working days up to then.
  void reserve_days(const EmploymentRec& m) {
    const std::int32_t a = calendar::workday_index(std::max(m.from, calendar::kFirstSupported));
    const Date end = effective_end(m, as_of);
    units[m.unit].contracted.reserve(a, calendar::workday_index(end + 1));
    units[m.unit].lost.reserve(a, calendar::workday_index(std::min(end, as_of) + 1));
  }

  // Called before an employee's records change while deferring.
  void mark_stale(std::uint32_t ei) {
    if (is_stale[ei] != 0) return;
    is_stale[ei] = 1;
    const EmployeeState& emp = employees[ei];
    stale.push_back(Counted{ei, emp.employments, emp.absences});
  }

  // Each changed employee's old share of the figures out, the current one in: once per
  // employee however many events changed it.
  void refigure(Counted& c, Writer& w) {
    // Records that never counted (a person first seen while deferring) need no retraction.
    if (!c.employments.empty() || !c.absences.empty()) add_all(c.employments, c.absences, -1, w);
    const EmployeeState& emp = employees[c.employee];
    add_all(emp.employments, emp.absences, +1, w);
    is_stale[c.employee] = 0;
  }

  // Many persons (a catch-up, a replay) are refigured on two threads. Each unit's series is
  // written by one thread only: the units are split in two by id, and a person employed
  // in units of both halves, before or now, is left for the end. Unmatched absence days,
  // one series for all, are summed apart by the second thread and added at the end.
  static constexpr std::size_t kParallelFrom = 1024;

  // A materialize() that failed (out of memory, no thread) left some persons refigured and
  // others not: the next one recomputes every figure from the records instead.
  bool recompute_pending = false;

  void materialize() {
    if (recompute_pending) {
      forget_stale();  // including persons changed since the failure: all are recomputed
      recompute_all();
      recompute_pending = false;
      deferring = false;
      return;
    }
    try {
      refigure_stale();
    } catch (...) {
      forget_stale();
      recompute_pending = true;  // still deferred: no figure is read until it succeeds
      throw;
    }
  }

  void forget_stale() {
    for (const Counted& c : stale) is_stale[c.employee] = 0;
    stale.clear();
  }

  void refigure_stale() {
    std::vector<std::size_t> halves[2];
    std::vector<std::size_t> both;
    const bool parallel = stale.size() >= kParallelFrom;
    for (std::size_t i = 0; i < stale.size(); ++i) {
      if (!parallel) {
        both.push_back(i);
        continue;
      }
      unsigned in = 0;
      for (const EmploymentRec& m : stale[i].employments) in |= 1U << (m.unit & 1U);
      for (const EmploymentRec& m : employees[stale[i].employee].employments) in |= 1U << (m.unit & 1U);
      if (in == 3) {
        both.push_back(i);
      } else {
        halves[in == 2 ? 1 : 0].push_back(i);  // no employment at all: unmatched days only
      }
    }
    if (parallel) {
      detail::DenseSeries<std::int64_t> unmatched_second;
      std::exception_ptr second_error;
      std::thread second([&] {
        try {
          Writer w(&unmatched_second);
          for (std::size_t i : halves[1]) refigure(stale[i], w);
        } catch (...) {
          second_error = std::current_exception();
        }
      });
      try {
        for (std::size_t i : halves[0]) refigure(stale[i], own);
      } catch (...) {
        second.join();
        throw;
      }
      second.join();
      if (second_error) std::rethrow_exception(second_error);
      unmatched.add(unmatched_second);
      refigured_on_two_threads += halves[0].size() + halves[1].size();
    }
    for (std::size_t i : both) refigure(stale[i], own);
    refigured += stale.size();
    stale.clear();
    stale.shrink_to_fit();  // a catch-up's list is not needed again
    deferring = false;
  }

  void add_member(UnitId u, std::uint32_t e) {
    auto& m = units[u].members;
    m.insert(std::upper_bound(m.begin(), m.end(), e), e);
  }

  void remove_member(UnitId u, std::uint32_t e) {
    auto& m = units[u].members;
    m.erase(std::lower_bound(m.begin(), m.end(), e));
  }

  // Contracted workdays of one employment on its working days in [lo, hi].
  void contract(const EmploymentRec& m, Date lo, Date hi, std::int64_t sign, Date horizon) {
    const Date s = std::max(m.from, lo);
    const Date t = std::min(effective_end(m, horizon), hi);
    if (t < s) return;
    const std::int32_t a = calendar::workday_index(s);
    const std::int32_t b = calendar::workday_index(t + 1);
    if (a >= b) return;
    const std::int64_t v = sign * m.fte;
    units[m.unit].contracted.update(a, b, [v](std::int64_t* p, std::int32_t n) {
      for (std::int32_t i = 0; i < n; ++i) p[i] += v;
    });
  }

  // Lost workdays (and unmatched absence days) of one employee on the days of `range`,
  // from the given records and their cases; sign -1 retracts what +1 added for the same
  // records. Within a case the records active on a day change only where a record starts
  // or ends, so the work is done once per such segment and then added to its working days.
  void lose(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
            const std::vector<Case>& cases, Period range, std::int64_t sign, Date horizon) {
    lose(employments, absences, cases, range, sign, horizon, own);
  }
  void lose(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
            const std::vector<Case>& cases, Period range, std::int64_t sign, Date horizon, Writer& w) {
    if (range.end < range.start) return;  // e.g. an open employment that starts after the as-of date
    for (const Case& c : cases) {
      if (c.end < range.start || c.start > range.end) continue;
      const auto cls = static_cast<std::size_t>(duration_class(c.end - c.start + 1));
      const Date lo = std::max(c.start, range.start);
      const Date hi = std::min(c.end, range.end);
      auto& cuts = w.cuts;
      cuts.clear();
      cuts.push_back(lo);
      cuts.push_back(hi + 1);
      auto cut = [&](Date d) {
        if (d > lo && d <= hi) cuts.push_back(d);
      };
      for (std::size_t i = c.first; i < c.last; ++i) {
        cut(absences[i].from);
        cut(effective_end(absences[i], horizon) + 1);
      }
      for (const EmploymentRec& m : employments) {
        cut(m.from);
        cut(effective_end(m, horizon) + 1);
      }
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
        const std::int32_t wa = calendar::workday_index(cuts[k]);
        const std::int32_t wb = calendar::workday_index(cuts[k + 1]);
        if (wa >= wb) continue;
        lose_segment(employments, absences, c, cls, cuts[k], wa, wb, sign, horizon, w);
      }
    }
  }

  // One segment: the same records are active on every day of [wa, wb).
  void lose_segment(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
                    const Case& c, std::size_t cls, Date d, std::int32_t wa, std::int32_t wb, std::int64_t sign,
                    Date horizon, Writer& w) {
    auto& active = w.active;
    auto& matched = w.matched;
    active.clear();
    for (std::size_t i = c.first; i < c.last; ++i) {
      if (absences[i].from <= d && d <= effective_end(absences[i], horizon)) active.push_back(i);
    }
    if (active.empty()) return;  // free days inside the case
    matched.assign(active.size(), 0);
    for (const EmploymentRec& m : employments) {
      if (d < m.from || d > effective_end(m, horizon)) continue;
      std::int64_t doctor = 0;
      std::int64_t self = 0;
      for (std::size_t k = 0; k < active.size(); ++k) {
        const AbsenceRec& x = absences[active[k]];
        if (x.employment != 0 && x.employment != m.id) continue;
        matched[k] = 1;
        (x.kind == AbsenceKind::kDoctorCertified ? doctor : self) += x.grade;
      }
      // Doctor-certified grades first, self-certified fills what remains up to 100 %.
      doctor = std::min<std::int64_t>(doctor, kFullPercent);
      self = std::min<std::int64_t>(self, kFullPercent - doctor);
      if (doctor + self == 0) continue;
      const std::int64_t f = sign * m.fte;
      const std::int64_t lost_self = f * self;
      const std::int64_t lost_doctor = f * doctor;
      units[m.unit].lost.update(wa, wb, [&](LostCell* cells, std::int32_t n) {
        for (std::int32_t i = 0; i < n; ++i) {
          cells[i].self += lost_self;
          cells[i].doctor += lost_doctor;
          cells[i].by_class[cls] += lost_self + lost_doctor;
        }
      });
    }
    std::int64_t unmatched_absences = 0;
    for (std::uint8_t hit : matched) unmatched_absences += hit ? 0 : 1;
    if (unmatched_absences != 0) {
      const std::int64_t v = sign * unmatched_absences;
      w.unmatched->update(wa, wb, [v](std::int64_t* days, std::int32_t n) {
        for (std::int32_t i = 0; i < n; ++i) days[i] += v;
      });
    }
  }

  // All of one employee's figures, from these records: sign -1 retracts what +1 added.
  void add_all(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
               std::int64_t sign, Writer& w) {
    for (const EmploymentRec& m : employments) contract(m, calendar::kFirstSupported, kOpen, sign, as_of);
    compute_cases(absences, as_of, w.cases);
    lose(employments, absences, w.cases, {calendar::kFirstSupported, kOpen}, sign, as_of, w);
  }

  ApplyResult on(const EmploymentSet& e, detail::Key128 person) {
    const std::uint32_t ei = ensure_employee(person);
    const EmploymentRec rec{record_id(e.employment_id), ensure_unit(e.unit), e.from, e.to.value_or(kOpen), e.fte};
    replace_employment(ei, rec.id, rec);
    return {};
  }

  ApplyResult on(const EmploymentCancelled& e, detail::Key128 person) {
    if (const auto ei = employee_index.find(person)) replace_employment(*ei, record_id(e.employment_id), std::nullopt);
    return {};
  }

  // Upserts (rec) or removes (none) one employment, retracting and re-adding exactly the
  // days it touched before and touches now (or, deferring, only the records).
  void replace_employment(std::uint32_t ei, std::uint64_t id, const std::optional<EmploymentRec>& rec) {
    EmployeeState& emp = employees[ei];
    auto it = std::find_if(emp.employments.begin(), emp.employments.end(), [&](const auto& m) { return m.id == id; });
    if (it == emp.employments.end() && !rec) return;  // cancelling an employment never seen changes nothing
    const bool count_now = !deferring;
    if (count_now) {
      employments_before.assign(emp.employments.begin(), emp.employments.end());
    } else {
      mark_stale(ei);
    }
    std::optional<Period> range;
    if (it != emp.employments.end()) {
      range = Period{it->from, effective_end(*it, as_of)};
      if (count_now) contract(*it, calendar::kFirstSupported, kOpen, -1, as_of);
      remove_member(it->unit, ei);
      if (rec) {
        *it = *rec;
      } else {
        emp.employments.erase(it);
      }
    } else {
      emp.employments.push_back(*rec);
    }
    if (rec) {
      widen(range, Period{rec->from, effective_end(*rec, as_of)});
      if (count_now) {
        contract(*rec, calendar::kFirstSupported, kOpen, +1, as_of);
      } else {
        reserve_days(*rec);
      }
      add_member(rec->unit, ei);
    }
    if (count_now) {
      compute_cases(emp.absences, as_of, cases_scratch);
      lose(employments_before, emp.absences, cases_scratch, *range, -1, as_of);
      lose(emp.employments, emp.absences, cases_scratch, *range, +1, as_of);
    }
    Period span{kOpen, calendar::kFirstSupported - 1};
    for (const EmploymentRec& m : emp.employments) {
      span.start = std::min(span.start, m.from);
      span.end = std::max(span.end, m.to);
    }
    employee_span[ei] = span;
  }

  ApplyResult on(const AbsenceSet& e, detail::Key128 person) {
    const std::uint32_t ei = ensure_employee(person);
    const AbsenceRec rec{record_id(e.absence_id),
                         e.employment_id ? record_id(*e.employment_id) : 0,
                         e.from,
                         e.to.value_or(kOpen),
                         e.grade,
                         e.kind};
    replace_absence(ei, rec.id, rec);
    return {};
  }

  ApplyResult on(const AbsenceCancelled& e, detail::Key128 person) {
    if (const auto ei = employee_index.find(person)) replace_absence(*ei, record_id(e.absence_id), std::nullopt);
    return {};
  }

  // Upserts or removes one absence. Every day of the cases that held it before and hold it
  // now is recomputed: their lengths, and so the duration class of all their days, change.
  void replace_absence(std::uint32_t ei, std::uint64_t id, const std::optional<AbsenceRec>& rec) {
    EmployeeState& emp = employees[ei];
    auto it = std::find_if(emp.absences.begin(), emp.absences.end(), [&](const auto& a) { return a.id == id; });
    if (it == emp.absences.end() && !rec) return;
    if (deferring) {
      mark_stale(ei);
      if (it != emp.absences.end()) emp.absences.erase(it);
      if (rec) {
        reserve_growing_by_half(emp.absences, emp.absences.size() + 1);
        emp.absences.insert(std::upper_bound(emp.absences.begin(), emp.absences.end(), *rec, absence_before), *rec);
      }
      return;
    }
    // The new list, built beside the old one (kept sorted by start).
    auto& after = absences_after;
    after.clear();
    for (const AbsenceRec& a : emp.absences) {
      if (a.id != id) after.push_back(a);
    }
    if (rec) {
      after.insert(std::upper_bound(after.begin(), after.end(), *rec, absence_before), *rec);
    }
    compute_cases(emp.absences, as_of, cases_scratch);
    compute_cases(after, as_of, cases_scratch2);
    std::optional<Period> range = case_hull(emp.absences, cases_scratch, id);
    widen(range, case_hull(after, cases_scratch2, id));
    lose(emp.employments, emp.absences, cases_scratch, *range, -1, as_of);
    lose(emp.employments, after, cases_scratch2, *range, +1, as_of);
    reserve_growing_by_half(emp.absences, after.size());
    emp.absences.assign(after.begin(), after.end());
  }

  ApplyResult on(const MeasureSet& e) {
    for (const std::string& u : e.units) ensure_unit(u);
    measures[e.measure_id] = e;
    return {};
  }

  ApplyResult on(const MeasureCancelled& e) {
    measures.erase(e.measure_id);
    return {};
  }

  ApplyResult on(const FollowupRecorded& e, detail::Key128 person) {
    employees[ensure_employee(person)].followups.push_back(FollowupRec{e.step, e.date});
    return {};
  }

  // ---- the as-of date --------------------------------------------------------------------

  void advance(Date to) {
    const Date from = as_of;
    for (EmployeeState& emp : employees) {
      if (!emp.has_open_records()) continue;
      compute_cases(emp.absences, from, cases_scratch);
      compute_cases(emp.absences, to, cases_scratch2);
      std::optional<Period> range = Period{from + 1, to};
      for (const AbsenceRec& a : emp.absences) {
        if (a.to != kOpen) continue;
        widen(range, case_hull(emp.absences, cases_scratch, a.id));
        widen(range, case_hull(emp.absences, cases_scratch2, a.id));
      }
      for (const EmploymentRec& m : emp.employments) {
        if (m.to == kOpen) contract(m, from + 1, to, +1, to);
      }
      lose(emp.employments, emp.absences, cases_scratch, *range, -1, from);
      lose(emp.employments, emp.absences, cases_scratch2, *range, +1, to);
    }
    as_of = to;
  }

  void recompute_all() {
    for (UnitState& u : units) {
      u.contracted.clear();
      u.lost.clear();
    }
    unmatched.clear();
    for (const EmployeeState& emp : employees) add_all(emp.employments, emp.absences, +1, own);
  }

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
  std::vector<std::int32_t> headcounts(UnitId root, const std::vector<Period>& periods) const {
    const std::size_t n = periods.size();
    std::vector<std::int32_t> diff(n + 1, 0);
    if (n == 0) return {};
    std::vector<bool> has_workday(n);
    for (std::size_t p = 0; p < n; ++p) {
      auto [a, b] = clipped(periods[p]);
      has_workday[p] = a < b;
    }
    const Date first = periods.front().start;
    const Date last = std::min(periods.back().end, as_of);
    // Does [s, t] share a working day with period p (clipped to the as-of date)?
    auto overlaps_workday = [&](std::size_t p, Date s, Date t) {
      const Date lo = std::max(s, periods[p].start);
      const Date hi = std::min({t, periods[p].end, as_of});
      return lo <= hi && calendar::working_days(lo, hi) > 0;
    };
    std::vector<std::pair<Date, Date>> spans;
    for (std::int32_t ti = units[root].tin; ti < units[root].tout; ++ti) {
      const UnitId u = tour[static_cast<std::size_t>(ti)];
      const auto& members = units[u].members;
      for (std::size_t k = 0; k < members.size(); ++k) {
        prefetch_ahead(k, members.size(), [&](std::size_t i) { return members[i]; });
        if (k > 0 && members[k] == members[k - 1]) continue;
        const Period span = employee_span[members[k]];
        if (span.end < first || span.start > last) continue;
        const EmployeeState& emp = employees[members[k]];
        // Count each employee once: at the smallest unit id of their employments in the subtree.
        UnitId owner = u;
        spans.clear();
        for (const EmploymentRec& m : emp.employments) {
          if (!in_subtree(m.unit, root)) continue;
          owner = std::min(owner, m.unit);
          Date s = std::max(m.from, first);
          Date t = std::min(effective_end(m, as_of), last);
          if (t < s) continue;
          s = calendar::next_working_day(s);
          t = calendar::prev_working_day(t);
          if (s <= t) spans.emplace_back(s, t);
        }
        if (owner != u || spans.empty()) continue;
        std::sort(spans.begin(), spans.end());
        std::ptrdiff_t covered_to = -1;  // the last period already counted for this employee
        for (auto [s, t] : spans) {
          auto ps = static_cast<std::ptrdiff_t>(
              std::lower_bound(periods.begin(), periods.end(), s, [](const Period& p, Date d) { return p.end < d; }) -
              periods.begin());
          auto pe = static_cast<std::ptrdiff_t>(std::upper_bound(periods.begin(), periods.end(), t,
                                                                 [](Date d, const Period& p) { return d < p.start; }) -
                                                periods.begin()) -
                    1;
          while (ps <= pe && !overlaps_workday(static_cast<std::size_t>(ps), s, t)) ++ps;
          while (pe >= ps && !overlaps_workday(static_cast<std::size_t>(pe), s, t)) --pe;
          ps = std::max(ps, covered_to + 1);
          if (ps > pe) continue;
          ++diff[static_cast<std::size_t>(ps)];
          --diff[static_cast<std::size_t>(pe) + 1];
          covered_to = pe;
        }
      }
    }
    std::vector<std::int32_t> out(n);
    std::int32_t running = 0;
    for (std::size_t p = 0; p < n; ++p) {
      running += diff[p];
      out[p] = has_workday[p] ? running : 0;
    }
    return out;
  }

  Figures make_figures(Period p, std::int32_t headcount, const Sums& sums) const {
    Figures f;
    f.period_start = p.start;
    f.period_end = p.end;
    f.headcount = headcount;
    f.masked = headcount < options.masking_limit;
    f.sums = sums;
    return f;
  }

  void memory(ProjectionStats& st) const {
    st.unit_day_bytes = unmatched.memory_bytes();
    st.record_bytes = units.capacity() * sizeof(UnitState) + employees.capacity() * sizeof(EmployeeState) +
                      employee_span.capacity() * sizeof(Period);
    for (const UnitState& u : units) {
      st.unit_day_bytes += u.contracted.memory_bytes() + u.lost.memory_bytes();
      st.record_bytes += u.members.capacity() * sizeof(std::uint32_t) + u.info.children.capacity() * sizeof(UnitId) +
                         u.targets.size() * 64;
    }
    for (const EmployeeState& e : employees) {
      st.record_bytes += e.employments.capacity() * sizeof(EmploymentRec) + e.absences.capacity() * sizeof(AbsenceRec) +
                         e.followups.capacity() * sizeof(FollowupRec);
    }
    st.record_bytes += employee_index.memory_bytes();
    st.event_id_bytes = event_ids.memory_bytes();
    st.memory_bytes = st.unit_day_bytes + st.record_bytes + st.event_id_bytes;
  }
};

Projection::Projection(Date as_of, ProjectionOptions options) : s_(std::make_unique<State>()) {
  s_->as_of = as_of;
  s_->options = options;
}
Projection::~Projection() = default;
Projection::Projection(Projection&&) noexcept = default;
Projection& Projection::operator=(Projection&&) noexcept = default;

EventHashes hash_event(const Event& event) {
  EventHashes h;
  const detail::Key128 id = detail::Key128::of(event.event_id);
  h.id_a = id.a;
  h.id_b = id.b;
  h.fingerprint = content_fingerprint(event);
  std::visit(
      [&h](const auto& body) {
        if constexpr (requires { body.employee; }) {
          const detail::Key128 person = detail::Key128::of(body.employee);
          h.person_a = person.a;
          h.person_b = person.b;
        }
      },
      event.body);
  return h;
}

ApplyResult Projection::apply(const Event& event) {
  return s_->apply(event, hash_event(event));
}

ApplyResult Projection::State::apply(const Event& event, const EventHashes& hashes) {
  const detail::Hash128Map<std::uint64_t>::Probe seen = event_ids.probe({hashes.id_a, hashes.id_b});
  if (seen.value) {
    if (*seen.value == hashes.fingerprint) {
      ++counters.events_duplicate;
      return {Outcome::kDuplicate, std::nullopt};
    }
    ++counters.events_rejected;
    return {Outcome::kRejected, Rejection{Reason::kConflict, "event_id was already applied with other content"}};
  }
  const detail::Key128 person{hashes.person_a, hashes.person_b};
  ApplyResult r = std::visit(
      [&](const auto& body) {
        if constexpr (requires { body.employee; }) {
          return on(body, person);
        } else {
          return on(body);
        }
      },
      event.body);
  if (r.outcome == Outcome::kApplied) {
    event_ids.insert(seen, hashes.fingerprint);
    ++counters.events_applied;
  } else {
    ++counters.events_rejected;
  }
  return r;
}

void Projection::reserve_events(std::size_t events) {
  s_->event_ids.reserve(events);
}

void Projection::apply_batch(std::span<const Event> events, std::vector<ApplyResult>& results) {
  auto& hashes = s_->hashes_scratch;
  hashes.clear();
  for (const Event& e : events) hashes.push_back(hash_event(e));
  apply_batch(events, hashes, results);
}

void Projection::apply_batch(std::span<const Event> events, std::span<const EventHashes> hashes,
                             std::vector<ApplyResult>& results) {
  if (hashes.size() != events.size()) throw std::invalid_argument("apply_batch: one EventHashes per event");
  constexpr std::size_t kAhead = 8;
  State& s = *s_;
  results.clear();
  results.reserve(events.size());
  for (std::size_t i = 0; i < events.size() && i < kAhead; ++i) s.event_ids.prefetch({hashes[i].id_a, hashes[i].id_b});
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i + kAhead < events.size()) s.event_ids.prefetch({hashes[i + kAhead].id_a, hashes[i + kAhead].id_b});
    results.push_back(s.apply(events[i], hashes[i]));
  }
}

void Projection::defer_figures() noexcept {
  s_->deferring = true;
}

void Projection::materialize_figures() {
  if (s_->deferring) s_->materialize();
}

bool Projection::figures_deferred() const noexcept {
  return s_->deferring;
}

void Projection::require_figures() const {
  if (s_->deferring) throw std::logic_error("the per-day figures are deferred: materialize_figures() first");
}

void Projection::set_as_of(Date as_of) {
  if (as_of == s_->as_of) return;
  materialize_figures();  // the figures move from the as-of date they were computed at
  if (as_of > s_->as_of) {
    s_->advance(as_of);
  } else {
    s_->as_of = as_of;
    s_->recompute_all();
  }
}

Date Projection::as_of() const noexcept {
  return s_->as_of;
}
const ProjectionOptions& Projection::options() const noexcept {
  return s_->options;
}
std::size_t Projection::unit_count() const noexcept {
  return s_->units.size();
}

const UnitInfo& Projection::unit(UnitId id) const {
  if (id >= s_->units.size()) throw std::out_of_range("no unit with this id");
  return s_->units[id].info;
}

std::optional<UnitId> Projection::find_unit(std::string_view id) const {
  auto it = s_->unit_index.find(std::string(id));
  if (it == s_->unit_index.end()) return std::nullopt;
  return it->second;
}

std::vector<UnitId> Projection::roots() const {
  std::vector<UnitId> out;
  for (UnitId u = 0; u < s_->units.size(); ++u) {
    if (!s_->units[u].info.parent) out.push_back(u);
  }
  return out;
}

bool Projection::is_descendant_or_self(UnitId unit, UnitId ancestor) const noexcept {
  if (unit >= s_->units.size() || ancestor >= s_->units.size()) return false;
  return s_->in_subtree(unit, ancestor);
}

Figures Projection::figures(UnitId unit, Period period) const {
  return series(unit, {period}).front();
}

std::vector<Figures> Projection::series(UnitId root, const std::vector<Period>& periods) const {
  require_figures();
  const State& s = *s_;
  if (root >= s.units.size()) throw std::out_of_range("no unit with this id");
  const std::vector<std::int32_t> heads = s.headcounts(root, periods);
  std::vector<Sums> sums(periods.size());
  for (std::int32_t ti = s.units[root].tin; ti < s.units[root].tout; ++ti) {
    const UnitState& u = s.units[s.tour[static_cast<std::size_t>(ti)]];
    for (std::size_t p = 0; p < periods.size(); ++p) {
      auto [a, b] = s.clipped(periods[p]);
      s.own_sums(u, a, b, sums[p]);
    }
  }
  std::vector<Figures> out;
  out.reserve(periods.size());
  for (std::size_t p = 0; p < periods.size(); ++p) out.push_back(s.make_figures(periods[p], heads[p], sums[p]));
  return out;
}

std::vector<Figures> Projection::all_units(Period period) const {
  return std::move(all_units(std::span<const Period>(&period, 1)).front());
}

std::vector<std::vector<Figures>> Projection::all_units(std::span<const Period> periods) const {
  require_figures();
  const State& s = *s_;
  const std::size_t n = s.units.size();
  const std::size_t np = periods.size();
  std::vector<std::vector<Sums>> sums(np, std::vector<Sums>(n));
  // The periods of a scrape overlap (30d within 90d within 365d, ...): each unit's days are
  // read once, in the segments between the periods' ends, and every period adds up its
  // segments.
  std::vector<std::pair<std::int32_t, std::int32_t>> ranges(np);
  std::vector<std::int32_t> cuts;
  for (std::size_t p = 0; p < np; ++p) {
    ranges[p] = s.clipped(periods[p]);
    if (ranges[p].first >= ranges[p].second) continue;
    cuts.push_back(ranges[p].first);
    cuts.push_back(ranges[p].second);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  // Segment k is [cuts[k], cuts[k + 1]); period p adds the segments from first_segment[p]
  // up to its end. Segments no period covers (between periods far apart) are never read.
  std::vector<std::size_t> first_segment(np, 0);
  std::vector<std::int32_t> covering(cuts.size() + 1, 0);  // a difference array over the segments
  const auto cut_of = [&](std::int32_t day) {
    return static_cast<std::size_t>(std::lower_bound(cuts.begin(), cuts.end(), day) - cuts.begin());
  };
  for (std::size_t p = 0; p < np; ++p) {
    if (ranges[p].first >= ranges[p].second) continue;
    first_segment[p] = cut_of(ranges[p].first);
    ++covering[first_segment[p]];
    --covering[cut_of(ranges[p].second)];
  }
  std::vector<Sums> segments(cuts.empty() ? 0 : cuts.size() - 1);
  std::vector<bool> covered(segments.size());
  std::int32_t depth = 0;  // how many periods cover segment k
  for (std::size_t k = 0; k < covered.size(); ++k) {
    depth += covering[k];
    covered[k] = depth > 0;
  }
  for (UnitId u = 0; u < n; ++u) {
    for (std::size_t k = 0; k < segments.size(); ++k) {
      segments[k] = Sums{};
      if (covered[k]) s.own_sums(s.units[u], cuts[k], cuts[k + 1], segments[k]);
    }
    for (std::size_t p = 0; p < np; ++p) {
      if (ranges[p].first >= ranges[p].second) continue;
      for (std::size_t k = first_segment[p]; cuts[k] < ranges[p].second; ++k) sums[p][u] += segments[k];
    }
  }
  // Children follow their parent in the tour: walking it backwards rolls every subtree up.
  const auto roll_up = [&s](auto& per_unit) {
    for (auto it = s.tour.rbegin(); it != s.tour.rend(); ++it) {
      if (const auto parent = s.units[*it].info.parent) per_unit[*parent] += per_unit[*it];
    }
  };
  for (auto& per_unit : sums) roll_up(per_unit);
  // Headcount: each employee counts once in every unit on the paths from their units up,
  // for each period in which one of those employments has a working day. An employee
  // whose employments there are all in one unit is counted at that unit and rolled up the
  // tree with the others; only one with several units needs the union of their paths.
  std::vector<std::vector<std::int32_t>> direct(np, std::vector<std::int32_t>(n, 0));
  std::vector<std::vector<std::int32_t>> via_paths(np, std::vector<std::int32_t>(n, 0));
  Date first = kOpen;
  Date last = calendar::kFirstSupported;
  for (const Period& p : periods) {
    first = std::min(first, p.start);
    last = std::max(last, std::min(p.end, s.as_of));
  }
  // Does an employment share a working day with period p (clipped to the as-of date)?
  auto works_in = [&](const EmploymentRec& m, std::size_t p) {
    const Date lo = std::max(m.from, periods[p].start);
    const Date hi = std::min({effective_end(m, s.as_of), periods[p].end, s.as_of});
    return lo <= hi && calendar::working_days(lo, hi) > 0;
  };
  std::vector<UnitId> path;
  for (std::size_t ei = 0; ei < s.employees.size(); ++ei) {
    s.prefetch_ahead(ei, s.employees.size(), [](std::size_t i) { return i; });
    const Period span = s.employee_span[ei];
    if (span.end < first || span.start > last) continue;
    const auto& employments = s.employees[ei].employments;
    if (employments.empty()) continue;
    const bool one_unit = std::all_of(employments.begin(), employments.end(),
                                      [&](const EmploymentRec& m) { return m.unit == employments.front().unit; });
    for (std::size_t p = 0; p < np; ++p) {
      if (one_unit) {
        if (std::any_of(employments.begin(), employments.end(), [&](const auto& m) { return works_in(m, p); })) {
          ++direct[p][employments.front().unit];
        }
        continue;
      }
      path.clear();
      for (const EmploymentRec& m : employments) {
        if (!works_in(m, p)) continue;
        for (std::optional<UnitId> u = m.unit; u; u = s.units[*u].info.parent) path.push_back(*u);
      }
      std::sort(path.begin(), path.end());
      path.erase(std::unique(path.begin(), path.end()), path.end());
      for (UnitId u : path) ++via_paths[p][u];
    }
  }
  for (auto& per_unit : direct) roll_up(per_unit);
  std::vector<std::vector<Figures>> out(np);
  for (std::size_t p = 0; p < np; ++p) {
    out[p].reserve(n);
    for (UnitId u = 0; u < n; ++u) {
      out[p].push_back(s.make_figures(periods[p], direct[p][u] + via_paths[p][u], sums[p][u]));
    }
  }
  return out;
}

Sums Projection::own_day(UnitId unit, Date day) const {
  require_figures();
  Sums out;
  if (!calendar::is_working_day(day)) return out;
  const std::int32_t wi = calendar::workday_index(day);
  s_->own_sums(s_->units.at(unit), wi, wi + 1, out);
  return out;
}

TargetView Projection::target(UnitId unit, int year) const {
  if (unit >= s_->units.size()) throw std::out_of_range("no unit with this id");
  TargetView v;
  for (std::optional<UnitId> u = unit; u; u = s_->units[*u].info.parent) {
    const auto& targets = s_->units[*u].targets;
    auto it = targets.find(year);
    if (it == targets.end()) continue;
    if (!v.attendance_target) {
      v.attendance_target = it->second.attendance_target;
      v.target_from = *u;
    }
    if (!v.absence_threshold && it->second.absence_threshold) {
      v.absence_threshold = it->second.absence_threshold;
      v.threshold_from = *u;
    }
  }
  if (!v.absence_threshold) v.absence_threshold = s_->options.default_absence_threshold;
  return v;
}

namespace {

// Due days counted from the case's first day s (DOMAIN.md §11): s + N weeks - 1 day.
constexpr std::array<std::int32_t, kFollowupStepCount> kDueAfterDays = {4 * 7 - 1, 7 * 7 - 1, 8 * 7 - 1, 26 * 7 - 1};

}  // namespace

FollowupReport Projection::followups(UnitId unit, Period due_in) const {
  const State& s = *s_;
  if (unit >= s.units.size()) throw std::out_of_range("no unit with this id");
  FollowupReport report;
  const Date last_due = std::min(due_in.end, s.as_of);
  std::vector<Case> cases;
  std::vector<std::size_t> active;
  for (std::size_t ei = 0; ei < s.employees.size(); ++ei) {
    const EmployeeState& emp = s.employees[ei];
    if (emp.absences.empty()) continue;
    compute_cases(emp.absences, s.as_of, cases);
    bool counted = false;
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
      const Case& c = cases[ci];
      for (std::size_t step = 0; step < kFollowupStepCount; ++step) {
        const Date due = c.start + kDueAfterDays[step];
        // Due only while the case still runs, and only days in the period up to the as-of date.
        if (due > c.end || due < due_in.start || due > last_due) continue;
        const bool employed_here = std::any_of(emp.employments.begin(), emp.employments.end(), [&](const auto& m) {
          return m.from <= due && due <= effective_end(m, s.as_of) && s.in_subtree(m.unit, unit);
        });
        if (!employed_here) continue;
        if (static_cast<FollowupStep>(step) == FollowupStep::kDialogueMeeting1) {
          // Only when the absence is 100 % on the due day, on every employment it applies to.
          std::int64_t worst = kFullPercent;
          for (const EmploymentRec& m : emp.employments) {
            if (due < m.from || due > effective_end(m, s.as_of)) continue;
            std::int64_t doctor = 0, self = 0;
            for (std::size_t i = c.first; i < c.last; ++i) {
              const AbsenceRec& x = emp.absences[i];
              if (x.from > due || due > effective_end(x, s.as_of)) continue;
              if (x.employment != 0 && x.employment != m.id) continue;
              (x.kind == AbsenceKind::kDoctorCertified ? doctor : self) += x.grade;
            }
            worst = std::min(worst, std::min<std::int64_t>(doctor + self, kFullPercent));
          }
          if (worst < kFullPercent) continue;
        }
        // A step recorded for this case: dated within it (or after it, before the next).
        const Date next_start = ci + 1 < cases.size() ? cases[ci + 1].start : kOpen;
        std::optional<Date> done;
        for (const FollowupRec& f : emp.followups) {
          if (static_cast<std::size_t>(f.step) != step || f.date < c.start || f.date >= next_start) continue;
          if (!done || f.date < *done) done = f.date;
        }
        FollowupCounts& counts = report.steps[step];
        ++counts.due;
        if (done && *done <= due) {
          ++counts.done_on_time;
        } else if (done && *done <= s.as_of) {
          ++counts.late;
        } else {
          ++counts.overdue;
        }
        counted = true;
      }
    }
    report.persons += counted ? 1 : 0;
  }
  report.masked = figures(unit, due_in).headcount < s.options.masking_limit;
  return report;
}

FrequentShortTerm Projection::frequent_short_term(UnitId unit, std::int32_t days, std::int32_t min_cases) const {
  const State& s = *s_;
  if (unit >= s.units.size()) throw std::out_of_range("no unit with this id");
  const Period window{s.as_of - (days - 1), s.as_of};
  FrequentShortTerm out;
  std::vector<Case> cases;
  for (std::size_t ei = 0; ei < s.employees.size(); ++ei) {
    const EmployeeState& emp = s.employees[ei];
    const bool employed_here = std::any_of(emp.employments.begin(), emp.employments.end(), [&](const auto& m) {
      return m.from <= window.end && effective_end(m, s.as_of) >= window.start && s.in_subtree(m.unit, unit);
    });
    if (!employed_here) continue;
    compute_cases(emp.absences, s.as_of, cases);
    std::int32_t short_cases = 0;
    for (const Case& c : cases) {
      if (window.contains(c.start) && is_short_term(duration_class(c.end - c.start + 1))) ++short_cases;
    }
    out.persons += short_cases >= min_cases ? 1 : 0;
  }
  out.masked = figures(unit, window).headcount < s.options.masking_limit;
  return out;
}

std::vector<MeasureSet> Projection::measures() const {
  std::vector<MeasureSet> out;
  out.reserve(s_->measures.size());
  for (const auto& [id, m] : s_->measures) out.push_back(m);
  return out;
}

std::int64_t Projection::unmatched_absence_days() const {
  require_figures();
  std::int64_t total = 0;
  s_->unmatched.for_each(0, calendar::workday_index(s_->as_of + 1), [&](std::int32_t, std::int64_t v) { total += v; });
  return total;
}

ProjectionStats Projection::stats() const {
  ProjectionStats st = s_->counters;
  st.units = s_->units.size();
  st.employees = s_->employees.size();
  for (const auto& e : s_->employees) {
    st.employments += e.employments.size();
    st.absences += e.absences.size();
  }
  st.measures = s_->measures.size();
  st.remembered_event_ids = s_->event_ids.size();
  st.persons_refigured = s_->refigured;
  st.persons_refigured_on_two_threads = s_->refigured_on_two_threads;
  s_->memory(st);
  return st;
}

}  // namespace naervaer
