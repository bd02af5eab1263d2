// HTTP API v1 (DESIGN.md) rendered from a projection: pure functions of the projection,
// no locking here (the caller holds the projection's read lock).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http_server.h"
#include "naervaer/projections/evaluation.h"
#include "naervaer/projections/projection.h"

namespace naervaer::api {

// GET /api/v1/units
http::Response units(const Projection& p);
// GET /api/v1/units/{unit}/series?granularity=&from=&to=  (unit already percent-decoded)
http::Response series(const Projection& p, const std::string& unit, const std::string& query);

// GET /api/v1/measures
http::Response measures(const Projection& p);

// The options of /api/v1/measures/{id}/evaluation: ?year=K&comparison=U1,U2. An error
// response (400) when a parameter is bad.
std::variant<EvaluationOptions, http::Response> evaluation_options(const std::string& query);
// GET /api/v1/measures/{id}/evaluation (measure id already percent-decoded)
http::Response evaluation(const Projection& p, const std::string& measure_id, const EvaluationOptions& options);
// GET /api/v1/measures/{id}/evaluation/sums: what this instance's persons add (EvaluationSums),
// for an instance that combines the sums of all instances.
http::Response evaluation_sums(const Projection& p, const std::string& measure_id, const EvaluationOptions& options);
// The JSON of EvaluationSums.
std::string sums_json(const EvaluationSums& sums);
// The EVALUATION document of DESIGN.md.
http::Response evaluation_json(const Projection& p, const Evaluation& e);

}  // namespace naervaer::api
