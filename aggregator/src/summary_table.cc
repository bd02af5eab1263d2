#include "summary_table.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace naervaer {

namespace {

std::string percent(std::optional<double> v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %%", *v);
  return buf;
}

std::string percent_of(Hundredths h) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", h / 100.0);
  return buf;
}

// Pads to a width counted in characters, not bytes (unit names have æ, ø, å).
std::string pad(std::string s, std::size_t width) {
  std::size_t chars = 0;
  for (const char c : s) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  if (chars < width) s.append(width - chars, ' ');
  return s;
}

std::string rpad(const std::string& s, std::size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

struct Row {
  UnitId unit;
  Figures figures;
  TargetView target;
  double over = 0;  // absence minus threshold, for sorting
};

}  // namespace

std::string render_summary_table(const Projection& p, Window window, std::size_t max_rows) {
  const Period period = window_period(window, p.as_of());
  const std::vector<Figures> all = p.all_units(period);
  std::vector<Row> leaves;
  std::vector<Row> groups;
  for (UnitId u = 0; u < p.unit_count(); ++u) {
    Row r{u, all[u], p.target(u, p.as_of().year())};
    const auto absence = r.figures.sums.absence_percent();
    r.over = r.figures.masked || !absence ? -1e9 : *absence - (r.target.absence_threshold.value_or(10000) / 100.0);
    (p.unit(u).children.empty() ? leaves : groups).push_back(r);
  }
  std::sort(leaves.begin(), leaves.end(), [](const Row& a, const Row& b) { return a.over > b.over; });

  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "Attendance by unit, window %s (%s .. %s), worst first\n\n",
                std::string(to_string(window)).c_str(), period.start.iso().c_str(),
                std::min(period.end, p.as_of()).iso().c_str());
  out += line;
  auto header = [&] {
    out += pad("Unit", 32) + pad("Parent", 24) + rpad("Persons", 8) + rpad("Absence", 10) + rpad("Short", 9) +
           rpad("Long", 9) + rpad("Doctor", 9) + rpad("Target", 9) + rpad("Threshold", 11) + "  Status\n";
  };
  auto row = [&](const Row& r) {
    const Figures& f = r.figures;
    const UnitInfo& info = p.unit(r.unit);
    const std::string parent = info.parent ? p.unit(*info.parent).name : "";
    out += pad(info.name.substr(0, 31), 32) + pad(parent.substr(0, 23), 24) + rpad(std::to_string(f.headcount), 8);
    if (f.masked) {
      out += rpad("masked", 10) + rpad("", 9) + rpad("", 9) + rpad("", 9);
    } else {
      std::int64_t short_term = 0;
      for (DurationClass c : kAllDurationClasses) {
        if (is_short_term(c)) short_term += f.sums.lost_by_class[static_cast<std::size_t>(c)];
      }
      auto share = [&](std::int64_t part) -> std::optional<double> {
        if (f.sums.contracted == 0) return std::nullopt;
        return 100.0 * (static_cast<double>(part) / kLostScale) / f.sums.contracted_workdays();
      };
      out += rpad(percent(f.sums.absence_percent()), 10) + rpad(percent(share(short_term)), 9) +
             rpad(percent(share(f.sums.lost() - short_term)), 9) + rpad(percent(share(f.sums.lost_doctor)), 9);
    }
    out += rpad(r.target.attendance_target ? percent_of(*r.target.attendance_target) : "-", 9);
    out += rpad(r.target.absence_threshold ? percent_of(*r.target.absence_threshold) : "-", 11);
    std::string status = "ok";
    if (f.masked) {
      status = "(fewer than " + std::to_string(p.options().masking_limit) + " persons)";
    } else if (r.over > 0) {
      status = "OVER THRESHOLD";
    } else if (const auto att = f.sums.attendance_percent();
               att && r.target.attendance_target && *att < *r.target.attendance_target / 100.0) {
      status = "under target";
    }
    out += "  " + status + "\n";
  };
  header();
  for (std::size_t i = 0; i < leaves.size() && i < max_rows; ++i) row(leaves[i]);
  if (leaves.size() > max_rows) out += "  ... and " + std::to_string(leaves.size() - max_rows) + " more units\n";
  out += "\nSectors and municipality:\n";
  for (const Row& r : groups) row(r);
  return out;
}

}  // namespace naervaer
