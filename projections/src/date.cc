#include "naervaer/projections/date.h"

#include <cstdio>

namespace naervaer {

namespace {
constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
}  // namespace

std::optional<Date> Date::parse_iso(std::string_view t) noexcept {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  const auto digit = [&](std::size_t i) { return static_cast<unsigned>(t[i]) - '0'; };
  const unsigned y0 = digit(0), y1 = digit(1), y2 = digit(2), y3 = digit(3);
  const unsigned m0 = digit(5), m1 = digit(6), d0 = digit(8), d1 = digit(9);
  // Unsigned wrap-around makes any non-digit larger than 9.
  if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9) return std::nullopt;
  const int y = static_cast<int>(y0 * 1000 + y1 * 100 + y2 * 10 + y3);
  const int m = static_cast<int>(m0 * 10 + m1);
  const int d = static_cast<int>(d0 * 10 + d1);
  if (!is_valid_ymd(y, m, d)) return std::nullopt;
  return from_ymd(y, m, d);
}

std::string Date::iso() const {
  const YearMonthDay v = ymd();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", v.year, v.month, v.day);
  return buf;
}

}  // namespace naervaer
