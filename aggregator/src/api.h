// HTTP API v1 (DESIGN.md) rendered from a projection: pure functions of the projection,
// no locking here (the caller holds the projection's read lock).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

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
// The partitions whose persons this instance holds, of how many the topic has.
struct InstanceShare {
  std::vector<std::int32_t> partitions;
  std::int32_t partition_total = 0;
};
// GET /api/v1/measures/{id}/evaluation/sums: what this instance's persons add (EvaluationSums)
// with the plan they were collected for and the partitions they come from, for an instance
// that combines the sums of all instances (scaled out, each holds some persons).
http::Response evaluation_sums(const Projection& p, const std::string& measure_id, const EvaluationOptions& options,
                               const InstanceShare& share);
std::string sums_json(const Projection& p, const EvaluationPlan& plan, const EvaluationSums& sums,
                      const InstanceShare& share);
// One instance's sums read back: bit for bit what sums_json wrote, or what is wrong with them.
struct SumsShare {
  std::string plan;  // the plan as compact JSON: instances add sums only of equal plans
  InstanceShare share;
  EvaluationSums sums;
};
std::variant<SumsShare, std::string> parse_sums(std::string_view text);
// The plan as sums_json writes it (compact JSON), to compare with the instances' plans.
std::string plan_json(const Projection& p, const EvaluationPlan& plan);
// The EVALUATION document of DESIGN.md.
http::Response evaluation_json(const Projection& p, const Evaluation& e);

}  // namespace naervaer::api
