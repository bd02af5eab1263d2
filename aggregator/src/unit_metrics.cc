#include "unit_metrics.h"

#include <array>
#include <charconv>
#include <span>
#include <string_view>
#include <vector>

namespace naervaer {

namespace {

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\' || c == '"') o.push_back('\\');
    if (c == '\n') {
      o.append("\\n");
      continue;
    }
    o.push_back(c);
  }
  return o;
}

void number(std::string& out, double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

// Per unit and window, the numerators and denominators as gauges, rendered on scrape from
// one consistent state (never millions of live gauges). Masked units are absent.
//
// Written straight in the text exposition format rather than through prometheus-cpp's
// MetricFamily and TextSerializer: with 1,000 units that is about 86,000 series, and the
// generic path (a labelled object and an ostream write per series) took ~150 ms a scrape.
void UnitMetrics::render(const Projection& p, std::uint64_t generation, std::string& out) {
  auto append_kept = [&] {
    std::lock_guard cache_lock(cache_mutex_);
    if (generation != cached_generation_) return false;
    out.append(cache_);
    return true;
  };
  if (append_kept()) return;
  std::lock_guard render_lock(render_mutex_);
  if (append_kept()) return;   // a concurrent scrape rendered it meanwhile
  std::string& text = spare_;  // the buffer of the text before the kept one: no fresh memory
  text.clear();
  render_projection(p, text);
  out.append(text);
  std::lock_guard cache_lock(cache_mutex_);
  std::swap(cache_, spare_);
  cached_generation_ = generation;
}

void UnitMetrics::render_projection(const Projection& p, std::string& out) const {
  std::vector<Period> windows;
  for (Window w : kAllWindows) windows.push_back(window_period(w, p.as_of()));
  const auto all = p.all_units(std::span<const Period>(windows));
  // parent="..",sector="..",unit="..": the sector (the ancestor just below the root) lets
  // Alertmanager route a unit's alerts to the HR advisers of its sector.
  std::vector<std::string> unit_labels(p.unit_count());
  for (UnitId u = 0; u < p.unit_count(); ++u) {
    const UnitInfo& info = p.unit(u);
    std::string_view sector;
    if (info.parent) {
      UnitId s = u;
      while (p.unit(*p.unit(s).parent).parent) s = *p.unit(s).parent;
      sector = p.unit(s).id;
    }
    unit_labels[u] = "parent=\"" + escape(info.parent ? p.unit(*info.parent).id : "") + "\",sector=\"" +
                     escape(std::string(sector)) + "\",unit=\"" + escape(info.id) + "\"";
  }
  out.reserve(p.unit_count() * windows.size() * 1400);  // a no-op on the reused buffer
  auto family = [&](const char* name, const char* help, auto&& value_of, const char* extra_label,
                    std::span<const std::string_view> extra_values) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" gauge\n");
    for (UnitId u = 0; u < p.unit_count(); ++u) {
      for (std::size_t w = 0; w < windows.size(); ++w) {
        const Figures& f = all[w][u];
        if (f.masked) continue;
        for (std::size_t k = 0; k < std::max<std::size_t>(1, extra_values.size()); ++k) {
          out.append(name).append("{");
          if (extra_label) out.append(extra_label).append("=\"").append(extra_values[k]).append("\",");
          out.append(unit_labels[u]).append(",window=\"").append(to_string(kAllWindows[w])).append("\"} ");
          number(out, value_of(f, k));
          out.push_back('\n');
        }
      }
    }
  };
  static constexpr std::string_view kKinds[] = {"self_certified", "doctor_certified"};
  std::array<std::string_view, kDurationClassCount> classes{};
  for (std::size_t c = 0; c < kDurationClassCount; ++c) classes[c] = to_string(kAllDurationClasses[c]);
  family("naervaer_unit_contracted_workdays",
         "Contracted workdays (avtalte dagsverk) of the unit and its descendants in the window",
         [](const Figures& f, std::size_t) { return f.sums.contracted_workdays(); }, nullptr, {});
  family("naervaer_unit_lost_workdays", "Lost workdays (tapte dagsverk) in the window",
         [](const Figures& f, std::size_t) { return f.sums.lost_workdays(); }, nullptr, {});
  family(
      "naervaer_unit_lost_workdays_by_kind", "Lost workdays by kind of certification",
      [](const Figures& f, std::size_t k) {
        return static_cast<double>(k == 0 ? f.sums.lost_self : f.sums.lost_doctor) / kLostScale;
      },
      "kind", kKinds);
  family(
      "naervaer_unit_lost_workdays_by_duration", "Lost workdays by the duration class (days) of their case",
      [](const Figures& f, std::size_t c) { return static_cast<double>(f.sums.lost_by_class[c]) / kLostScale; },
      "duration", classes);
  family("naervaer_unit_persons", "Distinct persons with a contracted workday in the window",
         [](const Figures& f, std::size_t) { return static_cast<double>(f.headcount); }, nullptr, {});
  // Follow-up of cases (DOMAIN.md §11) by step, over the steps due in the last 30, 90 and
  // 365 days: the due steps (the denominator) and how each went, so that on-time rates are
  // sums over instances. Only steps that were due are written: a unit without long cases
  // adds no series.
  static constexpr Window kFollowupWindows[] = {Window::k30d, Window::k90d, Window::k365d};
  std::array<Period, 3> followup_periods{};
  for (std::size_t i = 0; i < 3; ++i) followup_periods[i] = window_period(kFollowupWindows[i], p.as_of());
  const FrequentShortTermRule rule = p.options().frequent_short_term;
  const FollowupFigures follow = p.followup_figures(followup_periods, rule);
  const auto& followups = follow.steps;
  out.append(
      "# HELP naervaer_unit_followup_steps Follow-up steps of cases due in the window, by step and outcome "
      "(due, done_on_time, late, overdue)\n# TYPE naervaer_unit_followup_steps gauge\n");
  static constexpr std::string_view kOutcomes[] = {"due", "done_on_time", "late", "overdue"};
  for (UnitId u = 0; u < p.unit_count(); ++u) {
    for (std::size_t w = 0; w < 3; ++w) {
      const FollowupReport& r = followups[w][u];
      if (r.masked) continue;
      for (std::size_t step = 0; step < kFollowupStepCount; ++step) {
        const FollowupCounts& c = r.steps[step];
        if (c.due == 0) continue;
        const std::array<std::int32_t, 4> values = {c.due, c.done_on_time, c.late, c.overdue};
        for (std::size_t k = 0; k < 4; ++k) {
          out.append("naervaer_unit_followup_steps{outcome=\"").append(kOutcomes[k]).append("\",");
          out.append(unit_labels[u]).append(",step=\"").append(to_string(static_cast<FollowupStep>(step)));
          out.append("\",window=\"").append(to_string(kFollowupWindows[w])).append("\"} ");
          number(out, values[k]);
          out.push_back('\n');
        }
      }
    }
  }
  // Frequent short-term absence (§12): a count of persons, never who.
  const auto& frequent = follow.frequent;
  out.append("# HELP naervaer_unit_frequent_short_term_persons Persons with at least ")
      .append(std::to_string(rule.min_cases))
      .append(" short-term cases starting in the last ")
      .append(std::to_string(rule.days))
      .append(" days\n# TYPE naervaer_unit_frequent_short_term_persons gauge\n");
  for (UnitId u = 0; u < p.unit_count(); ++u) {
    if (frequent[u].masked) continue;
    out.append("naervaer_unit_frequent_short_term_persons{").append(unit_labels[u]).append("} ");
    number(out, frequent[u].persons);
    out.push_back('\n');
  }
  // Targets and thresholds of the units shown (unmasked in some window).
  for (int which = 0; which < 2; ++which) {
    const char* name =
        which == 0 ? "naervaer_unit_attendance_target_percent" : "naervaer_unit_absence_threshold_percent";
    out.append("# HELP ").append(name).append(which == 0 ? " Attendance target of the unit this year"
                                                         : " Absence threshold for follow-up of the unit this year");
    out.append("\n# TYPE ").append(name).append(" gauge\n");
    for (UnitId u = 0; u < p.unit_count(); ++u) {
      bool shown = false;
      for (std::size_t w = 0; w < windows.size(); ++w) shown = shown || !all[w][u].masked;
      if (!shown) continue;
      const TargetView t = p.target(u, p.as_of().year());
      const std::optional<Hundredths> v = which == 0 ? t.attendance_target : t.absence_threshold;
      if (!v) continue;
      out.append(name).append("{").append(unit_labels[u]).append("} ");
      number(out, *v / 100.0);
      out.push_back('\n');
    }
  }
}

}  // namespace naervaer
