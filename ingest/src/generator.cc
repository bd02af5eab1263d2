#include "naervaer/ingest/generator.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "naervaer/projections/calendar.h"
#include "naervaer/projections/periods.h"

namespace naervaer::ingest {

namespace {

struct SectorSpec {
  const char* id;
  const char* name;
  double share;            // of all employees
  double absence_percent;  // typical yearly absence
  double full_time_share;  // the rest is part-time
  double target;           // yearly attendance target
  double threshold;        // absence threshold for follow-up
  std::array<const char*, 3> unit_kinds;
};

// Shares and levels as Norwegian municipalities report them: health care has the most
// absence and the most part-time work, administration the least.
constexpr std::array<SectorSpec, 5> kSectors = {{
    {"oppvekst", "Oppvekst og utdanning", 0.42, 7.2, 0.75, 93.0, 6.5, {"skole", "barnehage", "skole"}},
    {"helse", "Helse og omsorg", 0.38, 9.0, 0.35, 92.0, 8.0, {"sykehjem", "hjemmetjeneste", "bofellesskap"}},
    {"teknisk", "Teknisk drift", 0.08, 6.2, 0.90, 93.5, 6.5, {"vei og park", "eiendom og renhold", "vann og avløp"}},
    {"kultur", "Kultur", 0.05, 5.4, 0.70, 94.5, 5.5, {"bibliotek", "kulturskole", "frivilligsentral"}},
    {"administrasjon", "Administrasjon", 0.07, 4.6, 0.90, 95.0, 5.0, {"økonomi", "personal", "servicetorg"}},
}};

constexpr std::array<const char*, 24> kPlaces = {"Nordby", "Sørbyen", "Åsen",  "Lia",   "Haugen",   "Bakken",
                                                 "Strand", "Vik",     "Moen",  "Berg",  "Dalen",    "Holt",
                                                 "Fjell",  "Eik",     "Solli", "Lunde", "Nes",      "Rud",
                                                 "Tveit",  "Skogli",  "Myra",  "Løkka", "Kvernhus", "Brekke"};

constexpr std::array<const char*, 5> kMeasureNames = {
    "Ta rotta på november", "Tett oppfølging av hyppig korttidsfravær", "Trening i arbeidstiden", "Røykfri arbeidstid",
    "Tilrettelegging og dialog"};
constexpr std::array<const char*, 5> kMeasureCategories = {"forebygging", "oppfølging", "helse", "helse",
                                                           "tilrettelegging"};

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string hex16(std::uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kHex[v & 15];
  return s;
}

constexpr std::int64_t kDayMs = 86400000;

std::int64_t at(Date d, int hour, int minute = 0) {
  return static_cast<std::int64_t>(d.days()) * kDayMs + (hour * 60 + minute) * 60000LL - 3600000;  // +01:00
}

struct UnitPlan {
  std::string id;
  std::string name;
  std::size_t sector;
  int positions;
  double absence_multiplier;         // some units well over their threshold, some well under
  std::optional<Date> measure_from;  // a measure of this unit alone starts then
  // From effect_from on, spells of absence start `effect` less often: the measure in the
  // unit (or of its whole sector) works. Some measures do nothing (effect 0).
  std::optional<Date> effect_from;
  double effect = 0;
};

// Seasonality of the start of absence: a winter peak (late January), a summer low, and a
// November peak (the one "Ta rotta på november" fights).
double season(Date d) {
  const YearMonthDay v = d.ymd();
  const double doy = d - Date::from_ymd(v.year, 1, 1);
  double s = 1.0 + 0.28 * std::cos(2 * std::numbers::pi * (doy - 25) / 365.25);
  if (v.month == 11) s *= 1.18;
  if (v.month == 7) s *= 0.6;
  return s;
}

class PersonSimulator {
 public:
  PersonSimulator(const GeneratorOptions& o, const UnitPlan& unit, std::uint64_t stream, std::vector<Event>& out,
                  std::uint64_t& next_id)
      : o_(o),
        unit_(unit),
        sector_(kSectors[unit.sector]),
        rng_(splitmix(o.seed ^ stream)),
        step_rng_(splitmix(o.seed ^ stream ^ 0x5ca1ab1eULL)),
        out_(out),
        next_id_(next_id) {}

  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  // Whether and when the later follow-up steps are recorded: a stream of its own.
  double step_uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(step_rng_); }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double exponential(double mean) { return std::exponential_distribution<double>(1.0 / mean)(rng_); }

  Event make(std::int64_t recorded_at, EventBody body) {
    Event e;
    e.event_id = "g" + std::to_string(o_.seed) + "-" + std::to_string(++next_id_);
    e.recorded_at_ms = recorded_at;
    e.body = std::move(body);
    return e;
  }

