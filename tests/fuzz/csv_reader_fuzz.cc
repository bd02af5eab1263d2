// The CSV reader on any bytes: records with line numbers, or an error per record; never a
// crash or a hang. Records come in order of their lines.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "naervaer/ingest/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  naervaer::ingest::CsvReader reader(in);
  naervaer::ingest::CsvRecord record;
  std::string error;
  std::size_t last_line = 0;
  std::size_t records = 0;
  while (reader.next(record, error)) {
    if (record.line < last_line) __builtin_trap();
    last_line = record.line;
    if (++records > size + 1) __builtin_trap();  // more records than bytes: a loop
    error.clear();
  }
  return 0;
}
