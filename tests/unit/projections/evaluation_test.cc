// Measure evaluation (DOMAIN.md §13): a worked example computed by hand, a brute-force
// implementation of §13 on random municipalities (its own periods, groups, and per-person
// figures from the independent reference model), and the 95 % interval's coverage of a
// null effect over many simulated municipalities.
#include "naervaer/projections/evaluation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "event_builders.h"
#include "reference_model.h"

namespace naervaer {
namespace {

using evaluation::Part;
using testing::day;
using testing::EventFactory;

Evaluation ok(const std::variant<Evaluation, EvaluationError>& r) {
  if (const auto* e = std::get_if<EvaluationError>(&r)) throw std::runtime_error(e->message);
  return std::get<Evaluation>(r);
}

// ---- the worked example -------------------------------------------------------------------
//
// Units R > T (treated), R > C. Measure "m1" in T from 2025-03-03 to 2025-03-07; as of
// 2025-04-01, year 1: A = 3-7 March 2025 (5 working days), B = 3-7 March 2024 (Sun-Thu: 4
// working days), B′ = 3-7 March 2023 (Fri, Mon, Tue: 3). Everybody is employed from 2022.
//   T1 100 %: self-certified 4-5 March 2024                      lost B 2
//   T2 100 %: doctor 6-7 March 2024; doctor 50 % on 3 March 2025  lost B 2, A 0.5
//   C1 100 %: self-certified 4 March 2025                        lost A 1
//   C2  50 %: self-certified 4 March 2024; doctor 5-7 March 2025  lost B 0.5, A 1.5
// Cells: T B 4/8 = 0.5, T A 0.5/10 = 0.05; C B 0.5/6 = 1/12, C A 2.5/7.5 = 1/3.
// Δ_T = 100 (0.05 − 0.5) = −45; Δ_C = 100 (1/3 − 1/12) = 25; DiD = −70 points.
// z_i = (l − p m) / M: T1 A −0.025, B 0; T2 A 0.025, B 0; C1 A (1 − 5/3)/7.5 = −2/22.5,
// B (0 − 4/12)/6 = −1/18; C2 A (1.5 − 2.5/3)/7.5 = 2/22.5, B (0.5 − 2/12)/6 = 1/18.
// DiD: u = ±1/40 (T1, T2), ±(2/22.5 − 1/18) = ±1/30 (C1, C2); Σu² = 2/1600 + 2/900 = 1/288;
// SE = 100 √(4/3 · 1/288) = 100/√216 = 6.804138; 95 % interval −70 ± 13.335856.
// Δ_T: u = ±1/40, SE = 100 √(2 · 2/1600) = 5. Δ_C: u = ±1/30, SE = 100 √(2 · 2/900) = 6.666667.
// Workdays avoided = 70/100 × 10 = 7. Placebo (B′ → B): no absence in B′, so
// DiD′ = 100 (0.5 − 0) − 100 (1/12 − 0) = 41.666667; u = 0 (T), ±1/18 (C);
// SE = 100 √(4/3 · 2/324) = 9.072184: the interval excludes 0, so the trends were not parallel.
class WorkedExample : public ::testing::Test {
 protected:
  void SetUp() override {
    ProjectionOptions options;
    options.masking_limit = 2;  // a handful of persons, so that nothing is masked
    p = std::make_unique<Projection>(day("2025-04-01"), options);
    const std::vector<Event> events = {
        f.unit("R"),
        f.unit("T", "R"),
        f.unit("C", "R"),
        f.employment("T1", "e", "T", "2022-01-01", 100),
        f.employment("T2", "e", "T", "2022-01-01", 100),
        f.employment("C1", "e", "C", "2022-01-01", 100),
        f.employment("C2", "e", "C", "2022-01-01", 50),
        f.self_certified("T1", "a", "2024-03-04", "2024-03-05"),
        f.doctor("T2", "a", "2024-03-06", "2024-03-07"),
        f.doctor("T2", "b", "2025-03-03", "2025-03-03", 50),
        f.self_certified("C1", "a", "2025-03-04", "2025-03-04"),
        f.self_certified("C2", "a", "2024-03-04", "2024-03-04"),
        f.doctor("C2", "b", "2025-03-05", "2025-03-07"),
        f.make(MeasureSet{"m1", {"T"}, "Tighter follow-up", "followup", day("2025-03-03"), day("2025-03-07")}),
    };
    for (const Event& e : events) ASSERT_EQ(p->apply(e).outcome, Outcome::kApplied);
  }
  std::unique_ptr<Projection> p;
  EventFactory f;
};

TEST_F(WorkedExample, PeriodsAndGroupsFollowTheDefinition) {
  const Evaluation e = ok(evaluate_measure(*p, "m1", {}));
  EXPECT_EQ(e.plan.status, MeasureStatus::kEnded);
  EXPECT_EQ(e.plan.after, (Period{day("2025-03-03"), day("2025-03-07")}));
  EXPECT_EQ(e.plan.before, (Period{day("2024-03-03"), day("2024-03-07")}));
  EXPECT_EQ(e.plan.placebo_before, (Period{day("2023-03-03"), day("2023-03-07")}));
  ASSERT_EQ(e.plan.treated_units.size(), 1U);
  EXPECT_EQ(p->unit(e.plan.treated_units[0]).id, "T");
  // R's own employments (none here) and C's are the comparison.
  EXPECT_EQ(e.plan.comparison_units.size(), 2U);
}

TEST_F(WorkedExample, CellsEstimatesAndIntervalsEqualTheHandComputation) {
  const Evaluation e = ok(evaluate_measure(*p, "m1", {}));
  ASSERT_FALSE(e.masked);
  EXPECT_EQ(e.cells[0][0].headcount, 2);
  EXPECT_NEAR(e.cells[0][0].contracted_workdays, 8, 1e-12);
  EXPECT_NEAR(e.cells[0][0].lost_workdays, 4, 1e-12);
  EXPECT_NEAR(*e.cells[0][1].absence_percent, 5, 1e-9);
  EXPECT_NEAR(e.cells[1][0].contracted_workdays, 6, 1e-12);
  EXPECT_NEAR(*e.cells[1][1].absence_percent, 100.0 / 3, 1e-9);
  const auto& total = *e.effects[static_cast<std::size_t>(Part::kTotal)];
  EXPECT_NEAR(total.treated_change.estimate, -45, 1e-9);
  EXPECT_NEAR(total.treated_change.se, 5, 1e-9);
  EXPECT_NEAR(total.comparison_change.estimate, 25, 1e-9);
  EXPECT_NEAR(total.comparison_change.se, 20.0 / 3, 1e-9);
  EXPECT_NEAR(total.did.estimate, -70, 1e-9);
  EXPECT_NEAR(total.did.se, 100 / std::sqrt(216.0), 1e-9);
  EXPECT_NEAR(total.did.ci_low, -70 - 1.959964 * 100 / std::sqrt(216.0), 1e-9);
  EXPECT_NEAR(total.did.ci_high, -70 + 1.959964 * 100 / std::sqrt(216.0), 1e-9);
  EXPECT_NEAR(total.mde, 2.8 * 100 / std::sqrt(216.0), 1e-9);
  EXPECT_NEAR(*e.workdays_avoided, 7, 1e-9);
  EXPECT_EQ(e.verdict, Verdict::kReduced);
  // Every case is short: short-term is the total, long-term nothing at all.
  const auto& short_term = *e.effects[static_cast<std::size_t>(Part::kShortTerm)];
  EXPECT_NEAR(short_term.did.estimate, -70, 1e-9);
  EXPECT_NEAR(short_term.did.se, total.did.se, 1e-9);
  const auto& long_term = *e.effects[static_cast<std::size_t>(Part::kLongTerm)];
  EXPECT_EQ(long_term.did.estimate, 0);
  EXPECT_NEAR(long_term.did.se, 0, 1e-12);
  // Self-certified: T B 2/8, T A 0; C B 0.5/6, C A 1/7.5.
  const auto& self = *e.effects[static_cast<std::size_t>(Part::kSelfCertified)];
  EXPECT_NEAR(self.did.estimate, 100 * ((0 - 0.25) - (1 / 7.5 - 0.5 / 6)), 1e-9);
}

TEST_F(WorkedExample, PlaceboThatExcludesZeroWarnsOfUnequalTrends) {
  const Evaluation e = ok(evaluate_measure(*p, "m1", {}));
  ASSERT_TRUE(e.placebo);
  EXPECT_NEAR(e.placebo->did.estimate, 50 - 100.0 / 12, 1e-9);
  EXPECT_NEAR(e.placebo->did.se, 100 * std::sqrt(4.0 / 3 * 2 / 324), 1e-9);
  EXPECT_EQ(e.warnings, std::vector<std::string>{"parallel_trends_doubtful"});
}

TEST_F(WorkedExample, UnitOverItsThresholdBeforeTheStartWarnsOfRegressionToTheMean) {
  // T over the 365 days before 3 March 2025: 4 lost of 2 × 250 contracted, about 0.8 %.
  // The threshold in force in the year of f − 1 (2 March 2025) counts, not 2024's.
  ASSERT_EQ(p->apply(f.make(TargetSet{"R", 2024, 9300, 50})).outcome, Outcome::kApplied);
  EXPECT_EQ(ok(evaluate_measure(*p, "m1", {})).warnings.size(), 1U);
  ASSERT_EQ(p->apply(f.make(TargetSet{"R", 2025, 9300, 50})).outcome, Outcome::kApplied);  // 0.5 %
  const auto warnings = ok(evaluate_measure(*p, "m1", {})).warnings;
  EXPECT_NE(std::find(warnings.begin(), warnings.end(), "selected_when_high"), warnings.end());
}

TEST_F(WorkedExample, OneMorePersonBelowTheLimitMasksEverything) {
  ProjectionOptions options;
  options.masking_limit = 3;
  Projection strict(p->as_of(), options);
  // A projection with a higher limit than the persons it holds.
  for (const Event& e : {f.unit("R"), f.unit("T", "R"), f.employment("T1", "e", "T", "2022-01-01", 100),
                         f.make(MeasureSet{"m1", {"T"}, "x", {}, day("2025-03-03"), day("2025-03-07")})}) {
    ASSERT_EQ(strict.apply(e).outcome, Outcome::kApplied);
  }
  const Evaluation e = ok(evaluate_measure(strict, "m1", {}));
  EXPECT_TRUE(e.masked);
  EXPECT_EQ(e.verdict, Verdict::kMasked);
  EXPECT_FALSE(e.effects[0]);
  EXPECT_FALSE(e.workdays_avoided);
  EXPECT_TRUE(e.monthly.empty());
  EXPECT_EQ(e.cells[0][1].contracted_workdays, 0);
}

TEST_F(WorkedExample, PlannedOrUnknownOrBadYear) {
  ASSERT_EQ(p->apply(f.make(MeasureSet{"later", {"T"}, "x", {}, day("2025-06-01"), {}})).outcome, Outcome::kApplied);
  const Evaluation e = ok(evaluate_measure(*p, "later", {}));
  EXPECT_EQ(e.plan.status, MeasureStatus::kPlanned);
  EXPECT_EQ(e.verdict, Verdict::kNotStarted);
  EXPECT_FALSE(e.plan.after);
  EXPECT_EQ(std::get<EvaluationError>(evaluate_measure(*p, "nope", {})).status, 404);
  EXPECT_EQ(std::get<EvaluationError>(evaluate_measure(*p, "m1", {.year = 0, .comparison_units = {}})).status, 400);
  EXPECT_EQ(std::get<EvaluationError>(evaluate_measure(*p, "m1", {.year = 1, .comparison_units = {"Q"}})).status, 400);
  // Year 2 of a measure that lasted five days has not begun.
  EXPECT_EQ(ok(evaluate_measure(*p, "m1", {.year = 2, .comparison_units = {}})).verdict, Verdict::kNotStarted);
}

TEST(EvaluationDatesTest, TwentyNinthOfFebruaryBecomesTheTwentyEighth) {
  EXPECT_EQ(add_years(day("2024-02-29"), -1), day("2023-02-28"));
  EXPECT_EQ(add_years(day("2024-02-29"), 4), day("2028-02-29"));
  EXPECT_EQ(add_years(day("2025-03-01"), 1) - 1, day("2026-02-28"));
}

// ---- brute force on random municipalities ------------------------------------------------

namespace chr = std::chrono;

// Its own date arithmetic: "YYYY-MM-DD" strings through std::chrono.
chr::year_month_day ymd_of(const std::string& s) {
  return chr::year_month_day{chr::year{std::stoi(s.substr(0, 4))},
                             chr::month{static_cast<unsigned>(std::stoi(s.substr(5, 2)))},
                             chr::day{static_cast<unsigned>(std::stoi(s.substr(8, 2)))}};
}
std::string str(chr::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}
std::string shift_years(const std::string& s, int years) {
  auto d = ymd_of(s) + chr::years{years};
  if (!d.ok()) d = chr::year_month_day{d.year(), d.month(), chr::day{28}};
  return str(d);
}
std::string plus_days(const std::string& s, int n) {
  return str(chr::year_month_day{chr::sys_days{ymd_of(s)} + chr::days{n}});
}

struct BruteCells {
  // [group][span][part]: lost; [group][span]: contracted; per person.
  std::map<std::string, std::array<std::array<std::array<double, 5>, 3>, 2>> lost;
  std::map<std::string, std::array<std::array<double, 3>, 2>> contracted;
};

struct BruteEstimate {
  double estimate, se;
};

// Σ w p, and its SE straight from the persons' u_i.
BruteEstimate brute(const BruteCells& cells, std::size_t part,
                    const std::vector<std::tuple<std::size_t, std::size_t, double>>& terms) {
  std::array<std::array<double, 3>, 2> L{}, M{};
  for (const auto& [person, m] : cells.contracted) {
    for (std::size_t g = 0; g < 2; ++g) {
      for (std::size_t s = 0; s < 3; ++s) {
        M[g][s] += m[g][s];
        L[g][s] += cells.lost.at(person)[g][s][part];
      }
    }
  }
  double estimate = 0;
  for (auto [g, s, w] : terms) estimate += w * L[g][s] / M[g][s];
  double sum = 0;
  int n = 0;
  for (const auto& [person, m] : cells.contracted) {
    bool used = false;
    double u = 0;
    for (auto [g, s, w] : terms) {
      used = used || m[g][s] > 0;
      const double p = L[g][s] / M[g][s];
      u += w * (cells.lost.at(person)[g][s][part] - p * m[g][s]) / M[g][s];
    }
    if (!used) continue;
    ++n;
    sum += u * u;
  }
  return {100 * estimate, 100 * std::sqrt(n / (n - 1.0) * sum)};
}

void expect_near_rel(double got, double want, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-6 * std::max(1.0, std::abs(want))) << what;
}

TEST(EvaluationBruteForceTest, EqualsAnIndependentImplementationOnRandomMunicipalities) {
  const std::vector<std::string> units = {"K", "S1", "S2", "U1", "U2", "U3", "U4", "U5"};
  const std::map<std::string, std::string> parent = {{"S1", "K"},  {"S2", "K"},  {"U1", "S1"}, {"U2", "S1"},
                                                     {"U3", "S2"}, {"U4", "S2"}, {"U5", "S2"}};
  int compared = 0;
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
    EventFactory f;
    std::vector<Event> events;
    for (const auto& u : units) events.push_back(parent.count(u) ? f.unit(u, parent.at(u)) : f.unit(u));
    std::vector<reference::RefEmployment> ref_employments;
    std::vector<reference::RefAbsence> ref_absences;
    const Date start = day("2021-01-01");
    const int persons = 30 + pick(30);
    for (int i = 0; i < persons; ++i) {
      const std::string who = "P" + std::to_string(i);
      // One or two employments, possibly in different units, possibly ending.
      const int jobs = 1 + (chance(0.25) ? 1 : 0);
      for (int j = 0; j < jobs; ++j) {
        const std::string unit = units[static_cast<std::size_t>(pick(static_cast<int>(units.size())))];
        const Date from = start + pick(700);
        const std::optional<Date> to = chance(0.3) ? std::optional<Date>(from + 100 + pick(700)) : std::nullopt;
        static const Hundredths kFte[] = {10000, 8000, 5000, 4286};
        const Hundredths fte = kFte[pick(4)];
        const std::string id = "e" + std::to_string(j);
        events.push_back(f.make(EmploymentSet{who, id, unit, from, to, fte}));
        ref_employments.push_back({who, id, unit, from.iso(), to ? std::optional(to->iso()) : std::nullopt, fte});
      }
      const int spells = pick(12);
      for (int k = 0; k < spells; ++k) {
        const bool doctor = chance(0.5);
        const Date from = start + pick(1500);
        const int len = chance(0.8) ? 1 + pick(6) : 10 + pick(120);
        static const Hundredths kGrade[] = {10000, 10000, 5000, 2000};
        const Hundredths grade = doctor ? kGrade[pick(4)] : kFullPercent;
        const std::optional<std::string> job = chance(0.1) ? std::optional<std::string>("e0") : std::nullopt;
        const std::string id = "a" + std::to_string(k);
        events.push_back(
            f.make(AbsenceSet{who, id, doctor ? AbsenceKind::kDoctorCertified : AbsenceKind::kSelfCertified, from,
                              from + (len - 1), grade, job}));
        ref_absences.push_back({who, id, doctor, from.iso(), (from + (len - 1)).iso(), grade, job});
      }
    }
    // The measure evaluated, and another one whose units may be excluded from comparison.
    const std::string m_unit = units[static_cast<std::size_t>(1 + pick(7))];
    const Date m_from = day("2023-01-01") + pick(500);
    const std::optional<Date> m_to = chance(0.5) ? std::optional<Date>(m_from + 30 + pick(400)) : std::nullopt;
    const std::string o_unit = units[static_cast<std::size_t>(1 + pick(7))];
    const Date o_from = day("2020-06-01") + pick(1500);
    const std::optional<Date> o_to = chance(0.5) ? std::optional<Date>(o_from + pick(300)) : std::nullopt;
    events.push_back(f.make(MeasureSet{"m", {m_unit}, "m", {}, m_from, m_to}));
    events.push_back(f.make(MeasureSet{"o", {o_unit}, "o", {}, o_from, o_to}));
    const int k = chance(0.7) ? 1 : 2;
    const Date as_of = m_from + 200 + pick(600);
    ProjectionOptions options;
    options.masking_limit = 1;
    Projection p(as_of, options);
    for (const Event& e : events) ASSERT_NE(p.apply(e).outcome, Outcome::kRejected);
    const auto result = evaluate_measure(p, "m", {.year = k, .comparison_units = {}});
    const Evaluation e = ok(result);

    // ---- the brute force: periods, groups and per-person cells on its own ----
    const std::string f_iso = m_from.iso();
    const std::string a_start = shift_years(f_iso, k - 1);
    std::string a_end = std::min(as_of.iso(), plus_days(shift_years(f_iso, k), -1));
    if (m_to) a_end = std::min(a_end, m_to->iso());
    if (a_start > a_end) {
      EXPECT_EQ(e.verdict, Verdict::kNotStarted) << "seed " << seed;
      continue;
    }
    const std::array<std::pair<std::string, std::string>, 3> spans = {
        std::pair{shift_years(a_start, -k - 1), shift_years(a_end, -k - 1)},
        std::pair{shift_years(a_start, -k), shift_years(a_end, -k)}, std::pair{a_start, a_end}};
    const auto in_subtree = [&](std::string u, const std::string& root) {
      for (;;) {
        if (u == root) return true;
        auto it = parent.find(u);
        if (it == parent.end()) return false;
        u = it->second;
      }
    };
    const bool other_overlaps = o_from.iso() <= a_end && (!o_to || o_to->iso() >= spans[1].first);
    std::map<std::string, std::size_t> group;
    for (const auto& u : units) {
      if (in_subtree(u, m_unit)) {
        group[u] = 0;
      } else if (!(other_overlaps && in_subtree(u, o_unit))) {
        group[u] = 1;
      }
    }
    BruteCells cells;
    std::set<std::string> people;
    for (const auto& m : ref_employments) people.insert(m.employee);
    for (const std::string& who : people) {
      std::vector<reference::RefEmployment> ms;
      std::vector<reference::RefAbsence> as;
      for (const auto& m : ref_employments) {
        if (m.employee == who) ms.push_back(m);
      }
      for (const auto& a : ref_absences) {
        if (a.employee == who) as.push_back(a);
      }
      const auto r = reference::ref_compute(ms, as, as_of.iso());
      auto& l = cells.lost[who];
      auto& c = cells.contracted[who];
      l = {};
      c = {};
      for (const auto& [key, d] : r.days) {
        const auto& [unit, date] = key;
        if (!group.count(unit)) continue;
        const std::size_t g = group[unit];
        for (std::size_t s = 0; s < 3; ++s) {
          if (date < spans[s].first || date > spans[s].second) continue;
          c[g][s] += static_cast<double>(d.contracted) / 1e4;
          const double total = static_cast<double>(d.lost_self + d.lost_doctor) / 1e8;
          const double short_term = static_cast<double>(d.lost_by_class[0] + d.lost_by_class[1]) / 1e8;
          const std::array<double, 5> parts = {total, short_term, total - short_term,
                                               static_cast<double>(d.lost_self) / 1e8,
                                               static_cast<double>(d.lost_doctor) / 1e8};
          for (std::size_t q = 0; q < 5; ++q) l[g][s][q] += parts[q];
        }
      }
    }
    for (std::size_t g = 0; g < 2; ++g) {
      for (std::size_t s = 1; s < 3; ++s) {
        double m = 0;
        double lost = 0;
        int h = 0;
        for (const auto& [who, c] : cells.contracted) {
          m += c[g][s];
          lost += cells.lost[who][g][s][0];
          h += c[g][s] > 0 ? 1 : 0;
        }
        const std::string where = "seed " + std::to_string(seed) + " cell " + std::to_string(g) + std::to_string(s);
        EXPECT_EQ(e.cells[g][s - 1].headcount, h) << where;
        expect_near_rel(e.cells[g][s - 1].contracted_workdays, m, where);
        expect_near_rel(e.cells[g][s - 1].lost_workdays, lost, where);
      }
    }
    for (std::size_t q = 0; q < 5; ++q) {
      const auto& effect = e.effects[static_cast<std::size_t>(q)];
      const std::string where = "seed " + std::to_string(seed) + " part " + std::to_string(q);
      bool defined = true;
      for (std::size_t g = 0; g < 2; ++g) {
        for (std::size_t s = 1; s < 3; ++s) {
          double m = 0;
          for (const auto& [who, c] : cells.contracted) m += c[g][s];
          defined = defined && m > 0;
        }
      }
      ASSERT_EQ(effect.has_value(), defined) << where;
      if (!defined) continue;
      const auto did = brute(cells, q, {{0, 2, 1}, {0, 1, -1}, {1, 2, -1}, {1, 1, 1}});
      const auto dt = brute(cells, q, {{0, 2, 1}, {0, 1, -1}});
      const auto dc = brute(cells, q, {{1, 2, 1}, {1, 1, -1}});
      expect_near_rel(effect->did.estimate, did.estimate, where + " did");
      expect_near_rel(effect->did.se, did.se, where + " did se");
      expect_near_rel(effect->did.ci_low, did.estimate - 1.959964 * did.se, where + " ci_low");
      expect_near_rel(effect->mde, 2.8 * did.se, where + " mde");
      expect_near_rel(effect->treated_change.estimate, dt.estimate, where + " treated");
      expect_near_rel(effect->treated_change.se, dt.se, where + " treated se");
      expect_near_rel(effect->comparison_change.se, dc.se, where + " comparison se");
      if (q == 0) {
        double m_ta = 0;
        for (const auto& [who, c] : cells.contracted) m_ta += c[0][2];
        expect_near_rel(*e.workdays_avoided, -did.estimate / 100 * m_ta, where + " workdays avoided");
        ++compared;
      }
    }
    if (e.placebo) {
      const auto placebo = brute(cells, 0, {{0, 1, 1}, {0, 0, -1}, {1, 1, -1}, {1, 0, 1}});
      expect_near_rel(e.placebo->did.estimate, placebo.estimate, "placebo seed " + std::to_string(seed));
      expect_near_rel(e.placebo->did.se, placebo.se, "placebo se seed " + std::to_string(seed));
    }
  }
  EXPECT_GE(compared, 20);  // most scenarios had all four cells
}