  // One person in one position from `start`; returns the day the position is free again.
  Date person(const std::string& employee, Date start) {
    const Date end_of_window = o_.to;
    const double tenure_years = exponential(1.0 / 0.08);
    Date last = start + static_cast<std::int32_t>(tenure_years * 365.25);
    const bool stays = last > end_of_window;
    const Hundredths fte = uniform() < sector_.full_time_share
                               ? kFullPercent
                               : static_cast<Hundredths>(100 * std::array{20, 30, 40, 50, 60, 67, 75, 80,
                                                                          90}[static_cast<std::size_t>(uniform(0, 8))]);
    // A change of fte closes the employment and opens a new one.
    std::vector<EmploymentSet> employments;
    const Date stop = stays ? end_of_window : last;
    if (uniform() < 0.12 && stop - start > 200) {
      const Date change = start + uniform(60, stop - start - 60);
      const Hundredths new_fte = std::min<Hundredths>(kFullPercent, fte + 2000);
      employments.push_back({employee, "m1", unit_.id, start, change - 1, fte});
      employments.push_back(
          {employee, "m2", unit_.id, change, stays ? std::nullopt : std::optional<Date>(last), new_fte});
    } else {
      employments.push_back({employee, "m1", unit_.id, start, stays ? std::nullopt : std::optional<Date>(last), fte});
    }
    for (const auto& m : employments) {
      out_.push_back(make(at(std::max(m.from - uniform(0, 20), o_.from - 30), 9, uniform(0, 59)), m));
    }
    absences(employee, start, stop);
    return stop + uniform(7, 60);
  }

  void absences(const std::string& employee, Date from, Date to) {
    // Spells a year so that the expected absence is the unit's level (see below).
    const double level = sector_.absence_percent * unit_.absence_multiplier / 100.0;
    const double spells_per_year = level * 252.0 / kLostWorkdaysPerSpell;
    const double max_rate = spells_per_year / 365.25 * 1.35;  // an upper bound of season()
    int n = 0;
    for (Date d = from;;) {
      d = d + static_cast<std::int32_t>(std::ceil(exponential(1.0 / max_rate)));
      if (d > to) break;
      double rate = spells_per_year / 365.25 * season(d);
      if (unit_.effect_from && d >= *unit_.effect_from) rate *= 1.0 - unit_.effect;
      if (uniform() * max_rate > rate) continue;  // thinning: a non-homogeneous Poisson process
      d = calendar::next_working_day(d);
      if (d > to) break;
      d = spell(employee, d, to, n) + 1;
    }
  }

  // One spell starting on d; returns its last day.
  Date spell(const std::string& employee, Date d, Date limit, int& n) {
    const double kind = uniform();
    if (kind < 0.65) {  // self-certified, 1-3 days
      const Date to = std::min(limit, d + uniform(0, 2));
      absence(employee, "a" + std::to_string(++n), AbsenceKind::kSelfCertified, d, to, kFullPercent,
              at(to + 1, 8, uniform(0, 59)));
      return to;
    }
    if (kind < 0.90) {  // a short doctor-certified case, 4-16 days
      const Date to = std::min(limit, d + uniform(3, 15));
      absence(employee, "a" + std::to_string(++n), AbsenceKind::kDoctorCertified, d, to, kFullPercent,
              at(d + uniform(1, 10), 10, uniform(0, 59)));
      return to;
    }
    // A long case: sick notes of 2-6 weeks that follow on, later ones often graded.
    const Date last = std::min(limit, d + 16 + static_cast<std::int32_t>(std::min(380.0, exponential(70.0))));
    Date note = d;
    bool graded = false;
    while (note <= last) {
      const Date to = std::min(last, note + uniform(13, 41));
      graded = graded || (note > d && uniform() < 0.35);
      const Hundredths grade =
          graded ? static_cast<Hundredths>(100 * std::array{40, 50, 50, 60}[static_cast<std::size_t>(uniform(0, 3))])
                 : kFullPercent;
      absence(employee, "a" + std::to_string(++n), AbsenceKind::kDoctorCertified, note, to, grade,
              at(note + uniform(1, 20), 11, uniform(0, 59)));
      note = to + 1;
    }
    // The leader records the follow-up plan (sometimes late, sometimes never: overdue) and
    // the first dialogue meeting; the activity requirement and NAV's dialogue meeting 2 are
    // recorded less often. Their own random stream keeps every other figure as it was.
    if (last - d >= 28) {
      const Event plan = make(at(d + uniform(20, 35), 14),
                              FollowupRecorded{employee, FollowupStep::kFollowupPlan, d + uniform(18, 34)});
      if (step_uniform() < 0.88) out_.push_back(plan);
    }
    if (last - d >= 49) {
      const Event meeting = make(at(d + uniform(40, 52), 14),
                                 FollowupRecorded{employee, FollowupStep::kDialogueMeeting1, d + uniform(38, 50)});
      if (step_uniform() < 0.9) out_.push_back(meeting);
    }
    if (last - d >= 56 && step_uniform() < 0.75) {
      const Date done = d + 50 + static_cast<std::int32_t>(step_uniform() * 14);  // due on day 56
      out_.push_back(make(at(done + 1, 10), FollowupRecorded{employee, FollowupStep::kActivityRequirement, done}));
    }
    if (last - d >= 182 && step_uniform() < 0.6) {
      const Date done = d + 170 + static_cast<std::int32_t>(step_uniform() * 20);  // due on day 182
      out_.push_back(make(at(done + 2, 10), FollowupRecorded{employee, FollowupStep::kDialogueMeeting2, done}));
    }
    return last;
  }

