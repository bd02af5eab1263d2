#include "naervaer/ingest/importer.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <fstream>
#include <unordered_map>
#include <variant>

#include "naervaer/ingest/csv.h"
#include "naervaer/ingest/pseudonym.h"
#include "naervaer/projections/decode.h"
#include "naervaer/projections/encode.h"

namespace naervaer::ingest {

namespace json = boost::json;

std::string_view to_string(Stage s) noexcept {
  static constexpr std::string_view kNames[] = {"units", "targets", "employments", "absences", "measures", "followups"};
  return kNames[static_cast<std::size_t>(s)];
}

Stage stage_of(EventType t) noexcept {
  switch (t) {
    case EventType::kUnitRegistered:
      return Stage::kUnits;
    case EventType::kTargetSet:
      return Stage::kTargets;
    case EventType::kEmploymentSet:
    case EventType::kEmploymentCancelled:
      return Stage::kEmployments;
    case EventType::kAbsenceSet:
    case EventType::kAbsenceCancelled:
      return Stage::kAbsences;
    case EventType::kMeasureSet:
    case EventType::kMeasureCancelled:
      return Stage::kMeasures;
    case EventType::kFollowupRecorded:
      return Stage::kFollowups;
  }
  return Stage::kUnits;
}

const std::array<CsvKind, kStageCount>& csv_kinds() {
  static const std::array<CsvKind, kStageCount> kinds = {{
      {Stage::kUnits, {"unit", "name"}, {"parent"}},
      {Stage::kTargets, {"unit", "year", "attendance_target_percent"}, {"absence_threshold_percent"}},
      {Stage::kEmployments, {"person", "employment_id", "unit", "from", "fte_percent"}, {"to"}},
      {Stage::kAbsences, {"person", "absence_id", "kind", "from"}, {"to", "grade_percent", "employment_id"}},
      {Stage::kMeasures, {"measure_id", "units", "name", "from"}, {"category", "to"}},
      {Stage::kFollowups, {"person", "step", "date"}, {}},
  }};
  return kinds;
}

std::string to_string(const RowProblem& p) {
  std::string s = p.file;
  if (p.line > 0) s += ":" + std::to_string(p.line);
  return s + ": " + p.message + " [" + p.rule + "]";
}

namespace {

bool is_json_lines(const std::string& path) {
  return path.ends_with(".jsonl") || path.ends_with(".ndjson") || path.ends_with(".json");
}

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string o(s);
  for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

// A value quoted for a message; a run of 11 or more digits (an identity number in the
// wrong column?) is withheld.
std::string shown(std::string_view v) {
  return "\"" + withhold_long_numbers(v.substr(0, 60)) + "\"";
}

struct Failure {
  std::string rule;
  std::string message;
  bool fatal = false;
};

// "80", "80,5", "80.5", "1 000,5": a decimal comma or point; spaces (also no-break) as
// thousands separators.
std::optional<double> parse_number(std::string_view text) {
  std::string s;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ') continue;
    if (text.substr(i).starts_with("\xC2\xA0")) {
      ++i;
      continue;
    }
    s.push_back(text[i] == ',' ? '.' : text[i]);
  }
  if (s.empty() || std::count(s.begin(), s.end(), '.') > 1) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "2024-03-01" as it is; "01.03.2024" or "1.3.2024" to ISO. Validity (30 February) is the
// decoder's rule.
std::optional<std::string> iso_date(std::string_view s) {
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') return std::string(s);
  const auto d1 = s.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : s.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  const std::string_view day = s.substr(0, d1), month = s.substr(d1 + 1, d2 - d1 - 1), year = s.substr(d2 + 1);
  auto digits = [](std::string_view p, std::size_t lo, std::size_t hi) {
    return p.size() >= lo && p.size() <= hi &&
           std::all_of(p.begin(), p.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  };
  if (!digits(day, 1, 2) || !digits(month, 1, 2) || !digits(year, 4, 4)) return std::nullopt;
  std::string iso(year);
  iso.append("-").append(month.size() == 1 ? "0" : "").append(month);
  iso.append("-").append(day.size() == 1 ? "0" : "").append(day);
  return iso;
}

}  // namespace

struct Importer::Impl {
  ImportSettings settings;
  EventDecoder decoder;
  std::string scratch;

  // The valid events of the last scan, by stage, while there are few enough of them to
  // keep: emit() then needs no second conversion.
  std::array<std::vector<Event>, kStageCount> retained;
  std::size_t retained_count = 0;
  bool retaining = false;

