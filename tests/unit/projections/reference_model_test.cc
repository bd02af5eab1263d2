// Checks the naive reference model against DOMAIN.md's worked examples, computed by hand.
// Units: contracted in 1/10,000 workday, lost in 1/100,000,000 workday.
#include "reference_model.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace naervaer::reference {
namespace {

constexpr std::int64_t kWorkday = 100000000;  // one lost workday (100 % fte × 100 % grade)

RefEmployment employment(const std::string& employee, const std::string& id, const std::string& unit,
                         const std::string& from, std::optional<std::string> to, std::int64_t fte) {
  return RefEmployment{employee, id, unit, from, std::move(to), fte};
}

RefAbsence self_certified(const std::string& employee, const std::string& id, const std::string& from,
                          std::optional<std::string> to) {
  RefAbsence a;
  a.employee = employee;
  a.absence_id = id;
  a.doctor_certified = false;
  a.from = from;
  a.to = std::move(to);
  return a;
}

RefAbsence doctor_certified(const std::string& employee, const std::string& id, const std::string& from,
                            std::optional<std::string> to, std::int64_t grade) {
  RefAbsence a = self_certified(employee, id, from, std::move(to));
  a.doctor_certified = true;
  a.grade_hundredths = grade;
  return a;
}

// Sum of one unit's figures over dates starting with `prefix` ("2009-11" for a month).
RefDay sum_over(const RefResult& r, const std::string& unit, const std::string& prefix) {
  RefDay total;
  for (const auto& [key, day] : r.days) {
    if (key.first != unit || key.second.rfind(prefix, 0) != 0) continue;
    total.contracted += day.contracted;
    total.lost_self += day.lost_self;
    total.lost_doctor += day.lost_doctor;
    for (std::size_t i = 0; i < total.lost_by_class.size(); ++i) total.lost_by_class[i] += day.lost_by_class[i];
  }
  return total;
}

RefDay day_of(const RefResult& r, const std::string& unit, const std::string& date) {
  const auto it = r.days.find({unit, date});
  return it == r.days.end() ? RefDay{} : it->second;
}

RefDay lost_day(std::int64_t self, std::int64_t doctor, std::size_t cls, std::int64_t contracted) {
  RefDay d;
  d.contracted = contracted;
  d.lost_self = self;
  d.lost_doctor = doctor;
  d.lost_by_class[cls] = self + doctor;
  return d;
}

int working_days_with_prefix(int year, const std::string& prefix) {
  int count = 0;
  for (int m = 1; m <= 12; ++m) {
    for (int d = 1; d <= 31; ++d) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, m, d);
      const std::string date = buf;
      if (date.rfind(prefix, 0) != 0) continue;
      // Skip impossible dates (e.g. 02-30) the parser rejects.
      try {
        if (ref_is_working_day(date)) ++count;
      } catch (const std::invalid_argument&) {
      }
    }
  }
  return count;
}

TEST(ReferenceModelTest, EasterSundaysFromDomainAreHolidays) {
  for (const char* easter_sunday : {"2009-04-12", "2010-04-04", "2024-03-31", "2025-04-20", "2026-04-05"}) {
    EXPECT_FALSE(ref_is_working_day(easter_sunday)) << easter_sunday;
  }
  // Easter Monday, Maundy Thursday and Good Friday of those years fall on weekdays.
  for (const char* holiday :
       {"2009-04-09", "2009-04-10", "2009-04-13", "2010-04-01", "2010-04-02", "2010-04-05", "2024-03-28", "2024-03-29",
        "2024-04-01", "2025-04-17", "2025-04-18", "2025-04-21", "2026-04-02", "2026-04-03", "2026-04-06"}) {
    EXPECT_FALSE(ref_is_working_day(holiday)) << holiday;
  }
  // Ascension (Easter + 39) and Whit Monday (Easter + 50) in 2010.
  EXPECT_FALSE(ref_is_working_day("2010-05-13"));
  EXPECT_FALSE(ref_is_working_day("2010-05-24"));
  // Ordinary days around them are working days.
  EXPECT_TRUE(ref_is_working_day("2010-04-06"));
  EXPECT_TRUE(ref_is_working_day("2010-05-14"));
  EXPECT_TRUE(ref_is_working_day("2010-03-31"));
}

TEST(ReferenceModelTest, FixedHolidaysAndWeekends) {
  EXPECT_FALSE(ref_is_working_day("2025-01-01"));
  EXPECT_FALSE(ref_is_working_day("2025-05-01"));
  EXPECT_FALSE(ref_is_working_day("2024-05-17"));
  EXPECT_FALSE(ref_is_working_day("2025-12-25"));
  EXPECT_FALSE(ref_is_working_day("2025-12-26"));
  EXPECT_FALSE(ref_is_working_day("2025-01-04"));  // Saturday
  EXPECT_FALSE(ref_is_working_day("2025-01-05"));  // Sunday
  EXPECT_TRUE(ref_is_working_day("2025-01-02"));
  EXPECT_TRUE(ref_is_working_day("2025-12-24"));  // Christmas Eve is not a public holiday
}

