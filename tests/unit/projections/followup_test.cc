// Follow-up deadlines (DOMAIN.md §11) and frequent short-term absence (§12): worked examples
// computed by hand, and every unit's counts on random municipalities against the
// independent reference model (tests/support/reference_model.cc).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "event_builders.h"
#include "naervaer/projections/projection.h"
#include "reference_model.h"

namespace naervaer {
namespace {

using testing::day;
using testing::EventFactory;

constexpr auto kPlan = static_cast<std::size_t>(FollowupStep::kFollowupPlan);
constexpr auto kMeeting1 = static_cast<std::size_t>(FollowupStep::kDialogueMeeting1);
constexpr auto kActivity = static_cast<std::size_t>(FollowupStep::kActivityRequirement);
constexpr auto kMeeting2 = static_cast<std::size_t>(FollowupStep::kDialogueMeeting2);

class FollowupTest : public ::testing::Test {
 protected:
  FollowupTest() : p(day("2010-12-31"), ProjectionOptions{1, std::nullopt, {}}) {
    apply(f.unit("K"));
    apply(f.unit("A", "K"));
    apply(f.unit("B", "K"));
  }
  void apply(const Event& e) { ASSERT_EQ(p.apply(e).outcome, Outcome::kApplied); }
  void record(const char* employee, FollowupStep step, const char* date) {
    apply(f.make(FollowupRecorded{employee, step, day(date)}));
  }
  FollowupReport of(const char* unit) {
    return p.followups(*p.find_unit(unit), {day("2010-01-01"), day("2010-12-31")});
  }

