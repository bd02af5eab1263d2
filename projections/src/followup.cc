// Follow-up deadlines of cases (DOMAIN.md §11) and frequent short-term absence (§12), for
// every unit at once: one pass over the employees, each step or person counted in the unit
// of the employment and in every unit above it, once per unit.
#include <stdexcept>

#include "projection_state.h"

namespace naervaer {

using detail::compute_cases;
using detail::effective_end;

namespace {

// Due days counted from the case's first day s (DOMAIN.md §11): s + N weeks - 1 day.
constexpr std::array<std::int32_t, kFollowupStepCount> kDueAfterDays = {4 * 7 - 1, 7 * 7 - 1, 8 * 7 - 1, 26 * 7 - 1};

}  // namespace

void Projection::State::add_with_ancestors(UnitId unit, std::vector<UnitId>& out) const {
  for (std::optional<UnitId> u = unit; u; u = units[*u].info.parent) {
    if (std::find(out.begin(), out.end(), *u) != out.end()) break;  // and so are those above it
    out.push_back(*u);
  }
}

bool Projection::State::fully_absent(const EmployeeState& emp, const Case& c, Date day) const {
  for (const EmploymentRec& m : emp.employments) {
    if (day < m.from || day > effective_end(m, as_of)) continue;
    std::int64_t grade = 0;
    for (std::size_t i = c.first; i < c.last; ++i) {
      const AbsenceRec& x = emp.absences[i];
      if (x.from > day || day > effective_end(x, as_of)) continue;
      if (x.employment != 0 && x.employment != m.id) continue;
      grade += x.grade;
    }
    if (grade < kFullPercent) return false;
  }
  return true;
}

std::vector<std::vector<FollowupReport>> Projection::followups_all_units(std::span<const Period> due_in) const {
  require_figures();
  const State& s = *s_;
  std::vector<std::vector<FollowupReport>> out(due_in.size(), std::vector<FollowupReport>(s.units.size()));
  std::vector<Case> cases;
  std::vector<UnitId> units;
  std::vector<std::pair<std::size_t, UnitId>> counted;  // (period, unit) where this person had a step due
  for (const EmployeeState& emp : s.employees) {
    if (emp.absences.empty()) continue;
    compute_cases(emp.absences, s.as_of, cases);
    counted.clear();
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
      const Case& c = cases[ci];
      // A step recorded for this case: dated within it (or after it, before the next).
      const Date next_start = ci + 1 < cases.size() ? cases[ci + 1].start : kOpen;
      for (std::size_t step = 0; step < kFollowupStepCount; ++step) {
        const Date due = c.start + kDueAfterDays[step];
        // Due only while the case still runs, and only up to the as-of date.
        if (due > c.end || due > s.as_of) continue;
        if (static_cast<FollowupStep>(step) == FollowupStep::kDialogueMeeting1 && !s.fully_absent(emp, c, due)) {
          continue;
        }
        units.clear();
        for (const EmploymentRec& m : emp.employments) {
          if (m.from <= due && due <= effective_end(m, s.as_of)) s.add_with_ancestors(m.unit, units);
        }
        if (units.empty()) continue;  // employed nowhere that day
        std::optional<Date> done;
        for (const FollowupRec& f : emp.followups) {
          if (static_cast<std::size_t>(f.step) != step || f.date < c.start || f.date >= next_start) continue;
          if (!done || f.date < *done) done = f.date;
        }
        for (std::size_t p = 0; p < due_in.size(); ++p) {
          if (!due_in[p].contains(due)) continue;
          for (UnitId u : units) {
            FollowupCounts& counts = out[p][u].steps[step];
            ++counts.due;
            if (done && *done <= due) {
              ++counts.done_on_time;
            } else if (done && *done <= s.as_of) {
              ++counts.late;
            } else {
              ++counts.overdue;
            }
            counted.emplace_back(p, u);
          }
        }
      }
    }
    std::sort(counted.begin(), counted.end());
    counted.erase(std::unique(counted.begin(), counted.end()), counted.end());
    for (const auto& [p, u] : counted) ++out[p][u].persons;
  }
  // Masked as the unit's figures over the period are (§7).
  const auto figures = all_units(due_in);
  for (std::size_t p = 0; p < due_in.size(); ++p) {
    for (UnitId u = 0; u < s.units.size(); ++u) out[p][u].masked = figures[p][u].masked;
  }
  return out;
}

FollowupReport Projection::followups(UnitId unit, Period due_in) const {
  if (unit >= s_->units.size()) throw std::out_of_range("no unit with this id");
  return followups_all_units(std::span<const Period>(&due_in, 1))[0][unit];
}

std::vector<FrequentShortTerm> Projection::frequent_short_term_all_units(FrequentShortTermRule rule) const {
  require_figures();
  const State& s = *s_;
  const Period window{s.as_of - (rule.days - 1), s.as_of};
  std::vector<FrequentShortTerm> out(s.units.size());
  std::vector<Case> cases;
  std::vector<UnitId> units;
  for (const EmployeeState& emp : s.employees) {
    if (emp.absences.empty()) continue;
    compute_cases(emp.absences, s.as_of, cases);
    std::int32_t short_cases = 0;
    for (const Case& c : cases) {
      if (window.contains(c.start) && is_short_term(duration_class(c.end - c.start + 1))) ++short_cases;
    }
    if (short_cases < rule.min_cases) continue;
    units.clear();
    for (const EmploymentRec& m : emp.employments) {
      if (m.from <= window.end && effective_end(m, s.as_of) >= window.start) s.add_with_ancestors(m.unit, units);
    }
    for (UnitId u : units) ++out[u].persons;
  }
  const auto figures = all_units(window);
  for (UnitId u = 0; u < s.units.size(); ++u) out[u].masked = figures[u].masked;
  return out;
}

FrequentShortTerm Projection::frequent_short_term(UnitId unit, FrequentShortTermRule rule) const {
  if (unit >= s_->units.size()) throw std::out_of_range("no unit with this id");
  return frequent_short_term_all_units(rule)[unit];
}

}  // namespace naervaer
