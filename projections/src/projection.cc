// The public face of the projection: applying events (duplicates and conflicts by event_id),
// hashing them, and what the state holds (stats). The concerns behind it each have their
// own file: projection_state.h lists them.
#include <stdexcept>
#include <variant>

#include "projection_state.h"

namespace naervaer {

std::string_view to_string(Outcome o) noexcept {
  switch (o) {
    case Outcome::kApplied:
      return "applied";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kRejected:
      return "rejected";
  }
  return "?";
}

Projection::Projection(Date as_of, ProjectionOptions options) : s_(std::make_unique<State>()) {
  s_->as_of = as_of;
  s_->options = options;
}
Projection::~Projection() = default;
Projection::Projection(Projection&&) noexcept = default;
Projection& Projection::operator=(Projection&&) noexcept = default;

EventHashes hash_event(const Event& event) {
  EventHashes h;
  const detail::Key128 id = detail::Key128::of(event.event_id);
  h.id_a = id.a;
  h.id_b = id.b;
  h.fingerprint = content_fingerprint(event);
  std::visit(
      [&h](const auto& body) {
        if constexpr (requires { body.employee; }) {
          const detail::Key128 person = detail::Key128::of(body.employee);
          h.person_a = person.a;
          h.person_b = person.b;
        }
      },
      event.body);
  return h;
}

ApplyResult Projection::apply(const Event& event) {
  return s_->apply(event, hash_event(event));
}

ApplyResult Projection::State::apply(const Event& event, const EventHashes& hashes) {
  const detail::Hash128Map<std::uint64_t>::Probe seen = event_ids.probe({hashes.id_a, hashes.id_b});
  if (seen.value) {
    if (*seen.value == hashes.fingerprint) {
      ++counters.events_duplicate;
      return {Outcome::kDuplicate, std::nullopt};
    }
    ++counters.events_rejected;
    return {Outcome::kRejected, Rejection{Reason::kConflict, "event_id was already applied with other content"}};
  }
  const detail::Key128 person{hashes.person_a, hashes.person_b};
  ApplyResult r = std::visit(
      [&](const auto& body) {
        if constexpr (requires { body.employee; }) {
          return on(body, person);
        } else {
          return on(body);
        }
      },
      event.body);
  if (r.outcome == Outcome::kApplied) {
    event_ids.insert(seen, hashes.fingerprint);
    ++counters.events_applied;
  } else {
    ++counters.events_rejected;
  }
  return r;
}

void Projection::reserve_events(std::size_t events) {
  s_->event_ids.reserve(events);
}

void Projection::apply_batch(std::span<const Event> events, std::vector<ApplyResult>& results) {
  auto& hashes = s_->hashes_scratch;
  hashes.clear();
  for (const Event& e : events) hashes.push_back(hash_event(e));
  apply_batch(events, hashes, results);
}

void Projection::apply_batch(std::span<const Event> events, std::span<const EventHashes> hashes,
                             std::vector<ApplyResult>& results) {
  if (hashes.size() != events.size()) throw std::invalid_argument("apply_batch: one EventHashes per event");
  constexpr std::size_t kAhead = 8;
  State& s = *s_;
  results.clear();
  results.reserve(events.size());
  for (std::size_t i = 0; i < events.size() && i < kAhead; ++i) s.event_ids.prefetch({hashes[i].id_a, hashes[i].id_b});
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i + kAhead < events.size()) s.event_ids.prefetch({hashes[i + kAhead].id_a, hashes[i + kAhead].id_b});
    results.push_back(s.apply(events[i], hashes[i]));
  }
}

Date Projection::as_of() const noexcept {
  return s_->as_of;
}
const ProjectionOptions& Projection::options() const noexcept {
  return s_->options;
}

std::vector<MeasureSet> Projection::measures() const {
  std::vector<MeasureSet> out;
  out.reserve(s_->measures.size());
  for (const auto& [id, m] : s_->measures) out.push_back(m);
  return out;
}

std::optional<MeasureSet> Projection::measure(std::string_view measure_id) const {
  auto it = s_->measures.find(std::string(measure_id));
  if (it == s_->measures.end()) return std::nullopt;
  return it->second;
}

ProjectionStats Projection::stats() const {
  ProjectionStats st = s_->counters;
  st.units = s_->units.size();
  st.employees = s_->employees.size();
  for (const auto& e : s_->employees) {
    st.employments += e.employments.size();
    st.absences += e.absences.size();
  }
  st.measures = s_->measures.size();
  st.remembered_event_ids = s_->event_ids.size();
  st.persons_refigured = s_->refigured;
  st.persons_refigured_on_two_threads = s_->refigured_on_two_threads;
  s_->memory(st);
  return st;
}

void Projection::State::memory(ProjectionStats& st) const {
  st.unit_day_bytes = unmatched.memory_bytes();
  st.record_bytes = units.capacity() * sizeof(UnitState) + employees.capacity() * sizeof(EmployeeState) +
                    employee_span.capacity() * sizeof(Period);
  for (const UnitState& u : units) {
    st.unit_day_bytes += u.contracted.memory_bytes() + u.lost.memory_bytes();
    st.record_bytes += u.members.capacity() * sizeof(std::uint32_t) + u.info.children.capacity() * sizeof(UnitId) +
                       u.targets.size() * 64;
  }
  for (const EmployeeState& e : employees) {
    st.record_bytes += e.employments.capacity() * sizeof(EmploymentRec) + e.absences.capacity() * sizeof(AbsenceRec) +
                       e.followups.capacity() * sizeof(FollowupRec);
  }
  st.record_bytes += employee_index.memory_bytes();
  st.event_id_bytes = event_ids.memory_bytes();
  st.memory_bytes = st.unit_day_bytes + st.record_bytes + st.event_id_bytes;
}

}  // namespace naervaer