  // One CSV file's column positions.
  struct Table {
    const CsvKind* kind = nullptr;
    std::vector<std::pair<std::string, std::size_t>> columns;  // name -> position
    std::size_t header_size = 0;                               // cells in the header line
    std::optional<std::size_t> position(std::string_view name) const {
      for (const auto& [n, p] : columns)
        if (n == name) return p;
      return std::nullopt;
    }
  };

  std::variant<Table, Failure> table_of(const std::vector<std::string>& header) const {
    Table t;
    t.header_size = header.size();
    while (t.header_size > 0 && lower_trimmed(header[t.header_size - 1]).empty()) --t.header_size;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string n = lower_trimmed(header[i]);
      if (n.empty()) continue;  // trailing delimiters
      if (std::find(names.begin(), names.end(), n) != names.end())
        return Failure{"duplicate_column", "the header names column \"" + n + "\" twice", true};
      names.push_back(n);
      t.columns.emplace_back(n, i);
    }
    auto has = [&](std::string_view c) { return std::find(names.begin(), names.end(), c) != names.end(); };
    // The kind whose required columns are all there and that knows every column; among
    // several (none today), the one with the most required columns.
    for (const CsvKind& kind : csv_kinds()) {
      if (!std::all_of(kind.required.begin(), kind.required.end(), has)) continue;
      if (t.kind && t.kind->required.size() >= kind.required.size()) continue;
      t.kind = &kind;
    }
    if (!t.kind) {
      std::string expected;
      for (const CsvKind& kind : csv_kinds()) {
        expected += expected.empty() ? "" : "; ";
        expected += std::string(to_string(kind.stage)) + ": ";
        for (std::size_t i = 0; i < kind.required.size(); ++i)
          expected += (i ? "," : "") + std::string(kind.required[i]);
      }
      return Failure{"unknown_header", "the header matches no kind of export (" + expected + ")", true};
    }
    for (const std::string& n : names) {
      const auto& k = *t.kind;
      if (n == "recorded_at" || std::find(k.required.begin(), k.required.end(), n) != k.required.end() ||
          std::find(k.optional.begin(), k.optional.end(), n) != k.optional.end())
        continue;
      return Failure{"unknown_column",
                     "column \"" + n + "\" is not one of the " + std::string(to_string(k.stage)) +
                         " columns (a misspelt column would lose its data)",
                     true};
    }
    return t;
  }

  std::unordered_map<std::string, std::string> pseudonyms;

  // The person column: a pseudonym with a key; as it is without one, unless it is a
  // national identity number (then nothing may be sent). Identity numbers are recognised
  // as spreadsheets leave them too: with spaces or dashes, or with the leading zero of
  // days 01-09 dropped; with a key such a number is hashed in its 11-digit form, so the
  // person keeps one pseudonym however the export spelt it.
  std::variant<std::string, Failure> person(std::string_view id, std::string_view column) {
    if (id.empty()) return Failure{"missing_field", "column " + std::string(column) + " is empty", false};
    std::string digits;
    for (char c : id) {
      if (c >= '0' && c <= '9') {
        digits.push_back(c);
      } else if (c != ' ' && c != '-' && c != '.') {
        digits.clear();
        break;
      }
    }
    if (digits.size() == 10) digits.insert(digits.begin(), '0');
    const bool identity_number = is_national_identity_number(digits);
    const std::string_view source = identity_number ? std::string_view(digits) : id;
    if (settings.pseudonymiser) {
      // A person has many rows: the keyed hash is computed once per person and import.
      auto [it, inserted] = pseudonyms.try_emplace(std::string(source));
      if (inserted) it->second = settings.pseudonymiser->pseudonym(source);
      return it->second;
    }
    if (identity_number) {
      return Failure{"identity_number_without_key",
                     "column " + std::string(column) +
                         " holds a national identity number; give --pseudonym-key-file to pseudonymise it "
                         "(nothing was sent)",
                     true};
    }
    return std::string(id);
  }

  // Validates a JSON object by decoding it as the aggregator will; a CSV row's event id is
  // then derived from its content.
  std::variant<Event, Failure> finish(const json::object& o, bool derive_id) {
    scratch = json::serialize(o);
    return decode_scratch(derive_id);
  }

