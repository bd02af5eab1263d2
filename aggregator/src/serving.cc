#include "serving.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <mutex>
#include <set>
#include <string_view>

#include "api.h"
#include "http_client.h"
#include "json_text.h"
#include "unit_metrics.h"
#include "web_page.h"

namespace naervaer {

namespace {

// A path segment as a URL carries it: unreserved characters as they are, the rest %XX.
std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

http::Response error(int status, const std::string& message) {
  return {status, "application/json", api::json_text(boost::json::object{{"error", message}})};
}

}  // namespace

struct Serving::Impl {
  Impl(ServingSource& s, ServingOptions opts) : source(s), serving_options(std::move(opts)) {}
  ServingSource& source;
  ServingOptions serving_options;
  UnitMetrics unit_metrics;

  // Evaluations read every person's records: kept until the projection changes.
  struct CachedAnswer {
    std::uint64_t generation;
    http::Response response;
  };
  std::mutex cache_mutex;
  std::map<std::string, CachedAnswer> evaluations;  // by measure id and query
  static constexpr std::size_t kMostCached = 256;

  // This instance's own answer (its sums, or the evaluation when it holds every person).
  http::Response evaluation(const std::string& measure_id, const http::Request& req, bool sums_only) {
    const auto options = api::evaluation_options(req.query);
    if (const auto* bad = std::get_if<http::Response>(&options)) return *bad;
    const std::string key = (sums_only ? "sums\n" : "evaluation\n") + measure_id + "\n" + req.query;
    api::InstanceShare share;
    if (sums_only) {
      const PipelineStatus st = source.status();
      for (const PartitionStatus& ps : st.partitions) share.partitions.push_back(ps.partition);
      share.partition_total = st.partition_total;
    }
    http::Response r;
    source.read_projection([&](const Projection& p, std::uint64_t generation) {
      {
        std::lock_guard lock(cache_mutex);
        if (auto it = evaluations.find(key); it != evaluations.end() && it->second.generation == generation) {
          r = it->second.response;
          return;
        }
      }
      const auto& o = std::get<EvaluationOptions>(options);
      r = sums_only ? api::evaluation_sums(p, measure_id, o, share) : api::evaluation(p, measure_id, o);
      std::lock_guard lock(cache_mutex);
      std::erase_if(evaluations, [&](const auto& kv) { return kv.second.generation != generation; });
      if (evaluations.size() < kMostCached) evaluations[key] = CachedAnswer{generation, r};
    });
    return r;
  }

