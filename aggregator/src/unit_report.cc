#include "unit_report.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

#include "evaluation_report.h"
#include "naervaer/projections/evaluation.h"

namespace naervaer::report {

Period Month::period() const noexcept {
  return {Date::from_ymd(year, month, 1), Date::from_ymd(year, month, days_in_month(year, month))};
}

std::string Month::text() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return buf;
}

std::optional<Month> parse_month(std::string_view s) {
  if (s.size() != 7 || s[4] != '-') return std::nullopt;
  Month m;
  const auto y = std::from_chars(s.data(), s.data() + 4, m.year);
  const auto mo = std::from_chars(s.data() + 5, s.data() + 7, m.month);
  if (y.ec != std::errc() || y.ptr != s.data() + 4 || mo.ec != std::errc() || mo.ptr != s.data() + 7) {
    return std::nullopt;
  }
  if (m.year < 1900 || m.year > 9999 || m.month < 1 || m.month > 12) return std::nullopt;
  return m;
}

Month last_complete_month(Date as_of) {
  const Date first = period_containing(as_of, Granularity::kMonth).start;
  const Date previous = first - 1;
  const bool whole = as_of == period_containing(as_of, Granularity::kMonth).end;
  const Date d = whole ? as_of : previous;
  return {d.year(), d.ymd().month};
}

namespace {

constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};

std::string number(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v == 0 ? 0.0 : v);
  return buf;
}

std::string percent(std::optional<double> v) {
  return v ? number(*v, 2) + "\u00a0%" : "\u2013";
}

std::string setting(std::optional<Hundredths> h) {
  return h ? number(*h / 100.0, 2) + "\u00a0%" : "not set";
}

// Absence of one part (lost workdays in 1/kLostScale) as a percent of the contracted.
std::optional<double> share(std::int64_t lost, const Sums& s) {
  if (s.contracted <= 0) return std::nullopt;
  return 100.0 * (static_cast<double>(lost) / kLostScale) / s.contracted_workdays();
}

std::int64_t short_term_lost(const Sums& s) {
  std::int64_t n = 0;
  for (DurationClass c : kAllDurationClasses) {
    if (is_short_term(c)) n += s.lost_by_class[static_cast<std::size_t>(c)];
  }
  return n;
}

std::string period_label(const Period& p) {
  return p.start.iso() + " \u2013 " + p.end.iso();
}