  void absence(const std::string& employee, std::string id, AbsenceKind kind, Date from, Date to, Hundredths grade,
               std::int64_t recorded) {
    AbsenceSet a{employee, std::move(id), kind, from, to, grade, std::nullopt};
    out_.push_back(make(recorded, a));
    const double r = uniform();
    if (kind == AbsenceKind::kDoctorCertified && r < 0.03) {  // a correction of the end date
      a.to = std::max(from, to + uniform(-3, 7));
      out_.push_back(make(recorded + uniform(5, 30) * kDayMs, a));
    } else if (r > 0.99) {  // registered by mistake, cancelled
      out_.push_back(make(recorded + uniform(1, 14) * kDayMs, AbsenceCancelled{employee, a.absence_id}));
    }
  }

  // Lost workdays of one spell on average, measured on generated data (about 0.65 × 1.4
  // self-certified + 0.25 × 6 short doctor-certified + 0.10 × 38 long and graded, less the
  // days lost to holidays and weekends): long cases carry about two thirds.
  static constexpr double kLostWorkdaysPerSpell = 6.2;

 private:
  const GeneratorOptions& o_;
  const UnitPlan& unit_;
  const SectorSpec& sector_;
  std::mt19937_64 rng_;
  std::mt19937_64 step_rng_;
  std::vector<Event>& out_;
  std::uint64_t& next_id_;
};

}  // namespace

