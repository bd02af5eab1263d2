// Events written as the six CSV exports an HR system gives (units.csv, targets.csv,
// employments.csv, absences.csv, measures.csv, followups.csv), in the Norwegian dialect
// `naervaer ingest` must read: UTF-8 with a byte-order mark, semicolons, decimal commas,
// DD.MM.YYYY dates, egenmelding/sykmelding, and national identity numbers in the person
// column (synthetic ones: month + 80, as Skatteetaten's test data marks them).
//
// An export is a snapshot: corrections leave only their latest version and cancelled
// employments and absences are left out, so ingesting the files gives the figures of the
// events. Person events must come grouped by employee (as the generator gives them); memory
// holds one person at a time. Not thread-safe.
#pragma once

#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "naervaer/projections/event.h"

namespace naervaer::ingest {

class CsvExportWriter {
 public:
  // Creates the directory and the six files (throws std::runtime_error when it cannot).
  explicit CsvExportWriter(const std::string& directory);
  ~CsvExportWriter();
  CsvExportWriter(const CsvExportWriter&) = delete;
  CsvExportWriter& operator=(const CsvExportWriter&) = delete;

  void add(const Event& e);
  // Writes what is buffered and closes the files; throws when a write failed.
  void finish();

 private:
  void flush_person();

  std::string directory_;
  std::ofstream units_, targets_, employments_, absences_, measures_, followups_;
  // unit_registered, target_set and measure_set by entity, in order of first appearance
  // (none: cancelled), and each entity's place.
  std::vector<std::optional<Event>> tree_;
  std::unordered_map<std::string, std::size_t> tree_index_;
  std::string person_;
  std::vector<std::pair<std::string, Event>> person_rows_;  // by employment or absence id, in order
  std::unordered_set<std::string> issued_;                  // identity numbers given out: one per person
  bool finished_ = false;
};

// A synthetic national identity number for a pseudonym: deterministic, valid check digits,
// month + 80 so it can never be a real person's.
std::string synthetic_identity_number(std::string_view seed_text);

}  // namespace naervaer::ingest
