// As known at (DOMAIN.md §14): the figures computed from the events recorded at or before a
// time K, applied in the order they were consumed.
//
// KnownAtFold answers for many times at once, the later ones from the earlier: it applies
// the events in the order they became known (recorded_at), and an event that the consumed
// order would have overwritten is left out. Every record an event writes is an upsert or a
// cancellation of one entity (an employment, an absence, a unit, a target, a measure), so
// the last write in consumed order decides; follow-up records only accumulate. Hence after
// advance_to(K) the projection equals a fresh fold of the events recorded by K in consumed
// order (tests/unit/projections/known_at_test.cc checks this on random histories).
//
// Not thread-safe; a pure domain type (no journal, no Kafka).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "naervaer/projections/projection.h"

namespace naervaer {

// An event with its place in the order of consumption (the journal's order).
struct ConsumedEvent {
  std::uint64_t sequence = 0;
  Event event;
};

class KnownAtFold {
 public:
  // `events` in any order; they are sorted by (recorded_at, sequence).
  KnownAtFold(std::vector<ConsumedEvent> events, Date as_of, ProjectionOptions options = {});

  // Applies every event recorded at or before `known_at_ms` not applied yet. Times must not
  // decrease from one call to the next.
  void advance_to(std::int64_t known_at_ms);

  // The projection as known at the last advance_to(), its figures current.
  const Projection& projection();

  [[nodiscard]] std::uint64_t applied() const noexcept { return applied_; }
  [[nodiscard]] std::uint64_t overwritten() const noexcept { return overwritten_; }

 private:
  struct EntityHash {
    std::size_t operator()(const std::pair<std::uint64_t, std::uint64_t>& k) const noexcept;
  };
  std::vector<ConsumedEvent> events_;
  std::vector<std::uint32_t> order_;  // events_ by (recorded_at, sequence)
  std::size_t next_ = 0;              // in order_
  std::int64_t known_at_ms_ = INT64_MIN;
  Projection projection_;
  // The record an event writes (a 128-bit hash of its kind and keys: employee and absence id,
  // ...; follow-up records write none) -> index in events_ of its last write.
  std::unordered_map<std::pair<std::uint64_t, std::uint64_t>, std::uint32_t, EntityHash> newest_;
  std::uint64_t reapplied_ = 0;
  std::string entity_;  // the record's name, a buffer kept from event to event
  std::uint64_t applied_ = 0;
  std::uint64_t overwritten_ = 0;
};

}  // namespace naervaer
