#include "naervaer/projections/evaluation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "naervaer/projections/calendar.h"

namespace naervaer {

std::string_view to_string(MeasureStatus s) noexcept {
  switch (s) {
    case MeasureStatus::kPlanned:
      return "planned";
    case MeasureStatus::kRunning:
      return "running";
    case MeasureStatus::kEnded:
      return "ended";
  }
  return "?";
}

MeasureStatus measure_status(const MeasureSet& m, Date as_of) noexcept {
  if (m.from > as_of) return MeasureStatus::kPlanned;
  if (m.to && *m.to < as_of) return MeasureStatus::kEnded;
  return MeasureStatus::kRunning;
}

std::string_view to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::kNotStarted:
      return "not_started";
    case Verdict::kMasked:
      return "masked";
    case Verdict::kReduced:
      return "reduced";
    case Verdict::kIncreased:
      return "increased";
    case Verdict::kInconclusive:
      return "inconclusive";
    case Verdict::kNoDetectableChange:
      return "no_detectable_change";
  }
  return "?";
}

bool measure_touches(const Projection& p, const MeasureSet& m, UnitId unit) {
  return std::any_of(m.units.begin(), m.units.end(), [&](const std::string& id) {
    const auto u = p.find_unit(id);
    return u && (p.is_descendant_or_self(unit, *u) || p.is_descendant_or_self(*u, unit));
  });
}

Date add_years(Date d, int years) noexcept {
  const YearMonthDay ymd = d.ymd();
  const int y = ymd.year + years;
  const int day = std::min(ymd.day, days_in_month(y, ymd.month));  // 29 Feb -> 28 Feb
  return Date::from_ymd(y, ymd.month, day);
}

