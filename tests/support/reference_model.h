// A deliberately naive, independent computation of DOMAIN.md's figures, used only by tests
// to check the incremental projection. It shares no code with projections/: its own
// calendar (std::chrono), its own case merging, plain loops over every day.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace naervaer::reference {

// Dates are "YYYY-MM-DD" strings, as on the wire.
struct RefEmployment {
  std::string employee;
  std::string employment_id;
  std::string unit;
  std::string from;
  std::optional<std::string> to;  // inclusive; nullopt = open-ended
  std::int64_t fte_hundredths;    // fte_percent × 100, e.g. 80 % -> 8000
};

struct RefAbsence {
  std::string employee;
  std::string absence_id;
  bool doctor_certified = false;
  std::string from;
  std::optional<std::string> to;             // inclusive; nullopt = open-ended
  std::int64_t grade_hundredths = 10000;     // grade_percent × 100
  std::optional<std::string> employment_id;  // restricts the absence to that employment
};

// Figures of ONE unit (its own employments only, no descendants) on ONE working day.
// Exact integers: contracted in 1/10,000 workday (fte_hundredths), lost in 1/100,000,000
// workday (fte_hundredths × grade_hundredths).
struct RefDay {
  std::int64_t contracted = 0;
  std::int64_t lost_self = 0;
  std::int64_t lost_doctor = 0;
  std::array<std::int64_t, 6> lost_by_class{};  // 1-7, 8-16, 17-56, 57-140, 141-273, 274+
  bool operator==(const RefDay&) const = default;
};

struct RefResult {
  // (unit, date) -> figures; only working days <= as_of with any non-zero figure appear.
  std::map<std::pair<std::string, std::string>, RefDay> days;
  // Sum over absences of the working days <= as_of on which the absence was active but
  // applied to no active employment of its employee (an employment_id that is not active
  // that day, or no employment at all).
  std::int64_t unmatched_absence_days = 0;
};

// A follow-up step recorded for an employee (0 plan, 1 dialogue meeting 1, 2 activity
// requirement, 3 dialogue meeting 2), on a date.
struct RefFollowup {
  std::string employee;
  int step = 0;
  std::string date;
};

struct RefFollowupCounts {
  int due = 0;
  int on_time = 0;
  int late = 0;
  int overdue = 0;
  bool operator==(const RefFollowupCounts&) const = default;
};

struct RefFollowupResult {
  std::array<RefFollowupCounts, 4> steps{};
  int persons = 0;  // distinct persons with a step due
  bool operator==(const RefFollowupResult&) const = default;
};

// DOMAIN.md §11 for every unit of `parent_of` (unit -> parent, "" at a root), each with its
// descendants: the steps due in [from, to] (and on or before as_of) of persons employed in
// the unit's subtree on the due day.
std::map<std::string, RefFollowupResult> ref_followups(const std::vector<RefEmployment>& employments,
                                                       const std::vector<RefAbsence>& absences,
                                                       const std::vector<RefFollowup>& followups,
                                                       const std::map<std::string, std::string>& parent_of,
                                                       const std::string& as_of, const std::string& from,
                                                       const std::string& to);

// DOMAIN.md §12 for every unit of `parent_of` with its descendants: persons employed there
// in the last `days` days up to as_of with at least `min_cases` short-term cases (1-16 days)
// starting in them.
std::map<std::string, int> ref_frequent_short_term(const std::vector<RefEmployment>& employments,
                                                   const std::vector<RefAbsence>& absences,
                                                   const std::map<std::string, std::string>& parent_of,
                                                   const std::string& as_of, int days, int min_cases);

bool ref_is_working_day(const std::string& date);
RefResult ref_compute(const std::vector<RefEmployment>& employments, const std::vector<RefAbsence>& absences,
                      const std::string& as_of);

}  // namespace naervaer::reference
