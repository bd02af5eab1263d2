#include "naervaer/projections/known_at.h"

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <type_traits>

#include "hash128_map.h"

namespace naervaer {

namespace {

// The record an event writes ("a\x1fE\x1fID" for an absence of employee E), into a buffer
// kept from call to call; empty for events that only add (follow-up records): events of
// one record overwrite each other.
void write_entity(const Event& e, std::string& out) {
  static constexpr char kSep = '\x1f';
  out.clear();
  const auto put = [&](char tag, std::initializer_list<std::string_view> parts) {
    out.push_back(tag);
    for (std::string_view part : parts) out.append(1, kSep).append(part);
  };
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, UnitRegistered>) {
          put('u', {x.unit});
        } else if constexpr (std::is_same_v<T, TargetSet>) {
          put('t', {x.unit, std::to_string(x.year)});
        } else if constexpr (std::is_same_v<T, EmploymentSet> || std::is_same_v<T, EmploymentCancelled>) {
          put('m', {x.employee, x.employment_id});
        } else if constexpr (std::is_same_v<T, AbsenceSet> || std::is_same_v<T, AbsenceCancelled>) {
          put('a', {x.employee, x.absence_id});
        } else if constexpr (std::is_same_v<T, MeasureSet> || std::is_same_v<T, MeasureCancelled>) {
          put('M', {x.measure_id});
        }
      },
      e.body);
}

}  // namespace

std::size_t KnownAtFold::EntityHash::operator()(const std::pair<std::uint64_t, std::uint64_t>& k) const noexcept {
  return static_cast<std::size_t>(k.first ^ (k.second * 0x9E3779B97F4A7C15ULL));
}

KnownAtFold::KnownAtFold(std::vector<ConsumedEvent> events, Date as_of, ProjectionOptions options)
    : events_(std::move(events)), projection_(as_of, options) {
  // Indices, not the events, are sorted: an event is a few hundred bytes.
  order_.resize(events_.size());
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<std::uint32_t>(i);
  std::sort(order_.begin(), order_.end(), [&](std::uint32_t a, std::uint32_t b) {
    const Event& x = events_[a].event;
    const Event& y = events_[b].event;
    return x.recorded_at_ms != y.recorded_at_ms ? x.recorded_at_ms < y.recorded_at_ms
                                                : events_[a].sequence < events_[b].sequence;
  });
  newest_.reserve(events_.size() / 2);
  projection_.reserve_events(events_.size());
  projection_.defer_figures();  // each person's figures once per advance, not once per event
}

void KnownAtFold::advance_to(std::int64_t known_at_ms) {
  if (known_at_ms < known_at_ms_) throw std::invalid_argument("KnownAtFold: times must not decrease");
  known_at_ms_ = known_at_ms;
  if (!projection_.figures_deferred()) projection_.defer_figures();
  for (; next_ < order_.size() && events_[order_[next_]].event.recorded_at_ms <= known_at_ms; ++next_) {
    const std::uint32_t index = order_[next_];
    const ConsumedEvent& e = events_[index];
    write_entity(e.event, entity_);
    const std::string& entity = entity_;
    if (!entity.empty()) {
      // The entity by a 128-bit hash of its name: two entities sharing one are as likely as
      // two persons sharing a pseudonym.
      const detail::Key128 k = detail::Key128::of(entity);
      auto [it, first] = newest_.try_emplace({k.a, k.b}, index);
      if (!first) {
        const ConsumedEvent& newest = events_[it->second];
        if (e.sequence < newest.sequence) {
          // Consumed before the write already applied: in consumed order it was overwritten.
          // Applied all the same, then the newer write again (under another id, or it would
          // count as a duplicate), because what it referred to stays: a fresh fold in
          // consumed order would have met it (a unit named only by it still exists).
          (void)projection_.apply(e.event);
          Event again = newest.event;
          again.event_id += "\x1f" + std::to_string(++reapplied_);
          (void)projection_.apply(again);
          ++overwritten_;
          continue;
        }
        it->second = index;
      }
    }
    (void)projection_.apply(e.event);
    ++applied_;
  }
}

const Projection& KnownAtFold::projection() {
  if (projection_.figures_deferred()) projection_.materialize_figures();
  return projection_;
}

}  // namespace naervaer