  std::variant<Event, Failure> decode_scratch(bool derive_id) {
    auto decoded = decoder.decode(scratch);
    if (auto* r = std::get_if<Rejection>(&decoded)) {
      return Failure{std::string(reason_code(r->reason)), withhold_long_numbers(r->detail)};
    }
    Event e = std::move(std::get<Event>(decoded));
    if (derive_id) {
      e.event_id.clear();
      e.event_id = "r-" + sha256_hex(encode_event(e), 32);
    }
    return e;
  }

  std::variant<Event, Failure> csv_row(const Table& t, const std::vector<std::string>& fields,
                                       std::int64_t default_recorded_at_ms) {
    auto cell = [&](std::string_view name) -> std::string_view {
      const auto p = t.position(name);
      return p && *p < fields.size() ? std::string_view(fields[*p]) : std::string_view();
    };
    json::object o;
    o["event_id"] = "pending";
    std::optional<Failure> failure;
    auto fail = [&](std::string rule, std::string message) {
      if (!failure) failure = Failure{std::move(rule), std::move(message)};
    };
    auto text = [&](std::string_view column, const char* field, bool required) {
      const std::string_view v = cell(column);
      if (v.empty()) {
        if (required) fail("missing_field", "column " + std::string(column) + " is empty");
        return;
      }
      o[field] = v;
    };
    auto number = [&](std::string_view column, bool required, bool integer) {
      const std::string_view v = cell(column);
      if (v.empty()) {
        if (required) fail("missing_field", "column " + std::string(column) + " is empty");
        return;
      }
      const auto n = parse_number(v);
      if (!n || (integer && *n != static_cast<double>(static_cast<std::int64_t>(*n)))) {
        fail("bad_number", "column " + std::string(column) + ": " + shown(v) + " is not " +
                               (integer ? "a whole number" : "a number (decimal comma or point)"));
        return;
      }
      if (integer) {
        o[column] = static_cast<std::int64_t>(*n);
      } else {
        o[column] = *n;
      }
    };
    auto date = [&](std::string_view column, bool required) {
      const std::string_view v = cell(column);
      if (v.empty()) {
        if (required) fail("missing_field", "column " + std::string(column) + " is empty");
        return;
      }
      const auto iso = iso_date(v);
      if (!iso) {
        fail("bad_date",
             "column " + std::string(column) + ": " + shown(v) + " is not a date (YYYY-MM-DD or DD.MM.YYYY)");
        return;
      }
      o[column] = *iso;
    };
    auto employee = [&]() -> std::optional<Failure> {
      auto p = person(cell("person"), "person");
      if (auto* f = std::get_if<Failure>(&p)) return *f;
      o["employee"] = std::get<std::string>(p);
      return std::nullopt;
    };

    // Knowledge time.
    if (const std::string_view r = cell("recorded_at"); !r.empty()) {
      if (const auto iso = iso_date(r)) {
        o["recorded_at"] = *iso + "T00:00:00Z";
      } else {
        o["recorded_at"] = r;
      }
    } else {
      o["recorded_at"] = format_rfc3339_utc(default_recorded_at_ms);
    }

    switch (t.kind->stage) {
      case Stage::kUnits:
        o["type"] = "unit_registered";
        text("unit", "unit", true);
        text("name", "name", true);
        text("parent", "parent", false);
        break;
      case Stage::kTargets:
        o["type"] = "target_set";
        text("unit", "unit", true);
        number("year", true, true);
        number("attendance_target_percent", true, false);
        number("absence_threshold_percent", false, false);
        break;
      case Stage::kEmployments:
        o["type"] = "employment_set";
        if (auto f = employee()) return *f;
        text("employment_id", "employment_id", true);
        text("unit", "unit", true);
        date("from", true);
        date("to", false);
        number("fte_percent", true, false);
        break;
      case Stage::kAbsences: {
        o["type"] = "absence_set";
        if (auto f = employee()) return *f;
        text("absence_id", "absence_id", true);
        const std::string kind = lower_trimmed(cell("kind"));
        if (kind == "self_certified" || kind == "egenmelding") {
          o["kind"] = "self_certified";
        } else if (kind == "doctor_certified" || kind == "sykmelding" || kind == "sykemelding") {
          o["kind"] = "doctor_certified";
        } else {
          fail("bad_kind", "column kind: " + shown(cell("kind")) +
                               " is not self_certified, doctor_certified, egenmelding or sykmelding");
        }
        date("from", true);
        date("to", false);
        number("grade_percent", false, false);
        text("employment_id", "employment_id", false);
        break;
      }
      case Stage::kMeasures: {
        o["type"] = "measure_set";
        text("measure_id", "measure_id", true);
        json::array units;
        std::string_view rest = cell("units");
        while (!rest.empty()) {
          const auto bar = rest.find('|');
          std::string_view part = rest.substr(0, bar);
          while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
          while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
          if (!part.empty()) units.emplace_back(part);
          rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
        }
        if (units.empty()) fail("missing_field", "column units is empty (units separated by |)");
        o["units"] = std::move(units);
        text("name", "name", true);
        text("category", "category", false);
        date("from", true);
        date("to", false);
        break;
      }
      case Stage::kFollowups:
        o["type"] = "followup_recorded";
        if (auto f = employee()) return *f;
        text("step", "step", true);
        date("date", true);
        break;
    }
    if (failure) return *failure;
    return finish(o, true);
  }