constexpr std::string_view kStyle = R"(
  body { font: 14px/1.45 system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: #1b1f24;
         margin: 24px auto; max-width: 900px; padding: 0 16px; }
  h1 { font-size: 22px; margin: 0 0 2px; } h2 { font-size: 17px; margin: 26px 0 6px; }
  .muted, caption { color: #5b6470; } caption { text-align: left; padding-bottom: 4px; font-size: 13px; }
  table { border-collapse: collapse; margin: 6px 0; width: 100%; }
  th, td { padding: 3px 8px; border-bottom: 1px solid #d6dbe1; text-align: left; }
  th { font-weight: 600; background: #f6f7f9; font-size: 13px; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  td.masked { color: #6b7280; font-style: italic; background: #eef0f3; }
  tr.over td.absence { color: #a3261a; font-weight: 700; }
  .below { color: #8a5a00; font-weight: 600; }
  .light { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 5px; vertical-align: -1px;
           border: 1px solid rgba(0, 0, 0, 0.25); }
  .light.green { background: #2e9e4f; } .light.yellow { background: #f2c94c; } .light.red { background: #d64031; }
  .overdue { color: #a3261a; font-weight: 600; }
  svg text { font-size: 11px; fill: #5b6470; } svg .grid { stroke: #e6e9ee; } svg path.series { stroke: #1f5fa8;
  stroke-width: 2; fill: none; } svg circle { fill: #fff; stroke: #1f5fa8; stroke-width: 1.5; }
  svg path.target { stroke: #1d6b35; stroke-width: 1.5; stroke-dasharray: 6 4; fill: none; }
  svg rect.masked { fill: #eef0f3; }
  footer { margin-top: 28px; color: #5b6470; font-size: 12px; }
  @page { size: A4; margin: 14mm; }
  @media print { body { margin: 0; max-width: none; font-size: 10.5pt; } section, table, figure { break-inside: avoid; } }
)";

class Report {
 public:
  Report(const Projection& p, UnitId unit, Month month, const UnitReportOptions& options)
      : p_(p), unit_(unit), month_(month), options_(options), info_(p.unit(unit)) {}

  std::string html() {
    const Period m = month_.period();
    const std::string title = info_.name + ": " + kMonthNames[month_.month - 1] + " " + std::to_string(month_.year);
    out_ += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
            "</title><style>" + std::string(kStyle) + "</style></head><body data-unit=\"" + html_escape(info_.id) +
            "\" data-month=\"" + month_.text() + "\">";
    out_ += "<h1>" + html_escape(info_.name) + " <span class=\"muted\">\u00b7 " + kMonthNames[month_.month - 1] + " " +
            std::to_string(month_.year) + "</span></h1>";
    out_ += "<p class=\"muted\">Monthly attendance report (m\u00e5nedsrapport, n\u00e6rv\u00e6r) for unit " +
            html_escape(info_.id) + (info_.parent ? ", part of " + html_escape(p_.unit(*info_.parent).name) : "") +
            ". Figures as of " + p_.as_of().iso() +
            (options_.provenance.empty() ? "" : " (" + html_escape(options_.provenance) + ")") +
            "; every figure includes the units below. Figures of fewer than " +
            std::to_string(p_.options().masking_limit) + " persons are never shown.</p>";
    if (m.start > p_.as_of()) {
      out_ += "<p>The month has not begun on the as-of date: there is nothing to report yet.</p>";
    } else {
      figures_table();
      band();
      parts();
      trend();
      followups();
      frequent();
      measures();
    }
    out_ +=
        "<footer>naervaer \u00b7 absence % = 100 \u00d7 lost / contracted workdays (tapte / avtalte dagsverk), "
        "a ratio of sums; attendance % = 100 \u2212 absence %. Definitions: DOMAIN.md \u00a72\u2013\u00a713."
        "</footer></body></html>\n";
    return std::move(out_);
  }

 private:
  [[nodiscard]] std::string masked_text() const {
    return "masked: fewer than " + std::to_string(p_.options().masking_limit) + " persons";
  }

  // The month, the year to date and the last four complete quarters up to the month's end.
  void figures_table() {
    const Period m = month_.period();
    std::vector<std::pair<std::string, Period>> rows;
    rows.emplace_back(std::string(kMonthNames[month_.month - 1]) + " " + std::to_string(month_.year), m);
    rows.emplace_back("Year to date (hittil i \u00e5r)", Period{Date::from_ymd(month_.year, 1, 1), m.end});
    Period q = period_containing(m.end, Granularity::kQuarter);
    if (q.end != m.end) q = period_containing(q.start - 1, Granularity::kQuarter);  // the last complete one
    std::vector<Period> quarters;
    for (int i = 0; i < 4; ++i) {
      quarters.insert(quarters.begin(), q);
      q = period_containing(q.start - 1, Granularity::kQuarter);
    }
    for (const Period& quarter : quarters) {
      rows.emplace_back(
          std::to_string(quarter.start.year()) + " Q" + std::to_string((quarter.start.ymd().month + 2) / 3), quarter);
    }
    out_ +=
        "<section id=\"figures\"><h2>Attendance against target</h2><table><caption>The month, the year so far and "
        "the last four complete quarters.</caption><tr><th>Period</th><th class=\"n\">Persons</th><th "
        "class=\"n\">Contracted</th><th class=\"n\">Lost</th><th class=\"n\">Absence</th><th "
        "class=\"n\">Attendance</th><th class=\"n\">Target</th><th class=\"n\">Threshold</th><th>Status</th></tr>";
    for (const auto& [label, period] : rows) {
      const Figures f = p_.figures(unit_, period);
      const TargetView t = p_.target(unit_, period.end.year());
      out_ += "<tr data-period=\"" + period.start.iso() + "\"";
      const auto absence = f.sums.absence_percent();
      const auto attendance = f.sums.attendance_percent();
      const bool over = !f.masked && absence && t.absence_threshold && *absence > *t.absence_threshold / 100.0;
      const bool below = !f.masked && attendance && t.attendance_target && *attendance < *t.attendance_target / 100.0;
      out_ += std::string(over ? " class=\"over\"" : "") + "><td>" + html_escape(label) + "<br><span class=\"muted\">" +
              period_label(Period{period.start, std::min(period.end, p_.as_of())}) + "</span></td>";
      if (f.masked) {
        out_ += "<td class=\"n\">" + std::to_string(f.headcount) + "</td><td colspan=\"7\" class=\"masked\">" +
                masked_text() + "</td></tr>";
        continue;
      }
      out_ += "<td class=\"n\">" + std::to_string(f.headcount) + "</td><td class=\"n\">" +
              number(f.sums.contracted_workdays(), 1) + "</td><td class=\"n\">" + number(f.sums.lost_workdays(), 1) +
              "</td><td class=\"n absence\">" + percent(absence) + "</td><td class=\"n" + (below ? " below" : "") +
              "\">" + percent(attendance) + "</td><td class=\"n\">" + setting(t.attendance_target) +
              "</td><td class=\"n\">" + setting(t.absence_threshold) + "</td><td>";
      if (over) out_ += "\u25b2 over the threshold ";
      if (below) out_ += "<span class=\"below\">\u25bc below the target</span>";
      if (!over && !below) out_ += attendance ? "\u2713 within" : "nothing contracted";
      out_ += "</td></tr>";
    }
    out_ += "</table></section>";
  }

  // NAV's band against the parent, in the month and the year so far.
  void band() {
    out_ += "<section id=\"band\"><h2>Against " +
            (info_.parent ? html_escape(p_.unit(*info_.parent).name) : std::string("the parent")) + "</h2>";
    if (!info_.parent) {
      out_ += "<p>The municipality has no parent to compare with.</p></section>";
      return;
    }
    const Period m = month_.period();
    out_ += "<ul>";
    for (const auto& [label, period] :
         {std::pair{std::string("In the month"), m},
          std::pair{std::string("Year to date"), Period{Date::from_ymd(month_.year, 1, 1), m.end}}}) {
      const Figures own = p_.figures(unit_, period);
      const Figures ref = p_.figures(*info_.parent, period);
      out_ += "<li data-period=\"" + period.start.iso() + "\">" + label + ": ";
      const auto a = own.sums.absence_percent();
      const auto r = ref.sums.absence_percent();
      if (own.masked || ref.masked) {
        out_ += "<span class=\"masked\">" + masked_text() + " here or in the parent</span></li>";
        continue;
      }
      if (!a || !r || *r == 0) {
        out_ += "no comparison (nothing contracted or no absence in the parent)</li>";
        continue;
      }
      const Band b = compare_band(*a, *r);
      const long diff = std::lround((*a / *r - 1) * 100);
      out_ += "<span class=\"light " + std::string(to_string(b)) + "\"></span><strong data-band=\"" +
              std::string(to_string(b)) + "\">" + std::string(to_string(b)) + "</strong>: absence " + percent(a) +
              " against " + percent(r) + ", " +
              (diff > 0   ? std::to_string(diff) + " % above"
               : diff < 0 ? std::to_string(-diff) + " % below"
                          : "the same as") +
              " " + html_escape(p_.unit(*info_.parent).name) + "</li>";
    }
    out_ +=
        "</ul><p class=\"muted\">NAV's bands: red more than 10 % above the reference, green more than 10 % "
        "below, yellow between.</p></section>";
  }

  // Short- against long-term and self- against doctor-certified, in parts of the contracted.
  void parts() {
    const Period m = month_.period();
    out_ +=
        "<section id=\"parts\"><h2>What kind of absence</h2><table><caption>Each as a percent of the contracted "
        "workdays; short-term: cases of 1\u201316 days.</caption><tr><th></th><th class=\"n\">Short-term</th><th "
        "class=\"n\">Long-term</th><th class=\"n\">Self-certified</th><th "
        "class=\"n\">Doctor-certified</th></tr>";
    for (const auto& [label, period] :
         {std::pair{std::string("In the month"), m},
          std::pair{std::string("Year to date"), Period{Date::from_ymd(month_.year, 1, 1), m.end}}}) {
      const Figures f = p_.figures(unit_, period);
      out_ += "<tr><td>" + label + "</td>";
      if (f.masked) {
        out_ += "<td colspan=\"4\" class=\"masked\">" + masked_text() + "</td></tr>";
        continue;
      }
      const std::int64_t st = short_term_lost(f.sums);
      out_ += "<td class=\"n\">" + percent(share(st, f.sums)) + "</td><td class=\"n\">" +
              percent(share(f.sums.lost() - st, f.sums)) + "</td><td class=\"n\">" +
              percent(share(f.sums.lost_self, f.sums)) + "</td><td class=\"n\">" +
              percent(share(f.sums.lost_doctor, f.sums)) + "</td></tr>";
    }
    out_ += "</table></section>";
  }

  // Attendance per month for 24 months up to the report's month, with the target line.
  void trend() {
    const Period m = month_.period();
    const int first = month_.year * 12 + (month_.month - 1) - 23;  // 24 months, the report's the last
    const std::vector<Period> months =
        periods_overlapping(Date::from_ymd(first / 12, first % 12 + 1, 1), m.end, Granularity::kMonth);
    const std::vector<Figures> points = p_.series(unit_, months);
    std::vector<std::optional<double>> values, targets;
    double lo = 100, hi = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
      const auto v = points[i].masked ? std::nullopt : points[i].sums.attendance_percent();
      const auto t = p_.target(unit_, months[i].start.year()).attendance_target;
      values.push_back(v);
      targets.push_back(t ? std::optional<double>(*t / 100.0) : std::nullopt);
      for (const auto& x : {v, targets.back()}) {
        if (x) {
          lo = std::min(lo, *x);
          hi = std::max(hi, *x);
        }
      }
    }
    out_ += "<section id=\"trend\"><h2>The last 24 months</h2>";
    if (hi < lo) {
      out_ += "<p class=\"masked\">No month to show: " + masked_text() +
              " in every month, or nothing contracted.</p>"
              "</section>";
      return;
    }
    lo = std::max(0.0, std::floor(lo - 1));
    hi = std::min(100.0, std::ceil(hi + 1));
    constexpr double kLeft = 44, kWidth = 620, kTop = 10, kHeight = 190;
    const double step = kWidth / static_cast<double>(months.size());
    const auto x = [&](std::size_t i) { return kLeft + step * (static_cast<double>(i) + 0.5); };
    const auto y = [&](double v) { return kTop + kHeight * (1 - (v - lo) / (hi - lo)); };
    std::string svg =
        "<figure><svg role=\"img\" aria-label=\"attendance percent per month\" viewBox=\"0 0 680 240\" "
        "width=\"680\" height=\"240\">";
    for (std::size_t i = 0; i < months.size(); ++i) {
      if (points[i].masked) {
        svg += "<rect class=\"masked\" x=\"" + number(x(i) - step / 2, 1) + "\" y=\"" + number(kTop, 1) +
               "\" width=\"" + number(step, 1) + "\" height=\"" + number(kHeight, 1) + "\"/>";
      }
    }
    const int ticks = 5;
    for (int k = 0; k <= ticks; ++k) {
      const double v = lo + (hi - lo) * k / ticks;
      svg += "<line class=\"grid\" x1=\"" + number(kLeft, 1) + "\" x2=\"" + number(kLeft + kWidth, 1) + "\" y1=\"" +
             number(y(v), 1) + "\" y2=\"" + number(y(v), 1) + "\"/><text x=\"" + number(kLeft - 4, 1) + "\" y=\"" +
             number(y(v) + 4, 1) + "\" text-anchor=\"end\">" + number(v, 1) + "</text>";
    }
    for (std::size_t i = 0; i < months.size(); i += 3) {
      svg += "<text x=\"" + number(x(i), 1) + "\" y=\"" + number(kTop + kHeight + 16, 1) +
             "\" text-anchor=\"middle\">" + months[i].start.iso().substr(0, 7) + "</text>";
    }
    const auto path = [&](const std::vector<std::optional<double>>& vs, const char* cls) {
      std::string d;
      bool pen = false;
      for (std::size_t i = 0; i < vs.size(); ++i) {
        if (!vs[i]) {
          pen = false;
          continue;
        }
        d += (pen ? " L" : " M") + number(x(i), 1) + " " + number(y(*vs[i]), 1);
        pen = true;
      }
      if (!d.empty()) svg += "<path class=\"" + std::string(cls) + "\" d=\"" + d + "\"/>";
    };
    path(targets, "target");
    path(values, "series");
    std::size_t shown = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!values[i]) continue;
      ++shown;
      svg += "<circle cx=\"" + number(x(i), 1) + "\" cy=\"" + number(y(*values[i]), 1) + "\" r=\"3\" data-month=\"" +
             months[i].start.iso().substr(0, 7) + "\"><title>" + months[i].start.iso().substr(0, 7) + ": " +
             percent(values[i]) + "</title></circle>";
    }
    svg += "<text x=\"" + number(kLeft, 1) +
           "\" y=\"234\">Attendance % per month (solid); the year's attendance "
           "target (dashed); grey: masked months</text></svg>";
    out_ += svg + "<figcaption class=\"muted\">" + std::to_string(shown) + " of " + std::to_string(months.size()) +
            " months with figures.</figcaption></figure></section>";
  }

  // Follow-up steps due in the month and in the year so far (DOMAIN.md §11).
  void followups() {
    const Period m = month_.period();
    const Period ytd{Date::from_ymd(month_.year, 1, 1), m.end};
    const std::array<Period, 2> periods{m, ytd};
    const auto all = p_.followups_all_units(periods);
    const FollowupReport& month = all[0][unit_];
    const FollowupReport& year = all[1][unit_];
    out_ += "<section id=\"followups\"><h2>Follow-up of sick-leave cases</h2>";
    if (month.masked && year.masked) {
      out_ += "<p class=\"masked\">" + masked_text() + ".</p></section>";
      return;
    }
    static constexpr const char* kSteps[] = {"Follow-up plan (4 weeks)", "Dialogue meeting 1 (7 weeks)",
                                             "Activity requirement (8 weeks)", "Dialogue meeting 2 (26 weeks, NAV)"};
    out_ +=
        "<table><caption>Steps whose due day fell in the month, and in the year so far: recorded by the due day, "
        "recorded later, or not recorded by " +
        p_.as_of().iso() +
        ".</caption><tr><th rowspan=\"2\">Step</th><th colspan=\"4\" class=\"n\">Due in the month</th><th "
        "colspan=\"4\" class=\"n\">Due this year so far</th></tr><tr><th class=\"n\">due</th><th class=\"n\">on "
        "time</th><th class=\"n\">late</th><th class=\"n\">overdue</th><th class=\"n\">due</th><th class=\"n\">on "
        "time</th><th class=\"n\">late</th><th class=\"n\">overdue</th></tr>";
    for (std::size_t s = 0; s < kFollowupStepCount; ++s) {
      out_ +=
          "<tr data-step=\"" + std::string(to_string(static_cast<FollowupStep>(s))) + "\"><td>" + kSteps[s] + "</td>";
      for (const FollowupReport* r : {&month, &year}) {
        if (r->masked) {
          out_ += "<td colspan=\"4\" class=\"masked\">" + masked_text() + "</td>";
          continue;
        }
        const FollowupCounts& c = r->steps[s];
        out_ += "<td class=\"n\">" + std::to_string(c.due) + "</td><td class=\"n\">" + std::to_string(c.done_on_time) +
                "</td><td class=\"n\">" + std::to_string(c.late) + "</td><td class=\"n" +
                (c.overdue > 0 ? " overdue" : "") + "\">" + std::to_string(c.overdue) + "</td>";
      }
      out_ += "</tr>";
    }
    out_ += "</table></section>";
  }

  void frequent() {
    const FrequentShortTermRule rule = p_.options().frequent_short_term;
    const FrequentShortTerm f = p_.frequent_short_term(unit_, rule);
    out_ += "<section id=\"frequent\"><h2>Frequent short-term absence</h2><p>";
    if (f.masked) {
      out_ += "<span class=\"masked\">" + masked_text() + "</span>";
    } else {
      out_ += "<strong data-persons=\"" + std::to_string(f.persons) + "\">" + std::to_string(f.persons) + "</strong> " +
              (f.persons == 1 ? "person" : "persons") + " with " + std::to_string(rule.min_cases) +
              " or more short-term cases (1\u201316 days) starting in the " + std::to_string(rule.days) +
              " days up to " + p_.as_of().iso() + ": a count for the follow-up routine, never who.";
    }
    out_ += "</p></section>";
  }

  // Measures running in the unit, above it or below it during the month, with their verdict.
  void measures() {
    const Period m = month_.period();
    out_ += "<section id=\"measures\"><h2>Measures (tiltak)</h2>";
    std::string rows;
    for (const MeasureSet& measure : p_.measures()) {
      if (measure.from > m.end || (measure.to && *measure.to < m.start)) continue;
      if (!measure_touches(p_, measure, unit_)) continue;
      std::string units;
      for (const std::string& id : measure.units) {
        const auto u = p_.find_unit(id);
        units += (units.empty() ? "" : ", ") + (u ? p_.unit(*u).name : id);
      }
      const auto result = evaluate_measure(p_, measure.measure_id, EvaluationOptions{});
      const std::string words = std::holds_alternative<Evaluation>(result)
                                    ? effect_in_words(std::get<Evaluation>(result))
                                    : std::get<EvaluationError>(result).message;
      rows += "<tr data-measure=\"" + html_escape(measure.measure_id) + "\"><td>" + html_escape(measure.name) +
              "</td><td>" + html_escape(units) + "</td><td>" + measure.from.iso() + " \u2013 " +
              (measure.to ? measure.to->iso() : std::string("open")) + "</td><td>" + html_escape(words) + "</td></tr>";
    }
    if (rows.empty()) {
      out_ += "<p>No measure ran in this unit, above it or below it in the month.</p></section>";
      return;
    }
    out_ += "<table><tr><th>Measure</th><th>Units</th><th>Period</th><th>Did it work? (its first year)</th></tr>" +
            rows + "</table></section>";
  }

  const Projection& p_;
  UnitId unit_;
  Month month_;
  const UnitReportOptions& options_;
  const UnitInfo& info_;
  std::string out_;
};

}  // namespace

std::string unit_report_html(const Projection& p, UnitId unit, Month month, const UnitReportOptions& options) {
  return Report(p, unit, month, options).html();
}

}  // namespace naervaer::report
