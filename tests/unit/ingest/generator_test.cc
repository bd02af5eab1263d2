#include "naervaer/ingest/generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "naervaer/projections/decode.h"
#include "naervaer/projections/encode.h"
#include "naervaer/projections/evaluation.h"
#include "naervaer/projections/projection.h"

namespace naervaer::ingest {
namespace {

struct GeneratedRun {
  std::vector<Event> events;
  GeneratorSummary summary;
};

GeneratedRun generate(GeneratorOptions o) {
  GeneratedRun r;
  r.summary = generate_municipality(o, [&](const Event& e) { r.events.push_back(e); });
  return r;
}

GeneratorOptions options(std::uint64_t seed = 7) {
  GeneratorOptions o;
  o.seed = seed;
  o.employees = 1500;
  o.from = Date::from_ymd(2022, 1, 1);
  o.to = Date::from_ymd(2025, 12, 31);
  return o;
}

Projection fold(const GeneratedRun& r, Date as_of) {
  Projection p(as_of);
  for (const Event& e : r.events) (void)p.apply(e);
  return p;
}

TEST(GeneratorTest, TheSameSeedGivesTheSameEvents) {
  const GeneratedRun a = generate(options(3));
  const GeneratedRun b = generate(options(3));
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) ASSERT_EQ(a.events[i], b.events[i]) << i;
  EXPECT_NE(generate(options(4)).events.size(), a.events.size());
}

TEST(GeneratorTest, EveryEventIsValidOnTheWire) {
  const GeneratedRun r = generate(options());
  EventDecoder decoder;
  for (const Event& e : r.events) {
    auto d = decoder.decode(encode_event(e));
    ASSERT_TRUE(std::holds_alternative<Event>(d)) << encode_event(e);
    ASSERT_EQ(std::get<Event>(d), e);
  }
}

TEST(GeneratorTest, EachEntitysEventsComeInRecordedOrderAndRepeatsAreDuplicates) {
  const GeneratedRun r = generate(options());
  std::map<std::string, std::int64_t> last;
  for (const Event& e : r.events) {
    if (e.type() == EventType::kUnitRegistered || e.type() == EventType::kTargetSet) continue;
    auto [it, fresh] = last.try_emplace(std::string(e.entity_key()), e.recorded_at_ms);
    ASSERT_LE(it->second, e.recorded_at_ms) << e.event_id;
    it->second = e.recorded_at_ms;
  }
  const Projection p = fold(r, Date::from_ymd(2025, 12, 31));
  const ProjectionStats st = p.stats();
  EXPECT_EQ(st.events_rejected, 0U);
  EXPECT_GT(st.events_duplicate, 0U);
  EXPECT_EQ(st.events_applied + st.events_duplicate, r.events.size());
}

TEST(GeneratorTest, AbsenceLooksLikeANorwegianMunicipality) {
  const GeneratedRun r = generate(options());
  const Projection p = fold(r, Date::from_ymd(2025, 12, 31));
  const UnitId root = *p.find_unit("kommune");
  const Figures year = p.figures(root, {Date::from_ymd(2025, 1, 1), Date::from_ymd(2025, 12, 31)});
  const double absence = *year.sums.absence_percent();
  EXPECT_GE(absence, 6.0);
  EXPECT_LE(absence, 10.0);
  std::int64_t long_term = 0;
  for (DurationClass c : kAllDurationClasses) {
    if (!is_short_term(c)) long_term += year.sums.lost_by_class[static_cast<std::size_t>(c)];
  }
  const double long_share = static_cast<double>(long_term) / static_cast<double>(year.sums.lost());
  EXPECT_GE(long_share, 0.60);
  EXPECT_LE(long_share, 0.75);
  EXPECT_GT(year.sums.lost_self, 0);
  EXPECT_GT(year.sums.lost_doctor, year.sums.lost_self);
  // Persons employed at a time: about the requested number.
  const Figures day = p.figures(root, {Date::from_ymd(2025, 6, 2), Date::from_ymd(2025, 6, 2)});
  EXPECT_NEAR(day.headcount, 1500, 150);
  // Health care: more absence than administration.
  const auto sector = [&](const char* id) {
    return *p.figures(*p.find_unit(id), {Date::from_ymd(2022, 1, 1), Date::from_ymd(2025, 12, 31)})
                .sums.absence_percent();
  };
  EXPECT_GT(sector("helse"), sector("administrasjon"));
}

TEST(GeneratorTest, WinterPeaksAndSummerIsLow) {
  const Projection p = fold(generate(options()), Date::from_ymd(2025, 12, 31));
  const UnitId root = *p.find_unit("kommune");
  double winter = 0, summer = 0;
  for (int y = 2023; y <= 2025; ++y) {
    winter += *p.figures(root, {Date::from_ymd(y, 1, 15), Date::from_ymd(y, 2, 28)}).sums.absence_percent();
    summer += *p.figures(root, {Date::from_ymd(y, 7, 1), Date::from_ymd(y, 8, 15)}).sums.absence_percent();
  }
  EXPECT_GT(winter, summer * 1.2);
}

TEST(GeneratorTest, SomeUnitsAreOverTheirThresholdAndSomeWellUnder) {
  const Projection p = fold(generate(options()), Date::from_ymd(2025, 12, 31));
  const auto all = p.all_units({Date::from_ymd(2025, 1, 1), Date::from_ymd(2025, 12, 31)});
  int over = 0, well_under = 0;
  for (UnitId u = 0; u < p.unit_count(); ++u) {
    if (!p.unit(u).children.empty() || all[u].masked) continue;
    const double absence = *all[u].sums.absence_percent();
    const double threshold = *p.target(u, 2025).absence_threshold / 100.0;
    over += absence > threshold ? 1 : 0;
    well_under += absence < 0.7 * threshold ? 1 : 0;
  }
  EXPECT_GE(over, 3);
  EXPECT_GE(well_under, 3);
}

TEST(GeneratorTest, TheSectorMeasureLowersAbsenceInItsUnits) {
  GeneratorOptions strong = options(11);
  strong.measure_effect = 0.9;
  GeneratorOptions none = options(11);
  none.measure_effect = 0.0;
  const GeneratedRun with = generate(strong);
  const GeneratedRun without = generate(none);
  const Projection a = fold(with, Date::from_ymd(2025, 12, 31));
  const Projection b = fold(without, Date::from_ymd(2025, 12, 31));
  ASSERT_FALSE(a.measures().empty());
  double lost_with = 0, lost_without = 0;
  for (const MeasureSet& m : a.measures()) {
    if (m.measure_id != "tiltak-helse") continue;  // others may be measures that do nothing
    const Period after{m.from, Date::from_ymd(2025, 12, 31)};
    for (const std::string& u : m.units) {
      lost_with += a.figures(*a.find_unit(u), after).sums.lost_workdays();
      lost_without += b.figures(*b.find_unit(u), after).sums.lost_workdays();
    }
  }
  EXPECT_LT(lost_with, 0.5 * lost_without);
}

// The demo's municipality shows every kind of answer an evaluation gives: a measure that
// worked, one whose effect cannot be told apart from chance, one in too few persons.
TEST(GeneratorTest, MeasuresOfTheDefaultMunicipalityGiveEveryVerdict) {
  GeneratorOptions o;  // the demo's: 2,000 employees
  o.from = Date::from_ymd(2024, 1, 1);
  o.to = Date::from_ymd(2026, 12, 6);
  const Projection p = fold(generate(o), o.to);
  std::set<std::string> verdicts;
  for (const MeasureSet& m : p.measures()) {
    const auto e = evaluate_measure(p, m.measure_id, {});
    ASSERT_TRUE(std::holds_alternative<Evaluation>(e));
    verdicts.insert(std::string(to_string(std::get<Evaluation>(e).verdict)));
  }
  EXPECT_TRUE(verdicts.count("reduced"));
  EXPECT_TRUE(verdicts.count("inconclusive"));
  EXPECT_TRUE(verdicts.count("masked"));
}

}  // namespace
}  // namespace naervaer::ingest
