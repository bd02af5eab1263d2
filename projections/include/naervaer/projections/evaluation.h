// Measure evaluation (DOMAIN.md §13): did the measure lower absence in its units more than in
// comparable units? Before/after change per group and difference-in-differences (DiD) in
// percentage points, with person-clustered linearised (Woodruff) standard errors, 95 %
// intervals, the minimum detectable effect, the same by part, a verdict and warnings.
//
// Three steps, so that instances that each hold only some persons can still answer exactly:
//   plan_evaluation   what to compare: periods and groups of units (reference data only,
//                     which every instance holds);
//   collect_sums      what this instance's persons add: sums, squares and cross-products,
//                     all additive over persons (EvaluationSums::operator+=);
//   evaluate          the estimates from the sums of all instances.
// Pure functions of their arguments; thread-safe as the Projection's const queries are.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "naervaer/projections/projection.h"

namespace naervaer {

enum class MeasureStatus : std::uint8_t { kPlanned, kRunning, kEnded };
std::string_view to_string(MeasureStatus s) noexcept;  // "planned", "running", "ended"
MeasureStatus measure_status(const MeasureSet& m, Date as_of) noexcept;
// Whether the measure runs in the unit, above it or below it: the unit's figures then hold
// persons the measure was meant for (the measures a unit's report and filter list).
bool measure_touches(const Projection& p, const MeasureSet& m, UnitId unit);

enum class Verdict : std::uint8_t { kNotStarted, kMasked, kReduced, kIncreased, kInconclusive, kNoDetectableChange };
std::string_view to_string(Verdict v) noexcept;  // "not_started", "masked", "reduced", ...

// `d` moved by whole years; 29 February becomes 28 February in a year without it.
Date add_years(Date d, int years) noexcept;

namespace evaluation {

// Cells: group (treated, comparison) × span (B′: the placebo's before, B: before, A: after).
inline constexpr std::size_t kGroups = 2;
inline constexpr std::size_t kSpans = 3;
inline constexpr std::size_t kCells = kGroups * kSpans;
enum Group : std::uint8_t { kTreated = 0, kComparison = 1 };
enum Span : std::uint8_t { kPlaceboBefore = 0, kBefore = 1, kAfter = 2 };
constexpr std::size_t cell(Group g, Span s) noexcept {
  return std::size_t{g} * kSpans + s;
}

// Which lost workdays count: all, or one part (M is always all contracted workdays).
enum class Part : std::uint8_t { kTotal, kShortTerm, kLongTerm, kSelfCertified, kDoctorCertified };
inline constexpr std::size_t kParts = 5;
inline constexpr Part kAllParts[] = {Part::kTotal, Part::kShortTerm, Part::kLongTerm, Part::kSelfCertified,
                                     Part::kDoctorCertified};
std::string_view to_string(Part p) noexcept;  // "total", "short_term", "long_term", "self_certified", ...

// Exact sums of squares: a person's lost workdays squared reach 10^21 in the units below.
__extension__ typedef __int128 Int128;  // NOLINT(modernize-use-using): __extension__ needs typedef

// One person's own workdays in each cell, exact: contracted m in 1/kContractedScale of a
// workday, lost l by part in 1/kLostScale (figures.h), as the unit-day figures keep them.
struct PersonCells {
  std::array<std::int64_t, kCells> contracted{};
  std::array<std::array<std::int64_t, kCells>, kParts> lost{};
};

// Additive over persons: what the estimates and their variance need. Σ u_i² expands into
// sums of l·l, l·m and m·m over persons for every pair of cells, and n (persons with m > 0
// in any cell used) into a count of persons per pattern of cells they worked in. Whole
// numbers, so that the sums of instances added in any order are the same to the last bit,
// and so is every figure computed from them.
struct Moments {
  std::array<std::int64_t, kCells> contracted{};
  std::array<std::array<std::int64_t, kCells>, kParts> lost{};
  std::array<std::int64_t, kCells> headcount{};
  std::array<std::int64_t, std::size_t{1} << kCells> persons_by_presence{};
  std::array<std::array<std::array<Int128, kCells>, kCells>, kParts> lost_lost{};
  std::array<std::array<std::array<Int128, kCells>, kCells>, kParts> lost_contracted{};  // [q][c][c'] = Σ l_c m_c'
  std::array<std::array<Int128, kCells>, kCells> contracted_contracted{};

