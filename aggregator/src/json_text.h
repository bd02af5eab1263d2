// JSON as people and tools expect it: numbers in plain decimal notation (15, 2.25, 0.0001),
// never 1.5E1 as boost::json::serialize writes doubles; NaN and infinities as null.
// A pure function; thread-safe.
#pragma once

#include <string>

namespace boost::json {
class value;
}  // namespace boost::json

namespace naervaer::api {

std::string json_text(const boost::json::value& v);

}  // namespace naervaer::api
