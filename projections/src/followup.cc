// Follow-up deadlines of cases (DOMAIN.md §11) and frequent short-term absence (§12), for
// every unit at once: one pass over the employees, each step or person counted in the unit
// of the employment and in every unit above it, once per unit.
#include <limits>
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

// One pass over the employees for the steps due in `due_in` (when `steps`) and the frequent
// short-term counts (when `frequent`): a person's cases are computed once for both. Masking
// is left to the caller, who asks all_units() for every period at once.
void Projection::State::follow_up(std::span<const Period> due_in, std::vector<std::vector<FollowupReport>>* steps,
                                  FrequentShortTermRule rule, std::vector<FrequentShortTerm>* frequent) const {
  if (steps) steps->assign(due_in.size(), std::vector<FollowupReport>(units.size()));
  if (frequent) frequent->assign(units.size(), FrequentShortTerm{});
  const Period window{as_of - (rule.days - 1), as_of};
  std::vector<Case> cases;
  std::vector<UnitId> here;
  std::vector<std::pair<std::size_t, UnitId>> counted;  // (period, unit) where this person had a step due
  // Steps due outside every period are skipped before anything else is looked at: a scrape
  // asks for the last year, the history holds ten.
  Date first_day = kOpen;
  Date last_day = Date(std::numeric_limits<std::int32_t>::min());
  for (const Period& period : due_in) {
    first_day = std::min(first_day, period.start);
    last_day = std::max(last_day, period.end);
  }
  last_day = std::min(last_day, as_of);
  const auto in_some_period = [&](Date due) {
    return std::any_of(due_in.begin(), due_in.end(), [&](const Period& period) { return period.contains(due); });
  };
  for (const EmployeeState& emp : employees) {
    if (emp.absences.empty()) continue;
    // Absences are sorted by their first day: none starting in the window, no case either.
    if (!steps && emp.absences.back().from < window.start) continue;
    compute_cases(emp.absences, as_of, cases);
    if (frequent) {
      std::int32_t short_cases = 0;
      for (const Case& c : cases) {
        if (window.contains(c.start) && is_short_term(duration_class(c.end - c.start + 1))) ++short_cases;
      }
      if (short_cases >= rule.min_cases) {
        here.clear();
        for (const EmploymentRec& m : emp.employments) {
          if (m.from <= window.end && effective_end(m, as_of) >= window.start) add_with_ancestors(m.unit, here);
        }
        for (UnitId u : here) ++(*frequent)[u].persons;
      }
    }
    if (!steps) continue;
    counted.clear();
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
      const Case& c = cases[ci];
      // A step recorded for this case: dated within it (or after it, before the next).
      const Date next_start = ci + 1 < cases.size() ? cases[ci + 1].start : kOpen;
      for (std::size_t step = 0; step < kFollowupStepCount; ++step) {
        const Date due = c.start + kDueAfterDays[step];
        // Due only while the case still runs, and only up to the as-of date.
        if (due > c.end || due > last_day || due < first_day || !in_some_period(due)) continue;
        if (static_cast<FollowupStep>(step) == FollowupStep::kDialogueMeeting1 && !fully_absent(emp, c, due)) continue;
        here.clear();
        for (const EmploymentRec& m : emp.employments) {
          if (m.from <= due && due <= effective_end(m, as_of)) add_with_ancestors(m.unit, here);
        }
        if (here.empty()) continue;  // employed nowhere that day
        std::optional<Date> done;
        for (const FollowupRec& f : emp.followups) {
          if (static_cast<std::size_t>(f.step) != step || f.date < c.start || f.date >= next_start) continue;
          if (!done || f.date < *done) done = f.date;
        }
        for (std::size_t p = 0; p < due_in.size(); ++p) {
          if (!due_in[p].contains(due)) continue;
          for (UnitId u : here) {
            FollowupCounts& counts = (*steps)[p][u].steps[step];
            ++counts.due;
            if (done && *done <= due) {
              ++counts.done_on_time;
            } else if (done && *done <= as_of) {
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
    for (const auto& [p, u] : counted) ++(*steps)[p][u].persons;
  }
}

FollowupFigures Projection::followup_figures(std::span<const Period> due_in, FrequentShortTermRule rule) const {
  require_figures();
  const State& s = *s_;
  FollowupFigures out;
  s.follow_up(due_in, &out.steps, rule, &out.frequent);
  // Masked as the unit's figures over the same period are (§7): every period in one call.
  std::vector<Period> periods(due_in.begin(), due_in.end());
  periods.push_back(Period{s.as_of - (rule.days - 1), s.as_of});
  const auto figures = all_units(std::span<const Period>(periods));
  for (std::size_t p = 0; p < due_in.size(); ++p) {
    for (UnitId u = 0; u < s.units.size(); ++u) out.steps[p][u].masked = figures[p][u].masked;
  }
  for (UnitId u = 0; u < s.units.size(); ++u) out.frequent[u].masked = figures.back()[u].masked;
  return out;
}

std::vector<std::vector<FollowupReport>> Projection::followups_all_units(std::span<const Period> due_in) const {
  require_figures();
  const State& s = *s_;
  std::vector<std::vector<FollowupReport>> out;
  s.follow_up(due_in, &out, FrequentShortTermRule{}, nullptr);
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
  return followup_figures({}, rule).frequent;
}

FrequentShortTerm Projection::frequent_short_term(UnitId unit, FrequentShortTermRule rule) const {
  if (unit >= s_->units.size()) throw std::out_of_range("no unit with this id");
  return frequent_short_term_all_units(rule)[unit];
}

}  // namespace naervaer