// Instances holding different persons add their sums: the same evaluation as one instance.
TEST(EvaluationBruteForceTest, SumsOfTwoHalvesEqualTheWhole) {
  std::mt19937 rng(7);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  EventFactory f;
  std::vector<Event> reference_events = {f.unit("K"), f.unit("A", "K"), f.unit("B", "K"), f.unit("C", "K"),
                                         f.make(MeasureSet{"m", {"A"}, "m", {}, day("2024-01-01"), {}})};
  std::vector<Event> person_events;
  for (int i = 0; i < 200; ++i) {
    const std::string who = "P" + std::to_string(i);
    person_events.push_back(f.employment(who, "e", std::string(1, "ABC"[pick(3)]), "2021-06-01", 100));
    for (int k = 0; k < pick(8); ++k) {
      const Date from = day("2022-01-01") + pick(1000);
      person_events.push_back(f.make(AbsenceSet{who, "a" + std::to_string(k), AbsenceKind::kSelfCertified, from,
                                                from + pick(5), kFullPercent, std::nullopt}));
    }
  }
  Projection whole(day("2024-11-30"));
  Projection first(day("2024-11-30"));
  Projection second(day("2024-11-30"));
  for (const Event& e : reference_events) {
    ASSERT_EQ(whole.apply(e).outcome, Outcome::kApplied);
    ASSERT_EQ(first.apply(e).outcome, Outcome::kApplied);
    ASSERT_EQ(second.apply(e).outcome, Outcome::kApplied);
  }
  for (const Event& e : person_events) {
    ASSERT_EQ(whole.apply(e).outcome, Outcome::kApplied);
    const auto& who = std::visit(
        [](const auto& b) -> std::string {
          if constexpr (requires { b.employee; }) return b.employee;
          return "";
        },
        e.body);
    Projection& half = std::hash<std::string>{}(who) % 2 == 0 ? first : second;
    ASSERT_EQ(half.apply(e).outcome, Outcome::kApplied);
  }
  const Evaluation want = ok(evaluate_measure(whole, "m", {}));
  const auto plan = std::get<EvaluationPlan>(plan_evaluation(first, "m", {}));
  EvaluationSums sums = collect_sums(first, plan);
  sums += collect_sums(second, plan);
  const Evaluation got = evaluate(first, plan, sums);
  ASSERT_FALSE(want.masked);
  EXPECT_EQ(got.verdict, want.verdict);
  EXPECT_EQ(got.warnings, want.warnings);
  for (std::size_t q = 0; q < evaluation::kParts; ++q) {
    ASSERT_TRUE(got.effects[q] && want.effects[q]);
    EXPECT_NEAR(got.effects[q]->did.estimate, want.effects[q]->did.estimate, 1e-9);
    EXPECT_NEAR(got.effects[q]->did.se, want.effects[q]->did.se, 1e-9);
  }
  ASSERT_EQ(got.monthly.size(), want.monthly.size());
  for (std::size_t i = 0; i < got.monthly.size(); ++i) {
    EXPECT_EQ(got.monthly[i].treated.has_value(), want.monthly[i].treated.has_value());
    if (got.monthly[i].treated) {
      EXPECT_NEAR(*got.monthly[i].treated, *want.monthly[i].treated, 1e-9);
    }
  }
}

