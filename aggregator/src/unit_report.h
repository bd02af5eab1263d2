// The monthly unit report: what a unit's leader gets on the 5th of every month ("figures
// are reported to the units every month"). One self-contained, printable HTML document:
// the month, the year to date and the last four quarters against the target and the
// threshold; the band against the parent; short- against long-term and self- against
// doctor-certified absence; a 24-month trend with the target line; the follow-up steps due
// in the month; the frequent short-term count; the measures running in the unit. Masked
// parts say that they are masked and why.
//
// Pure functions of the projection; thread-safe as its const queries are.
#pragma once

#include <optional>
#include <string>

#include "naervaer/projections/projection.h"

namespace naervaer::report {

struct Month {
  int year = 0;
  int month = 0;  // 1-12
  [[nodiscard]] Period period() const noexcept;
  [[nodiscard]] std::string text() const;  // "2026-11"
};

// "YYYY-MM" (years 1900-9999), or none.
std::optional<Month> parse_month(std::string_view s);
// The last month that has ended on or before `as_of` (the month a report is made for).
Month last_complete_month(Date as_of);

struct UnitReportOptions {
  // Said in the report: how the figures were taken ("as known at 2026-12-07 23:59:59 UTC").
  std::string provenance;
};

std::string unit_report_html(const Projection& p, UnitId unit, Month month, const UnitReportOptions& options = {});

}  // namespace naervaer::report
