// HTTP API v1 (DESIGN.md) rendered from a projection: pure functions of the projection,
// no locking here (the caller holds the projection's read lock).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http_server.h"
#include "naervaer/projections/evaluation.h"
#include "naervaer/projections/projection.h"
#include "time_travel.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace naervaer::api {

// GET /api/v1/units: every unit with its target, the windows (each with NAV's band against
// the parent), the frequent short-term count (the projection's rule) and the follow-up of
// the last 365 days.
// `visible`, when given, leaves out the units it says no to (a user limited to some units).
http::Response units(const Projection& p, const std::function<bool(UnitId)>& visible = {});
// GET /api/v1/units/{unit}/followups?from=&to= (DOMAIN.md §11; default: the last 365 days)
http::Response followups(const Projection& p, const std::string& unit, const std::string& query);
// The follow-up document of one unit over one period (masked: no counts).
boost::json::object followups_json(const std::string& unit, Period period, const FollowupReport& r);
// GET /api/v1/units/{unit}/series?granularity=&from=&to=  (unit already percent-decoded)
http::Response series(const Projection& p, const std::string& unit, const std::string& query);

// The document of /api/v1/units/{unit}/revisions: per period the absence percent as first
// published, now, and the difference in percentage points (null where masked or unpublished).
std::string revisions_json(const std::string& unit, Granularity granularity, int lag_days,
                           const std::vector<Figures>& now, const std::vector<RevisionPoint>& published);

// GET /api/v1/measures?unit=U: every measure, or those touching unit U (run in it, above it
// or below it).
http::Response measures(const Projection& p, const std::string& query);
// The measures /api/v1/measures?unit=U lists, or the answer to a bad or unknown unit.
std::variant<std::vector<MeasureSet>, http::Response> measures_of(const Projection& p, const std::string& query);

// The options of /api/v1/measures/{id}/evaluation: ?year=K&comparison=U1,U2. An error
// response (400) when a parameter is bad.
std::variant<EvaluationOptions, http::Response> evaluation_options(const std::string& query);
// The partitions whose persons this instance holds, of how many the topic has.
struct InstanceShare {
  std::string instance;  // this process's random id: a peer list may name the instance itself
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
// One row of /api/v1/evaluations: the measure, the verdict, the total effect and its interval
// and the result in words, flat for a table; or the measure and why it has no evaluation.
boost::json::object evaluation_row(const Projection& p, const Evaluation& e);
boost::json::object evaluation_error_row(const Projection& p, std::string_view measure_id, const std::string& message);
// The EVALUATION document of DESIGN.md.
http::Response evaluation_json(const Projection& p, const Evaluation& e);

}  // namespace naervaer::api
