// Person records: employments, absences and follow-ups of each employee, and measures. An
// upsert or removal changes the records and, unless the figures are deferred, retracts and
// re-adds exactly the days it affects (day_figures.cc).
#include "projection_state.h"

namespace naervaer {

using detail::absence_before;
using detail::case_hull;
using detail::compute_cases;
using detail::effective_end;
using detail::record_id;
using detail::reserve_growing_by_half;
using detail::widen;

std::uint32_t Projection::State::ensure_employee(detail::Key128 person) {
  const auto probe = employee_index.probe(person);
  if (probe.value) return *probe.value;
  const auto index = static_cast<std::uint32_t>(employees.size());
  employee_index.insert(probe, index);
  employees.emplace_back();
  employee_span.push_back(Period{kOpen, calendar::kFirstSupported - 1});
  is_stale.push_back(0);
  return index;
}

void Projection::State::mark_stale(std::uint32_t ei) {
  if (is_stale[ei] != 0) return;
  is_stale[ei] = 1;
  const EmployeeState& emp = employees[ei];
  stale.push_back(Counted{ei, emp.employments, emp.absences});
}

void Projection::State::add_member(UnitId u, std::uint32_t e) {
  auto& m = units[u].members;
  m.insert(std::upper_bound(m.begin(), m.end(), e), e);
}

void Projection::State::remove_member(UnitId u, std::uint32_t e) {
  auto& m = units[u].members;
  m.erase(std::lower_bound(m.begin(), m.end(), e));
}

ApplyResult Projection::State::on(const EmploymentSet& e, detail::Key128 person) {
  const std::uint32_t ei = ensure_employee(person);
  const EmploymentRec rec{record_id(e.employment_id), ensure_unit(e.unit), e.from, e.to.value_or(kOpen), e.fte};
  replace_employment(ei, rec.id, rec);
  return {};
}

ApplyResult Projection::State::on(const EmploymentCancelled& e, detail::Key128 person) {
  if (const auto ei = employee_index.find(person)) replace_employment(*ei, record_id(e.employment_id), std::nullopt);
  return {};
}

void Projection::State::replace_employment(std::uint32_t ei, std::uint64_t id,
                                           const std::optional<EmploymentRec>& rec) {
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

ApplyResult Projection::State::on(const AbsenceSet& e, detail::Key128 person) {
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

ApplyResult Projection::State::on(const AbsenceCancelled& e, detail::Key128 person) {
  if (const auto ei = employee_index.find(person)) replace_absence(*ei, record_id(e.absence_id), std::nullopt);
  return {};
}

void Projection::State::replace_absence(std::uint32_t ei, std::uint64_t id, const std::optional<AbsenceRec>& rec) {
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
  // Retracted and added again: only the days whose lost workdays can change. Retracting
  // the whole case instead made one long case quadratic: 20,000 one-day absences of one
  // person, each extending the case, took 150 s of fold CPU.
  changed_days(it == emp.absences.end() ? nullptr : &*it, rec ? &*rec : nullptr, emp.absences, after, changed_scratch);
  for (const Period& p : changed_scratch) {
    lose(emp.employments, emp.absences, cases_scratch, p, -1, as_of);
    lose(emp.employments, after, cases_scratch2, p, +1, as_of);
  }
  reserve_growing_by_half(emp.absences, after.size());
  emp.absences.assign(after.begin(), after.end());
}

// A day's lost workdays depend on the absences active on it, the employments, and the
// duration class of its case (DOMAIN.md §5). Replacing one absence changes the first only
// on that absence's days, before and after; the last only on the days of the cases
// around it, where the case before and the case after differ in class (a case that grew
// past 16 days, two cases merged, one split). Those days, as disjoint periods, in `out`.
// cases_scratch and cases_scratch2 hold the cases before and after.
void Projection::State::changed_days(const AbsenceRec* before, const AbsenceRec* now,
                                     const std::vector<AbsenceRec>& absences_before,
                                     const std::vector<AbsenceRec>& absences_now, std::vector<Period>& out) const {
  out.clear();
  std::optional<Period> around;
  if (before != nullptr) {
    out.push_back(Period{before->from, effective_end(*before, as_of)});
    widen(around, case_hull(absences_before, cases_scratch, before->id));
  }
  if (now != nullptr) {
    out.push_back(Period{now->from, effective_end(*now, as_of)});
    widen(around, case_hull(absences_now, cases_scratch2, now->id));
  }
  if (around) {
    // The cases before and after that touch `around`, each sorted by start.
    auto touching = [&](const std::vector<Case>& cases) {
      auto first =
          std::lower_bound(cases.begin(), cases.end(), around->start, [](const Case& c, Date d) { return c.end < d; });
      auto last = std::upper_bound(first, cases.end(), around->end, [](Date d, const Case& c) { return d < c.start; });
      return std::pair{first, last};
    };
    const auto [b0, b1] = touching(cases_scratch);
    const auto [n0, n1] = touching(cases_scratch2);
    // Walk both lists together: wherever a case before overlaps a case after with another
    // duration class, their common days change.
    auto n = n0;
    for (auto b = b0; b != b1; ++b) {
      while (n != n1 && n->end < b->start) ++n;
      const auto b_class = duration_class(b->end - b->start + 1);
      for (auto m = n; m != n1 && m->start <= b->end; ++m) {
        if (duration_class(m->end - m->start + 1) == b_class) continue;
        const Date lo = std::max({b->start, m->start, around->start});
        const Date hi = std::min({b->end, m->end, around->end});
        if (lo <= hi) out.push_back(Period{lo, hi});
      }
    }
  }
  // Disjoint: a day retracted twice would be added twice.
  std::sort(out.begin(), out.end(), [](const Period& x, const Period& y) { return x.start < y.start; });
  std::size_t kept = 0;
  for (const Period& p : out) {
    if (p.end < p.start) continue;
    if (kept > 0 && p.start <= out[kept - 1].end + 1) {
      out[kept - 1].end = std::max(out[kept - 1].end, p.end);
    } else {
      out[kept++] = p;
    }
  }
  out.resize(kept);
}

ApplyResult Projection::State::on(const MeasureSet& e) {
  for (const std::string& u : e.units) ensure_unit(u);
  measures[e.measure_id] = e;
  return {};
}

ApplyResult Projection::State::on(const MeasureCancelled& e) {
  measures.erase(e.measure_id);
  return {};
}

ApplyResult Projection::State::on(const FollowupRecorded& e, detail::Key128 person) {
  employees[ensure_employee(person)].followups.push_back(FollowupRec{e.step, e.date});
  return {};
}

}  // namespace naervaer
