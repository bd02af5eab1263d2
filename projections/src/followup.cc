// Follow-up deadlines of cases (DOMAIN.md §11) and frequent short-term absence (§12).
#include <stdexcept>

#include "projection_state.h"

namespace naervaer {

using detail::compute_cases;
using detail::effective_end;

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

}  // namespace naervaer
