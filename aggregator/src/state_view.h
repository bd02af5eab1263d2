// A read-only view of an aggregator's state directory: the projection folded from its
// journal, opened beside a running aggregator (it sees the last checkpoint) or without one.
// What `naervaer evaluate`, reports and replays read. Like RocksDB's read-only DB beside
// the primary, it never writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "naervaer/projections/projection.h"

namespace naervaer {

struct StateViewOptions {
  std::filesystem::path state_dir;
  std::string topic = "naervaer.events";
  Date today;
  ProjectionOptions projection;
  std::optional<std::int64_t> known_at_ms;  // only events recorded at or before this time
  // Called now and then with (events read, events in the journal), for a progress line.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

struct StateView {
  Projection projection;
  std::uint64_t events = 0;      // journal entries read
  std::uint64_t unreadable = 0;  // damaged entries, left out
  // Partitions whose person events the journal holds, and every partition the state has
  // offsets for: fewer of the first means another instance holds the other persons.
  std::set<std::int32_t> person_partitions;
  std::set<std::int32_t> known_partitions;
};

// Throws std::runtime_error when the state cannot be opened (with the path and the reason).
StateView load_state_view(const StateViewOptions& options);

}  // namespace naervaer