  // The evaluation over every person when instances share the partitions: this instance's
  // sums and each peer's, checked to be of one plan and of every partition exactly once, then
  // added. No lock is held while the peers answer, so the fold never waits on the network.
  http::Response combined_evaluation(const std::string& measure_id, const http::Request& req) {
    http::Response own = evaluation(measure_id, req, true);
    if (own.status != 200) return own;
    struct Answer {
      std::string from;
      std::string body;
    };
    std::vector<Answer> answers{{"this instance", std::move(own.body)}};
    const std::string path = "/api/v1/measures/" + percent_encode(measure_id) + "/evaluation/sums" +
                             (req.query.empty() ? "" : "?" + req.query);
    for (const std::string& peer : serving_options.peers) {
      http::ClientResponse got = http::get(peer + path, serving_options.peer_deadline);
      if (got.status == 0) return error(502, "peer " + peer + " did not answer: " + got.error);
      if (got.status != 200) {
        return error(503, "peer " + peer + " answered " + std::to_string(got.status) +
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
        return error(502, a.from + " answered sums this instance cannot read: " + *bad);
      }
      const api::SumsShare& share = std::get<api::SumsShare>(parsed);
      if (plan.empty()) plan = share.plan;
      if (share.plan != plan) {
        return error(503, a.from +
                              " evaluates other units or periods than this instance (its reference data or "
                              "as-of date differ; try again when both have caught up)");
      }
      partition_total = std::max(partition_total, share.share.partition_total);
      for (std::int32_t partition : share.share.partitions) {
        if (!seen.insert(partition).second) {
          return error(503, "partition " + std::to_string(partition) +
                                " is held by two instances (a rebalance is under way; try again)");
        }
      }
      total += share.sums;
    }
    if (partition_total == 0 || seen.size() != static_cast<std::size_t>(partition_total)) {
      return error(503, "the instances hold " + std::to_string(seen.size()) + " of " + std::to_string(partition_total) +
                            " partitions: a rebalance is under way or an instance is not among the peers");
    }
    const auto opts = std::get<EvaluationOptions>(api::evaluation_options(req.query));
    http::Response r;
    source.read_projection([&](const Projection& p, std::uint64_t) {
      auto planned = plan_evaluation(p, measure_id, opts);
      if (const auto* e = std::get_if<EvaluationError>(&planned)) {
        r = error(e->status, e->message);
        return;
      }
      const auto& now = std::get<EvaluationPlan>(planned);
      if (api::plan_json(p, now) != plan) {
        r = error(503, "the units or the as-of date changed while the instances answered; try again");
        return;
      }
      r = api::evaluation_json(p, evaluate(p, now, total));
    });
    return r;
  }

  http::Response status_json() {
    const PipelineStatus st = source.status();
    boost::json::array parts;
    for (const PartitionStatus& p : st.partitions) {
      const std::int64_t lag = p.high_watermark < 0 ? 0 : std::max<std::int64_t>(0, p.high_watermark - p.next_offset);
      parts.push_back(boost::json::object{{"topic", st.topic},
                                          {"partition", p.partition},
                                          {"next_offset", p.next_offset},
                                          {"high_watermark", p.high_watermark},
                                          {"lag", lag}});
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
  http::Response from_projection(const std::function<http::Response(const Projection&)>& render) {
    http::Response r;
    source.read_projection([&](const Projection& p, std::uint64_t) { r = render(p); });
    return r;
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
    if (req.path == "/healthz") return {200, "text/plain", "ok\n"};
    if (req.path == "/readyz") {
      return source.ready() ? http::Response{200, "text/plain", "ready\n"}
                            : http::Response{503, "text/plain", "not ready: waiting for partitions\n"};
    }
    if (req.path == "/metrics") return metrics_text();
    if (req.path == "/api/v1/status") return status_json();
    if (req.path == "/api/v1/units") return from_projection([](const Projection& p) { return api::units(p); });
    static constexpr std::string_view kUnits = "/api/v1/units/";
    static constexpr std::string_view kSeries = "/series";
    if (req.path.starts_with(kUnits) && req.path.ends_with(kSeries) &&
        req.path.size() > kUnits.size() + kSeries.size()) {
      const std::string unit =
          http::percent_decode(req.path.substr(kUnits.size(), req.path.size() - kUnits.size() - kSeries.size()));
      return from_projection([&](const Projection& p) { return api::series(p, unit, req.query); });
    }
    if (req.path == "/api/v1/measures") return from_projection([](const Projection& p) { return api::measures(p); });
    static constexpr std::string_view kMeasures = "/api/v1/measures/";
    for (const std::string_view tail : {std::string_view("/evaluation"), std::string_view("/evaluation/sums")}) {
      if (req.path.starts_with(kMeasures) && req.path.ends_with(tail) &&
          req.path.size() > kMeasures.size() + tail.size()) {
        const std::string id =
            http::percent_decode(req.path.substr(kMeasures.size(), req.path.size() - kMeasures.size() - tail.size()));
        if (id.find('/') != std::string::npos) break;
        const bool sums_only = tail.ends_with("sums");
        if (!sums_only) {
          // Holding every partition, this instance answers alone; otherwise its persons are not
          // everyone: it adds its peers' sums, or says why it cannot (never a partial answer).
          const PipelineStatus st = source.status();
          if (st.partition_total > 0 && st.partitions.size() != static_cast<std::size_t>(st.partition_total)) {
            if (!serving_options.peers.empty()) return combined_evaluation(id, req);
            return error(503, "this instance holds " + std::to_string(st.partitions.size()) + " of " +
                                  std::to_string(st.partition_total) +
                                  " partitions' persons: start it with --peer URL for each other instance of the "
                                  "group, so that evaluations add their sums");
          }
        }
        return evaluation(id, req, sums_only);
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
  return impl_->route(request);
}

}  // namespace naervaer
