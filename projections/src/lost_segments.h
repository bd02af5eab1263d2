// Projection::State::lost_segments: who loses which workdays, segment by segment
// (DOMAIN.md §3 and §5). Internal: included by the files that consume lost workdays.
#pragma once

#include "projection_state.h"

namespace naervaer {

template <class Emit>
void Projection::State::lost_segments(const std::vector<EmploymentRec>& employments,
                                      const std::vector<AbsenceRec>& absences, const std::vector<Case>& cases,
                                      Period range, Date horizon, Writer& w, Emit& emit) const {
  using detail::effective_end;
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
      // One segment: the same records are active on every day of [wa, wb).
      const Date d = cuts[k];
      auto& active = w.active;
      auto& matched = w.matched;
      active.clear();
      for (std::size_t i = c.first; i < c.last; ++i) {
        if (absences[i].from <= d && d <= effective_end(absences[i], horizon)) active.push_back(i);
      }
      if (active.empty()) continue;  // free days inside the case
      matched.assign(active.size(), 0);
      for (const EmploymentRec& m : employments) {
        if (d < m.from || d > effective_end(m, horizon)) continue;
        std::int64_t doctor = 0;
        std::int64_t self = 0;
        for (std::size_t a = 0; a < active.size(); ++a) {
          const AbsenceRec& x = absences[active[a]];
          if (x.employment != 0 && x.employment != m.id) continue;
          matched[a] = 1;
          (x.kind == AbsenceKind::kDoctorCertified ? doctor : self) += x.grade;
        }
        // Doctor-certified grades first, self-certified fills what remains up to 100 %.
        doctor = std::min<std::int64_t>(doctor, kFullPercent);
        self = std::min<std::int64_t>(self, kFullPercent - doctor);
        if (doctor + self == 0) continue;
        emit.lost(m, wa, wb, m.fte * self, m.fte * doctor, cls);
      }
      std::int64_t unmatched_absences = 0;
      for (std::uint8_t hit : matched) unmatched_absences += hit ? 0 : 1;
      if (unmatched_absences != 0) emit.unmatched(wa, wb, unmatched_absences);
    }
  }
}

}  // namespace naervaer