  EventFactory f;
  Projection p;
};

// 60 % sick leave from Monday 1 March for ten weeks (to 9 May): the plan is due on day 28
// (28 March), dialogue meeting 1 on day 49 (18 April) is not, since the absence is not
// 100 % that day; the activity requirement is due on day 56 (25 April).
TEST_F(FollowupTest, AGradedCaseHasNoDialogueMeetingOne) {
  apply(f.employment("P", "m", "A", "2009-01-01", 100));
  apply(f.doctor("P", "a", "2010-03-01", "2010-05-09", 60));
  record("P", FollowupStep::kFollowupPlan, "2010-03-20");
  const FollowupReport r = of("A");
  EXPECT_EQ(r.steps[kPlan].due, 1);
  EXPECT_EQ(r.steps[kPlan].done_on_time, 1);
  EXPECT_EQ(r.steps[kMeeting1].due, 0);
  EXPECT_EQ(r.steps[kActivity].due, 1);
  EXPECT_EQ(r.steps[kActivity].overdue, 1);
  EXPECT_EQ(r.steps[kMeeting2].due, 0);
  EXPECT_EQ(r.persons, 1);
  // A second certificate at 40 % for the same days makes it 100 %: dialogue meeting 1 is due.
  apply(f.doctor("P", "b", "2010-04-12", "2010-04-25", 40));
  EXPECT_EQ(of("A").steps[kMeeting1].due, 1);
}

// The plan due on 28 March and recorded on 2 April: late, not overdue; a record dated before
// the case began belongs to no case, and the earliest record of the case counts.
TEST_F(FollowupTest, AStepRecordedAfterItsDueDayIsLate) {
  apply(f.employment("P", "m", "A", "2009-01-01", 100));
  apply(f.doctor("P", "a", "2010-03-01", "2010-04-30", 100));
  record("P", FollowupStep::kFollowupPlan, "2010-02-15");  // before the case: not for it
  record("P", FollowupStep::kFollowupPlan, "2010-04-10");
  record("P", FollowupStep::kFollowupPlan, "2010-04-02");
  const FollowupReport r = of("A");
  EXPECT_EQ(r.steps[kPlan].due, 1);
  EXPECT_EQ(r.steps[kPlan].late, 1);
  EXPECT_EQ(r.steps[kPlan].done_on_time, 0);
  EXPECT_EQ(r.steps[kPlan].overdue, 0);
  // Seen on 30 March (the record of 2 April not made yet): overdue.
  p.set_as_of(day("2010-03-30"));
  const FollowupReport early = p.followups(*p.find_unit("A"), {day("2010-01-01"), day("2010-12-31")});
  EXPECT_EQ(early.steps[kPlan].overdue, 1);
  EXPECT_EQ(early.steps[kPlan].late, 0);
}

// Three weeks of absence (1-21 March) end before the plan's due day (28 March): nothing is
// due. The next absence, 17 days later, starts a new case with its own deadlines.
TEST_F(FollowupTest, ACaseThatEndsBeforeItsDueDayHasNothingDue) {
  apply(f.employment("P", "m", "A", "2009-01-01", 100));
  apply(f.doctor("P", "a", "2010-03-01", "2010-03-21", 100));
  EXPECT_EQ(of("A").steps[kPlan].due, 0);
  EXPECT_EQ(of("A").persons, 0);
  // 16 free days (22 March - 6 April) and back on 7 April: a new case, plan due 4 May.
  apply(f.doctor("P", "b", "2010-04-07", "2010-05-10", 100));
  EXPECT_EQ(of("A").steps[kPlan].due, 1);
  // 15 free days instead (back on 6 April): one case from 1 March to 10 May. Its plan is due
  // on 28 March, a day between the absences while the case runs: due, and overdue. Dialogue
  // meeting 1 (18 April) and the activity requirement (25 April) fall at 100 %: due.
  apply(f.doctor("P", "b", "2010-04-06", "2010-05-10", 100));
  const FollowupReport r = of("A");
  EXPECT_EQ(r.steps[kPlan].due, 1);
  EXPECT_EQ(r.steps[kPlan].overdue, 1);
  EXPECT_EQ(r.steps[kMeeting1].due, 1);
  EXPECT_EQ(r.steps[kActivity].due, 1);
  EXPECT_EQ(r.steps[kMeeting2].due, 0);
}

// Employed in A until 20 March, then in B: the plan due on 28 March counts in B and in K
// above both, not in A, though the case began in A.
TEST_F(FollowupTest, ATransferBeforeTheDueDayCountsInTheNewUnit) {
  apply(f.employment("P", "m1", "A", "2009-01-01", 100, "2010-03-20"));
  apply(f.employment("P", "m2", "B", "2010-03-21", 100));
  apply(f.doctor("P", "a", "2010-03-01", "2010-04-30", 100));
  EXPECT_EQ(of("A").steps[kPlan].due, 0);
  EXPECT_EQ(of("B").steps[kPlan].due, 1);
  EXPECT_EQ(of("B").steps[kPlan].overdue, 1);
  EXPECT_EQ(of("K").steps[kPlan].due, 1);  // once, though the person worked in both A and B
  EXPECT_EQ(of("K").persons, 1);
  // The all-units pass gives the same, for several periods at once.
  const std::vector<Period> periods = {{day("2010-03-01"), day("2010-03-27")}, {day("2010-03-28"), day("2010-03-28")}};
  const auto all = p.followups_all_units(periods);
  EXPECT_EQ(all[0][*p.find_unit("B")].steps[kPlan].due, 0);
  EXPECT_EQ(all[1][*p.find_unit("B")].steps[kPlan].due, 1);
}

// ---- against the reference model ---------------------------------------------------------------

const std::vector<std::pair<std::string, std::string>> kTree = {{"K", ""},    {"S1", "K"},  {"S2", "K"}, {"U1", "S1"},
                                                                {"U2", "S1"}, {"U3", "S2"}, {"X", "K"}};

struct Municipality {
  std::vector<Event> events;
  std::vector<reference::RefEmployment> employments;
  std::vector<reference::RefAbsence> absences;
  std::vector<reference::RefFollowup> followups;
};

Municipality random_municipality(std::uint32_t seed) {
  std::mt19937 rng(seed);
  const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const auto chance = [&](double q) { return std::bernoulli_distribution(q)(rng); };
  const Date start = day("2010-01-01");
  Municipality m;
  EventFactory f;
  for (const auto& [unit, parent] : kTree) {
    m.events.push_back(f.unit(unit, parent.empty() ? std::nullopt : std::optional<std::string>(parent)));
  }
  static const char* kWorkUnits[] = {"U1", "U2", "U3", "X", "S1"};
  for (int e = 0; e < 12; ++e) {
    const std::string emp = "E" + std::to_string(e);
    // One to three employments, some consecutive (a transfer), some at once.
    Date from = start + pick(200);
    for (int k = 0, n = 1 + pick(3); k < n; ++k) {
      const std::string unit = kWorkUnits[pick(5)];
      std::optional<Date> to;
      if (chance(0.6)) to = from + pick(300);
      const Hundredths fte = chance(0.5) ? kFullPercent : 6000;
      const std::string id = "m" + std::to_string(k);
      m.events.push_back(f.make(EmploymentSet{emp, id, unit, from, to, fte}));
      m.employments.push_back(
          {emp, id, unit, from.iso(), to ? std::optional<std::string>(to->iso()) : std::nullopt, fte});
      from = to && chance(0.7) ? *to + 1 : from + pick(100);
    }
    // Absences: short spells and long cases, graded and full, some on one employment.
    for (int a = 0, n = pick(9); a < n; ++a) {
      AbsenceSet x;
      x.employee = emp;
      x.absence_id = "a" + std::to_string(a);
      x.kind = chance(0.6) ? AbsenceKind::kDoctorCertified : AbsenceKind::kSelfCertified;
      x.from = start + pick(500);
      const int len = chance(0.6) ? 1 + pick(6) : 20 + pick(220);
      if (!chance(0.08)) x.to = x.from + (len - 1);
      x.grade = x.kind == AbsenceKind::kDoctorCertified && chance(0.4) ? 5000 : kFullPercent;
      if (chance(0.15)) x.employment_id = "m" + std::to_string(pick(2));
      m.events.push_back(f.make(x));
      m.absences.push_back({emp, x.absence_id, x.kind == AbsenceKind::kDoctorCertified, x.from.iso(),
                            x.to ? std::optional<std::string>(x.to->iso()) : std::nullopt, x.grade, x.employment_id});
      // Steps recorded around their due days: early, on time, late or never.
      for (int step = 0; step < 4; ++step) {
        if (!chance(0.5)) continue;
        static const int kWeeks[] = {4, 7, 8, 26};
        const Date when = x.from + (kWeeks[step] * 7 - 1) + (pick(40) - 20);
        m.events.push_back(f.make(FollowupRecorded{emp, static_cast<FollowupStep>(step), when}));
        m.followups.push_back({emp, step, when.iso()});
      }
    }
  }
  return m;
}

TEST(FollowupPropertyTest, EveryUnitsCountsEqualTheReferenceModel) {
  std::map<std::string, std::string> parent_of(kTree.begin(), kTree.end());
  for (std::uint32_t seed = 1; seed <= 60; ++seed) {
    const Municipality m = random_municipality(seed);
    const Date as_of = day("2010-01-01") + 150 + static_cast<std::int32_t>(seed * 7 % 500);
    Projection p(as_of, ProjectionOptions{1, std::nullopt, {}});
    for (const Event& e : m.events) ASSERT_NE(p.apply(e).outcome, Outcome::kRejected) << "seed " << seed;
    const std::vector<Period> periods = {{day("2009-06-01"), day("2012-01-01")},
                                         {as_of - 29, as_of},
                                         {as_of - 89, as_of},
                                         {day("2010-03-01"), day("2010-06-30")}};
    const auto all = p.followups_all_units(periods);
    for (std::size_t i = 0; i < periods.size(); ++i) {
      const auto want = reference::ref_followups(m.employments, m.absences, m.followups, parent_of, as_of.iso(),
                                                 periods[i].start.iso(), periods[i].end.iso());
      for (const auto& [unit, ref] : want) {
        const UnitId u = *p.find_unit(unit);
        const FollowupReport& got = all[i][u];
        for (std::size_t step = 0; step < kFollowupStepCount; ++step) {
          const reference::RefFollowupCounts have{got.steps[step].due, got.steps[step].done_on_time,
                                                  got.steps[step].late, got.steps[step].overdue};
          ASSERT_EQ(have, ref.steps[step]) << "seed " << seed << " unit " << unit << " period " << i << " step " << step
                                           << ": due " << have.due << " vs " << ref.steps[step].due;
        }
        ASSERT_EQ(got.persons, ref.persons) << "seed " << seed << " unit " << unit << " period " << i;
        const FollowupReport one = p.followups(u, periods[i]);
        ASSERT_EQ(one.persons, got.persons);
        ASSERT_EQ(one.steps[kPlan].due, got.steps[kPlan].due);
      }
    }
    for (const FrequentShortTermRule rule : {FrequentShortTermRule{}, FrequentShortTermRule{365, 2},
                                             FrequentShortTermRule{90, 1}, FrequentShortTermRule{180, 3}}) {
      const auto got = p.frequent_short_term_all_units(rule);
      // One pass for both, as a scrape asks: the same counts and masks.
      const FollowupFigures both = p.followup_figures(periods, rule);
      for (UnitId u = 0; u < p.unit_count(); ++u) {
        ASSERT_EQ(both.frequent[u].persons, got[u].persons) << "seed " << seed;
        ASSERT_EQ(both.frequent[u].masked, got[u].masked) << "seed " << seed;
        for (std::size_t i = 0; i < periods.size(); ++i) {
          ASSERT_EQ(both.steps[i][u].persons, all[i][u].persons) << "seed " << seed;
          ASSERT_EQ(both.steps[i][u].masked, all[i][u].masked) << "seed " << seed;
          for (std::size_t step = 0; step < kFollowupStepCount; ++step) {
            ASSERT_EQ(both.steps[i][u].steps[step].overdue, all[i][u].steps[step].overdue) << "seed " << seed;
            ASSERT_EQ(both.steps[i][u].steps[step].late, all[i][u].steps[step].late) << "seed " << seed;
          }
        }
      }
      const auto want = reference::ref_frequent_short_term(m.employments, m.absences, parent_of, as_of.iso(), rule.days,
                                                           rule.min_cases);
      for (const auto& [unit, persons] : want) {
        ASSERT_EQ(got[*p.find_unit(unit)].persons, persons)
            << "seed " << seed << " unit " << unit << " rule " << rule.days << "/" << rule.min_cases;
      }
    }
  }
}

}  // namespace
}  // namespace naervaer
