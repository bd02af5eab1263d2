#include "naervaer/ingest/csv_export.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "naervaer/ingest/pseudonym.h"
#include "naervaer/projections/encode.h"

namespace naervaer::ingest {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string cell(std::string_view v) {
  if (v.find_first_of(";\"\n\r") == std::string_view::npos) return std::string(v);
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q.push_back('"');
    q.push_back(c);
  }
  return q + "\"";
}

std::string date(Date d) {
  const auto ymd = d.ymd();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02d.%02d.%04d", ymd.day, ymd.month, ymd.year);
  return buf;
}

std::string date(const std::optional<Date>& d) {
  return d ? date(*d) : std::string();
}

std::string percent(Hundredths h) {
  std::string s = std::to_string(h / 100);
  if (h % 100 != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ",%02d", h % 100);
    s += buf;
    if (s.back() == '0') s.pop_back();
  }
  return s;
}

void put(std::ofstream& out, std::initializer_list<std::string> cells) {
  bool first = true;
  for (const std::string& c : cells) {
    if (!first) out.put(';');
    out << cell(c);
    first = false;
  }
  out << "\r\n";
}

}  // namespace

std::string synthetic_identity_number(std::string_view seed_text) {
  const std::string h = sha256_hex(seed_text, 16);
  const std::uint64_t x = std::stoull(h, nullptr, 16);
  const int year = 1960 + static_cast<int>(x % 45);  // 1960-2004
  const int month = 1 + static_cast<int>((x >> 8) % 12);
  const int day = 1 + static_cast<int>((x >> 16) % 28);
  // Individual numbers 000-499 are born 1900-1999, 500-999 born 2000-2039.
  int individual = (year < 2000 ? 0 : 500) + static_cast<int>((x >> 24) % 500);
  for (int attempt = 0; attempt < 500; ++attempt, individual = (year < 2000 ? 0 : 500) + (individual + 1) % 500) {
    char digits[48];
    std::snprintf(digits, sizeof digits, "%02d%02d%02d%03d", day, month + 80, year % 100, individual);
    // The two check digits: the one pair the domain's own rule accepts, if any.
    std::string number = std::string(digits) + "00";
    for (char k1 = '0'; k1 <= '9'; ++k1) {
      for (char k2 = '0'; k2 <= '9'; ++k2) {
        number[9] = k1;
        number[10] = k2;
        if (is_national_identity_number(number)) return number;
      }
    }
  }
  throw std::logic_error("no valid identity number for a birth date");  // cannot happen: 1 in 11 fail per digit
}

CsvExportWriter::CsvExportWriter(const std::string& directory) : directory_(directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw std::runtime_error("cannot create " + directory + ": " + ec.message());
  auto open = [&](std::ofstream& f, const char* name, std::initializer_list<std::string> header) {
    const std::string path = (std::filesystem::path(directory) / name).string();
    f.open(path, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write " + path);
    f << kBom;
    put(f, header);
  };
  open(units_, "units.csv", {"unit", "name", "parent", "recorded_at"});
  open(targets_, "targets.csv",
       {"unit", "year", "attendance_target_percent", "absence_threshold_percent", "recorded_at"});
  open(employments_, "employments.csv",
       {"person", "employment_id", "unit", "from", "to", "fte_percent", "recorded_at"});
  open(absences_, "absences.csv",
       {"person", "absence_id", "kind", "from", "to", "grade_percent", "employment_id", "recorded_at"});
  open(measures_, "measures.csv", {"measure_id", "units", "name", "category", "from", "to", "recorded_at"});
  open(followups_, "followups.csv", {"person", "step", "date", "recorded_at"});
}

CsvExportWriter::~CsvExportWriter() = default;

void CsvExportWriter::add(const Event& e) {
  // A person's few rows are searched; the tree (units x years of targets) is indexed.
  auto upsert = [](std::vector<std::pair<std::string, Event>>& rows, std::string key, const Event* ev) {
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == key; });
    if (!ev) {
      if (it != rows.end()) rows.erase(it);
    } else if (it != rows.end()) {
      it->second = *ev;
    } else {
      rows.emplace_back(std::move(key), *ev);
    }
  };
  auto upsert_tree = [this](std::string key, const Event* ev) {
    const auto [it, inserted] = tree_index_.try_emplace(std::move(key), tree_.size());
    if (inserted) tree_.emplace_back();
    if (ev) {
      tree_[it->second] = *ev;
    } else {
      tree_[it->second].reset();  // cancelled: left out of the export
    }
  };
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, UnitRegistered>) {
          upsert_tree("u/" + b.unit, &e);
        } else if constexpr (std::is_same_v<T, TargetSet>) {
          upsert_tree("t/" + b.unit + "/" + std::to_string(b.year), &e);
        } else if constexpr (std::is_same_v<T, MeasureSet>) {
          upsert_tree("m/" + b.measure_id, &e);
        } else if constexpr (std::is_same_v<T, MeasureCancelled>) {
          upsert_tree("m/" + b.measure_id, nullptr);
        } else {
          if (b.employee != person_) {
            flush_person();
            person_ = b.employee;
          }
          if constexpr (std::is_same_v<T, EmploymentSet>) {
            upsert(person_rows_, "e/" + b.employment_id, &e);
          } else if constexpr (std::is_same_v<T, EmploymentCancelled>) {
            upsert(person_rows_, "e/" + b.employment_id, nullptr);
          } else if constexpr (std::is_same_v<T, AbsenceSet>) {
            upsert(person_rows_, "a/" + b.absence_id, &e);
          } else if constexpr (std::is_same_v<T, AbsenceCancelled>) {
            upsert(person_rows_, "a/" + b.absence_id, nullptr);
          } else if constexpr (std::is_same_v<T, FollowupRecorded>) {
            person_rows_.emplace_back("f/" + std::to_string(person_rows_.size()), e);
          }
        }
      },
      e.body);
}

