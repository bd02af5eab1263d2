#include "serving.h"

#include <algorithm>
#include <boost/algorithm/string/join.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string_view>

#include "api.h"
#include "http_client.h"
#include "json_text.h"
#include "naervaer/projections/decode.h"
#include "time_travel.h"
#include "unit_metrics.h"
#include "unit_report.h"
#include "web_page.h"

namespace naervaer {

namespace {

std::string random_id() {
  std::random_device device;
  std::uniform_int_distribution<std::uint64_t> bits;
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(bits(device)),
                static_cast<unsigned long long>(bits(device)));
  return text;
}

http::Response error(int status, const std::string& message) {
  return {status, "application/json", api::json_text(boost::json::object{{"error", message}})};
}

}  // namespace

struct Serving::Impl {
  Impl(ServingSource& s, ServingOptions opts) : source(s), serving_options(std::move(opts)) {}
  ServingSource& source;
  ServingOptions serving_options;
  // Names this process in its sums: every instance can be given the same peer list, itself
  // included (a StatefulSet's pods), and leaves out its own answer.
  const std::string instance_id = random_id();

  // ---- which projection a request reads: the live one, or as known at an earlier time -----
  // (DOMAIN.md §14: known_at=RFC3339 and as_of=YYYY-MM-DD on every figure endpoint).
  struct View {
    std::shared_ptr<const Projection> past;  // null: the live projection
  };

