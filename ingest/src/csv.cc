#include "naervaer/ingest/csv.h"

#include <istream>

namespace naervaer::ingest {

char detect_delimiter(const std::string& header_line) {
  std::size_t semicolons = 0, commas = 0, tabs = 0;
  bool quoted = false;
  for (char c : header_line) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    semicolons += c == ';';
    commas += c == ',';
    tabs += c == '\t';
  }
  if (semicolons > commas && semicolons >= tabs) return ';';
  if (tabs > commas && tabs > semicolons) return '\t';
  return ',';
}

CsvReader::CsvReader(std::istream& in) : in_(in.rdbuf()) {
  // The header line decides the delimiter, so it is read ahead (and parsed from memory).
  for (int c = in_->sgetc(); c != std::char_traits<char>::eof(); c = in_->sgetc()) {
    in_->sbumpc();
    if (c == '\n') break;
    header_line_.push_back(static_cast<char>(c));
  }
  if (header_line_.starts_with("\xEF\xBB\xBF")) header_line_.erase(0, 3);
  if (!header_line_.empty() && header_line_.back() == '\r') header_line_.pop_back();
  header_line_.push_back('\n');
  delimiter_ = detect_delimiter(header_line_);
}

int CsvReader::peek() {
  if (!header_consumed_) return static_cast<unsigned char>(header_line_[header_pos_]);
  return in_->sgetc();
}

int CsvReader::get() {
  if (!header_consumed_) {
    const int c = static_cast<unsigned char>(header_line_[header_pos_++]);
    if (header_pos_ == header_line_.size()) header_consumed_ = true;
    return c;
  }
  return in_->sbumpc();
}

bool CsvReader::next(CsvRecord& out, std::string& error) {
  constexpr int kEof = std::char_traits<char>::eof();
  error.clear();
  out.fields.clear();
  // Skip blank lines (also "\r\n" ones).
  for (;;) {
    const int c = peek();
    if (c == kEof) return false;
    if (c == '\n') {
      get();
      ++line_;
    } else if (c == '\r') {
      get();
    } else {
      break;
    }
  }
  out.line = line_;
  std::string field;
  bool quoted_field = false;
  for (;;) {
    int c = get();
    while (c == ' ') c = get();
    if (c == '"') {
      // A quoted field: everything up to the closing quote, "" being one quote.
      field.clear();
      quoted_field = true;
      for (;;) {
        c = get();
        if (c == kEof) {
          error = "a quoted field is not closed before the end of the file";
          out.fields.push_back(std::move(field));
          return true;
        }
        if (c == '"') {
          if (peek() == '"') {
            get();
            field.push_back('"');
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        field.push_back(static_cast<char>(c));
      }
      // Only spaces may follow the closing quote before the delimiter or the line end.
      while (peek() == ' ') get();
      c = get();
      if (c != delimiter_ && c != '\n' && c != '\r' && c != kEof && error.empty()) {
        error = "text after a closing quote in field " + std::to_string(out.fields.size() + 1);
      }
      while (c != delimiter_ && c != '\n' && c != kEof) c = get();
    } else {
      while (c != delimiter_ && c != '\n' && c != kEof) {
        field.push_back(static_cast<char>(c));
        c = get();
      }
    }
    if (!quoted_field) {
      const auto first = field.find_first_not_of(" \r");
      const auto last = field.find_last_not_of(" \r");
      field = first == std::string::npos ? std::string() : field.substr(first, last - first + 1);
    }
    out.fields.push_back(std::move(field));
    field.clear();
    quoted_field = false;
    if (c == '\n' || c == kEof) {
      if (c == '\n') ++line_;
      return true;
    }
  }
}

}  // namespace naervaer::ingest