// ---- coverage of the interval under a null effect -------------------------------------------

// Municipalities where the measure did nothing: every person, treated or not, is absent by
// the same process (a personal propensity, short and long spells). About 95 % of the 95 %
// intervals must contain 0.
TEST(EvaluationCoverageTest, IntervalsContainANullEffectAboutNinetyFivePercentOfTheTime) {
  constexpr int kMunicipalities = 400;
  int covered = 0;
  int evaluated = 0;
  for (int sim = 0; sim < kMunicipalities; ++sim) {
    std::mt19937 rng(static_cast<std::uint32_t>(1000 + sim));
    std::gamma_distribution<double> propensity(2.0, 0.01);  // spells started per working week
    EventFactory f;
    Projection p(day("2025-12-31"));
    std::vector<Event> events = {f.unit("K"),       f.unit("T1", "K"), f.unit("T2", "K"),
                                 f.unit("C1", "K"), f.unit("C2", "K"), f.unit("C3", "K")};
    const char* const kUnitsOf[] = {"T1", "T2", "C1", "C2", "C3"};
    for (int i = 0; i < 250; ++i) {
      const std::string who = "P" + std::to_string(i);
      events.push_back(f.employment(who, "e", kUnitsOf[i % 5], "2023-01-01", i % 3 == 0 ? 50 : 100));
      const double rate = propensity(rng);
      std::bernoulli_distribution starts(rate);
      std::bernoulli_distribution long_spell(0.08);
      int k = 0;
      for (Date d = day("2023-01-02"); d < day("2025-12-31"); d = d + 7) {
        if (!starts(rng)) continue;
        const int len = long_spell(rng) ? std::uniform_int_distribution<int>(14, 90)(rng)
                                        : std::uniform_int_distribution<int>(1, 4)(rng);
        events.push_back(f.make(AbsenceSet{who, "a" + std::to_string(k++), AbsenceKind::kDoctorCertified, d,
                                           d + (len - 1), kFullPercent, std::nullopt}));
      }
    }
    events.push_back(f.make(MeasureSet{"m", {"T1", "T2"}, "m", {}, day("2025-01-01"), {}}));
    for (const Event& e : events) ASSERT_EQ(p.apply(e).outcome, Outcome::kApplied);
    const Evaluation e = ok(evaluate_measure(p, "m", {}));
    ASSERT_FALSE(e.masked);
    const auto& did = e.effects[0]->did;
    ++evaluated;
    covered += did.ci_low <= 0 && 0 <= did.ci_high ? 1 : 0;
  }
  const double coverage = static_cast<double>(covered) / evaluated;
  // 400 municipalities: the standard error of a true 95 % coverage is 1.1 points.
  EXPECT_GT(coverage, 0.92) << covered << " of " << evaluated;
  EXPECT_LT(coverage, 0.98) << covered << " of " << evaluated;
  RecordProperty("coverage", std::to_string(coverage));
}

}  // namespace
}  // namespace naervaer
