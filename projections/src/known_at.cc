#include "naervaer/projections/known_at.h"

#include <algorithm>
#include <stdexcept>

namespace naervaer {

std::string written_entity(const Event& e) {
  static constexpr char kSep = '\x1f';
  struct Visitor {
    std::string operator()(const UnitRegistered& x) const { return std::string("u") + kSep + x.unit; }
    std::string operator()(const TargetSet& x) const {
      return std::string("t") + kSep + x.unit + kSep + std::to_string(x.year);
    }
    std::string operator()(const EmploymentSet& x) const {
      return std::string("m") + kSep + x.employee + kSep + x.employment_id;
    }
    std::string operator()(const EmploymentCancelled& x) const {
      return std::string("m") + kSep + x.employee + kSep + x.employment_id;
    }
    std::string operator()(const AbsenceSet& x) const {
      return std::string("a") + kSep + x.employee + kSep + x.absence_id;
    }
    std::string operator()(const AbsenceCancelled& x) const {
      return std::string("a") + kSep + x.employee + kSep + x.absence_id;
    }
    std::string operator()(const MeasureSet& x) const { return std::string("M") + kSep + x.measure_id; }
    std::string operator()(const MeasureCancelled& x) const { return std::string("M") + kSep + x.measure_id; }
    std::string operator()(const FollowupRecorded&) const { return {}; }
  };
  return std::visit(Visitor{}, e.body);
}

KnownAtFold::KnownAtFold(std::vector<ConsumedEvent> events, Date as_of, ProjectionOptions options)
    : events_(std::move(events)), projection_(as_of, options) {
  std::sort(events_.begin(), events_.end(), [](const ConsumedEvent& a, const ConsumedEvent& b) {
    return a.event.recorded_at_ms != b.event.recorded_at_ms ? a.event.recorded_at_ms < b.event.recorded_at_ms
                                                            : a.sequence < b.sequence;
  });
  projection_.reserve_events(events_.size());
  projection_.defer_figures();  // each person's figures once per advance, not once per event
}

void KnownAtFold::advance_to(std::int64_t known_at_ms) {
  if (known_at_ms < known_at_ms_) throw std::invalid_argument("KnownAtFold: times must not decrease");
  known_at_ms_ = known_at_ms;
  if (!projection_.figures_deferred()) projection_.defer_figures();
  for (; next_ < events_.size() && events_[next_].event.recorded_at_ms <= known_at_ms; ++next_) {
    const ConsumedEvent& e = events_[next_];
    const std::string entity = written_entity(e.event);
    if (!entity.empty()) {
      auto [it, first] = newest_.try_emplace(entity, next_);
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
        it->second = next_;
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
