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
  std::optional<Period> range = case_hull(emp.absences, cases_scratch, id);
  widen(range, case_hull(after, cases_scratch2, id));
  lose(emp.employments, emp.absences, cases_scratch, *range, -1, as_of);
  lose(emp.employments, after, cases_scratch2, *range, +1, as_of);
  reserve_growing_by_half(emp.absences, after.size());
  emp.absences.assign(after.begin(), after.end());
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