TEST(ReferenceModelTest, TwentyTwentySevenWhitMondayCoincidesWithSeventeenthOfMay) {
  // Easter 2027 is 28 March, so Whit Monday (Easter + 50) is 17 May: one holiday, not two.
  EXPECT_FALSE(ref_is_working_day("2027-05-17"));
  EXPECT_FALSE(ref_is_working_day("2027-03-28"));
  EXPECT_FALSE(ref_is_working_day("2027-03-29"));
  EXPECT_TRUE(ref_is_working_day("2027-05-18"));
  // May 2027: 21 weekdays, minus 17 May and Ascension (6 May); 1 May is a Saturday.
  EXPECT_EQ(working_days_with_prefix(2027, "2027-05"), 19);
}

TEST(ReferenceModelTest, TwentyTwentyFiveHasTwoHundredFiftyTwoWorkingDays) {
  EXPECT_EQ(working_days_with_prefix(2025, "2025"), 252);
}

TEST(ReferenceModelTest, AprilTwentyTenHasNineteenWorkingDays) {
  EXPECT_EQ(working_days_with_prefix(2010, "2010-04"), 19);
  EXPECT_EQ(working_days_with_prefix(2009, "2009-11"), 21);
}

TEST(ReferenceModelTest, RejectsMalformedDates) {
  EXPECT_THROW(ref_is_working_day("2010-4-01"), std::invalid_argument);
  EXPECT_THROW(ref_is_working_day("2010-02-30"), std::invalid_argument);
  EXPECT_THROW(ref_is_working_day(""), std::invalid_argument);
}

TEST(ReferenceModelTest, NovemberTwoThousandNineWorkedExample) {
  const std::vector<RefEmployment> emps{employment("A", "A1", "U", "2009-11-01", std::nullopt, 8000)};
  const std::vector<RefAbsence> abs{doctor_certified("A", "a1", "2009-11-02", "2009-11-15", 5000)};
  const RefResult r = ref_compute(emps, abs, "2009-11-30");

  const RefDay nov = sum_over(r, "U", "2009-11");
  EXPECT_EQ(nov.contracted, 168000);      // 21 working days × 0.8
  EXPECT_EQ(nov.lost_doctor, 400000000);  // 10 × 0.8 × 0.5 = 4.0
  EXPECT_EQ(nov.lost_self, 0);
  EXPECT_EQ(nov.lost_by_class, (std::array<std::int64_t, 6>{0, 400000000, 0, 0, 0, 0}));  // length 14: 8-16
  EXPECT_EQ(r.unmatched_absence_days, 0);
  // Absence 23.81 %: 100 × lost / contracted, both in workdays.
  EXPECT_NEAR(100.0 * (static_cast<double>(nov.lost_doctor) / 1e8) / (static_cast<double>(nov.contracted) / 1e4), 23.81,
              0.005);
  EXPECT_EQ(r.days.size(), 21u);
  EXPECT_EQ(day_of(r, "U", "2009-11-02"), lost_day(0, 40000000, 1, 8000));
  EXPECT_EQ(day_of(r, "U", "2009-11-13"), lost_day(0, 40000000, 1, 8000));
  EXPECT_EQ(day_of(r, "U", "2009-11-16"), lost_day(0, 0, 1, 8000));
  EXPECT_EQ(r.days.count({"U", "2009-11-14"}), 0u);  // Saturday
}

TEST(ReferenceModelTest, AsOfCutsOffContractedAndLost) {
  const std::vector<RefEmployment> emps{employment("A", "A1", "U", "2009-11-01", std::nullopt, 8000)};
  const std::vector<RefAbsence> abs{doctor_certified("A", "a1", "2009-11-02", "2009-11-15", 5000)};
  const RefResult r = ref_compute(emps, abs, "2009-11-04");
  const RefDay total = sum_over(r, "U", "");
  EXPECT_EQ(total.contracted, 3 * 8000);  // 2, 3, 4 November
  EXPECT_EQ(total.lost_doctor, 3 * 40000000);
  // The case still has length 14 (days after as-of count for the case length).
  EXPECT_EQ(total.lost_by_class[1], 3 * 40000000);
}

