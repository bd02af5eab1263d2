// Each person's own contracted and lost workdays in groups of units over periods: the
// cells of a measure evaluation (DOMAIN.md §13), computed from the records by the same
// rule as the units' series (lost_segments), one person at a time.
#include <stdexcept>

#include "lost_segments.h"

namespace naervaer {

using detail::compute_cases;
using detail::effective_end;

void Projection::for_each_person_cells(std::span<const std::int8_t> group_of_unit, std::size_t groups,
                                       std::span<const Period> periods,
                                       const std::function<void(std::span<const Sums> cells)>& visit) const {
  const State& s = *s_;
  if (group_of_unit.size() != s.units.size()) throw std::invalid_argument("for_each_person_cells: a group per unit");
  const std::size_t np = periods.size();
  if (np == 0 || groups == 0) return;
  std::vector<std::pair<std::int32_t, std::int32_t>> ranges(np);  // working-day indexes [a, b)
  Date first = kOpen;
  Date last = calendar::kFirstSupported;
  for (std::size_t p = 0; p < np; ++p) {
    ranges[p] = s.clipped(periods[p]);
    if (ranges[p].first >= ranges[p].second) continue;
    first = std::min(first, std::max(periods[p].start, calendar::kFirstSupported));
    last = std::max(last, std::min(periods[p].end, s.as_of));
  }
  if (last < first) return;
  const auto overlap = [&](std::size_t p, std::int32_t a, std::int32_t b) {
    return std::max(0, std::min(b, ranges[p].second) - std::max(a, ranges[p].first));
  };
  std::vector<Sums> cells(groups * np);
  State::Writer w(nullptr);  // nothing here counts unmatched days
  struct IntoCells {
    std::span<const std::int8_t> group_of_unit;
    std::size_t np;
    std::vector<Sums>& cells;
    const decltype(overlap)& days_in;
    void lost(const EmploymentRec& m, std::int32_t wa, std::int32_t wb, std::int64_t self, std::int64_t doctor,
              std::size_t cls) {
      const std::int8_t g = group_of_unit[m.unit];
      if (g < 0) return;
      for (std::size_t p = 0; p < np; ++p) {
        const std::int64_t n = days_in(p, wa, wb);
        if (n == 0) continue;
        Sums& c = cells[static_cast<std::size_t>(g) * np + p];
        c.lost_self += self * n;
        c.lost_doctor += doctor * n;
        c.lost_by_class[cls] += (self + doctor) * n;
      }
    }
    void unmatched(std::int32_t, std::int32_t, std::int64_t) {}
  } into{group_of_unit, np, cells, overlap};
  for (std::size_t ei = 0; ei < s.employees.size(); ++ei) {
    s.prefetch_ahead(ei, s.employees.size(), [](std::size_t i) { return i; });
    const Period span = s.employee_span[ei];
    if (span.end < first || span.start > last) continue;
    const EmployeeState& emp = s.employees[ei];
    bool worked = false;
    std::fill(cells.begin(), cells.end(), Sums{});
    for (const EmploymentRec& m : emp.employments) {
      const std::int8_t g = group_of_unit[m.unit];
      if (g < 0) continue;
      const Date from = std::max(m.from, calendar::kFirstSupported);
      const Date to = effective_end(m, s.as_of);
      if (to < from) continue;
      const std::int32_t a = calendar::workday_index(from);
      const std::int32_t b = calendar::workday_index(to + 1);
      for (std::size_t p = 0; p < np; ++p) {
        const std::int64_t n = overlap(p, a, b);
        if (n == 0) continue;
        cells[static_cast<std::size_t>(g) * np + p].contracted += n * m.fte;
        worked = true;
      }
    }
    if (!worked) continue;  // no contracted day in any cell: nothing lost there either
    compute_cases(emp.absences, s.as_of, w.cases);
    s.lost_segments(emp.employments, emp.absences, w.cases, Period{first, last}, s.as_of, w, into);
    visit(cells);
  }
}

}  // namespace naervaer