namespace evaluation {

std::string_view to_string(Part p) noexcept {
  switch (p) {
    case Part::kTotal:
      return "total";
    case Part::kShortTerm:
      return "short_term";
    case Part::kLongTerm:
      return "long_term";
    case Part::kSelfCertified:
      return "self_certified";
    case Part::kDoctorCertified:
      return "doctor_certified";
  }
  return "?";
}

void Moments::add(const PersonCells& person) {
  unsigned presence = 0;
  for (std::size_t c = 0; c < kCells; ++c) {
    if (person.contracted[c] > 0) presence |= 1U << c;
  }
  if (presence == 0) return;  // worked in no cell: adds nothing, not even to n
  ++persons_by_presence[presence];
  for (std::size_t c = 0; c < kCells; ++c) {
    const std::int64_t mc = person.contracted[c];
    contracted[c] += mc;
    headcount[c] += mc > 0 ? 1 : 0;
    for (std::size_t d = 0; d < kCells; ++d) contracted_contracted[c][d] += Int128{mc} * person.contracted[d];
  }
  for (std::size_t q = 0; q < kParts; ++q) {
    const auto& l = person.lost[q];
    for (std::size_t c = 0; c < kCells; ++c) {
      lost[q][c] += l[c];
      if (l[c] == 0) continue;  // most persons lose nothing in most cells
      for (std::size_t d = 0; d < kCells; ++d) {
        lost_lost[q][c][d] += Int128{l[c]} * l[d];
        lost_contracted[q][c][d] += Int128{l[c]} * person.contracted[d];
      }
    }
  }
}

Moments& Moments::operator+=(const Moments& o) {
  for (std::size_t c = 0; c < kCells; ++c) {
    contracted[c] += o.contracted[c];
    headcount[c] += o.headcount[c];
    for (std::size_t d = 0; d < kCells; ++d) contracted_contracted[c][d] += o.contracted_contracted[c][d];
  }
  for (std::size_t k = 0; k < persons_by_presence.size(); ++k) persons_by_presence[k] += o.persons_by_presence[k];
  for (std::size_t q = 0; q < kParts; ++q) {
    for (std::size_t c = 0; c < kCells; ++c) {
      lost[q][c] += o.lost[q][c];
      for (std::size_t d = 0; d < kCells; ++d) {
        lost_lost[q][c][d] += o.lost_lost[q][c][d];
        lost_contracted[q][c][d] += o.lost_contracted[q][c][d];
      }
    }
  }
  return *this;
}

namespace {

// A linear combination Σ w_c p_c of cell rates, in percentage points, with its
// person-clustered linearised standard error: u_i = Σ w_c z_ic, z_ic = (l_ic − p_c m_ic) / M_c,
// Σ u_i² expanded into the moments' sums over persons.
std::optional<Estimate> combination(const Moments& m, Part part, const std::array<double, kCells>& w) {
  const auto q = static_cast<std::size_t>(part);
  // In workdays, converted once from the exact sums.
  std::array<double, kCells> contracted{};
  std::array<double, kCells> rate{};
  unsigned used = 0;
  double estimate = 0;
  for (std::size_t c = 0; c < kCells; ++c) {
    if (w[c] == 0) continue;
    if (m.contracted[c] <= 0) return std::nullopt;  // no rate without contracted workdays
    used |= 1U << c;
    contracted[c] = static_cast<double>(m.contracted[c]) / kContractedScale;
    rate[c] = static_cast<double>(m.lost[q][c]) / kLostScale / contracted[c];
    estimate += w[c] * rate[c];
  }
  std::int64_t n = 0;
  for (std::size_t k = 0; k < m.persons_by_presence.size(); ++k) {
    if ((k & used) != 0) n += m.persons_by_presence[k];
  }
  if (n < 2) return std::nullopt;
  double sum_u2 = 0;
  for (std::size_t c = 0; c < kCells; ++c) {
    if (w[c] == 0) continue;
    for (std::size_t d = 0; d < kCells; ++d) {
      if (w[d] == 0) continue;
      const double ll = static_cast<double>(m.lost_lost[q][c][d]) / (kLostScale * kLostScale);
      const double lm_cd = static_cast<double>(m.lost_contracted[q][c][d]) / (kLostScale * kContractedScale);
      const double lm_dc = static_cast<double>(m.lost_contracted[q][d][c]) / (kLostScale * kContractedScale);
      const double mm = static_cast<double>(m.contracted_contracted[c][d]) / (kContractedScale * kContractedScale);
      const double cross = ll - rate[d] * lm_cd - rate[c] * lm_dc + rate[c] * rate[d] * mm;
      sum_u2 += w[c] * w[d] * cross / (contracted[c] * contracted[d]);
    }
  }
  const auto nd = static_cast<double>(n);
  const double se = 100.0 * std::sqrt(std::max(0.0, nd / (nd - 1) * sum_u2));  // rounding can dip below 0
  Estimate e;
  e.estimate = 100.0 * estimate;
  e.se = se;
  e.ci_low = e.estimate - kZ95 * se;
  e.ci_high = e.estimate + kZ95 * se;
  return e;
}

}  // namespace

std::optional<Estimate> change(const Moments& m, Part part, Group g, Span before, Span after) {
  std::array<double, kCells> w{};
  w[cell(g, after)] += 1;
  w[cell(g, before)] -= 1;
  return combination(m, part, w);
}

std::optional<Effect> effect(const Moments& m, Part part, Span before, Span after) {
  const auto treated = change(m, part, kTreated, before, after);
  const auto comparison = change(m, part, kComparison, before, after);
  std::array<double, kCells> w{};
  w[cell(kTreated, after)] += 1;
  w[cell(kTreated, before)] -= 1;
  w[cell(kComparison, after)] -= 1;
  w[cell(kComparison, before)] += 1;
  const auto did = combination(m, part, w);
  if (!treated || !comparison || !did) return std::nullopt;
  return Effect{*treated, *comparison, *did, kMdeFactor * did->se};
}

}  // namespace evaluation

using namespace evaluation;  // NOLINT(google-build-using-namespace): this file is its implementation

