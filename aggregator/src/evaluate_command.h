// `naervaer evaluate`: the measures' evaluations (DOMAIN.md §13) from a state directory,
// read-only beside a running aggregator, as JSON (the API's document), CSV for Excel or a
// printable HTML report: the yearly "did it work?" for the council.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "naervaer/projections/evaluation.h"

namespace naervaer {

struct EvaluateOptions {
  std::filesystem::path state_dir;
  std::string topic = "naervaer.events";
  std::vector<std::string> measures;  // empty: every measure
  EvaluationOptions evaluation;
  Date today;
  std::optional<std::int64_t> known_at_ms;
  ProjectionOptions projection;
  std::string format = "json";               // json, csv or html
  std::optional<std::filesystem::path> out;  // none: standard output
  bool quiet = false;
};

// Returns the exit status: 0, or 1 when a measure is unknown or the output cannot be
// written (said in one line on standard error). Throws std::runtime_error when the state
// cannot be opened.
int run_evaluate(const EvaluateOptions& options);

}  // namespace naervaer
