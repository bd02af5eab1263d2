// Attendance figures: exact sums and their presentation (DOMAIN.md §2–§5, §7, §10).
// Plain values; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "naervaer/projections/date.h"

namespace naervaer {

// NAV's duration classes of a case's length in calendar days.
enum class DurationClass : std::uint8_t { k1To7, k8To16, k17To56, k57To140, k141To273, k274Plus };
inline constexpr std::size_t kDurationClassCount = 6;
inline constexpr DurationClass kAllDurationClasses[] = {DurationClass::k1To7,     DurationClass::k8To16,
                                                        DurationClass::k17To56,   DurationClass::k57To140,
                                                        DurationClass::k141To273, DurationClass::k274Plus};
std::string_view to_string(DurationClass c) noexcept;  // "1-7", "8-16", ... "274+"
DurationClass duration_class(std::int32_t case_length_days) noexcept;
// Short-term is 1-7 and 8-16; long-term the rest.
constexpr bool is_short_term(DurationClass c) noexcept {
  return c <= DurationClass::k8To16;
}

// Exact integer sums. Contracted is in 1/10,000 workday (fte hundredths of a percent),
// lost in 1/100,000,000 workday (fte hundredths × grade hundredths).
inline constexpr double kContractedScale = 1e4;
inline constexpr double kLostScale = 1e8;

struct Sums {
  std::int64_t contracted = 0;
  std::int64_t lost_self = 0;
  std::int64_t lost_doctor = 0;
  std::array<std::int64_t, kDurationClassCount> lost_by_class{};

  [[nodiscard]] std::int64_t lost() const noexcept { return lost_self + lost_doctor; }
  Sums& operator+=(const Sums& o) noexcept {
    contracted += o.contracted;
    lost_self += o.lost_self;
    lost_doctor += o.lost_doctor;
    for (std::size_t i = 0; i < kDurationClassCount; ++i) lost_by_class[i] += o.lost_by_class[i];
    return *this;
  }
  bool operator==(const Sums&) const = default;

  [[nodiscard]] double contracted_workdays() const noexcept {
    return static_cast<double>(contracted) / kContractedScale;
  }
  [[nodiscard]] double lost_workdays() const noexcept { return static_cast<double>(lost()) / kLostScale; }
  // 100 × lost / contracted; none when nothing was contracted.
  [[nodiscard]] std::optional<double> absence_percent() const noexcept {
    if (contracted == 0) return std::nullopt;
    return 100.0 * (static_cast<double>(lost()) / kLostScale) / (static_cast<double>(contracted) / kContractedScale);
  }
  [[nodiscard]] std::optional<double> attendance_percent() const noexcept {
    const auto a = absence_percent();
    if (!a) return std::nullopt;
    return 100.0 - *a;
  }
};

// The figures of one unit (with all its descendants) over one period, clipped to the as-of
// date. When masked (headcount below the masking limit) the sums must not be shown.
struct Figures {
  Date period_start;
  Date period_end;
  std::int32_t headcount = 0;
  bool masked = true;
  Sums sums;
};

// NAV's comparison bands of an absence percent against a reference.
enum class Band : std::uint8_t { kGreen, kYellow, kRed };
std::string_view to_string(Band b) noexcept;
constexpr Band compare_band(double absence_percent, double reference_percent) noexcept {
  if (absence_percent > reference_percent * 1.1) return Band::kRed;
  if (absence_percent < reference_percent * 0.9) return Band::kGreen;
  return Band::kYellow;
}

}  // namespace naervaer
