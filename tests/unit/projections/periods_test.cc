#include "naervaer/projections/periods.h"

#include <gtest/gtest.h>

namespace naervaer {
namespace {

Date d(const char* iso) {
  return *Date::parse_iso(iso);
}

TEST(PeriodsTest, PeriodContainingGivesWholeCalendarPeriods) {
  EXPECT_EQ(period_containing(d("2024-02-10"), Granularity::kMonth), (Period{d("2024-02-01"), d("2024-02-29")}));
  EXPECT_EQ(period_containing(d("2024-05-10"), Granularity::kQuarter), (Period{d("2024-04-01"), d("2024-06-30")}));
  EXPECT_EQ(period_containing(d("2024-12-31"), Granularity::kYear), (Period{d("2024-01-01"), d("2024-12-31")}));
  EXPECT_EQ(period_containing(d("2024-12-31"), Granularity::kDay), (Period{d("2024-12-31"), d("2024-12-31")}));
}

TEST(PeriodsTest, PeriodsOverlappingCoverFromAndTo) {
  const auto months = periods_overlapping(d("2009-11-15"), d("2010-02-01"), Granularity::kMonth);
  ASSERT_EQ(months.size(), 4U);
  EXPECT_EQ(months.front().start, d("2009-11-01"));
  EXPECT_EQ(months.back().end, d("2010-02-28"));
  EXPECT_TRUE(periods_overlapping(d("2010-02-01"), d("2010-01-01"), Granularity::kMonth).empty());
  EXPECT_EQ(periods_overlapping(d("2010-01-01"), d("2010-12-31"), Granularity::kDay).size(), 365U);
}

TEST(PeriodsTest, RollingWindowsEndOnTheAsOfDate) {
  const Date t = d("2026-11-22");
  EXPECT_EQ(window_period(Window::k30d, t), (Period{d("2026-10-24"), t}));
  EXPECT_EQ(window_period(Window::k90d, t).start, d("2026-08-25"));
  EXPECT_EQ(window_period(Window::k365d, t).start, d("2025-11-23"));
  EXPECT_EQ(window_period(Window::kMtd, t), (Period{d("2026-11-01"), t}));
  EXPECT_EQ(window_period(Window::kQtd, t), (Period{d("2026-10-01"), t}));
  EXPECT_EQ(window_period(Window::kYtd, t), (Period{d("2026-01-01"), t}));
}

TEST(PeriodsTest, LastMonthAndLastFourQuartersAreComplete) {
  EXPECT_EQ(window_period(Window::kLastMonth, d("2026-11-22")), (Period{d("2026-10-01"), d("2026-10-31")}));
  EXPECT_EQ(window_period(Window::kLastMonth, d("2026-03-01")), (Period{d("2026-02-01"), d("2026-02-28")}));
  // On a month's last day that month is complete.
  EXPECT_EQ(window_period(Window::kLastMonth, d("2026-10-31")), (Period{d("2026-10-01"), d("2026-10-31")}));
  EXPECT_EQ(window_period(Window::kLast4q, d("2026-11-22")), (Period{d("2025-10-01"), d("2026-09-30")}));
  EXPECT_EQ(window_period(Window::kLast4q, d("2026-12-31")), (Period{d("2026-01-01"), d("2026-12-31")}));
  EXPECT_EQ(window_period(Window::kLast4q, d("2027-01-01")), (Period{d("2026-01-01"), d("2026-12-31")}));
}

TEST(PeriodsTest, WindowAndGranularityNamesRoundTrip) {
  for (Window w : kAllWindows) EXPECT_EQ(parse_window(to_string(w)), w);
  EXPECT_FALSE(parse_window("7d"));
  EXPECT_EQ(parse_granularity("quarter"), Granularity::kQuarter);
  EXPECT_FALSE(parse_granularity("week"));
}

}  // namespace
}  // namespace naervaer