  // One CSV record of a file with table t: an event, a problem, or nothing (a row of
  // empty cells, as spreadsheets leave them). Both passes go through here, so they agree
  // on every row.
  std::variant<Event, Failure, std::monostate> csv_record(const Table& t, const CsvRecord& rec,
                                                          const std::string& error,
                                                          std::int64_t default_recorded_at_ms) {
    if (!error.empty()) return Failure{"malformed_csv", error};
    if (std::all_of(rec.fields.begin(), rec.fields.end(), [](const std::string& f) { return f.empty(); }))
      return std::monostate{};
    // More cells than the header (non-empty ones) or fewer: a shifted or cut row, whose
    // values would land in the wrong columns.
    const bool extra = rec.fields.size() > t.header_size &&
                       std::any_of(rec.fields.begin() + static_cast<std::ptrdiff_t>(t.header_size), rec.fields.end(),
                                   [](const std::string& f) { return !f.empty(); });
    if (extra || rec.fields.size() < t.header_size) {
      return Failure{"malformed_csv", "the row has " + std::to_string(rec.fields.size()) + " cells, the header " +
                                          std::to_string(t.header_size) +
                                          " (an unquoted delimiter, e.g. a decimal comma in a comma-separated file?)"};
    }
    const auto person_column = t.position("person");
    for (std::size_t i = 0; i < rec.fields.size(); ++i) {
      if (person_column && i == *person_column) continue;
      if (contains_national_identity_number(rec.fields[i])) {
        return Failure{"identity_number",
                       "cell " + std::to_string(i + 1) +
                           " holds what looks like a national identity number outside the person column; the row "
                           "is not sent"};
      }
    }
    auto r = csv_row(t, rec.fields, default_recorded_at_ms);
    if (auto* f = std::get_if<Failure>(&r)) return std::move(*f);
    return std::move(std::get<Event>(r));
  }

  std::variant<Event, Failure> json_line(std::string_view line) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec) return Failure{"malformed_json", "not a JSON object: " + ec.message()};
    json::object* o = v.if_object();
    if (!o) return Failure{"not_an_object", "the line is not a JSON object"};
    if (json::value* e = o->if_contains("employee"); e && e->is_string()) {
      auto p = person(std::string_view(e->get_string()), "employee");
      if (auto* f = std::get_if<Failure>(&p)) return *f;
      *e = std::get<std::string>(p);
    }
    scratch = json::serialize(*o);
    if (contains_national_identity_number(scratch)) {
      return Failure{"identity_number",
                     "a field other than employee holds what looks like a national identity number; the event is "
                     "not sent"};
    }
    return decode_scratch(false);
  }
};

Importer::Importer(ImportSettings settings) : impl_(std::make_unique<Impl>()) {
  impl_->settings = settings;
}
Importer::~Importer() = default;

namespace {

// Size and modification time: a file that changes between the passes is not sent half old.
std::string file_stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_size) + "@" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

std::int64_t modification_time_ms(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000;
}

// Calls row(line, text) for every non-blank line of a JSON Lines file.
template <typename F>
void for_each_line(std::istream& in, F&& row) {
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    row(n, line);
  }
}

}  // namespace

