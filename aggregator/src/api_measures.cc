// /api/v1/measures and their evaluations (DESIGN.md "Measures", DOMAIN.md §13).
#include <boost/json.hpp>
#include <charconv>

#include "api.h"
#include "json_text.h"

namespace naervaer::api {

namespace json = boost::json;
using evaluation::Effect;
using evaluation::Estimate;
using evaluation::kCells;
using evaluation::kGroups;
using evaluation::kParts;

namespace {

http::Response error(int status, const std::string& message) {
  return {status, "application/json", json_text(json::object{{"error", message}})};
}

json::value optional_number(std::optional<double> v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::value period(const std::optional<Period>& p) {
  if (!p) return nullptr;
  return json::object{{"from", p->start.iso()}, {"to", p->end.iso()}};
}

json::object estimate(const Estimate& e) {
  return {{"estimate", e.estimate}, {"se", e.se}, {"ci_low", e.ci_low}, {"ci_high", e.ci_high}};
}

json::value effect(const std::optional<Effect>& e) {
  if (!e) return nullptr;
  return json::object{{"treated_change", estimate(e->treated_change)},
                      {"comparison_change", estimate(e->comparison_change)},
                      {"did", estimate(e->did)},
                      {"mde", e->mde}};
}

json::array unit_ids(const Projection& p, const std::vector<UnitId>& units) {
  json::array out;
  for (UnitId u : units) out.emplace_back(p.unit(u).id);
  return out;
}

// `numbers`: false in a masked evaluation, where no cell shows numbers (DESIGN.md).
json::object cell(const EvaluationCell& c, bool numbers) {
  json::object o{{"headcount", c.headcount}, {"masked", c.masked}};
  if (c.masked || !numbers) return o;
  o["contracted_workdays"] = c.contracted_workdays;
  o["lost_workdays"] = c.lost_workdays;
  o["absence_percent"] = optional_number(c.absence_percent);
  return o;
}

std::string month_text(Date d) {
  return d.iso().substr(0, 7);
}

}  // namespace

http::Response measures(const Projection& p) {
  json::array list;
  for (const MeasureSet& m : p.measures()) {
    json::array units;
    for (const std::string& u : m.units) units.emplace_back(u);
    list.push_back(json::object{{"measure_id", m.measure_id},
                                {"name", m.name},
                                {"category", m.category ? json::value(*m.category) : json::value(nullptr)},
                                {"units", std::move(units)},
                                {"from", m.from.iso()},
                                {"to", m.to ? json::value(m.to->iso()) : json::value(nullptr)},
                                {"status", to_string(measure_status(m, p.as_of()))}});
  }
  return {200, "application/json", json_text(json::object{{"as_of", p.as_of().iso()}, {"measures", std::move(list)}})};
}

std::variant<EvaluationOptions, http::Response> evaluation_options(const std::string& query) {
  EvaluationOptions options;
  const std::string year = http::query_param(query, "year");
  if (!year.empty()) {
    int k = 0;
    const auto r = std::from_chars(year.data(), year.data() + year.size(), k);
    if (r.ec != std::errc() || r.ptr != year.data() + year.size() || k < 1 || k > 50) {
      return error(400, "year must be a whole number from 1 to 50, got \"" + year + "\"");
    }
    options.year = k;
  }
  const std::string comparison = http::query_param(query, "comparison");
  if (query.find("comparison=") != std::string::npos && comparison.empty()) {
    return error(400, "comparison must name one or more units, separated by commas");
  }
  std::size_t at = 0;
  while (!comparison.empty() && at <= comparison.size()) {
    const std::size_t comma = std::min(comparison.find(',', at), comparison.size());
    std::string unit = comparison.substr(at, comma - at);
    if (unit.empty()) return error(400, "comparison has an empty unit name: \"" + comparison + "\"");
    options.comparison_units.push_back(std::move(unit));
    at = comma + 1;
  }
  return options;
}

http::Response evaluation_json(const Projection& p, const Evaluation& e) {
  const EvaluationPlan& plan = e.plan;
  json::object o{{"measure_id", plan.measure.measure_id},
                 {"name", plan.measure.name},
                 {"category", plan.measure.category ? json::value(*plan.measure.category) : json::value(nullptr)},
                 {"status", to_string(plan.status)},
                 {"year", plan.year},
                 {"as_of", plan.as_of.iso()},
                 {"after", period(plan.after)},
                 {"before", period(plan.before)},
                 {"treated_units", unit_ids(p, plan.treated_units)},
                 {"comparison_units", unit_ids(p, plan.comparison_units)},
                 {"masked", e.masked},
                 {"verdict", to_string(e.verdict)}};
  json::array warnings;
  for (const std::string& w : e.warnings) warnings.emplace_back(w);
  o["warnings"] = std::move(warnings);
  if (!plan.after) {  // not started: nothing else is given
    o["cells"] = nullptr;
    o["effects"] = nullptr;
    o["workdays_avoided"] = nullptr;
    o["placebo"] = nullptr;
    o["monthly"] = json::array{};
    return {200, "application/json", json_text(o)};
  }
  static constexpr const char* kGroupNames[] = {"treated", "comparison"};
  json::object cells;
  for (std::size_t g = 0; g < kGroups; ++g) {
    cells[kGroupNames[g]] =
        json::object{{"before", cell(e.cells[g][0], !e.masked)}, {"after", cell(e.cells[g][1], !e.masked)}};
  }
  o["cells"] = std::move(cells);
  if (e.masked) {
    o["effects"] = nullptr;
  } else {
    json::object effects;
    for (evaluation::Part part : evaluation::kAllParts) {
      effects[evaluation::to_string(part)] = effect(e.effects[static_cast<std::size_t>(part)]);
    }
    o["effects"] = std::move(effects);
  }
  o["workdays_avoided"] = optional_number(e.workdays_avoided);
  o["placebo"] = effect(e.placebo);
  json::array monthly;
  for (const EvaluationMonth& m : e.monthly) {
    monthly.push_back(json::object{{"month", month_text(m.month_start)},
                                   {"treated", optional_number(m.treated)},
                                   {"comparison", optional_number(m.comparison)}});
  }
  o["monthly"] = std::move(monthly);
  return {200, "application/json", json_text(o)};
}

http::Response evaluation(const Projection& p, const std::string& measure_id, const EvaluationOptions& options) {
  const auto result = evaluate_measure(p, measure_id, options);
  if (const auto* e = std::get_if<EvaluationError>(&result)) return error(e->status, e->message);
  return evaluation_json(p, std::get<Evaluation>(result));
}

// ---- the sums of one instance ---------------------------------------------------------------

namespace {

template <class T, std::size_t N>
json::array numbers(const std::array<T, N>& a) {
  json::array out;
  for (const T& v : a) out.emplace_back(v);
  return out;
}

json::array sums_of(const Sums& s) {
  json::array out{s.contracted, s.lost_self, s.lost_doctor};
  for (std::int64_t c : s.lost_by_class) out.emplace_back(c);
  return out;
}

}  // namespace

// Doubles are written with the shortest text that reads back exactly, so that an instance
// combining the sums computes what one instance holding every person would.
std::string sums_json(const EvaluationSums& s) {
  const evaluation::Moments& m = s.moments;
  json::array lost, lost_lost, lost_contracted, cc, monthly, selection;
  for (std::size_t q = 0; q < kParts; ++q) {
    lost.push_back(numbers(m.lost[q]));
    json::array ll, lc;
    for (std::size_t c = 0; c < kCells; ++c) {
      ll.push_back(numbers(m.lost_lost[q][c]));
      lc.push_back(numbers(m.lost_contracted[q][c]));
    }
    lost_lost.push_back(std::move(ll));
    lost_contracted.push_back(std::move(lc));
  }
  for (std::size_t c = 0; c < kCells; ++c) cc.push_back(numbers(m.contracted_contracted[c]));
  for (std::size_t i = 0; i < s.monthly.size(); ++i) {
    monthly.push_back(json::array{sums_of(s.monthly[i][0]), sums_of(s.monthly[i][1]), s.monthly_headcount[i][0],
                                  s.monthly_headcount[i][1]});
  }
  for (std::size_t i = 0; i < s.selection.size(); ++i) {
    selection.push_back(json::array{sums_of(s.selection[i]), s.selection_headcount[i]});
  }
  return json_text(json::object{{"contracted", numbers(m.contracted)},
                                {"lost", std::move(lost)},
                                {"headcount", numbers(m.headcount)},
                                {"persons_by_presence", numbers(m.persons_by_presence)},
                                {"lost_lost", std::move(lost_lost)},
                                {"lost_contracted", std::move(lost_contracted)},
                                {"contracted_contracted", std::move(cc)},
                                {"monthly", std::move(monthly)},
                                {"selection", std::move(selection)}});
}

http::Response evaluation_sums(const Projection& p, const std::string& measure_id, const EvaluationOptions& options) {
  auto planned = plan_evaluation(p, measure_id, options);
  if (const auto* e = std::get_if<EvaluationError>(&planned)) return error(e->status, e->message);
  return {200, "application/json", sums_json(collect_sums(p, std::get<EvaluationPlan>(planned)))};
}

}  // namespace naervaer::api
