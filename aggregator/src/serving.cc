#include "serving.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string_view>

#include "api.h"
#include "unit_metrics.h"
#include "web_page.h"

namespace naervaer {

struct Serving::Impl {
  explicit Impl(ServingSource& s) : source(s) {}
  ServingSource& source;
  UnitMetrics unit_metrics;

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
            boost::json::serialize(boost::json::object{{"as_of", st.as_of.iso()},
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
