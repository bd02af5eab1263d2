// HR exports to contract-v1 events (`naervaer ingest`), without any I/O but reading files:
// the Kafka side is the caller's sink.
//
// Files are CSV (the kind recognised from the header, columns by name in any order) or JSON
// Lines of contract-v1 events (`.jsonl`, `.ndjson`, `.json`). Two passes:
//  1. scan(): every row is converted and validated by the contract's own decoder; a bad row
//     is reported as FILE:LINE with the rule it broke. A national identity number in a person
//     column without a pseudonym key, an unreadable file or an unknown CSV header is fatal:
//     nothing may be sent.
//  2. emit(): the valid rows again, as events in the order units, targets, employments,
//     absences, measures, followups (files in the order given within each), so every
//     entity's events arrive in order. Up to retained_rows_max valid rows are kept from
//     pass 1; more are converted again from the files, so memory stays bounded.
// CSV rows get event ids derived from their content (SHA-256 of the event without its id):
// re-importing an export sends only duplicates, and a corrected row is a new event that
// upserts. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "naervaer/projections/event.h"

namespace naervaer::ingest {

class Pseudonymiser;

enum class Stage : std::uint8_t { kUnits, kTargets, kEmployments, kAbsences, kMeasures, kFollowups };
inline constexpr std::size_t kStageCount = 6;
std::string_view to_string(Stage s) noexcept;
Stage stage_of(EventType t) noexcept;

// The CSV columns of each kind of export, as the README documents them.
struct CsvKind {
  Stage stage;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;  // `recorded_at` is optional in every kind
};
const std::array<CsvKind, kStageCount>& csv_kinds();

struct ImportSettings {
  // With a key every person identifier is replaced by its pseudonym; without one,
  // identifiers pass as they are and a national identity number is refused.
  const Pseudonymiser* pseudonymiser = nullptr;
  // Knowledge time of CSV rows without a recorded_at column; default: the file's
  // modification time, so re-importing the same file gives the same events.
  std::optional<std::int64_t> recorded_at_ms;
  // Pass 1 keeps up to this many valid events for pass 2 (a few hundred bytes each); with
  // more, pass 2 converts the files again.
  std::size_t retained_rows_max = 500'000;
};

struct RowProblem {
  std::string file;
  std::size_t line = 0;  // 0: the whole file
  std::string rule;      // a reason code of the contract, or one of ingest's own
  std::string message;   // never repeats a person identifier
};
// "FILE:LINE: message [rule]".
std::string to_string(const RowProblem& p);

struct FileScan {
  std::string path;
  bool json_lines = false;
  Stage csv_stage = Stage::kUnits;  // CSV only
  std::array<std::uint64_t, kStageCount> valid_rows{};
  std::uint64_t rejected_rows = 0;
  std::int64_t default_recorded_at_ms = 0;
  std::string stamp;  // size and modification time when scanned
};

struct ScanResult {
  std::vector<FileScan> files;
  std::optional<RowProblem> fatal;  // set: nothing may be sent
  std::uint64_t valid_rows = 0;
  std::uint64_t rejected_rows = 0;
  std::array<std::uint64_t, kStageCount> valid_by_stage{};
};

class Importer {
 public:
  explicit Importer(ImportSettings settings);
  ~Importer();
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  // Pass 1. Every bad row goes to on_problem as it is found; stops at a fatal problem.
  ScanResult scan(const std::vector<std::string>& paths, const std::function<void(const RowProblem&)>& on_problem);

  // Pass 2: the valid rows of a scan without a fatal problem, in stage order. `json` is the
  // event's wire form; the key is event.entity_key().
  void emit(const ScanResult& scan, const std::function<void(const Event& event, std::string_view json)>& sink);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace naervaer::ingest
