#include "naervaer/projections/projection.h"

#include <gtest/gtest.h>

#include "event_builders.h"
#include "naervaer/projections/calendar.h"

namespace naervaer {
namespace {

using testing::day;
using testing::EventFactory;

constexpr std::int64_t kWorkday = 10000;          // contracted scale
constexpr std::int64_t kLostWorkday = 100000000;  // lost scale

class ProjectionTest : public ::testing::Test {
 protected:
  explicit ProjectionTest(const char* as_of = "2010-12-31") : p(day(as_of)) {}

  void apply(const Event& e) {
    const ApplyResult r = p.apply(e);
    ASSERT_EQ(r.outcome, Outcome::kApplied) << (r.rejection ? r.rejection->detail : "");
  }
  UnitId unit(const char* id) { return *p.find_unit(id); }
  Sums sums(const char* u, const char* from, const char* to) { return p.figures(unit(u), {day(from), day(to)}).sums; }
  std::int64_t cls(const Sums& s, DurationClass c) { return s.lost_by_class[static_cast<std::size_t>(c)]; }

  EventFactory f;
  Projection p;
};

// DOMAIN.md worked example 1.
TEST_F(ProjectionTest, WorkedExampleNovember2009) {
  apply(f.unit("U"));
  apply(f.employment("A", "A-1", "U", "2009-11-01", 80));
  apply(f.doctor("A", "A-abs", "2009-11-02", "2009-11-15", 50));
  const Sums s = sums("U", "2009-11-01", "2009-11-30");
  EXPECT_EQ(s.contracted, 21 * 8000);  // 16.8 workdays
  EXPECT_DOUBLE_EQ(s.contracted_workdays(), 16.8);
  EXPECT_EQ(s.lost(), 4 * kLostWorkday);  // 10 × 0.8 × 0.5
  EXPECT_EQ(s.lost_doctor, s.lost());
  EXPECT_NEAR(*s.absence_percent(), 23.81, 0.005);
  EXPECT_NEAR(*s.attendance_percent(), 76.19, 0.005);
  EXPECT_EQ(cls(s, DurationClass::k8To16), s.lost());  // case length 14
}

// DOMAIN.md worked example 2.
TEST_F(ProjectionTest, WorkedExampleEaster2010) {
  apply(f.unit("U"));
  apply(f.employment("B", "B-1", "U", "2010-01-01", 100));
  apply(f.self_certified("B", "B-a", "2010-03-31", "2010-04-06"));
  const Sums march = sums("U", "2010-03-01", "2010-03-31");
  const Sums april = sums("U", "2010-04-01", "2010-04-30");
  EXPECT_EQ(march.lost(), kLostWorkday);
  EXPECT_EQ(april.lost(), kLostWorkday);
  EXPECT_EQ(april.contracted, 19 * kWorkday);
  EXPECT_EQ(march.lost_self, march.lost());
  EXPECT_EQ(cls(march, DurationClass::k1To7) + cls(april, DurationClass::k1To7), 2 * kLostWorkday);
}

// DOMAIN.md worked example 3: overlap, the doctor grade first, Ascension Day.
TEST_F(ProjectionTest, WorkedExampleMay2010Overlap) {
  apply(f.unit("U"));
  apply(f.employment("B", "B-1", "U", "2010-01-01", 100));
  apply(f.self_certified("B", "B-s", "2010-05-03", "2010-05-05"));
  apply(f.doctor("B", "B-d", "2010-05-03", "2010-05-14", 50));
  const UnitId u = unit("U");
  for (const char* d : {"2010-05-03", "2010-05-04", "2010-05-05"}) {
    const Sums s = p.own_day(u, day(d));
    EXPECT_EQ(s.lost(), kLostWorkday) << d;
    EXPECT_EQ(s.lost_doctor, kLostWorkday / 2) << d;
    EXPECT_EQ(s.lost_self, kLostWorkday / 2) << d;
  }
  for (const char* d : {"2010-05-06", "2010-05-07", "2010-05-10", "2010-05-11", "2010-05-12", "2010-05-14"}) {
    EXPECT_EQ(p.own_day(u, day(d)).lost(), kLostWorkday / 2) << d;
  }
  EXPECT_EQ(p.own_day(u, day("2010-05-13")).lost(), 0);  // Ascension Day
  const Sums may = sums("U", "2010-05-01", "2010-05-31");
  EXPECT_EQ(may.lost(), 6 * kLostWorkday);
  EXPECT_EQ(cls(may, DurationClass::k8To16), may.lost());  // case length 12
}

// DOMAIN.md worked example 4: 13 free days join the case, 16 free days start a new one.
TEST_F(ProjectionTest, WorkedExampleCaseBoundaries) {
  apply(f.unit("U"));
  apply(f.employment("B", "B-1", "U", "2010-01-01", 100));
  apply(f.self_certified("B", "B-a", "2010-03-31", "2010-04-06"));
  apply(f.self_certified("B", "B-b", "2010-04-20", "2010-04-20"));
  // One case 2010-03-31..04-20: 21 days, class 17-56, for every day of it.
  Sums s = sums("U", "2010-03-01", "2010-04-30");
  EXPECT_EQ(cls(s, DurationClass::k17To56), 3 * kLostWorkday);
  apply(f.self_certified("B", "B-b", "2010-04-23", "2010-04-23"));  // the same absence, moved
  s = sums("U", "2010-03-01", "2010-04-30");
  EXPECT_EQ(cls(s, DurationClass::k1To7), 3 * kLostWorkday);
  EXPECT_EQ(cls(s, DurationClass::k17To56), 0);
}

TEST_F(ProjectionTest, AGrowingCaseMovesItsDaysFromShortToLongTerm) {
  apply(f.unit("U"));
  apply(f.employment("C", "C-1", "U", "2010-01-01", 100));
  apply(f.self_certified("C", "C-a", "2010-01-04", "2010-01-06"));
  Sums s = sums("U", "2010-01-01", "2010-12-31");
  EXPECT_EQ(cls(s, DurationClass::k1To7), 3 * kLostWorkday);
  apply(f.doctor("C", "C-b", "2010-01-07", "2010-03-31"));  // a sick note follows on
  s = sums("U", "2010-01-01", "2010-12-31");
  EXPECT_EQ(cls(s, DurationClass::k1To7), 0);
  EXPECT_EQ(cls(s, DurationClass::k57To140), s.lost());  // 2010-01-04..03-31 = 87 days
  EXPECT_EQ(s.lost(), calendar::working_days(day("2010-01-04"), day("2010-03-31")) * kLostWorkday);
  apply(f.cancel_absence("C", "C-b"));
  s = sums("U", "2010-01-01", "2010-12-31");
  EXPECT_EQ(cls(s, DurationClass::k1To7), 3 * kLostWorkday);
  EXPECT_EQ(s.lost(), 3 * kLostWorkday);
}

TEST_F(ProjectionTest, AnEmploymentArrivingAfterItsAbsencesClaimsTheirDays) {
  apply(f.unit("U"));
  apply(f.self_certified("D", "D-a", "2010-03-01", "2010-03-03"));
  EXPECT_EQ(p.unmatched_absence_days(), 3);
  EXPECT_EQ(sums("U", "2010-03-01", "2010-03-31").lost(), 0);
  apply(f.employment("D", "D-1", "U", "2010-01-01", 50));
  EXPECT_EQ(p.unmatched_absence_days(), 0);
  EXPECT_EQ(sums("U", "2010-03-01", "2010-03-31").lost(), 3 * kLostWorkday / 2);
  apply(f.cancel_employment("D", "D-1"));
  EXPECT_EQ(p.unmatched_absence_days(), 3);
  EXPECT_EQ(sums("U", "2010-01-01", "2010-12-31"), Sums{});
}

TEST_F(ProjectionTest, AnAbsenceNamingAnEmploymentAppliesOnlyThere) {
  apply(f.unit("U1"));
  apply(f.unit("U2"));
  apply(f.employment("E", "E-1", "U1", "2010-01-01", 60));
  apply(f.employment("E", "E-2", "U2", "2010-01-01", 40));
  apply(f.doctor("E", "E-a", "2010-02-01", "2010-02-05", 100, "E-2"));
  EXPECT_EQ(sums("U1", "2010-02-01", "2010-02-28").lost(), 0);
  EXPECT_EQ(sums("U2", "2010-02-01", "2010-02-28").lost(), 5 * 4000 * kFullPercent);
  apply(f.doctor("E", "E-b", "2010-03-01", "2010-03-05", 100));  // no employment named: both
  EXPECT_EQ(sums("U1", "2010-03-01", "2010-03-31").lost(), 5 * 6000 * kFullPercent);
  EXPECT_EQ(sums("U2", "2010-03-01", "2010-03-31").lost(), 5 * 4000 * kFullPercent);
}

TEST_F(ProjectionTest, DoctorGradesAreCappedAndSelfCertifiedFillsTheRest) {
  apply(f.unit("U"));
  apply(f.employment("F", "F-1", "U", "2010-01-01", 100));
  apply(f.doctor("F", "F-a", "2010-02-01", "2010-02-01", 60));
  apply(f.doctor("F", "F-b", "2010-02-01", "2010-02-01", 60));
  apply(f.self_certified("F", "F-c", "2010-02-01", "2010-02-01"));
  const Sums s = p.own_day(unit("U"), day("2010-02-01"));
  EXPECT_EQ(s.lost_doctor, kLostWorkday);
  EXPECT_EQ(s.lost_self, 0);
}

TEST_F(ProjectionTest, FiguresRollUpTheTreeAndCountPersonsOnce) {
  apply(f.unit("K"));
  apply(f.unit("S", "K"));
  apply(f.unit("U1", "S"));
  apply(f.unit("U2", "S"));
  for (int i = 0; i < 4; ++i) {
    apply(f.employment("P" + std::to_string(i), "m", "U1", "2010-01-01", 100));
  }
  // P0 works in both units: the sector has 5 persons, not 6.
  apply(f.employment("P0", "m2", "U2", "2010-01-01", 20));
  apply(f.employment("P9", "m", "U2", "2010-01-01", 100));
  const Period jan{day("2010-01-01"), day("2010-01-31")};
  const Figures u1 = p.figures(unit("U1"), jan);
  const Figures s = p.figures(unit("S"), jan);
  const Figures k = p.figures(unit("K"), jan);
  EXPECT_EQ(u1.headcount, 4);
  EXPECT_TRUE(u1.masked);
  EXPECT_EQ(p.figures(unit("U2"), jan).headcount, 2);
  EXPECT_EQ(s.headcount, 5);
  EXPECT_FALSE(s.masked);
  EXPECT_EQ(k.headcount, 5);
  const std::int64_t jan_days = calendar::working_days(jan.start, jan.end);
  EXPECT_EQ(s.sums.contracted, jan_days * (4 * 10000 + 2000 + 10000));
  EXPECT_EQ(k.sums, s.sums);
  // all_units gives the same in one pass.
  const auto all = p.all_units(jan);
  EXPECT_EQ(all[unit("S")].headcount, 5);
  EXPECT_EQ(all[unit("S")].sums, s.sums);
  EXPECT_EQ(all[unit("U1")].sums, u1.sums);
}

TEST_F(ProjectionTest, ReparentingAUnitMovesItsFiguresToTheNewParent) {
  apply(f.unit("A"));
  apply(f.unit("B"));
  apply(f.unit("U", "A"));
  apply(f.employment("P", "m", "U", "2010-01-01", 100));
  const Period jan{day("2010-01-01"), day("2010-01-31")};
  EXPECT_GT(p.figures(unit("A"), jan).sums.contracted, 0);
  apply(f.unit("U", "B"));
  EXPECT_EQ(p.figures(unit("A"), jan).sums.contracted, 0);
  EXPECT_GT(p.figures(unit("B"), jan).sums.contracted, 0);
}

TEST_F(ProjectionTest, AHierarchyCycleIsRejected) {
  apply(f.unit("A"));
  apply(f.unit("B", "A"));
  const ApplyResult r = p.apply(f.unit("A", "B"));
  EXPECT_EQ(r.outcome, Outcome::kRejected);
  EXPECT_EQ(r.rejection->reason, Reason::kHierarchyCycle);
  EXPECT_FALSE(p.unit(unit("A")).parent);
}

TEST_F(ProjectionTest, AnEmploymentToAnUnregisteredUnitCreatesItAsARoot) {
  apply(f.employment("P", "m", "X", "2010-01-01", 100));
  ASSERT_TRUE(p.find_unit("X"));
  EXPECT_FALSE(p.unit(unit("X")).registered);
  apply(f.unit("K"));
  apply(f.unit("X", "K", "Skole X"));
  EXPECT_TRUE(p.unit(unit("X")).registered);
  EXPECT_EQ(p.unit(unit("X")).name, "Skole X");
  EXPECT_EQ(p.unit(unit("X")).parent, unit("K"));
}

TEST_F(ProjectionTest, ADuplicateCountsOnceAndAConflictIsRejected) {
  apply(f.unit("U"));
  apply(f.employment("B", "B-1", "U", "2010-01-01", 100));
  Event a = f.self_certified("B", "B-a", "2010-03-01", "2010-03-02");
  apply(a);
  EXPECT_EQ(p.apply(a).outcome, Outcome::kDuplicate);
  EXPECT_EQ(sums("U", "2010-03-01", "2010-03-31").lost(), 2 * kLostWorkday);
  Event changed = a;
  std::get<AbsenceSet>(changed.body).to = day("2010-03-05");
  const ApplyResult r = p.apply(changed);
  EXPECT_EQ(r.outcome, Outcome::kRejected);
  EXPECT_EQ(r.rejection->reason, Reason::kConflict);
  EXPECT_EQ(sums("U", "2010-03-01", "2010-03-31").lost(), 2 * kLostWorkday);
  const ProjectionStats st = p.stats();
  EXPECT_EQ(st.events_applied, 3U);
  EXPECT_EQ(st.events_duplicate, 1U);
  EXPECT_EQ(st.events_rejected, 1U);
}

TEST_F(ProjectionTest, AnUpsertReplacesTheWholeEarlierAbsence) {
  apply(f.unit("U"));
  apply(f.employment("B", "B-1", "U", "2010-01-01", 100));
  apply(f.doctor("B", "B-a", "2010-03-01", "2010-03-31", 100));
  apply(f.doctor("B", "B-a", "2010-03-15", "2010-03-16", 50));
  EXPECT_EQ(sums("U", "2010-01-01", "2010-12-31").lost(), kLostWorkday);
}

TEST_F(ProjectionTest, DaysAfterTheAsOfDateCountNeitherContractedNorLost) {
  Projection q(day("2010-03-03"));
  (void)q.apply(f.unit("U"));
  (void)q.apply(f.employment("B", "B-1", "U", "2010-03-01", 100));
  (void)q.apply(f.self_certified("B", "B-a", "2010-03-01", "2010-03-10"));
  const Figures march = q.figures(*q.find_unit("U"), {day("2010-03-01"), day("2010-03-31")});
  EXPECT_EQ(march.sums.contracted, 3 * kWorkday);
  EXPECT_EQ(march.sums.lost(), 3 * kLostWorkday);
  // The case is 10 days long although only 3 are known so far: class 8-16.
  EXPECT_EQ(cls(march.sums, DurationClass::k8To16), 3 * kLostWorkday);
}

TEST_F(ProjectionTest, AnOpenAbsenceGrowsWithTheAsOfDateExactlyAsAFreshProjection) {
  Projection q(day("2010-03-03"));
  std::vector<Event> events = {f.unit("U"), f.employment("B", "B-1", "U", "2010-03-01", 100),
                               f.doctor("B", "B-a", "2010-03-01", nullptr, 100),
                               f.doctor("B", "B-later", "2010-05-01", nullptr, 40)};
  for (const Event& e : events) (void)q.apply(e);
  for (const char* to : {"2010-03-05", "2010-03-20", "2010-07-01", "2011-02-01"}) {
    q.set_as_of(day(to));
    Projection fresh(day(to));
    for (const Event& e : events) (void)fresh.apply(e);
    const Period all{day("2010-01-01"), day("2011-12-31")};
    EXPECT_EQ(q.figures(0, all).sums, fresh.figures(0, all).sums) << to;
  }
  q.set_as_of(day("2010-03-10"));  // backwards: a recomputation
  Projection fresh(day("2010-03-10"));
  for (const Event& e : events) (void)fresh.apply(e);
  const Period all{day("2010-01-01"), day("2011-12-31")};
  EXPECT_EQ(q.figures(0, all).sums, fresh.figures(0, all).sums);
  EXPECT_EQ(cls(q.figures(0, all).sums, DurationClass::k8To16), q.figures(0, all).sums.lost());
}

TEST_F(ProjectionTest, TargetsAndThresholdsAreInheritedFromTheNearestAncestor) {
  Projection q(day("2010-12-31"), ProjectionOptions{5, testing::pct(6.0), {}});
  (void)q.apply(f.unit("K"));
  (void)q.apply(f.unit("S", "K"));
  (void)q.apply(f.unit("U", "S"));
  (void)q.apply(f.target("K", 2010, 92, 5.2));
  (void)q.apply(f.target("U", 2010, 93.5));
  const UnitId u = *q.find_unit("U");
  const UnitId k = *q.find_unit("K");
  TargetView v = q.target(u, 2010);
  EXPECT_EQ(v.attendance_target, 9350);
  EXPECT_EQ(v.target_from, u);
  EXPECT_EQ(v.absence_threshold, 520);
  EXPECT_EQ(v.threshold_from, k);
  v = q.target(*q.find_unit("S"), 2010);
  EXPECT_EQ(v.attendance_target, 9200);
  EXPECT_EQ(v.target_from, k);
  v = q.target(u, 2011);  // no target for 2011 anywhere: the configured default threshold
  EXPECT_FALSE(v.attendance_target);
  EXPECT_EQ(v.absence_threshold, 600);
  EXPECT_FALSE(v.threshold_from);
}

TEST_F(ProjectionTest, MaskingStartsBelowFivePersons) {
  apply(f.unit("U"));
  const Period jan{day("2010-01-01"), day("2010-01-31")};
  for (int i = 0; i < 5; ++i) {
    apply(f.employment("P" + std::to_string(i), "m", "U", "2010-01-01", 100));
    EXPECT_EQ(p.figures(unit("U"), jan).masked, i < 4) << i;
  }
  // An employment that only covers a weekend has no contracted workday: not a person here.
  apply(f.employment("W", "m", "U", "2010-01-02", 100, "2010-01-03"));
  EXPECT_EQ(p.figures(unit("U"), jan).headcount, 5);
}

TEST_F(ProjectionTest, SeriesGivesOnePointPerPeriodWithHeadcounts) {
  apply(f.unit("U"));
  apply(f.employment("A", "m", "U", "2010-01-15", 100, "2010-02-10"));
  apply(f.employment("A", "m2", "U", "2010-04-01", 100, "2010-04-30"));
  apply(f.employment("B", "m", "U", "2010-02-01", 50));
  const auto months = periods_overlapping(day("2010-01-01"), day("2010-06-30"), Granularity::kMonth);
  const auto pts = p.series(unit("U"), months);
  ASSERT_EQ(pts.size(), 6U);
  const std::vector<std::int32_t> heads = {1, 2, 1, 2, 1, 1};
  for (std::size_t i = 0; i < pts.size(); ++i) {
    EXPECT_EQ(pts[i].headcount, heads[i]) << i;
    EXPECT_EQ(pts[i].sums, p.figures(unit("U"), months[i]).sums) << i;
  }
  // Days: a Saturday has nobody.
  const auto days = p.series(unit("U"), periods_overlapping(day("2010-02-05"), day("2010-02-08"), Granularity::kDay));
  EXPECT_EQ(days[0].headcount, 2);  // Friday
  EXPECT_EQ(days[1].headcount, 0);  // Saturday
  EXPECT_EQ(days[2].headcount, 0);  // Sunday
  EXPECT_EQ(days[3].headcount, 2);  // Monday
}

TEST_F(ProjectionTest, APeriodWithNothingContractedHasNoPercent) {
  apply(f.unit("U"));
  const Figures fig = p.figures(unit("U"), {day("2010-01-01"), day("2010-01-31")});
  EXPECT_FALSE(fig.sums.absence_percent());
  EXPECT_FALSE(fig.sums.attendance_percent());
}

TEST_F(ProjectionTest, FollowupStepsAreDueOnTimeLateOrOverdue) {
  apply(f.unit("U"));
  for (int i = 0; i < 5; ++i) apply(f.employment("P" + std::to_string(i), "m", "U", "2009-01-01", 100));
  // P0: 100 % from 4 January to 30 April 2010 (117 days): plan due 31 Jan, dialogue
  // meeting 1 due 21 Feb, activity requirement due 28 Feb; dialogue meeting 2 (4 July)
  // is not due: the case has ended by then.
  apply(f.doctor("P0", "a", "2010-01-04", "2010-04-30", 100));
  apply(f.make(FollowupRecorded{"P0", FollowupStep::kFollowupPlan, day("2010-01-25")}));
  apply(f.make(FollowupRecorded{"P0", FollowupStep::kDialogueMeeting1, day("2010-03-01")}));
  // P1: 50 % from 4 January to 31 March: no dialogue meeting 1 (not 100 % on its due day).
  apply(f.doctor("P1", "a", "2010-01-04", "2010-03-31", 50));
  // P2: a short case: nothing is due.
  apply(f.self_certified("P2", "a", "2010-01-04", "2010-01-06"));
  const FollowupReport r = p.followups(unit("U"), {day("2010-01-01"), day("2010-12-31")});
  const auto& plan = r.steps[static_cast<std::size_t>(FollowupStep::kFollowupPlan)];
  const auto& dm1 = r.steps[static_cast<std::size_t>(FollowupStep::kDialogueMeeting1)];
  const auto& activity = r.steps[static_cast<std::size_t>(FollowupStep::kActivityRequirement)];
  const auto& dm2 = r.steps[static_cast<std::size_t>(FollowupStep::kDialogueMeeting2)];
  EXPECT_EQ(plan.due, 2);
  EXPECT_EQ(plan.done_on_time, 1);
  EXPECT_EQ(plan.overdue, 1);
  EXPECT_EQ(dm1.due, 1);
  EXPECT_EQ(dm1.late, 1);
  EXPECT_EQ(activity.due, 2);
  EXPECT_EQ(activity.overdue, 2);
  EXPECT_EQ(dm2.due, 0);
  EXPECT_EQ(r.persons, 2);
  EXPECT_FALSE(r.masked);
  // Seen on 15 February: only the plans are due yet.
  Projection early(day("2010-02-15"));
  EventFactory g;
  (void)early.apply(g.unit("U"));
  (void)early.apply(g.employment("P0", "m", "U", "2009-01-01", 100));
  (void)early.apply(g.doctor("P0", "a", "2010-01-04", "2010-04-30", 100));
  const FollowupReport e = early.followups(0, {day("2010-01-01"), day("2010-12-31")});
  EXPECT_EQ(e.steps[static_cast<std::size_t>(FollowupStep::kFollowupPlan)].overdue, 1);
  EXPECT_EQ(e.steps[static_cast<std::size_t>(FollowupStep::kDialogueMeeting1)].due, 0);
  EXPECT_TRUE(e.masked);
}

TEST_F(ProjectionTest, FrequentShortTermAbsenceCountsPersonsWithFourShortCases) {
  apply(f.unit("U"));
  for (int i = 0; i < 5; ++i) apply(f.employment("P" + std::to_string(i), "m", "U", "2009-01-01", 100));
  // P0: four one-day spells 20 days apart: four cases in the last 365 days.
  for (const char* d : {"2010-03-01", "2010-03-22", "2010-04-12", "2010-05-03"}) {
    apply(f.self_certified("P0", d, d, d));
  }
  // P1: four spells, but 10 days apart: they merge into one case.
  for (const char* d : {"2010-03-01", "2010-03-11", "2010-03-22", "2010-04-01"}) {
    apply(f.self_certified("P1", d, d, d));
  }
  // P2: three short cases only.
  for (const char* d : {"2010-03-01", "2010-04-01", "2010-05-03"}) apply(f.self_certified("P2", d, d, d));
  const FrequentShortTerm r = p.frequent_short_term(unit("U"), FrequentShortTermRule{});
  EXPECT_EQ(r.persons, 1);
  EXPECT_FALSE(r.masked);
  EXPECT_EQ(p.frequent_short_term(unit("U"), FrequentShortTermRule{365, 3}).persons, 2);
}

TEST(BandTest, NavBandsAreTenPercentAroundTheReference) {
  EXPECT_EQ(compare_band(5.6, 5.0), Band::kRed);
  EXPECT_EQ(compare_band(5.5, 5.0), Band::kYellow);
  EXPECT_EQ(compare_band(4.5, 5.0), Band::kYellow);
  EXPECT_EQ(compare_band(4.4, 5.0), Band::kGreen);
}

TEST(DurationClassTest, BoundariesFollowNav) {
  EXPECT_EQ(duration_class(1), DurationClass::k1To7);
  EXPECT_EQ(duration_class(7), DurationClass::k1To7);
  EXPECT_EQ(duration_class(8), DurationClass::k8To16);
  EXPECT_EQ(duration_class(16), DurationClass::k8To16);
  EXPECT_EQ(duration_class(17), DurationClass::k17To56);
  EXPECT_EQ(duration_class(56), DurationClass::k17To56);
  EXPECT_EQ(duration_class(57), DurationClass::k57To140);
  EXPECT_EQ(duration_class(140), DurationClass::k57To140);
  EXPECT_EQ(duration_class(141), DurationClass::k141To273);
  EXPECT_EQ(duration_class(273), DurationClass::k141To273);
  EXPECT_EQ(duration_class(274), DurationClass::k274Plus);
  EXPECT_TRUE(is_short_term(DurationClass::k8To16));
  EXPECT_FALSE(is_short_term(DurationClass::k17To56));
}

}  // namespace
}  // namespace naervaer
