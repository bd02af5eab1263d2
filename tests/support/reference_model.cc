// A deliberately naive, independent oracle for DOMAIN.md's daily figures (definitions 1, 2,
// 3, 5 and 6). It shares no code with projections/: its own calendar built on std::chrono,
// its own case merging, and plain loops over the calendar days of every period. Clarity over speed.
#include "reference_model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <utility>

namespace naervaer::reference {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::weekday;
using std::chrono::year_month_day;

constexpr std::int64_t kFull = 10000;  // 100 % in hundredths of a percent

// Strict "YYYY-MM-DD" parser; anything else is a bug in the calling test.
sys_days parse_date(const std::string& text) {
  auto bad = [&text]() { return std::invalid_argument("reference_model: bad date '" + text + "'"); };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') throw bad();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) continue;
    if (text[i] < '0' || text[i] > '9') throw bad();
  }
  const int y = std::stoi(text.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(text.substr(5, 2)));
  const unsigned d = static_cast<unsigned>(std::stoi(text.substr(8, 2)));
  const year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) throw bad();
  return sys_days{ymd};
}

std::string format_date(sys_days day) {
  const year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

sys_days make_day(int y, unsigned m, unsigned d) {
  return sys_days{year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}}};
}

// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
sys_days easter_sunday(int y) {
  const int a = y % 19;
  const int b = y / 100;
  const int c = y % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = ((h + l - 7 * m + 114) % 31) + 1;
  return make_day(y, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

// Norwegian public holidays of one year, as a set (holidays can coincide).
std::set<sys_days> public_holidays(int y) {
  const sys_days easter = easter_sunday(y);
  return {
      make_day(y, 1, 1),    // New Year's Day
      easter - days{3},     // Maundy Thursday
      easter - days{2},     // Good Friday
      easter,               // Easter Sunday
      easter + days{1},     // Easter Monday
      make_day(y, 5, 1),    // Labour Day
      make_day(y, 5, 17),   // Constitution Day
      easter + days{39},    // Ascension Day
      easter + days{49},    // Whit Sunday
      easter + days{50},    // Whit Monday
      make_day(y, 12, 25),  // Christmas Day
      make_day(y, 12, 26),  // Boxing Day
  };
}

// Working days (definition 1). Holds each year's holiday set once it has been needed, so
// a Debug build stays fast; one Calendar lives for one computation, no shared state.
class Calendar {
 public:
  bool is_working_day(sys_days day) {
    const weekday wd{day};
    if (wd == std::chrono::Saturday || wd == std::chrono::Sunday) return false;
    const int y = static_cast<int>(year_month_day{day}.year());
    auto it = holidays_.find(y);
    if (it == holidays_.end()) it = holidays_.emplace(y, public_holidays(y)).first;
    return it->second.count(day) == 0;
  }

 private:
  std::map<int, std::set<sys_days>> holidays_;
};

// NAV's duration classes by case length in calendar days.
int duration_class(std::int64_t length) {
  if (length <= 7) return 0;
  if (length <= 16) return 1;
  if (length <= 56) return 2;
  if (length <= 140) return 3;
  if (length <= 273) return 4;
  return 5;
}

struct Period {
  sys_days from;
  sys_days to;  // inclusive, already resolved for open-ended periods
  bool contains(sys_days d) const { return from <= d && d <= to; }
};

struct Employment {
  const RefEmployment* source;
  Period period;  // to = as_of when open-ended (days after as_of are never used anyway)
};

struct Absence {
  const RefAbsence* source;
  Period period;  // effective period (open-ended resolved per DOMAIN.md 5)
};

struct Case {
  sys_days first;
  sys_days last;
  int cls;
};

// Effective end of an absence: its `to`; open-ended: as_of, or its own first day if it
// starts after as_of.
Period absence_period(const RefAbsence& a, sys_days as_of) {
  const sys_days from = parse_date(a.from);
  if (a.to) return {from, parse_date(*a.to)};
  return {from, from > as_of ? from : as_of};
}

// Every calendar day on which some absence of the employee is active (effective periods).
std::set<sys_days> absence_days_of(const std::vector<Absence>& absences) {
  std::set<sys_days> result;
  for (const Absence& a : absences) {
    for (sys_days d = a.period.from; d <= a.period.to; d += days{1}) result.insert(d);
  }
  return result;
}

// Cases of one employee: its absence days walked in order; a run of 16 or more
// absence-free days between two absence days starts a new case.
std::vector<Case> build_cases(const std::set<sys_days>& absence_days) {
  std::vector<Case> cases;
  for (sys_days d : absence_days) {
    if (!cases.empty()) {
      const std::int64_t free_days = (d - cases.back().last).count() - 1;
      if (free_days < 16) {
        cases.back().last = d;
        continue;
      }
    }
    cases.push_back({d, d, 0});
  }
  for (Case& c : cases) c.cls = duration_class((c.last - c.first).count() + 1);
  return cases;
}

int class_of_day(const std::vector<Case>& cases, sys_days d) {
  for (const Case& c : cases) {
    if (c.first <= d && d <= c.last) return c.cls;
  }
  throw std::logic_error("reference_model: absence day outside every case");
}

bool applies_to(const Absence& a, const Employment& e, sys_days d) {
  if (!a.period.contains(d) || !e.period.contains(d)) return false;
  if (a.source->employee != e.source->employee) return false;
  return !a.source->employment_id || *a.source->employment_id == e.source->employment_id;
}

}  // namespace

bool ref_is_working_day(const std::string& date) {
  return Calendar{}.is_working_day(parse_date(date));
}

RefResult ref_compute(const std::vector<RefEmployment>& employments, const std::vector<RefAbsence>& absences,
                      const std::string& as_of) {
  const sys_days asof = parse_date(as_of);
  Calendar calendar;
  RefResult result;

  // Group everything by employee.
  std::map<std::string, std::vector<Employment>> employments_of;
  for (const RefEmployment& e : employments) {
    const sys_days from = parse_date(e.from);
    const sys_days to = e.to ? parse_date(*e.to) : asof;
    employments_of[e.employee].push_back({&e, {from, to}});
  }
  std::map<std::string, std::vector<Absence>> absences_of;
  for (const RefAbsence& a : absences) absences_of[a.employee].push_back({&a, absence_period(a, asof)});

  // Figures are only ever booked on days an employment is active, so every booked day lies
  // in [first_day, as_of]. Each unit gets one RefDay per calendar day of that range (plain
  // indexing keeps Debug/sanitizer builds fast); the result map is built once at the end.
  sys_days first_day = asof;
  for (const RefEmployment& e : employments) first_day = std::min(first_day, parse_date(e.from));
  const auto index_of = [first_day](sys_days d) { return static_cast<std::size_t>((d - first_day).count()); };
  const std::size_t span = index_of(asof) + 1;
  std::map<std::string, std::vector<RefDay>> unit_days;
  const auto day_entry = [&](const std::string& unit, sys_days d) -> RefDay& {
    std::vector<RefDay>& v = unit_days[unit];
    if (v.empty()) v.resize(span);
    return v.at(index_of(d));
  };

  // Contracted workdays (definition 2): every working day <= as_of of every employment.
  for (const auto& [employee, list] : employments_of) {
    for (const Employment& e : list) {
      std::vector<RefDay>* days_of_unit = nullptr;
      const sys_days last = std::min(e.period.to, asof);
      for (sys_days d = e.period.from; d <= last; d += days{1}) {
        if (!calendar.is_working_day(d)) continue;
        if (days_of_unit == nullptr) {
          days_of_unit = &unit_days[e.source->unit];
          if (days_of_unit->empty()) days_of_unit->resize(span);
        }
        days_of_unit->at(index_of(d)).contracted += e.source->fte_hundredths;
      }
    }
  }

  // Lost workdays (definition 3), with duration classes from the cases (definition 5).
  const std::vector<Employment> no_employments;
  for (const auto& [employee, list] : absences_of) {
    const auto found = employments_of.find(employee);
    const std::vector<Employment>& emps = found == employments_of.end() ? no_employments : found->second;
    const std::set<sys_days> absence_days = absence_days_of(list);
    const std::vector<Case> cases = build_cases(absence_days);

    // Days without any active absence contribute nothing, so only absence days are visited.
    for (sys_days d : absence_days) {
      if (d > asof) break;
      if (!calendar.is_working_day(d)) continue;

      // Unmatched: an absence active today that applies to no active employment.
      for (const Absence& a : list) {
        if (!a.period.contains(d)) continue;
        bool matched = false;
        for (const Employment& e : emps) matched = matched || applies_to(a, e, d);
        if (!matched) ++result.unmatched_absence_days;
      }

      // Per active employment: doctor grades first (capped at 100 %), self-certified fills
      // what remains up to 100 %.
      for (const Employment& e : emps) {
        if (!e.period.contains(d)) continue;
        std::int64_t doctor_sum = 0;
        std::int64_t self_sum = 0;
        for (const Absence& a : list) {
          if (!applies_to(a, e, d)) continue;
          if (a.source->doctor_certified) {
            doctor_sum += a.source->grade_hundredths;
          } else {
            self_sum += kFull;  // self-certified is always 100 %
          }
        }
        const std::int64_t doctor_total = std::min(doctor_sum, kFull);
        const std::int64_t self_total = std::min(self_sum, kFull - doctor_total);
        if (doctor_total == 0 && self_total == 0) continue;

        const std::int64_t fte = e.source->fte_hundredths;
        RefDay& day = day_entry(e.source->unit, d);
        day.lost_doctor += fte * doctor_total;
        day.lost_self += fte * self_total;
        day.lost_by_class[static_cast<std::size_t>(class_of_day(cases, d))] += fte * (doctor_total + self_total);
      }
    }
  }

  // Keep only entries with some non-zero figure.
  for (const auto& [unit, per_day] : unit_days) {
    for (std::size_t i = 0; i < per_day.size(); ++i) {
      if (per_day[i] == RefDay{}) continue;
      result.days[{unit, format_date(first_day + days{static_cast<std::int64_t>(i)})}] = per_day[i];
    }
  }
  return result;
}

// ---- follow-up (§11) and frequent short-term absence (§12) ----------------------------------

namespace {

// The unit and every unit above it.
std::vector<std::string> unit_and_ancestors(const std::map<std::string, std::string>& parent_of, std::string unit) {
  std::vector<std::string> out;
  while (!unit.empty() && out.size() <= parent_of.size()) {
    out.push_back(unit);
    const auto it = parent_of.find(unit);
    unit = it == parent_of.end() ? "" : it->second;
  }
  return out;
}

struct EmployeeRecords {
  std::vector<Employment> employments;
  std::vector<Absence> absences;
};

std::map<std::string, EmployeeRecords> by_employee(const std::vector<RefEmployment>& employments,
                                                   const std::vector<RefAbsence>& absences, sys_days asof) {
  std::map<std::string, EmployeeRecords> out;
  for (const RefEmployment& e : employments) {
    const sys_days from = parse_date(e.from);
    out[e.employee].employments.push_back({&e, {from, e.to ? parse_date(*e.to) : std::max(from, asof)}});
  }
  for (const RefAbsence& a : absences) out[a.employee].absences.push_back({&a, absence_period(a, asof)});
  return out;
}

}  // namespace

std::map<std::string, RefFollowupResult> ref_followups(const std::vector<RefEmployment>& employments,
                                                       const std::vector<RefAbsence>& absences,
                                                       const std::vector<RefFollowup>& followups,
                                                       const std::map<std::string, std::string>& parent_of,
                                                       const std::string& as_of, const std::string& from,
                                                       const std::string& to) {
  const sys_days asof = parse_date(as_of);
  const sys_days first = parse_date(from);
  const sys_days last = std::min(parse_date(to), asof);
  static constexpr int kWeeks[] = {4, 7, 8, 26};
  std::map<std::string, RefFollowupResult> result;
  for (const auto& [unit, parent] : parent_of) result[unit];
  for (const auto& [employee, records] : by_employee(employments, absences, asof)) {
    const std::vector<Case> cases = build_cases(absence_days_of(records.absences));
    std::set<std::string> counted_in;  // units where this person had a step due
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
      const Case& c = cases[ci];
      for (int step = 0; step < 4; ++step) {
        const sys_days due = c.first + days{kWeeks[step] * 7 - 1};
        if (due > c.last || due < first || due > last) continue;  // the case ended, or not in the period
        // Dialogue meeting 1 only at 100 % absence on the due day, on every employment then.
        if (step == 1) {
          bool full = true;
          for (const Employment& e : records.employments) {
            if (!e.period.contains(due)) continue;
            std::int64_t grade = 0;
            for (const Absence& a : records.absences) {
              if (applies_to(a, e, due)) grade += a.source->grade_hundredths;
            }
            full = full && grade >= 10000;
          }
          if (!full) continue;
        }
        // The earliest record of this step dated in the case (before the next case starts).
        std::optional<sys_days> done;
        for (const RefFollowup& f : followups) {
          if (f.employee != employee || f.step != step) continue;
          const sys_days d = parse_date(f.date);
          if (d < c.first || (ci + 1 < cases.size() && d >= cases[ci + 1].first)) continue;
          if (!done || d < *done) done = d;
        }
        std::set<std::string> units;  // every unit whose subtree employs the person on the due day
        for (const Employment& e : records.employments) {
          if (!e.period.contains(due)) continue;
          for (const std::string& u : unit_and_ancestors(parent_of, e.source->unit)) units.insert(u);
        }
        for (const std::string& u : units) {
          RefFollowupCounts& n = result[u].steps[static_cast<std::size_t>(step)];
          ++n.due;
          if (done && *done <= due) {
            ++n.on_time;
          } else if (done && *done <= asof) {
            ++n.late;
          } else {
            ++n.overdue;
          }
          counted_in.insert(u);
        }
      }
    }
    for (const std::string& u : counted_in) ++result[u].persons;
  }
  return result;
}

std::map<std::string, int> ref_frequent_short_term(const std::vector<RefEmployment>& employments,
                                                   const std::vector<RefAbsence>& absences,
                                                   const std::map<std::string, std::string>& parent_of,
                                                   const std::string& as_of, int window_days, int min_cases) {
  const sys_days asof = parse_date(as_of);
  const sys_days first = asof - days{window_days - 1};
  std::map<std::string, int> result;
  for (const auto& [unit, parent] : parent_of) result[unit] = 0;
  for (const auto& [employee, records] : by_employee(employments, absences, asof)) {
    int short_cases = 0;
    for (const Case& c : build_cases(absence_days_of(records.absences))) {
      if (c.first >= first && c.first <= asof && c.cls <= 1) ++short_cases;
    }
    if (short_cases < min_cases) continue;
    std::set<std::string> units;
    for (const Employment& e : records.employments) {
      if (e.period.from > asof || e.period.to < first) continue;
      for (const std::string& u : unit_and_ancestors(parent_of, e.source->unit)) units.insert(u);
    }
    for (const std::string& u : units) ++result[u];
  }
  return result;
}

}  // namespace naervaer::reference
