#include "api.h"

#include <algorithm>
#include <boost/json.hpp>

#include "json_text.h"

namespace naervaer::api {

namespace json = boost::json;

namespace {

json::value percent_or_null(std::optional<double> v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object point(const Figures& f) {
  json::object o;
  o["period_start"] = f.period_start.iso();
  o["period_end"] = f.period_end.iso();
  o["headcount"] = f.headcount;
  o["masked"] = f.masked;
  if (f.masked) return o;
  const Sums& s = f.sums;
  o["contracted_workdays"] = s.contracted_workdays();
  o["lost_workdays"] = s.lost_workdays();
  o["lost_by_kind"] = json::object{{"self_certified", static_cast<double>(s.lost_self) / kLostScale},
                                   {"doctor_certified", static_cast<double>(s.lost_doctor) / kLostScale}};
  json::object by_duration;
  for (DurationClass c : kAllDurationClasses) {
    by_duration[to_string(c)] = static_cast<double>(s.lost_by_class[static_cast<std::size_t>(c)]) / kLostScale;
  }
  o["lost_by_duration"] = std::move(by_duration);
  o["absence_percent"] = percent_or_null(s.absence_percent());
  o["attendance_percent"] = percent_or_null(s.attendance_percent());
  return o;
}

json::value optional_percent(std::optional<Hundredths> h) {
  return h ? json::value(*h / 100.0) : json::value(nullptr);
}

http::Response error(int status, const std::string& message) {
  return {status, "application/json", json_text(json::object{{"error", message}})};
}

}  // namespace

namespace {

// NAV's band of a unit's absence against its parent's in the same window (DOMAIN.md §10):
// none at a root, or where either is masked or has nothing contracted.
json::value band_against_parent(const Projection& p, UnitId u, const std::vector<Figures>& window) {
  const auto parent = p.unit(u).parent;
  if (!parent) return nullptr;
  const Figures& own = window[u];
  const Figures& ref = window[*parent];
  if (own.masked || ref.masked) return nullptr;
  const auto a = own.sums.absence_percent();
  const auto r = ref.sums.absence_percent();
  if (!a || !r) return nullptr;
  return json::value(to_string(compare_band(*a, *r)));
}

// The units in tree order: each root, then its children depth first, siblings by id. The
// projection numbers units in the order it first met them, which depends on how partitions
// interleaved; this order makes answers of two instances, or of one before and after a
// restart, or of a fresh fold, the same text.
std::vector<UnitId> tree_order(const Projection& p) {
  std::vector<UnitId> out;
  out.reserve(p.unit_count());
  const auto by_id = [&](UnitId a, UnitId b) { return p.unit(a).id < p.unit(b).id; };
  std::vector<UnitId> stack = p.roots();
  std::sort(stack.begin(), stack.end(), [&](UnitId a, UnitId b) { return by_id(b, a); });  // popped in id order
  while (!stack.empty()) {
    const UnitId u = stack.back();
    stack.pop_back();
    out.push_back(u);
    std::vector<UnitId> children = p.unit(u).children;
    std::sort(children.begin(), children.end(), [&](UnitId a, UnitId b) { return by_id(b, a); });
    stack.insert(stack.end(), children.begin(), children.end());
  }
  if (out.size() < p.unit_count()) {  // a unit no root reaches (the contract refuses cycles): listed all the same
    std::vector<bool> listed(p.unit_count());
    for (const UnitId u : out) listed[u] = true;
    for (UnitId u = 0; u < p.unit_count(); ++u) {
      if (!listed[u]) out.push_back(u);
    }
  }
  return out;
}

json::object followup_steps(const FollowupReport& r) {
  json::object steps;
  for (std::size_t i = 0; i < kFollowupStepCount; ++i) {
    const FollowupCounts& c = r.steps[i];
    steps[to_string(static_cast<FollowupStep>(i))] =
        json::object{{"due", c.due}, {"done_on_time", c.done_on_time}, {"late", c.late}, {"overdue", c.overdue}};
  }
  return steps;
}

}  // namespace

json::object followups_json(const std::string& unit, Period period, const FollowupReport& r) {
  json::object o{{"unit", unit}, {"from", period.start.iso()}, {"to", period.end.iso()}, {"masked", r.masked}};
  if (r.masked) return o;  // §7: no counts of fewer persons than the limit
  o["persons"] = r.persons;
  o["steps"] = followup_steps(r);
  return o;
}

http::Response units(const Projection& p, const std::function<bool(UnitId)>& visible) {
  const FrequentShortTermRule rule = p.options().frequent_short_term;
  std::vector<Period> windows;
  for (Window w : kAllWindows) windows.push_back(window_period(w, p.as_of()));
  const auto figures = p.all_units(std::span<const Period>(windows));
  const Period followup_window = window_period(Window::k365d, p.as_of());
  const FollowupFigures follow = p.followup_figures(std::span<const Period>(&followup_window, 1), rule);
  const auto& frequent = follow.frequent;
  const auto& followups = follow.steps[0];
  json::array list;
  for (const UnitId u : tree_order(p)) {
    if (visible && !visible(u)) continue;
    const UnitInfo& info = p.unit(u);
    const TargetView t = p.target(u, p.as_of().year());
    json::object target{
        {"year", p.as_of().year()},
        {"attendance_target_percent", optional_percent(t.attendance_target)},
        {"absence_threshold_percent", optional_percent(t.absence_threshold)},
        {"target_from", t.target_from ? json::value(p.unit(*t.target_from).id) : json::value(nullptr)},
        {"threshold_from", t.threshold_from ? json::value(p.unit(*t.threshold_from).id) : json::value(nullptr)}};
    json::object ws;
    for (std::size_t w = 0; w < windows.size(); ++w) {
      json::object pt = point(figures[w][u]);
      pt["band"] = band_against_parent(p, u, figures[w]);
      ws[to_string(kAllWindows[w])] = std::move(pt);
    }
    json::object frequent_json{{"persons", frequent[u].persons},
                               {"masked", frequent[u].masked},
                               {"days", rule.days},
                               {"min_cases", rule.min_cases}};
    if (frequent[u].masked) frequent_json["persons"] = nullptr;
    list.push_back(json::object{{"unit", info.id},
                                {"name", info.name},
                                {"parent", info.parent ? json::value(p.unit(*info.parent).id) : json::value(nullptr)},
                                {"registered", info.registered},
                                {"target", std::move(target)},
                                {"windows", std::move(ws)},
                                {"frequent_short_term", std::move(frequent_json)},
                                {"followups", followups_json(info.id, followup_window, followups[u])}});
  }
  return {200, "application/json", json_text(json::object{{"as_of", p.as_of().iso()}, {"units", std::move(list)}})};
}

std::string revisions_json(const std::string& unit, Granularity granularity, int lag_days,
                           const std::vector<Figures>& now, const std::vector<RevisionPoint>& published) {
  json::array points;
  for (std::size_t i = 0; i < now.size() && i < published.size(); ++i) {
    const RevisionPoint& r = published[i];
    const std::optional<double> current = now[i].masked ? std::nullopt : now[i].sums.absence_percent();
    json::object pt{{"period_start", r.period.start.iso()},
                    {"period_end", r.period.end.iso()},
                    {"published_on", r.published_on.iso()},
                    {"published", r.published},
                    {"published_absence_percent", percent_or_null(r.published_percent)},
                    {"absence_percent", percent_or_null(current)},
                    {"revision", r.published_percent && current ? json::value(*current - *r.published_percent)
                                                                : json::value(nullptr)}};
    points.push_back(std::move(pt));
  }
  return json_text(json::object{
      {"unit", unit}, {"granularity", to_string(granularity)}, {"lag_days", lag_days}, {"points", std::move(points)}});
}

http::Response followups(const Projection& p, const std::string& unit, const std::string& query) {
  const auto id = p.find_unit(unit);
  if (!id) return error(404, "no unit \"" + unit + "\"");
  const std::string from_text = http::query_param(query, "from");
  const std::string to_text = http::query_param(query, "to");
  const Date to = to_text.empty() ? p.as_of() : Date::parse_iso(to_text).value_or(Date(-1));
  if (to == Date(-1)) return error(400, "to must be a date YYYY-MM-DD, got \"" + to_text + "\"");
  const Date from =
      from_text.empty() ? window_period(Window::k365d, p.as_of()).start : Date::parse_iso(from_text).value_or(Date(-1));
  if (from == Date(-1)) return error(400, "from must be a date YYYY-MM-DD, got \"" + from_text + "\"");
  if (to < from) return error(400, "to is before from");
  const Period period{from, to};
  return {200, "application/json", json_text(followups_json(unit, period, p.followups(*id, period)))};
}

http::Response series(const Projection& p, const std::string& unit, const std::string& query) {
  const auto id = p.find_unit(unit);
  if (!id) return error(404, "no unit \"" + unit + "\"");
  const std::string g = http::query_param(query, "granularity");
  const auto granularity = parse_granularity(g.empty() ? "month" : g);
  if (!granularity) return error(400, "granularity must be day, month, quarter or year, got \"" + g + "\"");
  const std::string from_text = http::query_param(query, "from");
  const std::string to_text = http::query_param(query, "to");
  const Date to = to_text.empty() ? p.as_of() : Date::parse_iso(to_text).value_or(Date(-1));
  if (to == Date(-1)) return error(400, "to must be a date YYYY-MM-DD, got \"" + to_text + "\"");
  const Date from = from_text.empty() ? period_containing(to, Granularity::kYear).start
                                      : Date::parse_iso(from_text).value_or(Date(-1));
  if (from == Date(-1)) return error(400, "from must be a date YYYY-MM-DD, got \"" + from_text + "\"");
  if (to < from) return error(400, "to is before from");
  // A day series over many years would be megabytes: bound the answer.
  const std::vector<Period> periods = periods_overlapping(from, to, *granularity);
  if (periods.size() > 5000) return error(400, "too many points: narrow from..to or use a coarser granularity");
  json::array points;
  for (const Figures& f : p.series(*id, periods)) points.push_back(point(f));
  return {
      200, "application/json",
      json_text(json::object{{"unit", unit}, {"granularity", to_string(*granularity)}, {"points", std::move(points)}})};
}

}  // namespace naervaer::api
