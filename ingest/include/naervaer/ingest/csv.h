// CSV as Norwegian HR and payroll systems write it: UTF-8 with or without a byte-order mark,
// comma, semicolon or tab as the delimiter (detected from the header line), RFC 4180 quoting
// ("" inside a quoted field, delimiters and line breaks inside quotes), CRLF or LF, blank
// lines skipped. Unquoted fields are trimmed of surrounding spaces. Pure (reads a
// std::istream); not thread-safe.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace naervaer::ingest {

struct CsvRecord {
  std::size_t line = 0;  // the physical line the record starts on, 1-based
  std::vector<std::string> fields;
};

class CsvReader {
 public:
  // Reads the header line to find the delimiter; the header is the first record.
  explicit CsvReader(std::istream& in);

  // The next record, false at the end. A malformed record (a quote left open at the end of
  // the input, text after a closing quote) sets `error` and is still returned, so the caller
  // can name its line and go on.
  bool next(CsvRecord& out, std::string& error);

  [[nodiscard]] char delimiter() const noexcept { return delimiter_; }

 private:
  int get();
  int peek();

  std::streambuf* in_;
  std::string header_line_;  // the header's physical line, read ahead to detect the delimiter
  std::size_t header_pos_ = 0;
  bool header_consumed_ = false;
  char delimiter_ = ',';
  std::size_t line_ = 1;
};

// The detected delimiter of a header line: the most frequent of ';', ',' and tab outside
// quotes (',' when none occurs: a one-column file).
char detect_delimiter(const std::string& header_line);

}  // namespace naervaer::ingest