void CsvExportWriter::flush_person() {
  if (person_rows_.empty()) return;
  // Six million synthetic numbers are drawn by hash: two persons can draw the same one,
  // and would then be merged by ingest. The next draw for the same person is taken instead.
  std::string person = synthetic_identity_number(person_);
  for (int attempt = 1; !issued_.insert(person).second; ++attempt) {
    person = synthetic_identity_number(person_ + "#" + std::to_string(attempt));
  }
  for (const auto& [key, e] : person_rows_) {
    const std::string recorded = format_rfc3339_utc(e.recorded_at_ms);
    if (const auto* m = std::get_if<EmploymentSet>(&e.body)) {
      put(employments_, {person, m->employment_id, m->unit, date(m->from), date(m->to), percent(m->fte), recorded});
    } else if (const auto* a = std::get_if<AbsenceSet>(&e.body)) {
      const bool doctor = a->kind == AbsenceKind::kDoctorCertified;
      put(absences_, {person, a->absence_id, doctor ? "sykmelding" : "egenmelding", date(a->from), date(a->to),
                      doctor ? percent(a->grade) : "", a->employment_id.value_or(""), recorded});
    } else if (const auto* f = std::get_if<FollowupRecorded>(&e.body)) {
      put(followups_, {person, std::string(to_string(f->step)), date(f->date), recorded});
    }
  }
  person_rows_.clear();
}

void CsvExportWriter::finish() {
  if (finished_) return;
  finished_ = true;
  flush_person();
  for (const std::optional<Event>& entry : tree_) {
    if (!entry) continue;
    const Event& e = *entry;
    const std::string recorded = format_rfc3339_utc(e.recorded_at_ms);
    if (const auto* u = std::get_if<UnitRegistered>(&e.body)) {
      put(units_, {u->unit, u->name, u->parent.value_or(""), recorded});
    } else if (const auto* t = std::get_if<TargetSet>(&e.body)) {
      put(targets_, {t->unit, std::to_string(t->year), percent(t->attendance_target),
                     t->absence_threshold ? percent(*t->absence_threshold) : "", recorded});
    } else if (const auto* m = std::get_if<MeasureSet>(&e.body)) {
      std::string units;
      for (const std::string& unit : m->units) units += (units.empty() ? "" : "|") + unit;
      put(measures_, {m->measure_id, units, m->name, m->category.value_or(""), date(m->from), date(m->to), recorded});
    }
  }
  for (std::ofstream* f : {&units_, &targets_, &employments_, &absences_, &measures_, &followups_}) {
    f->close();
    if (!*f) throw std::runtime_error("writing the CSV files in " + directory_ + " failed");
  }
}

}  // namespace naervaer::ingest
