// Property: after ANY sequence of events — upserts, corrections, cancellations, employments
// arriving after their absences, duplicates, conflicts, as-of moves in both directions —
// the incremental projection equals (1) the independent reference model computed from the
// final records and (2) a fresh projection fed only the final records.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "event_builders.h"
#include "naervaer/projections/calendar.h"
#include "naervaer/projections/projection.h"
#include "reference_model.h"

namespace naervaer {
namespace {

using reference::RefAbsence;
using reference::RefEmployment;

const std::vector<std::string> kUnits = {"K", "S1", "S2", "U1", "U2", "U3", "X"};

struct Scenario {
  std::vector<Event> events;
  Date as_of;
  std::vector<Date> as_of_moves;  // applied before event i when i < size: see run()
};

class Generator {
 public:
  explicit Generator(std::uint32_t seed, int employees = 10) : rng_(seed), employees_(employees) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  Date random_date() { return kStart + pick(kSpanDays); }

  Event next(std::vector<Event>& history) {
    const int r = pick(100);
    if (r < 5 && !history.empty()) return history[static_cast<std::size_t>(pick(static_cast<int>(history.size())))];
    if (r < 8 && !history.empty()) {  // a conflict: an old id with other content
      Event e = history[static_cast<std::size_t>(pick(static_cast<int>(history.size())))];
      e.recorded_at_ms += 1;
      return e;
    }
    Event e;
    e.event_id = "ev-" + std::to_string(++seq_);
    e.recorded_at_ms = seq_;
    const std::string emp = "E" + std::to_string(pick(employees_));
    if (r < 12) {
      const int u = 1 + pick(5);
      e.body = UnitRegistered{kUnits[static_cast<std::size_t>(u)], "n", u <= 2 ? "K" : (chance(0.5) ? "S1" : "S2")};
    } else if (r < 30) {
      const Date from = random_date();
      std::optional<Date> to;
      if (chance(0.6)) to = from + pick(500);
      static const Hundredths kFte[] = {2000, 3333, 5000, 8000, 10000, 4286};
      e.body = EmploymentSet{
          emp, "m" + std::to_string(pick(3)), kUnits[static_cast<std::size_t>(3 + pick(4))], from, to, kFte[pick(6)]};
    } else if (r < 34) {
      e.body = EmploymentCancelled{emp, "m" + std::to_string(pick(3))};
    } else if (r < 90) {
      AbsenceSet a;
      a.employee = emp;
      a.absence_id = "a" + std::to_string(pick(8));
      a.kind = chance(0.5) ? AbsenceKind::kDoctorCertified : AbsenceKind::kSelfCertified;
      a.from = random_date();
      const int len = chance(0.7) ? 1 + pick(10) : 1 + pick(320);
      if (!chance(0.07)) a.to = a.from + (len - 1);
      static const Hundredths kGrade[] = {2000, 5000, 6000, 10000, 10000};
      a.grade = a.kind == AbsenceKind::kDoctorCertified ? kGrade[pick(5)] : kFullPercent;
      if (chance(0.15)) a.employment_id = "m" + std::to_string(pick(3));
      e.body = a;
    } else {
      e.body = AbsenceCancelled{emp, "a" + std::to_string(pick(8))};
    }
    return e;
  }

  static constexpr Date kStart = Date::from_ymd(2010, 1, 1);
  static constexpr std::int32_t kSpanDays = 600;

 private:
  std::mt19937 rng_;
  int employees_;
  long seq_ = 0;
};

// The final records, tracked with the contract's simple upsert semantics.
struct Records {
  std::map<std::pair<std::string, std::string>, EmploymentSet> employments;
  std::map<std::pair<std::string, std::string>, AbsenceSet> absences;
  std::map<std::string, UnitRegistered> units;

