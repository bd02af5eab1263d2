// The terminal summary of a projection: units against their target and threshold for one
// window, worst first. Masked units show no numbers. Pure formatting; thread-compatible.
#pragma once

#include <string>

#include "naervaer/projections/projection.h"

namespace naervaer {

std::string render_summary_table(const Projection& projection, Window window, std::size_t max_rows);

}  // namespace naervaer
