#include "naervaer/projections/date.h"

#include <gtest/gtest.h>

namespace naervaer {
namespace {

TEST(DateTest, RoundTripsEveryDayOverThreeCenturies) {
  for (std::int32_t n = Date::from_ymd(1900, 1, 1).days(); n <= Date::from_ymd(2199, 12, 31).days(); ++n) {
    const Date d(n);
    const YearMonthDay v = d.ymd();
    ASSERT_EQ(Date::from_ymd(v.year, v.month, v.day), d);
    ASSERT_EQ(Date::parse_iso(d.iso()), d);
  }
}

TEST(DateTest, EpochIsThursdayFirstJanuary1970) {
  EXPECT_EQ(Date::from_ymd(1970, 1, 1).days(), 0);
  EXPECT_EQ(Date::from_ymd(1970, 1, 1).weekday(), 3);
  EXPECT_EQ(Date::from_ymd(2009, 11, 2).weekday(), 0);   // a Monday
  EXPECT_EQ(Date::from_ymd(1969, 12, 28).weekday(), 6);  // a Sunday, before the epoch
}

TEST(DateTest, ParseRejectsImpossibleAndMalformedDates) {
  EXPECT_FALSE(Date::parse_iso("2009-02-30"));
  EXPECT_FALSE(Date::parse_iso("2009-02-29"));
  EXPECT_TRUE(Date::parse_iso("2008-02-29"));
  EXPECT_FALSE(Date::parse_iso("1900-02-29"));
  EXPECT_TRUE(Date::parse_iso("2000-02-29"));
  EXPECT_FALSE(Date::parse_iso("2010-13-01"));
  EXPECT_FALSE(Date::parse_iso("2010-00-10"));
  EXPECT_FALSE(Date::parse_iso("2010-4-01"));
  EXPECT_FALSE(Date::parse_iso("2010-04-01T00:00"));
  EXPECT_FALSE(Date::parse_iso("01.04.2010"));
  EXPECT_FALSE(Date::parse_iso(""));
  EXPECT_FALSE(Date::parse_iso("2010-04-0a"));
}

}  // namespace
}  // namespace naervaer
