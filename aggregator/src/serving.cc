#include "serving.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <string_view>

#include "api.h"
#include "json_text.h"
#include "unit_metrics.h"
#include "web_page.h"

namespace naervaer {

struct Serving::Impl {
  explicit Impl(ServingSource& s) : source(s) {}
  ServingSource& source;
  UnitMetrics unit_metrics;

  // Evaluations read every person's records: kept until the projection changes.
  struct CachedAnswer {
    std::uint64_t generation;
    http::Response response;
  };
  std::mutex cache_mutex;
  std::map<std::string, CachedAnswer> evaluations;  // by measure id and query
  static constexpr std::size_t kMostCached = 256;

  http::Response evaluation(const std::string& measure_id, const http::Request& req, bool sums_only) {
    const auto options = api::evaluation_options(req.query);
    if (const auto* bad = std::get_if<http::Response>(&options)) return *bad;
    const std::string key = (sums_only ? "sums\n" : "evaluation\n") + measure_id + "\n" + req.query;
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
      r = sums_only ? api::evaluation_sums(p, measure_id, o) : api::evaluation(p, measure_id, o);
      std::lock_guard lock(cache_mutex);
      std::erase_if(evaluations, [&](const auto& kv) { return kv.second.generation != generation; });
      if (evaluations.size() < kMostCached) evaluations[key] = CachedAnswer{generation, r};
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
        return evaluation(id, req, tail.ends_with("sums"));
      }
    }
    return {404, "application/json",
            R"({"error":"no such path; see /api/v1/units, /api/v1/measures, /api/v1/status, /metrics"})"};
  }
};

Serving::Serving(ServingSource& source) : impl_(std::make_unique<Impl>(source)) {}
Serving::~Serving() = default;

http::Response Serving::handle(const http::Request& request) {
  return impl_->route(request);
}

}  // namespace naervaer
