// Calendar periods (day, month, quarter, year) and the rolling windows of DOMAIN.md §9.
// Pure functions of dates; thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "naervaer/projections/date.h"

namespace naervaer {

// A closed range of days [start, end].
struct Period {
  Date start;
  Date end;
  bool operator==(const Period&) const = default;
  [[nodiscard]] bool contains(Date d) const noexcept { return start <= d && d <= end; }
};

enum class Granularity : std::uint8_t { kDay, kMonth, kQuarter, kYear };
std::string_view to_string(Granularity g) noexcept;
std::optional<Granularity> parse_granularity(std::string_view s) noexcept;

// The calendar period of granularity g that contains d.
Period period_containing(Date d, Granularity g) noexcept;
// Every calendar period of granularity g overlapping [from, to], in order (whole periods,
// not clipped to from/to). Empty when to < from.
std::vector<Period> periods_overlapping(Date from, Date to, Granularity g);

enum class Window : std::uint8_t { k30d, k90d, k365d, kMtd, kQtd, kYtd, kLastMonth, kLast4q };
inline constexpr Window kAllWindows[] = {Window::k30d, Window::k90d, Window::k365d,      Window::kMtd,
                                         Window::kQtd, Window::kYtd, Window::kLastMonth, Window::kLast4q};
std::string_view to_string(Window w) noexcept;  // "30d", "90d", "365d", "mtd", "qtd", "ytd", "last_month", "last_4q"
std::optional<Window> parse_window(std::string_view s) noexcept;

// The days a window covers on as-of date t:
//  30d/90d/365d: the last N days ending on t;  mtd/qtd/ytd: from the period's first day to t;
//  last_month: the latest calendar month that is complete on t (ends on or before t);
//  last_4q: the four latest quarters complete on t (NAV's headline figure).
Period window_period(Window w, Date as_of) noexcept;

}  // namespace naervaer
