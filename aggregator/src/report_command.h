// `naervaer report`: the monthly unit reports (unit_report.h) from a state directory, read-only
// beside a running aggregator: one self-contained HTML file per unit, with the month's
// figures as they were published (as known at the end of the month plus the publication lag).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "naervaer/projections/projection.h"
#include "unit_report.h"

namespace naervaer {

struct ReportCommandOptions {
  std::filesystem::path state_dir;
  std::string topic = "naervaer.events";
  report::Month month;
  std::vector<std::string> units;  // empty: every unit
  int lag_days = 7;                // published this many days after the month's end (DOMAIN.md §14)
  Date today;                      // a month not published by today is reported as known now
  ProjectionOptions projection;
  std::filesystem::path out_dir;
  bool quiet = false;
};

// Returns the exit status: 0, or 1 when a unit is unknown (one line on standard error).
// Throws std::runtime_error when the state cannot be opened or a file cannot be written.
int run_report(const ReportCommandOptions& options);

// A unit id as a file name: percent-encoded as a URL's path segment, a leading '.' too.
std::string file_name_of(const std::string& unit_id);

}  // namespace naervaer
