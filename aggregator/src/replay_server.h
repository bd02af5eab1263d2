// The read-only API and page over a projection that does not change: a state directory (or
// JSON Lines) as known at a time, served by `naervaer replay --listen` beside or without a
// running aggregator. The same routes as the aggregator's (Serving); /metrics has no figures
// of a pipeline, /readyz is ready at once.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "naervaer/projections/projection.h"
#include "time_travel.h"
#include "web_config.h"

namespace naervaer {

struct ReplayServerOptions {
  std::string listen = "127.0.0.1:8080";
  std::string description;                // said on standard error: "as known at ..."
  std::uint64_t events = 0;               // events read
  http::WebConfig web;                    // TLS, users and their unit scopes (--web-config)
  std::filesystem::path web_config_file;  // where `web` came from: read again when it changes
};

// Serves `projection` until `stop` is set. `past` (may be null) answers known_at and as_of
// other than the projection's own. Throws std::runtime_error when the address cannot be bound.
int serve_replay(Projection projection, std::unique_ptr<TimeTravel> past, const ReplayServerOptions& options,
                 const std::atomic<bool>& stop);

}  // namespace naervaer