namespace {

// A period that starts before the calendar's first supported day is cut there (and is
// empty if it ends before it).
Period supported(Period p) {
  p.start = std::max(p.start, calendar::kFirstSupported);
  return p;
}

}  // namespace

std::variant<EvaluationPlan, EvaluationError> plan_evaluation(const Projection& p, std::string_view measure_id,
                                                              const EvaluationOptions& options) {
  const std::optional<MeasureSet> measure = p.measure(measure_id);
  if (!measure) return EvaluationError{404, "no measure \"" + std::string(measure_id) + "\""};
  if (options.year < 1 || options.year > 50) {
    return EvaluationError{400, "year must be a whole number from 1 to 50, got " + std::to_string(options.year)};
  }
  EvaluationPlan plan;
  plan.measure = *measure;
  plan.as_of = p.as_of();
  plan.year = options.year;
  plan.status = measure_status(*measure, plan.as_of);
  plan.inconclusive_mde = options.inconclusive_mde;
  plan.group_of_unit.assign(p.unit_count(), -1);
  const int k = options.year;
  const Date f = measure->from;
  plan.selection = supported(Period{f - 365, f - 1});
  std::vector<UnitId> comparison_roots;
  for (const std::string& u : options.comparison_units) {
    const auto id = p.find_unit(u);
    if (!id) return EvaluationError{400, "comparison: no unit \"" + u + "\""};
    comparison_roots.push_back(*id);
  }
  const Date a_start = add_years(f, k - 1);
  Date a_end = std::min(plan.as_of, add_years(f, k) - 1);
  if (measure->to) a_end = std::min(a_end, *measure->to);
  if (a_start > a_end) return plan;  // not started: nothing to compare yet
  plan.after = Period{a_start, a_end};
  plan.before = supported(Period{add_years(a_start, -k), add_years(a_end, -k)});
  plan.placebo_before = supported(Period{add_years(plan.before->start, -1), add_years(plan.before->end, -1)});

  std::vector<UnitId> measure_units;
  for (const std::string& u : measure->units) {
    if (const auto id = p.find_unit(u)) measure_units.push_back(*id);
  }
  const auto treated = [&](UnitId u) {
    return std::any_of(measure_units.begin(), measure_units.end(),
                       [&](UnitId r) { return p.is_descendant_or_self(u, r); });
  };
  // Units of other measures running at some time in [start of B, end of A] are no comparison.
  std::vector<UnitId> excluded_roots;
  if (comparison_roots.empty()) {
    for (const MeasureSet& other : p.measures()) {
      if (other.measure_id == measure->measure_id) continue;
      const bool overlaps = other.from <= plan.after->end && (!other.to || *other.to >= plan.before->start);
      if (!overlaps) continue;
      for (const std::string& u : other.units) {
        if (const auto id = p.find_unit(u)) excluded_roots.push_back(*id);
      }
    }
  }
  for (UnitId u = 0; u < p.unit_count(); ++u) {
    const auto in_any = [&](const std::vector<UnitId>& roots) {
      return std::any_of(roots.begin(), roots.end(), [&](UnitId r) { return p.is_descendant_or_self(u, r); });
    };
    if (treated(u)) {
      plan.group_of_unit[u] = kTreated;
      plan.treated_units.push_back(u);
    } else if (comparison_roots.empty() ? !in_any(excluded_roots) : in_any(comparison_roots)) {
      plan.group_of_unit[u] = kComparison;
      plan.comparison_units.push_back(u);
    }
  }
  // By id, not by UnitId: the order units were registered in differs between instances.
  const auto by_id = [&](UnitId x, UnitId y) { return p.unit(x).id < p.unit(y).id; };
  std::sort(plan.treated_units.begin(), plan.treated_units.end(), by_id);
  std::sort(plan.comparison_units.begin(), plan.comparison_units.end(), by_id);
  const Date first_month = std::min(add_years(f, -1), plan.before->start);
  plan.months = periods_overlapping(std::max(first_month, calendar::kFirstSupported), plan.as_of, Granularity::kMonth);
  return plan;
}

