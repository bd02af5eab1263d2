// Answers as known at an earlier time (DOMAIN.md §14) from an aggregator's journal, beside the
// live fold and without slowing it: each answer folds the journal's events recorded by then
// into a read-only projection, on the asking thread at the lowest CPU priority, and keeps the
// last few (by the memory they take) for the next question.
//
// Revisions of one unit fold only the events that can touch it (the unit tree's events and
// the persons ever employed in a unit ever below it) once, in the order they became known,
// reading each period as it was first published (KnownAtFold).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "naervaer/projections/projection.h"

namespace naervaer {

struct TimeTravelOptions {
  std::filesystem::path state_dir;
  std::string topic = "naervaer.events";
  ProjectionOptions projection;
  std::size_t cache_entries = 4;           // projections kept
  std::uint64_t cache_bytes = 2ULL << 30;  // and at most this much memory (their estimate)
};

struct RevisionPoint {
  Period period;
  Date published_on;                        // period end + lag
  bool published = false;                   // false: the publication day is still to come
  std::optional<double> published_percent;  // none where masked or nothing contracted
};

class TimeTravel {
 public:
  explicit TimeTravel(TimeTravelOptions options);
  ~TimeTravel();
  TimeTravel(const TimeTravel&) = delete;
  TimeTravel& operator=(const TimeTravel&) = delete;

  // The projection of the events recorded at or before `known_at_ms` (all when none), with
  // `as_of` as its as-of date, figures current. Throws std::runtime_error when the state
  // cannot be read.
  std::shared_ptr<const Projection> at(std::optional<std::int64_t> known_at_ms, Date as_of);

  // The absence percent of `unit` (with its descendants) in each period as first published:
  // as known at 23:59:59 UTC on the period's last day plus `lag_days` (DOMAIN.md §14).
  // Periods published after `now_ms` are not published yet. The unit tree is read from the
  // journal itself; an unknown unit gives no points.
  std::vector<RevisionPoint> revisions(const std::string& unit, const std::vector<Period>& periods, int lag_days,
                                       Date as_of, std::int64_t now_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// 23:59:59 UTC on `day`, in milliseconds since the epoch: when a day's knowledge is complete.
constexpr std::int64_t end_of_day_ms(Date day) noexcept {
  return (static_cast<std::int64_t>(day.days()) + 1) * 86'400'000 - 1000;
}

}  // namespace naervaer