  void add(const PersonCells& person);
  Moments& operator+=(const Moments& other);
};

struct Estimate {
  double estimate = 0;  // percentage points
  double se = 0;
  double ci_low = 0;
  double ci_high = 0;
};

struct Effect {
  Estimate treated_change;
  Estimate comparison_change;
  Estimate did;
  double mde = 0;  // minimum detectable DiD: 80 % power, 5 % two-sided
};

inline constexpr double kZ95 = 1.959964;
inline constexpr double kMdeFactor = 2.8;

// Change of one group from span `before` to span `after`; none when a rate is undefined
// (nothing contracted) or fewer than two persons worked in the cells.
std::optional<Estimate> change(const Moments& m, Part part, Group g, Span before, Span after);
// Both changes and their difference; none when either change is.
std::optional<Effect> effect(const Moments& m, Part part, Span before, Span after);

}  // namespace evaluation

struct EvaluationOptions {
  int year = 1;                               // evaluation year k
  std::vector<std::string> comparison_units;  // empty: every unit not treated nor excluded
  double inconclusive_mde = 1.0;              // percentage points
};

// What to compare, from the measure and the unit tree. `after` empty: not started.
struct EvaluationPlan {
  MeasureSet measure;
  MeasureStatus status = MeasureStatus::kPlanned;
  int year = 1;
  Date as_of;
  std::optional<Period> after;                          // A
  std::optional<Period> before;                         // B
  std::optional<Period> placebo_before;                 // B′
  std::vector<std::int8_t> group_of_unit;               // by UnitId: a Group, or -1
  std::vector<UnitId> treated_units, comparison_units;  // in the order of their ids
  std::vector<Period> months;                           // from a year before the start (or B) to the as-of date
  Period selection;                                     // the 365 days before the first day (selected_when_high)
  double inconclusive_mde = 1.0;
};

struct EvaluationError {
  int status = 400;  // 404: no such measure; 400: a bad option
  std::string message;
};

// An error for an unknown measure or comparison unit, or a year below 1.
std::variant<EvaluationPlan, EvaluationError> plan_evaluation(const Projection& p, std::string_view measure_id,
                                                              const EvaluationOptions& options);

// What one instance's persons add to an evaluation. Additive: instances add theirs.
struct EvaluationSums {
  evaluation::Moments moments;
  std::vector<std::array<Sums, evaluation::kGroups>> monthly;  // by plan.months
  std::vector<std::array<std::int32_t, evaluation::kGroups>> monthly_headcount;
  std::vector<Sums> selection;  // by plan.measure.units, over plan.selection, with descendants
  std::vector<std::int32_t> selection_headcount;
  EvaluationSums& operator+=(const EvaluationSums& other);
};

EvaluationSums collect_sums(const Projection& p, const EvaluationPlan& plan);

struct EvaluationCell {
  std::int32_t headcount = 0;
  bool masked = true;
  double contracted_workdays = 0;
  double lost_workdays = 0;
  std::optional<double> absence_percent;
};

struct EvaluationMonth {
  Date month_start;
  std::optional<double> treated;  // absence percent; none where masked or nothing contracted
  std::optional<double> comparison;
};

struct Evaluation {
  EvaluationPlan plan;
  bool masked = false;
  Verdict verdict = Verdict::kNotStarted;
  std::vector<std::string> warnings;  // "parallel_trends_doubtful", "selected_when_high"
  // [group][0 = before, 1 = after]
  std::array<std::array<EvaluationCell, 2>, evaluation::kGroups> cells{};
  std::array<std::optional<evaluation::Effect>, evaluation::kParts> effects{};  // by Part
  std::optional<double> workdays_avoided;
  std::optional<evaluation::Effect> placebo;
  std::vector<EvaluationMonth> monthly;
};

// `p` supplies the masking limit and the thresholds in force (reference data).
Evaluation evaluate(const Projection& p, const EvaluationPlan& plan, const EvaluationSums& sums);

// All three steps on one projection that holds every person.
std::variant<Evaluation, EvaluationError> evaluate_measure(const Projection& p, std::string_view measure_id,
                                                           const EvaluationOptions& options);

}  // namespace naervaer