  std::variant<View, http::Response> view_of(const std::string& query) {
    const std::string known_text = http::query_param(query, "known_at");
    const std::string as_of_text = http::query_param(query, "as_of");
    if (known_text.empty() && as_of_text.empty()) return View{};
    TimeTravel* tt = source.time_travel();
    if (!tt) return error(400, "known_at and as_of are not served here");
    std::optional<std::int64_t> known_at;
    if (!known_text.empty()) {
      known_at = parse_rfc3339_ms(known_text);
      if (!known_at) {
        return error(400, "known_at must be RFC 3339 with an offset, e.g. 2026-01-31T23:59:59+01:00, got \"" +
                              known_text + "\"");
      }
      if (*known_at > now_ms() + 60'000) return error(400, "known_at " + known_text + " is in the future");
    }
    Date live_as_of;
    source.read_projection([&](const Projection& p, std::uint64_t) { live_as_of = p.as_of(); });
    // The as-of date: the one given, else known_at's own date (in its own offset), else today.
    std::optional<Date> as_of = as_of_text.empty() ? std::nullopt : Date::parse_iso(as_of_text);
    if (!as_of_text.empty() && !as_of) return error(400, "as_of must be a date YYYY-MM-DD, got \"" + as_of_text + "\"");
    if (!as_of) as_of = known_at ? Date::parse_iso(known_text.substr(0, 10)) : std::optional<Date>(live_as_of);
    if (!as_of || *as_of > live_as_of) {
      return error(400,
                   "as_of must be on or before today's " + live_as_of.iso() + ", got " + (as_of ? as_of->iso() : ""));
    }
    return View{tt->at(known_at, *as_of)};
  }

  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // Calls `read` with the view's projection and a generation for caches (none for the past:
  // its projection is answered once and kept by TimeTravel).
  void read(const View& v, const std::function<void(const Projection&, std::optional<std::uint64_t>)>& fn) {
    if (v.past) {
      fn(*v.past, std::nullopt);
      return;
    }
    source.read_projection([&](const Projection& p, std::uint64_t generation) { fn(p, generation); });
  }
  UnitMetrics unit_metrics;

  // An evaluation as the endpoint answers it, and as a row of /api/v1/evaluations: both
  // rendered from the one Evaluation (a double read back from JSON may differ in its last bit).
  struct EvaluationAnswer {
    http::Response response;
    boost::json::object row;
  };

  static EvaluationAnswer answer_of(const Projection& p, std::string_view measure_id,
                                    const std::variant<Evaluation, EvaluationError>& result) {
    if (const auto* e = std::get_if<Evaluation>(&result))
      return {api::evaluation_json(p, *e), api::evaluation_row(p, *e)};
    const auto& bad = std::get<EvaluationError>(result);
    return {error(bad.status, bad.message), api::evaluation_error_row(p, measure_id, bad.message)};
  }

  // Evaluations read every person's records: kept until the projection changes.
  struct CachedAnswer {
    std::uint64_t generation;
    EvaluationAnswer answer;
  };
  std::mutex cache_mutex;
  std::map<std::string, CachedAnswer> evaluations;  // by kind, measure id, query and partitions
  static constexpr std::size_t kMostCached = 256;

  // Under the projection's lock: the cached answer of this generation, or a new one.
  EvaluationAnswer cached(const std::string& key, std::optional<std::uint64_t> known_generation,
                          const std::function<EvaluationAnswer()>& compute) {
    if (!known_generation) return compute();
    const std::uint64_t generation = *known_generation;
    {
      std::lock_guard lock(cache_mutex);
      if (auto it = evaluations.find(key); it != evaluations.end() && it->second.generation == generation) {
        return it->second.answer;
      }
    }
    EvaluationAnswer answer = compute();
    std::lock_guard lock(cache_mutex);
    std::erase_if(evaluations, [&](const auto& kv) { return kv.second.generation != generation; });
    if (evaluations.size() < kMostCached) evaluations[key] = CachedAnswer{generation, answer};
    return answer;
  }

  // This instance's own sums (for an instance that combines them).
  http::Response own_sums(const std::string& measure_id, const std::string& query) {
    const auto options = api::evaluation_options(query);
    if (const auto* bad = std::get_if<http::Response>(&options)) return *bad;
    api::InstanceShare share;
    const PipelineStatus st = source.status();
    std::string key = "sums\n" + measure_id + "\n" + query + "\n";
    for (const PartitionStatus& ps : st.partitions) {
      share.partitions.push_back(ps.partition);
      key += std::to_string(ps.partition) + ",";
    }
    share.partition_total = st.partition_total;
    share.instance = instance_id;
    auto view = view_of(query);
    if (auto* bad = std::get_if<http::Response>(&view)) return std::move(*bad);
    http::Response r;
    read(std::get<View>(view), [&](const Projection& p, std::optional<std::uint64_t> generation) {
      r = cached(key, generation, [&] {
            return EvaluationAnswer{api::evaluation_sums(p, measure_id, std::get<EvaluationOptions>(options), share),
                                    {}};
          }).response;
    });
    return r;
  }

  // The evaluation over every person: this instance's alone when it holds every partition,
  // else combined with its peers' sums, else an error saying why (never a partial answer).
  EvaluationAnswer measure_evaluation(const std::string& measure_id, const std::string& query) {
    const auto options = api::evaluation_options(query);
    if (const auto* bad = std::get_if<http::Response>(&options)) return {*bad, {}};
    const PipelineStatus st = source.status();
    if (st.partition_total > 0 && st.partitions.size() != static_cast<std::size_t>(st.partition_total)) {
      if (!serving_options.peers.empty()) return combined_evaluation(measure_id, query);
      const std::string message = "this instance holds " + std::to_string(st.partitions.size()) + " of " +
                                  std::to_string(st.partition_total) +
                                  " partitions' persons: start it with --peer URL for each other instance of the "
                                  "group, so that evaluations add their sums";
      EvaluationAnswer out{error(503, message), {}};
      source.read_projection(
          [&](const Projection& p, std::uint64_t) { out.row = api::evaluation_error_row(p, measure_id, message); });
      return out;
    }
    auto view = view_of(query);
    if (auto* bad = std::get_if<http::Response>(&view)) return {std::move(*bad), {}};
    EvaluationAnswer out;
    read(std::get<View>(view), [&](const Projection& p, std::optional<std::uint64_t> generation) {
      out = cached("evaluation\n" + measure_id + "\n" + query, generation, [&] {
        return answer_of(p, measure_id, evaluate_measure(p, measure_id, std::get<EvaluationOptions>(options)));
      });
    });
    return out;
  }

  // The evaluation over every person when instances share the partitions: this instance's
  // sums and each peer's, checked to be of one plan and of every partition exactly once, then
  // added. No lock is held while the peers answer, so the fold never waits on the network.
  EvaluationAnswer combined_evaluation(const std::string& measure_id, const std::string& query) {
    EvaluationAnswer out;
    const auto fail = [&](int status, const std::string& message) {
      out.response = error(status, message);
      source.read_projection(
          [&](const Projection& p, std::uint64_t) { out.row = api::evaluation_error_row(p, measure_id, message); });
      return out;
    };
    http::Response own = own_sums(measure_id, query);
    if (own.status != 200) {
      out.response = own;
      return out;
    }
    struct Answer {
      std::string from;
      std::string body;
    };
    std::vector<Answer> answers{{"this instance", std::move(own.body)}};
    const std::string path = "/api/v1/measures/" + http::percent_encode(measure_id) + "/evaluation/sums" +
                             (query.empty() ? "" : "?" + query);
    for (const std::string& peer : serving_options.peers) {
      http::ClientResponse got = http::get(peer + path, serving_options.peer_client);
      if (got.status == 0) return fail(502, "peer " + peer + " did not answer: " + got.error);
      if (got.status != 200) {
        return fail(503, "peer " + peer + " answered " + std::to_string(got.status) +
                             " (it may not have read the measure yet; try again): " + got.body.substr(0, 300));
      }
      answers.push_back({peer, std::move(got.body)});
    }
    EvaluationSums total;
    std::string plan;
    std::set<std::int32_t> seen;
    std::int32_t partition_total = 0;
    for (const Answer& a : answers) {
      auto parsed = api::parse_sums(a.body);
      if (const auto* bad = std::get_if<std::string>(&parsed)) {
        return fail(502, a.from + " answered sums this instance cannot read: " + *bad);
      }
      const api::SumsShare& share = std::get<api::SumsShare>(parsed);
      if (&a != &answers.front() && share.share.instance == instance_id) continue;  // a peer that is this instance
      if (plan.empty()) plan = share.plan;
      if (share.plan != plan) {
        return fail(503, a.from +
                             " evaluates other units or periods than this instance (its reference data or "
                             "as-of date differ; try again when both have caught up)");
      }
      partition_total = std::max(partition_total, share.share.partition_total);
      for (std::int32_t partition : share.share.partitions) {
        if (!seen.insert(partition).second) {
          return fail(503, "partition " + std::to_string(partition) +
                               " is held by two instances (a rebalance is under way; try again)");
        }
      }
      total += share.sums;
    }
    if (partition_total == 0 || seen.size() != static_cast<std::size_t>(partition_total)) {
      return fail(503, "the instances hold " + std::to_string(seen.size()) + " of " + std::to_string(partition_total) +
                           " partitions: a rebalance is under way or an instance is not among the peers");
    }
    const auto options = std::get<EvaluationOptions>(api::evaluation_options(query));
    bool plan_changed = false;
    auto view = view_of(query);
    if (auto* bad = std::get_if<http::Response>(&view)) {
      out.response = std::move(*bad);
      return out;
    }
    read(std::get<View>(view), [&](const Projection& p, std::optional<std::uint64_t>) {
      auto planned = plan_evaluation(p, measure_id, options);
      if (const auto* e = std::get_if<EvaluationError>(&planned)) {
        out = answer_of(p, measure_id, *e);
        return;
      }
      const auto& now = std::get<EvaluationPlan>(planned);
      if (api::plan_json(p, now) != plan) {
        plan_changed = true;
        return;
      }
      out = answer_of(p, measure_id, evaluate(p, now, total));
    });
    if (plan_changed) return fail(503, "the units or the as-of date changed while the instances answered; try again");
    return out;
  }

  // GET /api/v1/evaluations?unit=U&year=K: every measure's verdict and total effect in one
  // table (Grafana lists them), each answered as /api/v1/measures/{id}/evaluation is.
  http::Response evaluations_list(const http::Request& req) {
    // Each measure is asked as its own endpoint would be, with the year and the time asked.
    std::string query;
    for (const char* name : {"year", "known_at", "as_of"}) {
      const std::string value = http::query_param(req.query, name);
      if (!value.empty()) query += (query.empty() ? "" : "&") + std::string(name) + "=" + http::percent_encode(value);
    }
    if (auto options = api::evaluation_options(query); std::holds_alternative<http::Response>(options)) {
      return std::get<http::Response>(std::move(options));
    }
    auto view = view_of(query);
    if (auto* bad = std::get_if<http::Response>(&view)) return std::move(*bad);
    std::variant<std::vector<MeasureSet>, http::Response> selected;
    std::string as_of;
    read(std::get<View>(view), [&](const Projection& p, std::optional<std::uint64_t>) {
      selected = api::measures_of(p, req.query);
      as_of = p.as_of().iso();
    });
    if (auto* bad = std::get_if<http::Response>(&selected)) return std::move(*bad);
    boost::json::array rows;
    for (const MeasureSet& m : std::get<std::vector<MeasureSet>>(selected)) {
      rows.emplace_back(measure_evaluation(m.measure_id, query).row);
    }
    return {200, "application/json",
            api::json_text(boost::json::object{{"as_of", as_of}, {"evaluations", std::move(rows)}})};
  }

  // GET /api/v1/units/{unit}/revisions?granularity=month|quarter&from=&to=&lag_days=7: each
  // period's absence as first published and now (DOMAIN.md §14).
  http::Response revisions(const std::string& unit, const std::string& query) {
    TimeTravel* tt = source.time_travel();
    if (!tt) return error(400, "revisions are not served here");
    const std::string g = http::query_param(query, "granularity");
    const auto granularity = parse_granularity(g.empty() ? "month" : g);
    if (!granularity || (*granularity != Granularity::kMonth && *granularity != Granularity::kQuarter)) {
      return error(400, "granularity must be month or quarter, got \"" + g + "\"");
    }
    const std::string lag_text = http::query_param(query, "lag_days");
    int lag = 7;
    if (!lag_text.empty()) {
      const auto r = std::from_chars(lag_text.data(), lag_text.data() + lag_text.size(), lag);
      if (r.ec != std::errc() || r.ptr != lag_text.data() + lag_text.size() || lag < 0 || lag > 366) {
        return error(400, "lag_days must be a whole number from 0 to 366, got \"" + lag_text + "\"");
      }
    }
    std::vector<Period> periods;
    std::vector<Figures> now;
    http::Response bad;
    Date as_of;
    source.read_projection([&](const Projection& p, std::uint64_t) {
      as_of = p.as_of();
      const auto id = p.find_unit(unit);
      if (!id) {
        bad = error(404, "no unit \"" + unit + "\"");
        return;
      }
      const std::string from_text = http::query_param(query, "from");
      const std::string to_text = http::query_param(query, "to");
      const auto to = to_text.empty() ? std::optional<Date>(as_of) : Date::parse_iso(to_text);
      if (!to) {
        bad = error(400, "to must be a date YYYY-MM-DD, got \"" + to_text + "\"");
        return;
      }
      const int first = to->year() * 12 + (to->ymd().month - 1) - 23;  // 24 months back
      const auto from = from_text.empty() ? std::optional<Date>(Date::from_ymd(first / 12, first % 12 + 1, 1))
                                          : Date::parse_iso(from_text);
      if (!from) {
        bad = error(400, "from must be a date YYYY-MM-DD, got \"" + from_text + "\"");
        return;
      }
      if (*to < *from) {
        bad = error(400, "to is before from");
        return;
      }
      periods = periods_overlapping(*from, std::min(*to, as_of), *granularity);
      if (periods.size() > 240) {
        bad = error(400, "too many periods: narrow from..to");
        return;
      }
      now = p.series(*id, periods);
    });
    if (bad.status != 200) return bad;
    const auto published = tt->revisions(unit, periods, lag, as_of, now_ms());
    return {200, "application/json", api::revisions_json(unit, *granularity, lag, now, published)};
  }

  // GET /report/{unit}?month=YYYY-MM: the monthly unit report, from the live figures.
  http::Response unit_report(const http::Request& req) {
    const std::string unit = http::percent_decode(req.path.substr(std::string_view("/report/").size()));
    const std::string month_text = http::query_param(req.query, "month");
    std::optional<report::Month> month;
    if (!month_text.empty()) {
      month = report::parse_month(month_text);
      if (!month) return error(400, "month must be YYYY-MM, got \"" + month_text + "\"");
    }
    return from_view(req.query, [&](const Projection& p) -> http::Response {
      const auto id = p.find_unit(unit);
      if (!id) return error(404, "no unit \"" + unit + "\"");
      const report::Month m = month.value_or(report::last_complete_month(p.as_of()));
      report::UnitReportOptions options;
      options.provenance = "as known now; `naervaer report` gives the figures as published";
      return {200,
              "text/html; charset=utf-8",
              report::unit_report_html(p, *id, m, options),
              {{"Cache-Control", "no-cache"},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'"}}};
    });
  }

  http::Response status_json() {
    const PipelineStatus st = source.status();
    boost::json::array parts;
    for (const PartitionStatus& p : st.partitions) {
      parts.push_back(boost::json::object{{"topic", st.topic},
                                          {"partition", p.partition},
                                          {"next_offset", p.next_offset},
                                          {"high_watermark", p.high_watermark},
                                          {"lag", p.lag}});
    }
    return {200, "application/json",
            api::json_text(boost::json::object{{"as_of", st.as_of.iso()},
                                               {"events_applied", st.events_applied},
                                               {"events_duplicate", st.events_duplicate},
                                               {"events_rejected", st.events_rejected},
                                               {"partitions", std::move(parts)}})};
  }

  http::Response metrics_text() {
    std::string body;
    source.pipeline_metrics(body);
    source.read_projection(
        [&](const Projection& p, std::uint64_t generation) { unit_metrics.render(p, generation, body); });
    return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(body)};
  }

  // Renders an answer from the projection (figures current, shared lock held).
  // Answers about the past do not change: kept by request (path and query) as long as the
  // projection they were rendered from is the one TimeTravel keeps.
  struct PastAnswer {
    std::weak_ptr<const Projection> from;
    http::Response response;
  };
  std::mutex past_mutex;
  std::map<std::string, PastAnswer> past_answers;
  static constexpr std::size_t kMostPastAnswers = 128;

  http::Response from_view(const std::string& query, const std::function<http::Response(const Projection&)>& render,
                           const std::string& path = {}) {
    auto view = view_of(query);
    if (auto* bad = std::get_if<http::Response>(&view)) return std::move(*bad);
    const View& v = std::get<View>(view);
    const std::string key = path + "?" + query;
    if (v.past && !path.empty()) {
      std::lock_guard lock(past_mutex);
      if (auto it = past_answers.find(key); it != past_answers.end() && it->second.from.lock() == v.past) {
        return it->second.response;
      }
    }
    http::Response r;
    read(v, [&](const Projection& p, std::optional<std::uint64_t>) { r = render(p); });
    if (v.past && !path.empty() && r.status == 200) {
      std::lock_guard lock(past_mutex);
      std::erase_if(past_answers, [](const auto& kv) { return kv.second.from.expired(); });
      if (past_answers.size() < kMostPastAnswers) past_answers[key] = PastAnswer{v.past, r};
    }
    return r;
  }

  // A user limited to `scope` (units, with their descendants): what is theirs, or 403.
  http::Response scoped(const http::Request& req, const std::vector<std::string>& scope) {
    const auto forbidden = [&](const std::string& what) {
      return http::Response{403, "application/json",
                            api::json_text(boost::json::object{{"error", "user " + req.user + " sees only the units " +
                                                                             boost::algorithm::join(scope, ", ") +
                                                                             " and those under them: " + what}})};
    };
    // Whether unit `id` is in the scope, by the unit tree as it stands.
    const auto in_scope = [&](const Projection& p, UnitId u) {
      for (const std::string& s : scope) {
        if (const auto a = p.find_unit(s); a && p.is_descendant_or_self(u, *a)) return true;
      }
      return false;
    };
    const auto unit_allowed = [&](const std::string& id) {
      bool ok = false;
      source.read_projection([&](const Projection& p, std::uint64_t) {
        const auto u = p.find_unit(id);
        ok = u && in_scope(p, *u);
      });
      return ok;
    };
    const std::string& path = req.path;
    if (path == "/" || path == "/index.html" || path == "/healthz" || path == "/readyz" || path == "/api/v1/status") {
      return route(req);
    }
    if (path == "/api/v1/units") {
      return from_view(
          req.query, [&](const Projection& p) { return api::units(p, [&](UnitId u) { return in_scope(p, u); }); },
          path);
    }
    static constexpr std::string_view kUnits = "/api/v1/units/";
    static constexpr std::string_view kReport = "/report/";
    for (const std::string_view prefix : {kUnits, kReport}) {
      if (!path.starts_with(prefix)) continue;
      const std::string rest = path.substr(prefix.size());
      const std::string unit = http::percent_decode(rest.substr(0, rest.find('/')));
      if (!unit_allowed(unit)) return forbidden("not " + unit);
      return route(req);
    }
    return forbidden("this path spans units (metrics, measures, evaluations)");
  }

  http::Response route(const http::Request& req) {
    if (req.path == "/" || req.path == "/index.html") {
      // The page changes with the binary, and runs no code but its own against this origin.
      return {200,
              "text/html; charset=utf-8",
              std::string(web_page()),
              {{"Cache-Control", "no-cache"},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}}};
    }
    static constexpr std::string_view kReport = "/report/";
    if (req.path.starts_with(kReport) && req.path.size() > kReport.size()) return unit_report(req);
    if (req.path == "/healthz") return {200, "text/plain", "ok\n"};
    if (req.path == "/readyz") {
      const std::string why = source.not_ready_reason();
      return why.empty() ? http::Response{200, "text/plain", "ready\n"}
                         : http::Response{503, "text/plain", "not ready: " + why + "\n"};
    }
    if (req.path == "/metrics") return metrics_text();
    if (req.path == "/api/v1/status") return status_json();
    if (req.path == "/api/v1/units")
      return from_view(
          req.query, [](const Projection& p) { return api::units(p); }, req.path);
    static constexpr std::string_view kUnits = "/api/v1/units/";
    static constexpr std::string_view kSeries = "/series";
    static constexpr std::string_view kRevisions = "/revisions";
    if (req.path.starts_with(kUnits) && req.path.ends_with(kRevisions) &&
        req.path.size() > kUnits.size() + kRevisions.size()) {
      return revisions(
          http::percent_decode(req.path.substr(kUnits.size(), req.path.size() - kUnits.size() - kRevisions.size())),
          req.query);
    }
    static constexpr std::string_view kFollowups = "/followups";
    if (req.path.starts_with(kUnits) && req.path.ends_with(kFollowups) &&
        req.path.size() > kUnits.size() + kFollowups.size()) {
      const std::string unit =
          http::percent_decode(req.path.substr(kUnits.size(), req.path.size() - kUnits.size() - kFollowups.size()));
      return from_view(
          req.query, [&](const Projection& p) { return api::followups(p, unit, req.query); }, req.path);
    }
    if (req.path.starts_with(kUnits) && req.path.ends_with(kSeries) &&
        req.path.size() > kUnits.size() + kSeries.size()) {
      const std::string unit =
          http::percent_decode(req.path.substr(kUnits.size(), req.path.size() - kUnits.size() - kSeries.size()));
      return from_view(
          req.query, [&](const Projection& p) { return api::series(p, unit, req.query); }, req.path);
    }
    if (req.path == "/api/v1/measures") {
      return from_view(
          req.query, [&](const Projection& p) { return api::measures(p, req.query); }, req.path);
    }
    if (req.path == "/api/v1/evaluations") return evaluations_list(req);
    static constexpr std::string_view kMeasures = "/api/v1/measures/";
    for (const std::string_view tail : {std::string_view("/evaluation"), std::string_view("/evaluation/sums")}) {
      if (req.path.starts_with(kMeasures) && req.path.ends_with(tail) &&
          req.path.size() > kMeasures.size() + tail.size()) {
        const std::string id =
            http::percent_decode(req.path.substr(kMeasures.size(), req.path.size() - kMeasures.size() - tail.size()));
        if (id.find('/') != std::string::npos) break;
        if (tail.ends_with("sums")) return own_sums(id, req.query);
        return measure_evaluation(id, req.query).response;
      }
    }
    return {404, "application/json",
            R"({"error":"no such path; see /api/v1/units, /api/v1/measures, /api/v1/status, /metrics"})"};
  }
};

Serving::Serving(ServingSource& source, ServingOptions options)
    : impl_(std::make_unique<Impl>(source, std::move(options))) {}
Serving::~Serving() = default;

http::Response Serving::handle(const http::Request& request) {
  if (request.unit_scope) return impl_->scoped(request, *request.unit_scope);
  return impl_->route(request);
}

}  // namespace naervaer
