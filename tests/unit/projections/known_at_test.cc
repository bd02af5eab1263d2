// As known at (DOMAIN.md §14): KnownAtFold, advanced through increasing times, equals a
// fresh fold of the events recorded by each time, applied in the order they were consumed.
// Histories with late registrations, corrections known before the event they correct was
// consumed, measures upserted later, employments arriving after their absences.
#include "naervaer/projections/known_at.h"

#include <gtest/gtest.h>

#include <random>

#include "event_builders.h"

namespace naervaer {
namespace {

using testing::day;

struct History {
  std::vector<ConsumedEvent> consumed;  // in consumed order
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
};

History random_history(std::uint32_t seed) {
  std::mt19937 rng(seed);
  const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const auto chance = [&](double q) { return std::bernoulli_distribution(q)(rng); };
  const Date start = day("2010-01-01");
  const std::int64_t t0 = 1262304000000LL;  // 2010-01-01T00:00:00Z
  History h;
  std::uint64_t seq = 0;
  const auto add = [&](EventBody body, std::int64_t recorded) {
    Event e;
    e.event_id = "e" + std::to_string(seq);
    e.recorded_at_ms = recorded;
    e.body = std::move(body);
    h.consumed.push_back({seq++, std::move(e)});
  };
  static const char* kUnits[] = {"K", "A", "B", "C"};
  add(UnitRegistered{"K", "Kommune", std::nullopt}, t0);
  add(UnitRegistered{"A", "A", "K"}, t0);
  add(UnitRegistered{"B", "B", "K"}, t0 + 5);
  add(TargetSet{"K", 2010, 9300, 600}, t0 + 10);
  for (int i = 0; i < 90; ++i) {
    // Consumed in this order; registered at a time near, before or long after.
    const std::int64_t recorded = t0 + static_cast<std::int64_t>(i) * 86'400'000 * 3 + (pick(60) - 20) * 86'400'000LL;
    const std::string emp = "P" + std::to_string(pick(6));
    const int r = pick(100);
    if (r < 18) {
      add(EmploymentSet{emp, "m" + std::to_string(pick(2)), kUnits[1 + pick(3)], start + pick(200),
                        chance(0.5) ? std::optional<Date>(start + 200 + pick(300)) : std::nullopt,
                        chance(0.5) ? kFullPercent : 5000},
          recorded);
    } else if (r < 22) {
      add(EmploymentCancelled{emp, "m" + std::to_string(pick(2))}, recorded);
    } else if (r < 70) {
      const Date from = start + pick(400);
      add(AbsenceSet{emp, "a" + std::to_string(pick(4)),
                     chance(0.5) ? AbsenceKind::kDoctorCertified : AbsenceKind::kSelfCertified, from,
                     chance(0.9) ? std::optional<Date>(from + pick(60)) : std::nullopt, kFullPercent, std::nullopt},
          recorded);
    } else if (r < 78) {
      add(AbsenceCancelled{emp, "a" + std::to_string(pick(4))}, recorded);
    } else if (r < 86) {
      add(FollowupRecorded{emp, static_cast<FollowupStep>(pick(4)), start + pick(400)}, recorded);
    } else if (r < 92) {
      add(MeasureSet{"M" + std::to_string(pick(2)),
                     {kUnits[1 + pick(2)]},
                     "Tiltak",
                     std::nullopt,
                     start + pick(300),
                     std::nullopt},
          recorded);
    } else if (r < 95) {
      add(MeasureCancelled{"M" + std::to_string(pick(2))}, recorded);
    } else {
      add(UnitRegistered{"C", "C", chance(0.5) ? "A" : "B"}, recorded);  // a move
    }
  }
  h.first_ms = t0 - 100LL * 86'400'000;
  h.last_ms = t0 + 400LL * 86'400'000;
  return h;
}

// Everything a reader can ask, compared between two projections.
void expect_same(const Projection& got, const Projection& want, const std::string& where) {
  ASSERT_EQ(got.unit_count(), want.unit_count()) << where;
  std::vector<Period> periods;
  for (Window w : kAllWindows) periods.push_back(window_period(w, want.as_of()));
  for (const Period& m : periods_overlapping(day("2010-01-01"), want.as_of(), Granularity::kQuarter))
    periods.push_back(m);
  const auto a = got.all_units(std::span<const Period>(periods));
  const auto b = want.all_units(std::span<const Period>(periods));
  for (UnitId u = 0; u < want.unit_count(); ++u) {
    const auto gu = got.find_unit(want.unit(u).id);
    ASSERT_TRUE(gu) << where << " unit " << want.unit(u).id;
    ASSERT_EQ(got.unit(*gu).parent.has_value(), want.unit(u).parent.has_value()) << where;
    for (std::size_t p = 0; p < periods.size(); ++p) {
      ASSERT_EQ(a[p][*gu].sums, b[p][u].sums) << where << " unit " << want.unit(u).id << " period " << p;
      ASSERT_EQ(a[p][*gu].headcount, b[p][u].headcount) << where;
    }
    const Period year{day("2010-01-01"), want.as_of()};
    const FollowupReport fa = got.followups(*gu, year);
    const FollowupReport fb = want.followups(u, year);
    for (std::size_t s = 0; s < kFollowupStepCount; ++s) {
      ASSERT_EQ(fa.steps[s].due, fb.steps[s].due) << where;
      ASSERT_EQ(fa.steps[s].overdue, fb.steps[s].overdue) << where;
      ASSERT_EQ(fa.steps[s].late, fb.steps[s].late) << where;
    }
  }
  ASSERT_EQ(got.measures(), want.measures()) << where;
}

TEST(KnownAtFoldTest, EqualsAFreshFoldOfTheEventsRecordedByEachTime) {
  const Date as_of = day("2011-03-31");
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    const History h = random_history(seed);
    KnownAtFold fold(h.consumed, as_of, ProjectionOptions{1, std::nullopt, {}});
    std::mt19937 rng(seed * 7919U);
    std::vector<std::int64_t> times;
    for (int i = 0; i < 8; ++i) {
      times.push_back(std::uniform_int_distribution<std::int64_t>(h.first_ms, h.last_ms)(rng));
    }
    // Also the exact times of events: "at or before" includes the event itself.
    times.push_back(h.consumed[h.consumed.size() / 2].event.recorded_at_ms);
    times.push_back(h.consumed[h.consumed.size() / 3].event.recorded_at_ms - 1);
    std::sort(times.begin(), times.end());
    for (std::int64_t t : times) {
      fold.advance_to(t);
      Projection fresh(as_of, ProjectionOptions{1, std::nullopt, {}});
      for (const ConsumedEvent& e : h.consumed) {
        if (e.event.recorded_at_ms <= t) (void)fresh.apply(e.event);
      }
      expect_same(fold.projection(), fresh, "seed " + std::to_string(seed) + " t " + std::to_string(t));
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// A correction registered before the event it corrects was consumed (the export sent the
// older version later): as known after both, the consumed order decides.
TEST(KnownAtFoldTest, TheConsumedOrderDecidesBetweenTwoVersionsOfARecord) {
  const Date as_of = day("2010-12-31");
  std::vector<ConsumedEvent> events;
  const auto at = [](const char* iso) { return (day(iso).days() + 0LL) * 86'400'000; };
  events.push_back({0, Event{"u", at("2010-01-01"), UnitRegistered{"K", "K", std::nullopt}}});
  events.push_back(
      {1, Event{"m", at("2010-01-01"), EmploymentSet{"P", "m", "K", day("2010-01-01"), std::nullopt, kFullPercent}}});
  // Consumed first, registered later: 10 days. Consumed second, registered earlier: 20 days.
  events.push_back({2, Event{"a-new", at("2010-03-20"),
                             AbsenceSet{"P", "a", AbsenceKind::kSelfCertified, day("2010-03-01"), day("2010-03-10"),
                                        kFullPercent, std::nullopt}}});
  events.push_back({3, Event{"a-old", at("2010-03-15"),
                             AbsenceSet{"P", "a", AbsenceKind::kSelfCertified, day("2010-03-01"), day("2010-03-20"),
                                        kFullPercent, std::nullopt}}});
  KnownAtFold fold(events, as_of);
  const Period march{day("2010-03-01"), day("2010-03-31")};
  fold.advance_to(at("2010-03-16"));  // only the 20-day version known
  EXPECT_EQ(fold.projection().figures(0, march).sums.lost_workdays(), 15);
  fold.advance_to(at("2010-03-21"));  // both known: the one consumed last (20 days) stands
  EXPECT_EQ(fold.projection().figures(0, march).sums.lost_workdays(), 15);
  EXPECT_EQ(fold.overwritten(), 1U);
  EXPECT_THROW(fold.advance_to(at("2010-03-01")), std::invalid_argument);
}

}  // namespace
}  // namespace naervaer