TEST(ReferenceModelTest, EasterTwentyTenWorkedExample) {
  const std::vector<RefEmployment> emps{employment("B", "B1", "U", "2010-01-01", std::nullopt, 10000)};
  const std::vector<RefAbsence> abs{self_certified("B", "b1", "2010-03-31", "2010-04-06")};
  const RefResult r = ref_compute(emps, abs, "2010-04-30");

  const RefDay march = sum_over(r, "U", "2010-03");
  const RefDay april = sum_over(r, "U", "2010-04");
  EXPECT_EQ(april.contracted, 19 * 10000);
  EXPECT_EQ(march.lost_self, kWorkday);
  EXPECT_EQ(april.lost_self, kWorkday);
  EXPECT_EQ(march.lost_by_class[0], kWorkday);  // case length 7: 1-7
  EXPECT_EQ(april.lost_by_class[0], kWorkday);
  EXPECT_EQ(day_of(r, "U", "2010-04-06"), lost_day(kWorkday, 0, 0, 10000));
  EXPECT_EQ(r.days.count({"U", "2010-04-05"}), 0u);  // Easter Monday
}

TEST(ReferenceModelTest, MayTwentyTenOverlapWorkedExample) {
  const std::vector<RefEmployment> emps{employment("B", "B1", "U", "2010-01-01", std::nullopt, 10000)};
  const std::vector<RefAbsence> abs{
      self_certified("B", "b1", "2010-03-31", "2010-04-06"),
      self_certified("B", "b2", "2010-05-03", "2010-05-05"),
      doctor_certified("B", "b3", "2010-05-03", "2010-05-14", 5000),
  };
  const RefResult r = ref_compute(emps, abs, "2010-05-31");

  for (const char* d : {"2010-05-03", "2010-05-04", "2010-05-05"}) {
    EXPECT_EQ(day_of(r, "U", d), lost_day(kWorkday / 2, kWorkday / 2, 1, 10000)) << d;
  }
  for (const char* d : {"2010-05-06", "2010-05-07", "2010-05-10", "2010-05-11", "2010-05-12", "2010-05-14"}) {
    EXPECT_EQ(day_of(r, "U", d), lost_day(0, kWorkday / 2, 1, 10000)) << d;
  }
  EXPECT_EQ(r.days.count({"U", "2010-05-13"}), 0u);  // Ascension Day
  const RefDay may = sum_over(r, "U", "2010-05");
  EXPECT_EQ(may.lost_self, 3 * kWorkday / 2);
  EXPECT_EQ(may.lost_doctor, 9 * kWorkday / 2);
  EXPECT_EQ(may.lost_by_class, (std::array<std::int64_t, 6>{0, 6 * kWorkday, 0, 0, 0, 0}));  // length 12
  // The Easter case (26 free days before 3 May) stays a separate 1-7 case.
  EXPECT_EQ(sum_over(r, "U", "2010-03").lost_by_class[0], kWorkday);
  EXPECT_EQ(sum_over(r, "U", "2010-04").lost_by_class[0], kWorkday);
}

// B's Easter case (2010-03-31..04-06) plus a second absence 2010-04-NN..04-NN+1.
RefResult easter_case_with_second_absence(const std::string& from, const std::string& to) {
  const std::vector<RefEmployment> emps{employment("B", "B1", "U", "2010-01-01", std::nullopt, 10000)};
  const std::vector<RefAbsence> abs{
      self_certified("B", "b1", "2010-03-31", "2010-04-06"),
      self_certified("B", "b2", from, to),
  };
  return ref_compute(emps, abs, "2010-06-30");
}

TEST(ReferenceModelTest, ThirteenFreeDaysMergeIntoOneCase) {
  // 7..19 April free (13 days): one case 03-31..04-21 of 22 days, class 17-56, which also
  // moves the Easter days out of 1-7.
  const RefResult r = easter_case_with_second_absence("2010-04-20", "2010-04-21");
  EXPECT_EQ(day_of(r, "U", "2010-03-31"), lost_day(kWorkday, 0, 2, 10000));
  EXPECT_EQ(day_of(r, "U", "2010-04-06"), lost_day(kWorkday, 0, 2, 10000));
  EXPECT_EQ(day_of(r, "U", "2010-04-20"), lost_day(kWorkday, 0, 2, 10000));
  EXPECT_EQ(day_of(r, "U", "2010-04-21"), lost_day(kWorkday, 0, 2, 10000));
}

TEST(ReferenceModelTest, FifteenFreeDaysStillMerge) {
  // 7..21 April free (15 days): one case 03-31..04-23 of 24 days.
  const RefResult r = easter_case_with_second_absence("2010-04-22", "2010-04-23");
  EXPECT_EQ(day_of(r, "U", "2010-03-31"), lost_day(kWorkday, 0, 2, 10000));
  EXPECT_EQ(day_of(r, "U", "2010-04-23"), lost_day(kWorkday, 0, 2, 10000));
}