GeneratorSummary generate_municipality(const GeneratorOptions& o, const std::function<void(const Event&)>& sink) {
  GeneratorSummary summary;
  std::mt19937_64 rng(splitmix(o.seed));
  auto uniform = [&] { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); };
  std::uint64_t next_id = 0;
  auto emit = [&](std::int64_t recorded, EventBody body) {
    Event e;
    e.event_id = "g" + std::to_string(o.seed) + "-" + std::to_string(++next_id);
    e.recorded_at_ms = recorded;
    e.body = std::move(body);
    sink(e);
    ++summary.events;
  };
  const std::int64_t setup = at(o.from - 60, 8);

  // The tree: root, sectors, units sized 15-90 persons.
  emit(setup, UnitRegistered{"kommune", "Nærvik kommune", std::nullopt});
  std::vector<UnitPlan> units;
  for (std::size_t s = 0; s < kSectors.size(); ++s) {
    const SectorSpec& spec = kSectors[s];
    emit(setup, UnitRegistered{spec.id, spec.name, "kommune"});
    int remaining = std::max(1, static_cast<int>(std::lround(o.employees * spec.share)));
    for (int k = 0; remaining > 0; ++k) {
      const int size = std::min(remaining, 15 + static_cast<int>(uniform() * 75));
      remaining -= size;
      const char* kind = spec.unit_kinds[static_cast<std::size_t>(k) % spec.unit_kinds.size()];
      std::string place = kPlaces[static_cast<std::size_t>(k) % kPlaces.size()];
      if (k >= static_cast<int>(kPlaces.size()))
        place += " " + std::to_string(static_cast<std::size_t>(k) / kPlaces.size() + 1);
      UnitPlan u;
      u.id = std::string(spec.id) + "-" + std::to_string(k + 1);
      std::string kind_name = kind;
      kind_name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(kind_name[0])));
      if (std::string_view(kind) == "hjemmetjeneste") {
        u.name = kind_name;
        u.name.append(" ").append(place);
      } else {
        u.name = place;
        u.name.append(" ").append(kind);
      }
      u.sector = s;
      u.positions = size;
      u.absence_multiplier = std::exp(std::normal_distribution<double>(-0.03, 0.28)(rng));
      if (uniform() < 0.12) {
        const std::int32_t span = o.to - o.from;
        u.measure_from =
            period_containing(o.from + static_cast<std::int32_t>(span * (0.4 + 0.4 * uniform())), Granularity::kMonth)
                .start;
        u.effect_from = u.measure_from;
        u.effect = uniform() < 0.5 ? o.measure_effect : 0.0;
      }
      emit(setup, UnitRegistered{u.id, u.name, spec.id});
      units.push_back(std::move(u));
    }
  }
  // A measure across a whole sector (health and care) that works, and one in a youth club
  // of three persons, too few to show anything (masked).
  const Date sector_measure_from =
      period_containing(o.from + static_cast<std::int32_t>((o.to - o.from) * 0.55), Granularity::kMonth).start;
  for (UnitPlan& u : units) {
    if (kSectors[u.sector].id != std::string_view("helse") || u.measure_from) continue;
    u.effect_from = sector_measure_from;
    u.effect = o.measure_effect;
  }
  {
    UnitPlan u;
    u.id = "kultur-ung";
    u.name = "Ungdomsklubben";
    u.sector =
        static_cast<std::size_t>(std::find_if(kSectors.begin(), kSectors.end(),
                                              [](const SectorSpec& x) { return x.id == std::string_view("kultur"); }) -
                                 kSectors.begin());
    u.positions = 3;
    u.absence_multiplier = 1.0;
    u.measure_from = sector_measure_from;
    u.effect_from = sector_measure_from;
    emit(setup, UnitRegistered{u.id, u.name, kSectors[u.sector].id});
    units.push_back(std::move(u));
  }
  summary.units = 1 + kSectors.size() + units.size();

  // Targets and thresholds for every year: the municipality, each sector, each unit.
  for (int year = o.from.year(); year <= o.to.year(); ++year) {
    const std::int64_t when = at(Date::from_ymd(year, 1, 1) - 20, 9);
    emit(when, TargetSet{"kommune", year, 9350, 520});
    for (const SectorSpec& spec : kSectors) {
      emit(when, TargetSet{spec.id, year, static_cast<Hundredths>(spec.target * 100),
                           static_cast<Hundredths>(spec.threshold * 100)});
    }
    for (const UnitPlan& u : units) {
      const SectorSpec& spec = kSectors[u.sector];
      const double target = std::clamp(spec.target + 0.5 * std::round(2 * (uniform() - 0.5)), 92.0, 95.0);
      emit(when, TargetSet{u.id, year, static_cast<Hundredths>(target * 100), std::nullopt});
    }
  }

  // Measures (tiltak).
  int measure_no = 0;
  for (const UnitPlan& u : units) {
    if (!u.measure_from) continue;
    const std::size_t m = static_cast<std::size_t>(measure_no++) % kMeasureNames.size();
    emit(at(*u.measure_from - 14, 10), MeasureSet{"tiltak-" + std::to_string(measure_no),
                                                  {u.id},
                                                  kMeasureNames[m],
                                                  kMeasureCategories[m],
                                                  *u.measure_from,
                                                  std::nullopt});
    ++summary.measures;
  }
  emit(at(sector_measure_from - 30, 10), MeasureSet{"tiltak-helse",
                                                    {"helse"},
                                                    "Nærværsprosjekt i helse og omsorg",
                                                    "oppfølging",
                                                    sector_measure_from,
                                                    std::nullopt});
  ++summary.measures;

  // People, position by position: each position is filled by a sequence of persons.
  std::vector<Event> person_events;
  for (std::size_t ui = 0; ui < units.size(); ++ui) {
    for (int pos = 0; pos < units[ui].positions; ++pos) {
      const std::uint64_t stream = (static_cast<std::uint64_t>(ui) << 20) ^ static_cast<std::uint64_t>(pos);
      PersonSimulator sim(o, units[ui], stream, person_events, next_id);
      Date start = o.from;
      for (int generation = 0; start <= o.to; ++generation) {
        const std::string employee = "p" + hex16(splitmix(o.seed * std::uint64_t{0x100000001b3} ^ (stream << 8) ^
                                                          static_cast<std::uint64_t>(generation)));
        person_events.clear();
        start = sim.person(employee, start);
        ++summary.persons;
        std::stable_sort(person_events.begin(), person_events.end(),
                         [](const Event& a, const Event& b) { return a.recorded_at_ms < b.recorded_at_ms; });
        for (const Event& e : person_events) {
          sink(e);
          ++summary.events;
          if (uniform() < o.repeat_share) {
            sink(e);  // a re-export: the same event again
            ++summary.events;
          }
        }
      }
    }
  }
  return summary;
}

}  // namespace naervaer::ingest
