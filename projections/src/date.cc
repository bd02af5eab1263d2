#include "naervaer/projections/date.h"

#include <cstdio>

namespace naervaer {

namespace {
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
}  // namespace

std::optional<Date> Date::parse_iso(std::string_view t) noexcept {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  for (std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U}) {
    if (!is_digit(t[i])) return std::nullopt;
  }
  auto num = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (t[i] - '0');
    return v;
  };
  const int y = num(0, 4), m = num(5, 2), d = num(8, 2);
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
