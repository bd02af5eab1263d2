// The per-unit figures in the Prometheus text format: per unit and window the numerators
// and denominators as gauges (DESIGN.md "Metrics"), masked units absent.
//
// Thread-safe: render() may be called concurrently (under the projection's shared lock).
#pragma once

#include <cstdint>
#include <limits>
#include <mutex>
#include <string>

#include "naervaer/projections/projection.h"

namespace naervaer {

class UnitMetrics {
 public:
  // Appends the text for the projection at `generation`. The text of an unchanged
  // projection is kept: between imports a scrape costs a copy.
  void render(const Projection& p, std::uint64_t generation, std::string& out);

 private:
  void render_projection(const Projection& p, std::string& out) const;

  std::mutex cache_mutex_;
  std::string cache_;
  std::mutex render_mutex_;  // one render at a time, into spare_
  std::string spare_;
  std::uint64_t cached_generation_ = std::numeric_limits<std::uint64_t>::max();
};

}  // namespace naervaer