ScanResult Importer::scan(const std::vector<std::string>& paths,
                          const std::function<void(const RowProblem&)>& on_problem) {
  ScanResult result;
  for (auto& v : impl_->retained) v.clear();
  impl_->retained_count = 0;
  impl_->retaining = true;
  for (const std::string& path : paths) {
    FileScan file;
    file.path = path;
    file.json_lines = is_json_lines(path);
    file.default_recorded_at_ms = impl_->settings.recorded_at_ms.value_or(modification_time_ms(path));
    file.stamp = file_stamp(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      result.fatal = RowProblem{path, 0, "unreadable_file", "cannot open the file"};
      return result;
    }
    // Returns false when the problem is fatal.
    auto record = [&](std::size_t line, auto&& r) {  // r: a converted row (Event, Failure or a skip)
      if (auto* f = std::get_if<Failure>(&r)) {
        RowProblem p{path, line, f->rule, f->message};
        if (f->fatal) {
          result.fatal = std::move(p);
          return false;
        }
        ++file.rejected_rows;
        on_problem(p);
        return true;
      }
      auto* event = std::get_if<Event>(&r);
      if (event == nullptr) return true;  // an empty spreadsheet row
      Event& e = *event;
      const auto stage = static_cast<std::size_t>(stage_of(e.type()));
      ++file.valid_rows[stage];
      if (impl_->retaining && impl_->retained_count < impl_->settings.retained_rows_max) {
        impl_->retained[stage].push_back(std::move(e));
        ++impl_->retained_count;
      } else if (impl_->retaining) {
        impl_->retaining = false;  // too many: emit() converts the files again
        for (auto& v : impl_->retained) std::vector<Event>().swap(v);
      }
      return true;
    };
    if (file.json_lines) {
      bool go_on = true;
      for_each_line(in, [&](std::size_t n, const std::string& line) {
        if (go_on) go_on = record(n, impl_->json_line(line));
      });
      if (!go_on) return result;
    } else {
      CsvReader reader(in);
      CsvRecord rec;
      std::string error;
      if (!reader.next(rec, error)) {
        result.fatal = RowProblem{path, 1, "unknown_header", "the file is empty: a CSV export starts with a header"};
        return result;
      }
      auto table = impl_->table_of(rec.fields);
      if (auto* f = std::get_if<Failure>(&table)) {
        result.fatal = RowProblem{path, rec.line, f->rule, f->message};
        return result;
      }
      const auto& t = std::get<Impl::Table>(table);
      file.csv_stage = t.kind->stage;
      while (reader.next(rec, error)) {
        if (!record(rec.line, impl_->csv_record(t, rec, error, file.default_recorded_at_ms))) return result;
      }
    }
    for (std::size_t s = 0; s < kStageCount; ++s) {
      result.valid_by_stage[s] += file.valid_rows[s];
      result.valid_rows += file.valid_rows[s];
    }
    result.rejected_rows += file.rejected_rows;
    result.files.push_back(std::move(file));
  }
  return result;
}

void Importer::emit(const ScanResult& scan, const std::function<void(const Event&, std::string_view)>& sink) {
  std::string wire;
  auto send_event = [&](const Event& e) {
    wire.clear();
    encode_event(e, wire);
    sink(e, wire);
  };
  auto send = [&](const std::variant<Event, Failure>& r, std::optional<Stage> only) {
    const Event* e = std::get_if<Event>(&r);
    if (e && (!only || stage_of(e->type()) == *only)) send_event(*e);
  };
  if (impl_->retaining) {
    for (const auto& events : impl_->retained) {
      for (const Event& e : events) send_event(e);
    }
    return;
  }
  for (std::size_t s = 0; s < kStageCount; ++s) {
    const auto stage = static_cast<Stage>(s);
    for (const FileScan& file : scan.files) {
      if (file.valid_rows[s] == 0) continue;
      if (file_stamp(file.path) != file.stamp) {
        throw std::runtime_error(file.path +
                                 " changed after it was validated; import it again (what was sent is "
                                 "only duplicated by a new import)");
      }
      std::ifstream in(file.path, std::ios::binary);
      if (!in) throw std::runtime_error(file.path + ": cannot open the file any more");
      if (file.json_lines) {
        for_each_line(in, [&](std::size_t, const std::string& line) { send(impl_->json_line(line), stage); });
      } else {
        CsvReader reader(in);
        CsvRecord rec;
        std::string error;
        (void)reader.next(rec, error);
        const auto table = impl_->table_of(rec.fields);
        const auto& t = std::get<Impl::Table>(table);
        while (reader.next(rec, error)) {
          auto r = impl_->csv_record(t, rec, error, file.default_recorded_at_ms);
          if (const Event* e = std::get_if<Event>(&r)) send_event(*e);
        }
      }
    }
  }
}

}  // namespace naervaer::ingest
