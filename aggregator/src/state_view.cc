#include "state_view.h"

#include "naervaer/projections/binary.h"
#include "naervaer/projections/decode.h"
#include "state_store.h"

namespace naervaer {

StateView load_state_view(const StateViewOptions& o) {
  const store::StateStore state(o.state_dir, o.topic, store::StateStore::Access::kReadOnly);
  StateView view{Projection(o.today, o.projection), 0, 0, {}, {}};
  const std::uint64_t total = state.journal_size();
  view.projection.reserve_events(total);
  view.projection.defer_figures();  // computed once at the end
  EventDecoder decoder;
  state.replay([&](std::int32_t partition, std::string_view entry) {
    auto d = decode_stored(entry, decoder);
    if (const auto* e = std::get_if<Event>(&d)) {
      if (partition != store::kReferencePartition) view.person_partitions.insert(partition);
      if (!o.known_at_ms || e->recorded_at_ms <= *o.known_at_ms) (void)view.projection.apply(*e);
    } else {
      ++view.unreadable;
    }
    if (++view.events % 500000 == 0 && o.progress) o.progress(view.events, total);
    return true;
  });
  view.projection.materialize_figures();
  for (const auto& [partition, offset] : state.next_offsets()) view.known_partitions.insert(partition);
  for (const auto& [partition, offset] : state.reference_offsets()) view.known_partitions.insert(partition);
  return view;
}

}  // namespace naervaer
