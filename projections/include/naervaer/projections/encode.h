// The wire form of contract v1: one JSON object per event, UTF-8, fields in contract
// order, optional fields omitted when absent, recorded_at as RFC 3339 UTC. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "naervaer/projections/event.h"

namespace naervaer {

// decode(encode_event(e)) == e for every valid event.
std::string encode_event(const Event& e);
void encode_event(const Event& e, std::string& out);  // appends to out

// "2010-04-06T06:00:00Z", with ".mmm" when the milliseconds are not zero.
std::string format_rfc3339_utc(std::int64_t ms);

}  // namespace naervaer
