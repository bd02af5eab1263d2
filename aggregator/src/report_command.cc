#include "report_command.h"

#include <sys/stat.h>

#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "evaluate_command.h"
#include "http_server.h"
#include "private_file.h"
#include "state_view.h"
#include "time_travel.h"

namespace naervaer {

std::string file_name_of(const std::string& unit_id) {
  std::string out = http::percent_encode(unit_id);
  if (out.starts_with(".")) out.replace(0, 1, "%2E");  // never a hidden file, nor . or ..
  return out;
}

int run_report(const ReportCommandOptions& o) {
  // Published on the month's last day plus the lag, as known at the end of that day (UTC),
  // with that day as the as-of date (DOMAIN.md §14, "first published").
  const Date published = o.month.period().end + o.lag_days;
  StateViewOptions view_options;
  view_options.state_dir = o.state_dir;
  view_options.topic = o.topic;
  view_options.projection = o.projection;
  report::UnitReportOptions report_options;
  if (published <= o.today) {
    view_options.today = published;
    view_options.known_at_ms = end_of_day_ms(published);
    report_options.provenance = "as published: as known at " + published.iso() + " 23:59:59 UTC, " +
                                std::to_string(o.lag_days) + " days after the month's end";
  } else {
    view_options.today = o.today;
    report_options.provenance = "not published yet (due " + published.iso() + "): as known now";
  }
  if (!o.quiet) {
    view_options.progress = [](std::uint64_t n, std::uint64_t total) {
      std::fprintf(stderr, "naervaer report: reading the journal: %llu of %llu events\n",
                   static_cast<unsigned long long>(n), static_cast<unsigned long long>(total));
    };
  }
  const StateView view = load_state_view(view_options);
  const Projection& p = view.projection;
  std::vector<UnitId> units;
  if (o.units.empty()) {
    for (UnitId u = 0; u < p.unit_count(); ++u) units.push_back(u);
  } else {
    for (const std::string& id : o.units) {
      const auto u = p.find_unit(id);
      if (!u) {
        std::fprintf(stderr, "naervaer report: no unit \"%s\" in %s\n", id.c_str(), o.state_dir.c_str());
        return 1;
      }
      units.push_back(*u);
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) throw std::runtime_error("cannot create " + o.out_dir.string() + ": " + ec.message());
  ::chmod(o.out_dir.c_str(), 0700);  // health data: the directory is its owner's only
  for (UnitId u : units) {
    const std::string name = file_name_of(p.unit(u).id) + "-" + o.month.text() + ".html";
    write_owner_only_file(o.out_dir / name, report::unit_report_html(p, u, o.month, report_options));
  }
  if (!o.quiet) {
    std::fprintf(stderr, "naervaer report: %zu %s for %s (%s) written to %s\n", units.size(),
                 units.size() == 1 ? "report" : "reports", o.month.text().c_str(), report_options.provenance.c_str(),
                 o.out_dir.c_str());
  }
  return 0;
}

}  // namespace naervaer
