#include "naervaer/projections/calendar.h"

#include <gtest/gtest.h>

namespace naervaer {
namespace {

Date d(const char* iso) {
  return *Date::parse_iso(iso);
}

std::int32_t year_workdays(int y) {
  return calendar::working_days(Date::from_ymd(y, 1, 1), Date::from_ymd(y, 12, 31));
}

TEST(CalendarTest, EasterSundayMatchesKnownDates) {
  EXPECT_EQ(calendar::easter_sunday(2009), d("2009-04-12"));
  EXPECT_EQ(calendar::easter_sunday(2010), d("2010-04-04"));
  EXPECT_EQ(calendar::easter_sunday(2024), d("2024-03-31"));
  EXPECT_EQ(calendar::easter_sunday(2025), d("2025-04-20"));
  EXPECT_EQ(calendar::easter_sunday(2026), d("2026-04-05"));
  EXPECT_EQ(calendar::easter_sunday(2027), d("2027-03-28"));
  EXPECT_EQ(calendar::easter_sunday(2038), d("2038-04-25"));  // the latest possible
  EXPECT_EQ(calendar::easter_sunday(2285), d("2285-03-22"));  // the earliest possible
}

TEST(CalendarTest, EasterSundayIsAlwaysASundayInItsWindow) {
  for (int y = 1900; y <= 2199; ++y) {
    const Date e = calendar::easter_sunday(y);
    EXPECT_EQ(e.weekday(), 6) << y;
    EXPECT_GE(e, Date::from_ymd(y, 3, 22)) << y;
    EXPECT_LE(e, Date::from_ymd(y, 4, 25)) << y;
  }
}

TEST(CalendarTest, EveryMovableHolidayOf2010IsNotAWorkday) {
  for (const char* h : {"2010-04-01", "2010-04-02", "2010-04-04", "2010-04-05", "2010-05-13", "2010-05-23",
                        "2010-05-24", "2010-01-01", "2010-05-17", "2010-12-25", "2010-12-26"}) {
    EXPECT_TRUE(calendar::is_public_holiday(d(h))) << h;
    EXPECT_FALSE(calendar::is_working_day(d(h))) << h;
  }
  EXPECT_FALSE(calendar::is_public_holiday(d("2010-05-03")));
  EXPECT_TRUE(calendar::is_working_day(d("2010-05-03")));
  EXPECT_TRUE(calendar::is_working_day(d("2010-12-24")));   // Christmas Eve is an ordinary day
  EXPECT_FALSE(calendar::is_working_day(d("2010-05-01")));  // a Saturday and a holiday
}

TEST(CalendarTest, WhitMondayIsNotAWorkday) {
  EXPECT_FALSE(calendar::is_working_day(d("2026-05-25")));
  EXPECT_TRUE(calendar::is_working_day(d("2026-05-26")));
}

TEST(CalendarTest, Year2025Has252WorkingDays) {
  EXPECT_EQ(year_workdays(2025), 252);
}

TEST(CalendarTest, Quarters2026Have63And59And66And65WorkingDays) {
  EXPECT_EQ(calendar::working_days(d("2026-01-01"), d("2026-03-31")), 63);
  EXPECT_EQ(calendar::working_days(d("2026-04-01"), d("2026-06-30")), 59);
  EXPECT_EQ(calendar::working_days(d("2026-07-01"), d("2026-09-30")), 66);
  EXPECT_EQ(calendar::working_days(d("2026-10-01"), d("2026-12-31")), 65);
}

TEST(CalendarTest, April2010Has22WeekdaysAnd19WorkingDays) {
  EXPECT_EQ(calendar::working_days(d("2010-04-01"), d("2010-04-30")), 19);
}

TEST(CalendarTest, November2009Has21WorkingDays) {
  EXPECT_EQ(calendar::working_days(d("2009-11-01"), d("2009-11-30")), 21);
}

TEST(CalendarTest, WhitMondayOn17May2027CountsAsOneHoliday) {
  EXPECT_EQ(calendar::easter_sunday(2027) + 50, d("2027-05-17"));
  EXPECT_FALSE(calendar::is_working_day(d("2027-05-17")));
  // May 2027: 21 weekdays; 1 May is a Saturday; Ascension 6 May; 17 May is both holidays.
  EXPECT_EQ(calendar::working_days(d("2027-05-01"), d("2027-05-31")), 19);
}

// An independent count by brute force: weekdays minus weekday holidays, for every year.
TEST(CalendarTest, YearCountsEqualBruteForceFrom1900To2199) {
  for (int y = 1900; y <= 2199; ++y) {
    std::int32_t expected = 0;
    for (Date x = Date::from_ymd(y, 1, 1); x <= Date::from_ymd(y, 12, 31); x = x + 1) {
      if (x.weekday() < 5 && !calendar::is_public_holiday(x)) ++expected;
    }
    ASSERT_EQ(year_workdays(y), expected) << y;
    ASSERT_GE(expected, 245) << y;
    ASSERT_LE(expected, 256) << y;
  }
}

TEST(CalendarTest, RangeCountsAreAdditive) {
  const Date a = d("2009-01-01");
  for (std::int32_t k = 0; k < 4000; k += 37) {
    const Date m = a + k;
    const Date b = m + 400;
    EXPECT_EQ(calendar::working_days(a, b), calendar::working_days(a, m) + calendar::working_days(m + 1, b));
  }
  EXPECT_EQ(calendar::working_days(d("2010-04-06"), d("2010-04-05")), 0);
}

TEST(CalendarTest, WorkdayIndexNumbersWorkingDaysConsecutively) {
  const Date start = d("2010-03-29");
  std::int32_t expected = calendar::workday_index(start);
  for (Date x = start; x < d("2010-06-01"); x = x + 1) {
    ASSERT_EQ(calendar::workday_index(x), expected);
    if (calendar::is_working_day(x)) {
      ASSERT_EQ(calendar::working_day_at(expected), x);
      ++expected;
    }
  }
}

TEST(CalendarTest, NextAndPreviousWorkingDaySkipEaster) {
  EXPECT_EQ(calendar::next_working_day(d("2010-04-01")), d("2010-04-06"));
  EXPECT_EQ(calendar::prev_working_day(d("2010-04-05")), d("2010-03-31"));
  EXPECT_EQ(calendar::next_working_day(d("2010-04-06")), d("2010-04-06"));
  EXPECT_EQ(calendar::prev_working_day(d("2010-04-06")), d("2010-04-06"));
}

}  // namespace
}  // namespace naervaer