  void apply(const Event& e) {
    if (const auto* u = std::get_if<UnitRegistered>(&e.body)) units[u->unit] = *u;
    if (const auto* m = std::get_if<EmploymentSet>(&e.body)) employments[{m->employee, m->employment_id}] = *m;
    if (const auto* m = std::get_if<EmploymentCancelled>(&e.body)) employments.erase({m->employee, m->employment_id});
    if (const auto* a = std::get_if<AbsenceSet>(&e.body)) absences[{a->employee, a->absence_id}] = *a;
    if (const auto* a = std::get_if<AbsenceCancelled>(&e.body)) absences.erase({a->employee, a->absence_id});
  }

  std::vector<Event> as_events() const {
    testing::EventFactory f;
    std::vector<Event> out;
    for (const auto& [k, u] : units) out.push_back(f.make(u));
    // Absences first: the order between entities must not matter.
    for (const auto& [k, a] : absences) out.push_back(f.make(a));
    for (const auto& [k, m] : employments) out.push_back(f.make(m));
    return out;
  }
};

reference::RefResult reference_of(const Records& rec, Date as_of) {
  std::vector<RefEmployment> ms;
  for (const auto& [k, m] : rec.employments) {
    ms.push_back({m.employee, m.employment_id, m.unit, m.from.iso(),
                  m.to ? std::optional<std::string>(m.to->iso()) : std::nullopt, m.fte});
  }
  std::vector<RefAbsence> as;
  for (const auto& [k, a] : rec.absences) {
    as.push_back({a.employee, a.absence_id, a.kind == AbsenceKind::kDoctorCertified, a.from.iso(),
                  a.to ? std::optional<std::string>(a.to->iso()) : std::nullopt, a.grade, a.employment_id});
  }
  return reference::ref_compute(ms, as, as_of.iso());
}

void expect_equal_to_reference(const Projection& p, const Records& rec, std::uint32_t seed) {
  const reference::RefResult ref = reference_of(rec, p.as_of());
  EXPECT_EQ(p.unmatched_absence_days(), ref.unmatched_absence_days) << "seed " << seed;
  for (const std::string& unit_id : kUnits) {
    const auto uid = p.find_unit(unit_id);
    for (Date d = Generator::kStart - 10; d <= p.as_of() && d <= Generator::kStart + 1300; d = d + 1) {
      if (!calendar::is_working_day(d)) continue;
      Sums got = uid ? p.own_day(*uid, d) : Sums{};
      reference::RefDay want;
      if (auto it = ref.days.find({unit_id, d.iso()}); it != ref.days.end()) want = it->second;
      const reference::RefDay have{got.contracted, got.lost_self, got.lost_doctor, got.lost_by_class};
      ASSERT_EQ(have, want) << "seed " << seed << " unit " << unit_id << " day " << d.iso() << " contracted "
                            << got.contracted << " vs " << want.contracted << ", lost self " << got.lost_self << " vs "
                            << want.lost_self << ", doctor " << got.lost_doctor << " vs " << want.lost_doctor;
    }
  }
}

// Distinct persons with an employment active on a working day of the month, in the subtree.
std::int32_t naive_headcount(const Projection& p, const Records& rec, UnitId root, Period period) {
  std::set<std::string> persons;
  for (const auto& [k, m] : rec.employments) {
    if (!p.is_descendant_or_self(*p.find_unit(m.unit), root)) continue;
    const Date lo = std::max(m.from, period.start);
    const Date hi = std::min({m.to.value_or(p.as_of()), period.end, p.as_of()});
    if (lo <= hi && calendar::working_days(lo, hi) > 0) persons.insert(m.employee);
  }
  return static_cast<std::int32_t>(persons.size());
}

void expect_equal_to_fresh(const Projection& p, const Records& rec, std::uint32_t seed) {
  Projection fresh(p.as_of());
  for (const Event& e : rec.as_events()) ASSERT_EQ(fresh.apply(e).outcome, Outcome::kApplied);
  const auto months =
      periods_overlapping(Generator::kStart - 31, Generator::kStart + Generator::kSpanDays + 400, Granularity::kMonth);
  for (const std::string& unit_id : kUnits) {
    const auto a = p.find_unit(unit_id);
    const auto b = fresh.find_unit(unit_id);
    if (!a) continue;
    if (!b) {
      // Only referenced once (a parent since replaced): it must hold nothing.
      const Figures all = p.figures(*a, {Generator::kStart - 400, Generator::kStart + 2000});
      ASSERT_EQ(all.sums, Sums{}) << unit_id;
      continue;
    }
    const auto pa = p.series(*a, months);
    const auto pb = fresh.series(*b, months);
    for (std::size_t i = 0; i < months.size(); ++i) {
      ASSERT_EQ(pa[i].sums, pb[i].sums) << "seed " << seed << " unit " << unit_id << " " << months[i].start.iso();
      ASSERT_EQ(pa[i].headcount, pb[i].headcount) << "seed " << seed << " unit " << unit_id;
      ASSERT_EQ(pa[i].headcount, naive_headcount(p, rec, *a, months[i]))
          << "seed " << seed << " unit " << unit_id << " " << months[i].start.iso();
    }
    // A scrape asks for every window at once: the same answers as one at a time. Also for
    // periods in any order, far apart, overlapping, empty or after the as-of date.
    ASSERT_GE(months.size(), 26U);
    std::vector<Period> odd = {{months[12].start, months[12].start}, {months[3].start, months[25].end},
                               {months[0].start, months[1].end},     {months[20].end, months[20].start},
                               {p.as_of() + 10, p.as_of() + 40},     {months[2].start, months[2].end}};
    const auto odd_at_once = p.all_units(std::span<const Period>(odd));
    for (std::size_t i = 0; i < odd.size(); ++i) {
      const Figures f = p.figures(*a, odd[i]);
      ASSERT_EQ(odd_at_once[i][*a].sums, f.sums) << "seed " << seed << " unit " << unit_id << " period " << i;
      ASSERT_EQ(odd_at_once[i][*a].headcount, f.headcount) << "seed " << seed << " unit " << unit_id << " period " << i;
    }
    std::vector<Period> windows;
    for (Window w : kAllWindows) windows.push_back(window_period(w, p.as_of()));
    const auto at_once = p.all_units(std::span<const Period>(windows));
    for (std::size_t wi = 0; wi < windows.size(); ++wi) {
      const Window w = kAllWindows[wi];
      const Period wp = windows[wi];
      const Figures fa = p.figures(*a, wp);
      ASSERT_EQ(at_once[wi][*a].sums, fa.sums) << to_string(w);
      ASSERT_EQ(at_once[wi][*a].headcount, fa.headcount) << to_string(w);
      ASSERT_EQ(fa.sums, fresh.figures(*b, wp).sums) << to_string(w);
      ASSERT_EQ(fa.headcount, naive_headcount(p, rec, *a, wp)) << to_string(w);
      ASSERT_EQ(p.all_units(wp)[*a].sums, fa.sums) << to_string(w);
      ASSERT_EQ(p.all_units(wp)[*a].headcount, fa.headcount) << to_string(w);
    }
  }
}

// How a run folds: with the per-day figures always current, or deferred at random points
// (as for a replay or a large backlog) and materialized at others.
enum class FoldMode : std::uint8_t { kFiguresCurrent, kFiguresDeferredAtTimes };

void run_random_sequence(std::uint32_t seed, FoldMode mode) {
  Generator gen(seed);
  const Date final_as_of = Generator::kStart + 200 + gen.pick(400);
  Projection p(Generator::kStart + gen.pick(300));
  Records rec;
  std::vector<Event> history;
  std::map<std::string, std::uint64_t> applied_ids;
  const int n = 60 + gen.pick(200);
  for (int i = 0; i < n; ++i) {
    if (mode == FoldMode::kFiguresDeferredAtTimes) {
      // Deferral begins on an empty projection or a populated one (whose persons' old
      // shares must then be retracted), and ends by materializing or by an as-of move.
      if (gen.chance(0.08)) p.defer_figures();
      if (gen.chance(0.04)) p.materialize_figures();
      if (p.figures_deferred()) {
        ASSERT_THROW((void)p.figures(0, {Generator::kStart, Generator::kStart + 30}), std::logic_error);
      }
    }
    if (gen.chance(0.03)) p.set_as_of(Generator::kStart + gen.pick(Generator::kSpanDays + 100));
    const Event e = gen.next(history);
    const ApplyResult r = p.apply(e);
    const auto seen = applied_ids.find(e.event_id);
    if (seen == applied_ids.end()) {
      ASSERT_EQ(r.outcome, Outcome::kApplied) << "seed " << seed;
      applied_ids[e.event_id] = content_fingerprint(e);
      rec.apply(e);
      history.push_back(e);
    } else if (seen->second == content_fingerprint(e)) {
      ASSERT_EQ(r.outcome, Outcome::kDuplicate) << "seed " << seed;
    } else {
      ASSERT_EQ(r.outcome, Outcome::kRejected) << "seed " << seed;
      ASSERT_EQ(r.rejection->reason, Reason::kConflict);
    }
  }
  if (mode == FoldMode::kFiguresDeferredAtTimes && gen.chance(0.5)) p.defer_figures();  // the as-of move materializes
  p.set_as_of(final_as_of);
  p.materialize_figures();
  ASSERT_FALSE(p.figures_deferred());
  expect_equal_to_reference(p, rec, seed);
  expect_equal_to_fresh(p, rec, seed);
}

TEST(ProjectionPropertyTest, IncrementalEqualsReferenceAndRecomputationOverRandomSequences) {
  for (std::uint32_t seed = 1; seed <= 150; ++seed) {
    run_random_sequence(seed, FoldMode::kFiguresCurrent);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(ProjectionPropertyTest, DeferredFiguresMaterializeToTheSameFigures) {
  for (std::uint32_t seed = 1; seed <= 150; ++seed) {
    run_random_sequence(seed, FoldMode::kFiguresDeferredAtTimes);
    if (::testing::Test::HasFailure()) return;
  }
}

// Enough persons for materialize_figures() to work on two threads: units split in two,
// persons employed in both halves, unmatched absence days summed apart; deferred from
// the start and again over a populated projection.
TEST(ProjectionPropertyTest, ManyPersonsMaterializeOnTwoThreadsToTheSameFigures) {
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    Generator gen(seed, 1500);
    const Date as_of = Generator::kStart + 500;
    Projection deferred(as_of);
    Projection eager(as_of);
    Records rec;
    std::vector<Event> history;
    deferred.defer_figures();
    constexpr int kEvents = 24000;
    std::uint64_t first_on_two_threads = 0;
    for (int i = 0; i < kEvents; ++i) {
      if (i == kEvents / 2) {
        deferred.materialize_figures();
        first_on_two_threads = deferred.stats().persons_refigured_on_two_threads;
        deferred.defer_figures();
      }
      const Event e = gen.next(history);
      const ApplyResult a = deferred.apply(e);
      ASSERT_EQ(a.outcome, eager.apply(e).outcome) << "seed " << seed << " event " << i;
      if (a.outcome == Outcome::kApplied) {
        rec.apply(e);
        history.push_back(e);
      }
    }
    deferred.materialize_figures();
    // Both materializations took the two-thread path, and left persons for the end.
    const ProjectionStats st = deferred.stats();
    ASSERT_GT(first_on_two_threads, 0U);
    ASSERT_GT(st.persons_refigured_on_two_threads, first_on_two_threads);
    ASSERT_LT(st.persons_refigured_on_two_threads, st.persons_refigured);
    ASSERT_GT(eager.unmatched_absence_days(), 0) << "the scenario must have unmatched days";
    ASSERT_EQ(deferred.unmatched_absence_days(), eager.unmatched_absence_days()) << "seed " << seed;
    expect_equal_to_reference(deferred, rec, seed);
    for (UnitId u = 0; u < eager.unit_count(); ++u) {
      for (Date d = Generator::kStart - 10; d <= as_of; d = d + 1) {
        ASSERT_EQ(deferred.own_day(u, d), eager.own_day(u, d)) << "seed " << seed << " unit " << u << " " << d.iso();
      }
    }
  }
}

// One long case changed one absence at a time, live: grown day by day through every
// duration class, split by cancelling a block (two cases, each of another class), merged
// again, a day moved into the gap, one absence made open-ended. Only the days that can
// change are retracted (issue 15: retracting the whole case was quadratic); after every
// phase the figures equal the reference model and a fresh fold.
TEST(ProjectionPropertyTest, OneLongCaseChangedAbsenceByAbsenceEqualsRecomputation) {
  const Date start = Generator::kStart + 20;
  Projection p(Generator::kStart + 400);
  Records rec;
  std::uint64_t seq = 0;
  auto apply = [&](EventBody body) {
    Event e;
    e.event_id = "long-" + std::to_string(++seq);
    e.recorded_at_ms = static_cast<std::int64_t>(seq);
    e.body = std::move(body);
    ASSERT_EQ(p.apply(e).outcome, Outcome::kApplied);
    rec.apply(e);
  };
  auto day = [&](int i, AbsenceKind kind = AbsenceKind::kSelfCertified) {
    AbsenceSet a;
    a.employee = "E1";
    a.absence_id = "d" + std::to_string(i);
    a.kind = kind;
    a.from = start + i;
    a.to = start + i;
    a.grade = kFullPercent;
    return a;
  };
  apply(UnitRegistered{"U1", "n", "S1"});
  apply(UnitRegistered{"S1", "n", "K"});
  apply(EmploymentSet{"E1", "m1", "U1", Generator::kStart, std::nullopt, 8000});
  apply(EmploymentSet{"E2", "m1", "U1", Generator::kStart, std::nullopt, 10000});
  constexpr int kDays = 150;  // past 56 days: every duration class on the way
  for (int i = 0; i < kDays; ++i) {
    apply(day(i, i % 3 == 0 ? AbsenceKind::kDoctorCertified : AbsenceKind::kSelfCertified));
    if (i % 7 == 0 || i == 15 || i == 16 || i == 55 || i == 56) {
      expect_equal_to_fresh(p, rec, static_cast<std::uint32_t>(i));
      if (::testing::Test::HasFailure()) return;
    }
  }
  expect_equal_to_reference(p, rec, 1);
  for (int i = 60; i < 80; ++i) apply(AbsenceCancelled{"E1", "d" + std::to_string(i)});  // a 20-day gap: split
  expect_equal_to_reference(p, rec, 2);
  expect_equal_to_fresh(p, rec, 2);
  apply(day(70));  // a day in the gap: three cases
  expect_equal_to_fresh(p, rec, 3);
  for (int i = 60; i < 80; ++i) apply(day(i));  // merged again
  expect_equal_to_reference(p, rec, 4);
  expect_equal_to_fresh(p, rec, 4);
  AbsenceSet moved = day(30);
  moved.from = start + kDays + 10;  // moved out of the case, past its end: the case shrinks by nothing, one more case
  moved.to = moved.from + 2;
  apply(moved);
  AbsenceSet open = day(kDays - 1);
  open.to.reset();  // open-ended: runs to the as-of date
  apply(open);
  expect_equal_to_reference(p, rec, 5);
  expect_equal_to_fresh(p, rec, 5);
  p.set_as_of(Generator::kStart + 500);
  expect_equal_to_reference(p, rec, 6);
  expect_equal_to_fresh(p, rec, 6);
}

}  // namespace
}  // namespace naervaer
