// Per-unit, per-working-day contracted and lost workdays (DOMAIN.md §2-§5), the as-of date
// (§6), and deferred figures: computing them once per changed person after a backlog.
#include <stdexcept>
#include <thread>

#include "lost_segments.h"

namespace naervaer {

using detail::case_hull;
using detail::compute_cases;
using detail::effective_end;
using detail::widen;

void Projection::State::reserve_days(const EmploymentRec& m) {
  const std::int32_t a = calendar::workday_index(std::max(m.from, calendar::kFirstSupported));
  const Date end = effective_end(m, as_of);
  units[m.unit].contracted.reserve(a, calendar::workday_index(end + 1));
  units[m.unit].lost.reserve(a, calendar::workday_index(std::min(end, as_of) + 1));
}

void Projection::State::refigure(Counted& c, Writer& w) {
  // Records that never counted (a person first seen while deferring) need no retraction.
  if (!c.employments.empty() || !c.absences.empty()) add_all(c.employments, c.absences, -1, w);
  const EmployeeState& emp = employees[c.employee];
  add_all(emp.employments, emp.absences, +1, w);
  is_stale[c.employee] = 0;
}

void Projection::State::materialize() {
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

void Projection::State::forget_stale() {
  for (const Counted& c : stale) is_stale[c.employee] = 0;
  stale.clear();
}

void Projection::State::refigure_stale() {
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

void Projection::State::contract(const EmploymentRec& m, Date lo, Date hi, std::int64_t sign, Date horizon) {
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

void Projection::State::lose(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
                             const std::vector<Case>& cases, Period range, std::int64_t sign, Date horizon) {
  lose(employments, absences, cases, range, sign, horizon, own);
}

void Projection::State::lose(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
                             const std::vector<Case>& cases, Period range, std::int64_t sign, Date horizon, Writer& w) {
  // Into the units' series: the lost workdays of each segment on every working day of it.
  struct IntoUnitSeries {
    State& s;
    Writer& w;
    std::int64_t sign;
    void lost(const EmploymentRec& m, std::int32_t wa, std::int32_t wb, std::int64_t self, std::int64_t doctor,
              std::size_t cls) {
      const std::int64_t lost_self = sign * self;
      const std::int64_t lost_doctor = sign * doctor;
      s.units[m.unit].lost.update(wa, wb, [&](LostCell* cells, std::int32_t n) {
        for (std::int32_t i = 0; i < n; ++i) {
          cells[i].self += lost_self;
          cells[i].doctor += lost_doctor;
          cells[i].by_class[cls] += lost_self + lost_doctor;
        }
      });
    }
    void unmatched(std::int32_t wa, std::int32_t wb, std::int64_t absences) {
      const std::int64_t v = sign * absences;
      w.unmatched->update(wa, wb, [v](std::int64_t* days, std::int32_t n) {
        for (std::int32_t i = 0; i < n; ++i) days[i] += v;
      });
    }
  } into{*this, w, sign};
  lost_segments(employments, absences, cases, range, horizon, w, into);
}

void Projection::State::add_all(const std::vector<EmploymentRec>& employments, const std::vector<AbsenceRec>& absences,
                                std::int64_t sign, Writer& w) {
  for (const EmploymentRec& m : employments) contract(m, calendar::kFirstSupported, kOpen, sign, as_of);
  compute_cases(absences, as_of, w.cases);
  lose(employments, absences, w.cases, {calendar::kFirstSupported, kOpen}, sign, as_of, w);
}

void Projection::State::advance(Date to) {
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

void Projection::State::recompute_all() {
  for (UnitState& u : units) {
    u.contracted.clear();
    u.lost.clear();
  }
  unmatched.clear();
  for (const EmployeeState& emp : employees) add_all(emp.employments, emp.absences, +1, own);
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

Sums Projection::own_day(UnitId unit, Date day) const {
  require_figures();
  Sums out;
  if (!calendar::is_working_day(day)) return out;
  const std::int32_t wi = calendar::workday_index(day);
  s_->own_sums(s_->units.at(unit), wi, wi + 1, out);
  return out;
}

std::int64_t Projection::unmatched_absence_days() const {
  require_figures();
  std::int64_t total = 0;
  s_->unmatched.for_each(0, calendar::workday_index(s_->as_of + 1), [&](std::int32_t, std::int64_t v) { total += v; });
  return total;
}

}  // namespace naervaer
