// HTTP API v1 (DESIGN.md) rendered from a projection: pure functions of the projection,
// no locking here (the caller holds the projection's read lock).
#pragma once

#include <string>

#include "http_server.h"
#include "naervaer/projections/projection.h"

namespace naervaer::api {

// GET /api/v1/units
http::Response units(const Projection& p);
// GET /api/v1/units/{unit}/series?granularity=&from=&to=  (unit already percent-decoded)
http::Response series(const Projection& p, const std::string& unit, const std::string& query);

}  // namespace naervaer::api
