// The Norwegian working-day calendar of DOMAIN.md §1: Monday to Friday except the public
// holidays (1 Jan, Maundy Thursday, Good Friday, Easter Sunday and Monday, 1 May, 17 May,
// Ascension Day, Whit Sunday and Monday, 25 and 26 Dec). Vacation is not subtracted.
//
// Every query is O(1): a table of cumulative working days over the supported range is built
// once, on first use (thread-safe static initialisation); afterwards all functions are
// read-only and safe to call from any thread.
#pragma once

#include <cstdint>

#include "naervaer/projections/date.h"

namespace naervaer::calendar {

inline constexpr Date kFirstSupported = Date::from_ymd(1900, 1, 1);
inline constexpr Date kLastSupported = Date::from_ymd(2199, 12, 31);

constexpr bool is_supported(Date d) noexcept {
  return d >= kFirstSupported && d <= kLastSupported;
}

// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
Date easter_sunday(int year) noexcept;

// True for the twelve holidays above; a date that is two holidays at once is still one day.
bool is_public_holiday(Date d) noexcept;

// Requires is_supported(d).
bool is_working_day(Date d) noexcept;

// Working days in [first, last], both inclusive; 0 when last < first. Dates outside the
// supported range are clamped to it.
std::int32_t working_days(Date first, Date last) noexcept;

// Dense numbering of working days: the number of working days in [kFirstSupported, d).
// Consecutive working days get consecutive indexes, so per-day arrays need no weekend slots.
std::int32_t workday_index(Date d) noexcept;

// The first working day on or after d, and the last on or before d (within the range).
Date next_working_day(Date d) noexcept;
Date prev_working_day(Date d) noexcept;

// The working day with the given index (0 <= index < total_working_days()).
Date working_day_at(std::int32_t index) noexcept;
std::int32_t total_working_days() noexcept;

}  // namespace naervaer::calendar
