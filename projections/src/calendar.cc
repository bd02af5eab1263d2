#include "naervaer/projections/calendar.h"

#include <algorithm>
#include <vector>

namespace naervaer::calendar {

Date easter_sunday(int y) noexcept {
  const int a = y % 19;
  const int b = y / 100;
  const int c = y % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = ((h + l - 7 * m + 114) % 31) + 1;
  return Date::from_ymd(y, month, day);
}

bool is_public_holiday(Date d) noexcept {
  const YearMonthDay v = d.ymd();
  if ((v.month == 1 && v.day == 1) || (v.month == 5 && (v.day == 1 || v.day == 17)) ||
      (v.month == 12 && (v.day == 25 || v.day == 26))) {
    return true;
  }
  const std::int32_t from_easter = d - easter_sunday(v.year);
  switch (from_easter) {
    case -3:  // Maundy Thursday
    case -2:  // Good Friday
    case 0:   // Easter Sunday
    case 1:   // Easter Monday
    case 39:  // Ascension Day
    case 49:  // Whit Sunday
    case 50:  // Whit Monday
      return true;
    default:
      return false;
  }
}

namespace {

// cumulative[i] = working days in [kFirstSupported, kFirstSupported + i).
struct Table {
  std::vector<std::int32_t> cumulative;
  std::vector<Date> working_days;

  Table() {
    const std::int32_t span = kLastSupported - kFirstSupported + 1;
    cumulative.resize(static_cast<std::size_t>(span) + 1);
    std::int32_t count = 0;
    for (std::int32_t i = 0; i < span; ++i) {
      cumulative[static_cast<std::size_t>(i)] = count;
      const Date d = kFirstSupported + i;
      if (d.weekday() < 5 && !is_public_holiday(d)) {
        working_days.push_back(d);
        ++count;
      }
    }
    cumulative[static_cast<std::size_t>(span)] = count;
  }
};

const Table& table() {
  static const Table t;
  return t;
}

std::size_t offset(Date d) noexcept {
  return static_cast<std::size_t>(std::clamp(d, kFirstSupported, kLastSupported + 1) - kFirstSupported);
}

}  // namespace

bool is_working_day(Date d) noexcept {
  const auto& c = table().cumulative;
  const std::size_t i = offset(d);
  return i + 1 < c.size() && c[i + 1] != c[i];
}

std::int32_t working_days(Date first, Date last) noexcept {
  if (last < first) return 0;
  const auto& c = table().cumulative;
  return c[offset(last + 1)] - c[offset(first)];
}

std::int32_t workday_index(Date d) noexcept {
  return table().cumulative[offset(d)];
}

Date next_working_day(Date d) noexcept {
  const Table& t = table();
  const std::int32_t i = t.cumulative[offset(d)];
  return i < static_cast<std::int32_t>(t.working_days.size()) ? t.working_days[static_cast<std::size_t>(i)]
                                                              : kLastSupported + 1;
}

Date prev_working_day(Date d) noexcept {
  const Table& t = table();
  const std::int32_t i = t.cumulative[offset(d + 1)];
  return i > 0 ? t.working_days[static_cast<std::size_t>(i - 1)] : kFirstSupported - 1;
}

Date working_day_at(std::int32_t index) noexcept {
  return table().working_days[static_cast<std::size_t>(index)];
}

std::int32_t total_working_days() noexcept {
  return static_cast<std::int32_t>(table().working_days.size());
}

}  // namespace naervaer::calendar