TEST(ReferenceModelTest, SixteenFreeDaysStartANewCase) {
  // 7..22 April free (16 days): the Easter case stays 1-7; the new one (04-23..05-03,
  // 11 days) is 8-16.
  const RefResult r = easter_case_with_second_absence("2010-04-23", "2010-05-03");
  EXPECT_EQ(day_of(r, "U", "2010-03-31"), lost_day(kWorkday, 0, 0, 10000));
  EXPECT_EQ(day_of(r, "U", "2010-04-06"), lost_day(kWorkday, 0, 0, 10000));
  EXPECT_EQ(day_of(r, "U", "2010-04-23"), lost_day(kWorkday, 0, 1, 10000));
  EXPECT_EQ(day_of(r, "U", "2010-05-03"), lost_day(kWorkday, 0, 1, 10000));
}

TEST(ReferenceModelTest, DoctorGradesAreCappedAndSelfFillsNothing) {
  const std::vector<RefEmployment> emps{employment("C", "C1", "U", "2010-01-01", std::nullopt, 10000)};
  const std::vector<RefAbsence> abs{
      doctor_certified("C", "c1", "2010-05-03", "2010-05-03", 6000),
      doctor_certified("C", "c2", "2010-05-03", "2010-05-03", 6000),
      self_certified("C", "c3", "2010-05-03", "2010-05-03"),
  };
  const RefResult r = ref_compute(emps, abs, "2010-05-31");
  EXPECT_EQ(day_of(r, "U", "2010-05-03"), lost_day(0, kWorkday, 0, 10000));
}

TEST(ReferenceModelTest, AbsenceAppliesToEveryActiveEmploymentUnlessItNamesOne) {
  const std::vector<RefEmployment> emps{
      employment("D", "D1", "U", "2010-01-01", std::nullopt, 6000),
      employment("D", "D2", "V", "2010-01-01", "2010-05-04", 4000),
  };
  const std::vector<RefAbsence> abs{
      self_certified("D", "d1", "2010-05-03", "2010-05-05"),
  };
  RefResult r = ref_compute(emps, abs, "2010-05-31");
  EXPECT_EQ(day_of(r, "U", "2010-05-03"), lost_day(6000LL * 10000, 0, 0, 6000));
  EXPECT_EQ(day_of(r, "V", "2010-05-04"), lost_day(4000LL * 10000, 0, 0, 4000));
  EXPECT_EQ(day_of(r, "U", "2010-05-05"), lost_day(6000LL * 10000, 0, 0, 6000));
  EXPECT_EQ(r.days.count({"V", "2010-05-05"}), 0u);
  EXPECT_EQ(r.unmatched_absence_days, 0);

  // Naming D2: applies only there, and is unmatched once D2 has ended (5 May).
  std::vector<RefAbsence> named = abs;
  named[0].employment_id = "D2";
  r = ref_compute(emps, named, "2010-05-31");
  EXPECT_EQ(day_of(r, "U", "2010-05-03"), lost_day(0, 0, 0, 6000));
  EXPECT_EQ(day_of(r, "V", "2010-05-03"), lost_day(4000LL * 10000, 0, 0, 4000));
  EXPECT_EQ(r.unmatched_absence_days, 1);
}

TEST(ReferenceModelTest, AbsenceWithoutEmploymentIsUnmatched) {
  const std::vector<RefAbsence> abs{self_certified("E", "e1", "2010-05-03", "2010-05-16")};
  const RefResult r = ref_compute({}, abs, "2010-05-31");
  EXPECT_TRUE(r.days.empty());
  EXPECT_EQ(r.unmatched_absence_days, 9);  // 3..14 May working days minus Ascension
}

TEST(ReferenceModelTest, OpenEndedAbsenceRunsToAsOf) {
  const std::vector<RefEmployment> emps{employment("F", "F1", "U", "2010-01-01", std::nullopt, 10000)};
  const std::vector<RefAbsence> abs{
      doctor_certified("F", "f1", "2010-03-01", std::nullopt, 10000),
      // Starts after as-of: a one-day period for the case, counts nowhere in figures.
      self_certified("F", "f2", "2010-04-30", std::nullopt),
  };
  const RefResult r = ref_compute(emps, abs, "2010-04-15");
  // 1 March..15 April = 46 days; with 30 April (14 free days between) the case is 61 days: 57-140.
  const RefDay total = sum_over(r, "U", "");
  EXPECT_EQ(total.lost_self, 0);
  // Working days 1 March..15 April: 23 in March, 8 in April (1, 2, 5 April are holidays).
  EXPECT_EQ(total.lost_doctor, 31 * kWorkday);
  EXPECT_EQ(total.lost_by_class[3], 31 * kWorkday);
  EXPECT_EQ(r.days.count({"U", "2010-04-16"}), 0u);
}

}  // namespace
}  // namespace naervaer::reference
