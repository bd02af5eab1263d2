#include "naervaer/projections/encode.h"

#include <cstdio>
#include <type_traits>

namespace naervaer {

namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void begin() { out_ += '{'; }
  void end() { out_ += '}'; }

  void str(const char* key, std::string_view v) {
    field(key);
    quoted(v);
  }
  void opt_str(const char* key, const std::optional<std::string>& v) {
    if (v) str(key, *v);
  }
  void date(const char* key, Date d) { str(key, d.iso()); }
  void opt_date(const char* key, const std::optional<Date>& d) {
    if (d) date(key, *d);
  }
  void integer(const char* key, long v) {
    field(key);
    out_ += std::to_string(v);
  }
  // Hundredths as the shortest decimal: 8000 -> 80, 3333 -> 33.33, 5250 -> 52.5.
  void percent(const char* key, Hundredths h) {
    field(key);
    if (h < 0) {
      out_ += '-';
      h = -h;
    }
    out_ += std::to_string(h / 100);
    if (const int frac = h % 100; frac != 0) {
      out_ += '.';
      out_ += static_cast<char>('0' + frac / 10);
      if (frac % 10 != 0) out_ += static_cast<char>('0' + frac % 10);
    }
  }
  void str_list(const char* key, const std::vector<std::string>& v) {
    field(key);
    out_ += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out_ += ',';
      quoted(v[i]);
    }
    out_ += ']';
  }

 private:
  void field(const char* key) {
    if (out_.back() != '{') out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }

  void quoted(std::string_view s) {
    out_ += '"';
    for (const char c : s) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            out_ += buf;
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }

  std::string& out_;
};

struct BodyWriter {
  Writer& w;
  void operator()(const UnitRegistered& b) {
    w.str("unit", b.unit);
    w.str("name", b.name);
    w.opt_str("parent", b.parent);
  }
  void operator()(const TargetSet& b) {
    w.str("unit", b.unit);
    w.integer("year", b.year);
    w.percent("attendance_target_percent", b.attendance_target);
    if (b.absence_threshold) w.percent("absence_threshold_percent", *b.absence_threshold);
  }
  void operator()(const EmploymentSet& b) {
    w.str("employee", b.employee);
    w.str("employment_id", b.employment_id);
    w.str("unit", b.unit);
    w.date("from", b.from);
    w.opt_date("to", b.to);
    w.percent("fte_percent", b.fte);
  }
  void operator()(const EmploymentCancelled& b) {
    w.str("employee", b.employee);
    w.str("employment_id", b.employment_id);
  }
  void operator()(const AbsenceSet& b) {
    w.str("employee", b.employee);
    w.str("absence_id", b.absence_id);
    w.str("kind", to_string(b.kind));
    w.date("from", b.from);
    w.opt_date("to", b.to);
    if (b.kind == AbsenceKind::kDoctorCertified) w.percent("grade_percent", b.grade);
    w.opt_str("employment_id", b.employment_id);
  }
  void operator()(const AbsenceCancelled& b) {
    w.str("employee", b.employee);
    w.str("absence_id", b.absence_id);
  }
  void operator()(const MeasureSet& b) {
    w.str("measure_id", b.measure_id);
    w.str_list("units", b.units);
    w.str("name", b.name);
    w.opt_str("category", b.category);
    w.date("from", b.from);
    w.opt_date("to", b.to);
  }
  void operator()(const MeasureCancelled& b) { w.str("measure_id", b.measure_id); }
  void operator()(const FollowupRecorded& b) {
    w.str("employee", b.employee);
    w.str("step", to_string(b.step));
    w.date("date", b.date);
  }
};

}  // namespace

std::string format_rfc3339_utc(std::int64_t ms) {
  std::int64_t seconds = ms / 1000;
  std::int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  std::int64_t days = seconds / 86400;
  std::int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    days -= 1;
  }
  const Date d(static_cast<std::int32_t>(days));
  char buf[48];
  if (millis != 0) {
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%03dZ", d.iso().c_str(), static_cast<int>(rest / 3600),
                  static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60), static_cast<int>(millis));
  } else {
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", d.iso().c_str(), static_cast<int>(rest / 3600),
                  static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60));
  }
  return buf;
}

void encode_event(const Event& e, std::string& out) {
  Writer w(out);
  w.begin();
  w.str("event_id", e.event_id);
  w.str("type", to_string(e.type()));
  w.str("recorded_at", format_rfc3339_utc(e.recorded_at_ms));
  std::visit(BodyWriter{w}, e.body);
  w.end();
}

std::string encode_event(const Event& e) {
  std::string out;
  encode_event(e, out);
  return out;
}

}  // namespace naervaer
