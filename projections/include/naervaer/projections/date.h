// A calendar date as a count of days since 1970-01-01 (proleptic Gregorian).
// A plain value type: trivially copyable, thread-safe to share.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace naervaer {

struct YearMonthDay {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

class Date {
 public:
  constexpr Date() = default;
  constexpr explicit Date(std::int32_t days_since_epoch) : days_(days_since_epoch) {}

  // The caller guarantees a valid calendar date (see is_valid_ymd).
  static constexpr Date from_ymd(int y, int m, int d) noexcept;
  // Strict "YYYY-MM-DD": exactly 10 characters, a real calendar date (2009-02-30 is not).
  static std::optional<Date> parse_iso(std::string_view text) noexcept;

  [[nodiscard]] constexpr std::int32_t days() const noexcept { return days_; }
  [[nodiscard]] constexpr YearMonthDay ymd() const noexcept;
  [[nodiscard]] constexpr int year() const noexcept { return ymd().year; }
  // 0 = Monday ... 6 = Sunday.
  [[nodiscard]] constexpr int weekday() const noexcept {
    const std::int32_t w = (days_ + 3) % 7;  // 1970-01-01 was a Thursday
    return static_cast<int>(w < 0 ? w + 7 : w);
  }
  [[nodiscard]] std::string iso() const;

  constexpr Date operator+(std::int32_t n) const noexcept { return Date(days_ + n); }
  constexpr Date operator-(std::int32_t n) const noexcept { return Date(days_ - n); }
  constexpr std::int32_t operator-(Date other) const noexcept { return days_ - other.days_; }
  constexpr auto operator<=>(const Date&) const =
      default;  // NOLINT(modernize-use-nullptr): a clang-tidy 14 false positive

 private:
  std::int32_t days_ = 0;
};

constexpr bool is_leap_year(int y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr int days_in_month(int y, int m) noexcept {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

constexpr bool is_valid_ymd(int y, int m, int d) noexcept {
  return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

// Howard Hinnant's days_from_civil / civil_from_days.
constexpr Date Date::from_ymd(int y, int m, int d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return Date(era * 146097 + doe - 719468);
}

constexpr YearMonthDay Date::ymd() const noexcept {
  const int z = days_ + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int d = doy - (153 * mp + 2) / 5 + 1;
  const int m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

}  // namespace naervaer