EvaluationSums& EvaluationSums::operator+=(const EvaluationSums& o) {
  moments += o.moments;
  if (monthly.size() < o.monthly.size()) {
    monthly.resize(o.monthly.size());
    monthly_headcount.resize(o.monthly.size());
  }
  for (std::size_t i = 0; i < o.monthly.size(); ++i) {
    for (std::size_t g = 0; g < kGroups; ++g) {
      monthly[i][g] += o.monthly[i][g];
      monthly_headcount[i][g] += o.monthly_headcount[i][g];
    }
  }
  if (selection.size() < o.selection.size()) {
    selection.resize(o.selection.size());
    selection_headcount.resize(o.selection.size());
  }
  for (std::size_t i = 0; i < o.selection.size(); ++i) {
    selection[i] += o.selection[i];
    selection_headcount[i] += o.selection_headcount[i];
  }
  return *this;
}

EvaluationSums collect_sums(const Projection& p, const EvaluationPlan& plan) {
  EvaluationSums sums;
  sums.monthly.resize(plan.months.size());
  sums.monthly_headcount.resize(plan.months.size());
  sums.selection.resize(plan.measure.units.size());
  sums.selection_headcount.resize(plan.measure.units.size());
  if (!plan.after) return sums;
  const std::array<Period, kSpans> spans{*plan.placebo_before, *plan.before, *plan.after};
  PersonCells person;
  p.for_each_person_cells(plan.group_of_unit, kGroups, spans, [&](std::span<const Sums> cells) {
    for (std::size_t c = 0; c < kCells; ++c) {
      const Sums& s = cells[c];
      std::int64_t short_term = 0;
      for (DurationClass k : kAllDurationClasses) {
        if (is_short_term(k)) short_term += s.lost_by_class[static_cast<std::size_t>(k)];
      }
      person.contracted[c] = s.contracted;
      person.lost[static_cast<std::size_t>(Part::kTotal)][c] = s.lost();
      person.lost[static_cast<std::size_t>(Part::kShortTerm)][c] = short_term;
      person.lost[static_cast<std::size_t>(Part::kLongTerm)][c] = s.lost() - short_term;
      person.lost[static_cast<std::size_t>(Part::kSelfCertified)][c] = s.lost_self;
      person.lost[static_cast<std::size_t>(Part::kDoctorCertified)][c] = s.lost_doctor;
    }
    sums.moments.add(person);
  });
  const std::size_t nm = plan.months.size();
  p.for_each_person_cells(plan.group_of_unit, kGroups, plan.months, [&](std::span<const Sums> cells) {
    for (std::size_t g = 0; g < kGroups; ++g) {
      for (std::size_t i = 0; i < nm; ++i) {
        const Sums& s = cells[g * nm + i];
        if (s.contracted == 0) continue;
        sums.monthly[i][g] += s;
        ++sums.monthly_headcount[i][g];
      }
    }
  });
  for (std::size_t i = 0; i < plan.measure.units.size(); ++i) {
    const auto id = p.find_unit(plan.measure.units[i]);
    if (!id) continue;
    const Figures f = p.figures(*id, plan.selection);
    sums.selection[i] = f.sums;
    sums.selection_headcount[i] = f.headcount;
  }
  return sums;
}

