// Figures over periods and windows (DOMAIN.md §4, §9): series of one unit, all units at
// once, rolled up the tree, with headcount and masking (§7).
#include <stdexcept>

#include "projection_state.h"

namespace naervaer {

using detail::effective_end;

std::vector<std::int32_t> Projection::State::headcounts(UnitId root, const std::vector<Period>& periods) const {
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

Figures Projection::State::make_figures(Period p, std::int32_t headcount, const Sums& sums) const {
  Figures f;
  f.period_start = p.start;
  f.period_end = p.end;
  f.headcount = headcount;
  f.masked = headcount < options.masking_limit;
  f.sums = sums;
  return f;
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

}  // namespace naervaer
