// /api/v1/measures and their evaluations (DESIGN.md "Measures", DOMAIN.md §13).
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <optional>
#include <type_traits>

#include "api.h"
#include "evaluation_report.h"
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

std::variant<std::vector<MeasureSet>, http::Response> measures_of(const Projection& p, const std::string& query) {
  const std::string unit = http::query_param(query, "unit");
  std::optional<UnitId> id;
  if (!unit.empty()) {
    id = p.find_unit(unit);
    if (!id) return error(404, "no unit \"" + unit + "\"");
  } else if (query.find("unit=") != std::string::npos) {
    return error(400, "unit must name a unit");
  }
  std::vector<MeasureSet> out;
  for (MeasureSet& m : p.measures()) {
    if (!id || measure_touches(p, m, *id)) out.push_back(std::move(m));
  }
  return out;
}

http::Response measures(const Projection& p, const std::string& query) {
  auto selected = measures_of(p, query);
  if (auto* bad = std::get_if<http::Response>(&selected)) return std::move(*bad);
  json::array list;
  for (const MeasureSet& m : std::get<std::vector<MeasureSet>>(selected)) {
    json::array units;
    for (const std::string& u : m.units) units.emplace_back(u);
    // `until`: where a timeline draws the measure's end: its last day, or today while it runs open.
    json::value until = nullptr;
    if (m.to) {
      until = json::value(m.to->iso());
    } else if (m.from <= p.as_of()) {
      until = json::value(p.as_of().iso());
    }
    list.push_back(json::object{{"measure_id", m.measure_id},
                                {"name", m.name},
                                {"category", m.category ? json::value(*m.category) : json::value(nullptr)},
                                {"units", std::move(units)},
                                {"from", m.from.iso()},
                                {"to", m.to ? json::value(m.to->iso()) : json::value(nullptr)},
                                {"until", std::move(until)},
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

namespace {

json::object measure_row(const MeasureSet& m) {
  std::string units;
  for (const std::string& u : m.units) units += (units.empty() ? "" : ",") + u;
  json::object row{{"measure_id", m.measure_id},
                   {"name", m.name},
                   {"category", m.category ? json::value(*m.category) : json::value(nullptr)},
                   {"units", units},
                   {"from", m.from.iso()},
                   {"to", m.to ? json::value(m.to->iso()) : json::value(nullptr)}};
  for (const char* key : {"status", "verdict", "did", "se", "ci_low", "ci_high", "mde", "workdays_avoided", "warnings",
                          "in_words", "error"}) {
    row[key] = nullptr;
  }
  return row;
}

}  // namespace

json::object evaluation_row(const Projection& p, const Evaluation& e) {
  json::object row = measure_row(e.plan.measure);
  row["status"] = to_string(measure_status(e.plan.measure, p.as_of()));
  row["verdict"] = to_string(e.verdict);
  std::string warnings;
  for (const std::string& w : e.warnings) warnings += (warnings.empty() ? "" : ",") + w;
  row["warnings"] = warnings;
  if (const auto& total = e.effects[static_cast<std::size_t>(evaluation::Part::kTotal)]; total && !e.masked) {
    row["did"] = total->did.estimate;
    row["se"] = total->did.se;
    row["ci_low"] = total->did.ci_low;
    row["ci_high"] = total->did.ci_high;
    row["mde"] = total->mde;
  }
  row["workdays_avoided"] = optional_number(e.workdays_avoided);
  row["in_words"] = report::effect_in_words(e);
  return row;
}

json::object evaluation_error_row(const Projection& p, std::string_view measure_id, const std::string& message) {
  const std::optional<MeasureSet> m = p.measure(measure_id);
  json::object row = m ? measure_row(*m) : measure_row(MeasureSet{std::string(measure_id), {}, {}, {}, {}, {}});
  if (m) row["status"] = to_string(measure_status(*m, p.as_of()));
  row["error"] = message;
  return row;
}

// ---- the sums of one instance, and combining the sums of several -------------------------

namespace {

// 128-bit sums are written as decimal strings: JSON readers keep only 64 bits of a number.
std::string int128_text(evaluation::Int128 v) {
  const bool negative = v < 0;
  std::string digits;
  do {
    const auto digit = static_cast<int>(v % 10);
    digits.push_back(static_cast<char>('0' + (negative ? -digit : digit)));
    v /= 10;
  } while (v != 0);
  if (negative) digits.push_back('-');
  return {digits.rbegin(), digits.rend()};
}

std::optional<evaluation::Int128> parse_int128(std::string_view s) {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > 38) return std::nullopt;  // 10^38 < 2^127
  evaluation::Int128 v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

template <class T, std::size_t N>
json::array numbers(const std::array<T, N>& a) {
  json::array out;
  for (const T& v : a) {
    if constexpr (std::is_same_v<T, evaluation::Int128>) {
      out.emplace_back(int128_text(v));
    } else {
      out.emplace_back(v);
    }
  }
  return out;
}

json::array sums_of(const Sums& s) {
  json::array out{s.contracted, s.lost_self, s.lost_doctor};
  for (std::int64_t c : s.lost_by_class) out.emplace_back(c);
  return out;
}

// What every instance must agree on before their sums may be added: the periods, the groups
// of units and the months (reference data, which every instance follows).
json::object plan_of(const Projection& p, const EvaluationPlan& plan) {
  return {{"measure_id", plan.measure.measure_id},
          {"year", plan.year},
          {"as_of", plan.as_of.iso()},
          {"after", period(plan.after)},
          {"before", period(plan.before)},
          {"placebo_before", period(plan.placebo_before)},
          {"treated_units", unit_ids(p, plan.treated_units)},
          {"comparison_units", unit_ids(p, plan.comparison_units)},
          {"months", plan.months.size()},
          {"selection_units", plan.measure.units.size()}};
}

// Reading a peer's sums: every shape is checked, a bad one is a message, never a crash.
struct Reader {
  std::string error;

  const json::value* field(const json::object& o, std::string_view name) {
    const json::value* v = o.if_contains(name);
    if (!v && error.empty()) error = "no \"" + std::string(name) + "\"";
    return v;
  }
  const json::array* array(const json::value* v, std::size_t size, std::string_view what) {
    const json::array* a = v ? v->if_array() : nullptr;
    if ((!a || a->size() != size) && error.empty()) {
      error = std::string(what) + " is not an array of " + std::to_string(size);
    }
    return a && a->size() == size ? a : nullptr;
  }
  template <class T>
  void number(const json::value& v, T& out, std::string_view what) {
    if constexpr (std::is_same_v<T, evaluation::Int128>) {
      const auto parsed = v.is_string() ? parse_int128(v.get_string()) : std::nullopt;
      if (parsed) out = *parsed;
      if (!parsed && error.empty()) error = std::string(what) + " holds a value that is not a whole number in a string";
    } else if (!v.is_number()) {
      if (error.empty()) error = std::string(what) + " holds a value that is not a number";
    } else if constexpr (std::is_floating_point_v<T>) {
      out = v.to_number<double>();
    } else {
      boost::system::error_code ec;
      out = v.to_number<T>(ec);
      if (ec && error.empty()) error = std::string(what) + " holds a number that is not a whole count";
    }
  }
  template <class T, std::size_t N>
  void numbers(const json::value* v, std::array<T, N>& out, std::string_view what) {
    if (const json::array* a = array(v, N, what)) {
      for (std::size_t i = 0; i < N; ++i) number((*a)[i], out[i], what);
    }
  }
  void sums(const json::value& v, Sums& s) {
    if (const json::array* a = array(&v, 3 + kDurationClassCount, "a month's sums")) {
      number((*a)[0], s.contracted, "sums");
      number((*a)[1], s.lost_self, "sums");
      number((*a)[2], s.lost_doctor, "sums");
      for (std::size_t i = 0; i < kDurationClassCount; ++i) number((*a)[3 + i], s.lost_by_class[i], "sums");
    }
  }
};

}  // namespace

// Doubles are written with the shortest text that reads back exactly, so that an instance
// combining the sums computes what one instance holding every person would.
std::string sums_json(const Projection& p, const EvaluationPlan& plan, const EvaluationSums& s,
                      const InstanceShare& share) {
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
  json::array partitions;
  for (std::int32_t partition : share.partitions) partitions.emplace_back(partition);
  return json_text(json::object{{"instance", share.instance},
                                {"plan", plan_of(p, plan)},
                                {"partitions", std::move(partitions)},
                                {"partition_total", share.partition_total},
                                {"contracted", numbers(m.contracted)},
                                {"lost", std::move(lost)},
                                {"headcount", numbers(m.headcount)},
                                {"persons_by_presence", numbers(m.persons_by_presence)},
                                {"lost_lost", std::move(lost_lost)},
                                {"lost_contracted", std::move(lost_contracted)},
                                {"contracted_contracted", std::move(cc)},
                                {"monthly", std::move(monthly)},
                                {"selection", std::move(selection)}});
}

std::variant<SumsShare, std::string> parse_sums(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return "not a JSON object";
  const json::object& o = doc.get_object();
  SumsShare out;
  Reader r;
  if (const json::value* instance = r.field(o, "instance"); instance && instance->is_string()) {
    out.share.instance = instance->get_string();
  } else if (r.error.empty()) {
    r.error = "\"instance\" is not a string";
  }
  if (const json::value* plan = r.field(o, "plan")) {
    if (!plan->is_object()) return "\"plan\" is not an object";
    out.plan = json::serialize(*plan);
  }
  if (const json::value* parts = r.field(o, "partitions"); parts && parts->is_array()) {
    for (const json::value& v : parts->get_array()) r.number(v, out.share.partitions.emplace_back(), "partitions");
  } else if (r.error.empty()) {
    r.error = "\"partitions\" is not an array";
  }
  if (const json::value* total = r.field(o, "partition_total")) r.number(*total, out.share.partition_total, "total");
  std::size_t months = 0, selection_units = 0;
  if (r.error.empty()) {
    const json::object& plan = o.at("plan").get_object();
    if (const json::value* v = r.field(plan, "months")) r.number(*v, months, "plan.months");
    if (const json::value* v = r.field(plan, "selection_units")) r.number(*v, selection_units, "plan.selection_units");
  }
  if (!r.error.empty()) return r.error;
  evaluation::Moments& m = out.sums.moments;
  r.numbers(r.field(o, "contracted"), m.contracted, "contracted");
  r.numbers(r.field(o, "headcount"), m.headcount, "headcount");
  r.numbers(r.field(o, "persons_by_presence"), m.persons_by_presence, "persons_by_presence");
  if (const json::array* lost = r.array(r.field(o, "lost"), kParts, "lost")) {
    for (std::size_t q = 0; q < kParts; ++q) r.numbers(&(*lost)[q], m.lost[q], "lost");
  }
  for (const auto& [name, target] :
       {std::pair{"lost_lost", &m.lost_lost}, std::pair{"lost_contracted", &m.lost_contracted}}) {
    if (const json::array* parts = r.array(r.field(o, name), kParts, name)) {
      for (std::size_t q = 0; q < kParts; ++q) {
        if (const json::array* rows = r.array(&(*parts)[q], kCells, name)) {
          for (std::size_t c = 0; c < kCells; ++c) r.numbers(&(*rows)[c], (*target)[q][c], name);
        }
      }
    }
  }
  if (const json::array* rows = r.array(r.field(o, "contracted_contracted"), kCells, "contracted_contracted")) {
    for (std::size_t c = 0; c < kCells; ++c)
      r.numbers(&(*rows)[c], m.contracted_contracted[c], "contracted_contracted");
  }
  out.sums.monthly.resize(months);
  out.sums.monthly_headcount.resize(months);
  if (const json::array* monthly = r.array(r.field(o, "monthly"), months, "monthly")) {
    for (std::size_t i = 0; i < months; ++i) {
      if (const json::array* month = r.array(&(*monthly)[i], 4, "a month")) {
        for (std::size_t g = 0; g < kGroups; ++g) {
          r.sums((*month)[g], out.sums.monthly[i][g]);
          r.number((*month)[2 + g], out.sums.monthly_headcount[i][g], "monthly headcount");
        }
      }
    }
  }
  out.sums.selection.resize(selection_units);
  out.sums.selection_headcount.resize(selection_units);
  if (const json::array* selection = r.array(r.field(o, "selection"), selection_units, "selection")) {
    for (std::size_t i = 0; i < selection_units; ++i) {
      if (const json::array* unit = r.array(&(*selection)[i], 2, "a selection unit")) {
        r.sums((*unit)[0], out.sums.selection[i]);
        r.number((*unit)[1], out.sums.selection_headcount[i], "selection headcount");
      }
    }
  }
  if (!r.error.empty()) return r.error;
  return out;
}

std::string plan_json(const Projection& p, const EvaluationPlan& plan) {
  return json::serialize(plan_of(p, plan));
}

http::Response evaluation_sums(const Projection& p, const std::string& measure_id, const EvaluationOptions& options,
                               const InstanceShare& share) {
  auto planned = plan_evaluation(p, measure_id, options);
  if (const auto* e = std::get_if<EvaluationError>(&planned)) return error(e->status, e->message);
  const auto& plan = std::get<EvaluationPlan>(planned);
  return {200, "application/json", sums_json(p, plan, collect_sums(p, plan), share)};
}

}  // namespace naervaer::api