Evaluation evaluate(const Projection& p, const EvaluationPlan& plan, const EvaluationSums& sums) {
  Evaluation e;
  e.plan = plan;
  if (!plan.after) {
    e.verdict = Verdict::kNotStarted;
    return e;
  }
  const Moments& m = sums.moments;
  const std::int32_t limit = p.options().masking_limit;
  const auto masked_cell = [&](std::size_t c) { return m.headcount[c] < limit; };
  for (std::size_t g = 0; g < kGroups; ++g) {
    for (std::size_t s = 0; s < 2; ++s) {
      const std::size_t c = cell(static_cast<Group>(g), s == 0 ? kBefore : kAfter);
      EvaluationCell& out = e.cells[g][s];
      out.headcount = static_cast<std::int32_t>(m.headcount[c]);
      out.masked = masked_cell(c);
      e.masked = e.masked || out.masked;
      out.contracted_workdays = static_cast<double>(m.contracted[c]) / kContractedScale;
      out.lost_workdays = static_cast<double>(m.lost[static_cast<std::size_t>(Part::kTotal)][c]) / kLostScale;
      if (m.contracted[c] > 0) out.absence_percent = 100.0 * out.lost_workdays / out.contracted_workdays;
    }
  }
  if (e.masked) {  // no numbers at all
    for (auto& group : e.cells) {
      for (EvaluationCell& c : group) c = EvaluationCell{c.headcount, c.masked, 0, 0, std::nullopt};
    }
    e.verdict = Verdict::kMasked;
    return e;
  }
  for (Part part : kAllParts) e.effects[static_cast<std::size_t>(part)] = effect(m, part, kBefore, kAfter);
  const auto& total = e.effects[static_cast<std::size_t>(Part::kTotal)];
  if (total && total->did.ci_high < 0) {
    e.verdict = Verdict::kReduced;
  } else if (total && total->did.ci_low > 0) {
    e.verdict = Verdict::kIncreased;
  } else if (!total || total->mde > plan.inconclusive_mde) {  // no estimate: never when unmasked
    e.verdict = Verdict::kInconclusive;
  } else {
    e.verdict = Verdict::kNoDetectableChange;
  }
  if (total)
    e.workdays_avoided =
        -total->did.estimate / 100.0 * static_cast<double>(m.contracted[cell(kTreated, kAfter)]) / kContractedScale;
  // The placebo: the same comparison one year earlier, when nothing had been done yet.
  if (!masked_cell(cell(kTreated, kPlaceboBefore)) && !masked_cell(cell(kComparison, kPlaceboBefore))) {
    e.placebo = effect(m, Part::kTotal, kPlaceboBefore, kBefore);
    if (e.placebo && (e.placebo->did.ci_low > 0 || e.placebo->did.ci_high < 0)) {
      e.warnings.emplace_back("parallel_trends_doubtful");
    }
  }
  // Chosen because its absence was high: it would likely have fallen anyway.
  const int selection_year = (plan.measure.from - 1).year();
  for (std::size_t i = 0; i < plan.measure.units.size() && i < sums.selection.size(); ++i) {
    const auto id = p.find_unit(plan.measure.units[i]);
    const auto percent = sums.selection[i].absence_percent();
    if (!id || sums.selection_headcount[i] < limit || !percent) continue;
    const auto threshold = p.target(*id, selection_year).absence_threshold;
    if (threshold && *percent > *threshold / 100.0) {
      e.warnings.emplace_back("selected_when_high");
      break;
    }
  }
  e.monthly.reserve(plan.months.size());
  for (std::size_t i = 0; i < plan.months.size(); ++i) {
    EvaluationMonth point;
    point.month_start = plan.months[i].start;
    if (i < sums.monthly.size()) {
      const auto rate = [&](std::size_t g) -> std::optional<double> {
        if (sums.monthly_headcount[i][g] < limit) return std::nullopt;
        return sums.monthly[i][g].absence_percent();
      };
      point.treated = rate(kTreated);
      point.comparison = rate(kComparison);
    }
    e.monthly.push_back(point);
  }
  return e;
}

std::variant<Evaluation, EvaluationError> evaluate_measure(const Projection& p, std::string_view measure_id,
                                                           const EvaluationOptions& options) {
  auto planned = plan_evaluation(p, measure_id, options);
  if (auto* error = std::get_if<EvaluationError>(&planned)) return *error;
  const auto& plan = std::get<EvaluationPlan>(planned);
  return evaluate(p, plan, collect_sums(p, plan));
}

}  // namespace naervaer
