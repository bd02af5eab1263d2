// Internal: a value per working-day index, stored in fixed chunks of 256 days (about a year)
// that are created, zeroed, on first write. Missing entries read as T{}. Not thread-safe.
//
// Chunks, not one growing array: events arrive roughly in date order, so an array grows day
// by day, and every regrowth copies and zeroes the whole series again (with 1,000 units
// that was a tenth of the fold's time, mostly page faults). A chunk is written in place for
// life.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace naervaer::detail {

template <class T>
class DenseSeries {
 public:
  static constexpr std::int32_t kChunkShift = 8;
  static constexpr std::int32_t kChunkSize = std::int32_t{1} << kChunkShift;

  // Calls f(T* first, std::int32_t count) for consecutive spans that together cover the
  // entries [lo, hi), creating their chunks as needed.
  template <class F>
  void update(std::int32_t lo, std::int32_t hi, F&& f) {
    while (lo < hi) {
      const std::int32_t c = chunk_of(lo);
      const std::int32_t offset = lo - c * kChunkSize;
      const std::int32_t n = std::min(hi - lo, kChunkSize - offset);
      f(ensure(c) + offset, n);
      lo += n;
    }
  }

  // Creates (zeroed) the chunks that cover [lo, hi) now rather than at their first write.
  void reserve(std::int32_t lo, std::int32_t hi) {
    for (std::int32_t c = chunk_of(lo); lo < hi && c <= chunk_of(hi - 1); ++c) (void)ensure(c);
  }

  // Adds every entry of `other` to this one.
  void add(const DenseSeries& other) {
    for (std::size_t k = 0; k < other.chunks_.size(); ++k) {
      const T* from = other.chunks_[k].get();
      if (from == nullptr) continue;
      T* to = ensure(other.first_chunk_ + static_cast<std::int32_t>(k));
      for (std::int32_t i = 0; i < kChunkSize; ++i) to[i] += from[i];
    }
  }

  // Calls f(index, value) for the stored entries within [lo, hi); entries of chunks never
  // written (all T{}) are skipped.
  template <class F>
  void for_each(std::int32_t lo, std::int32_t hi, F&& f) const {
    if (chunks_.empty() || lo >= hi) return;
    const std::int32_t first = std::max(chunk_of(lo), first_chunk_);
    const std::int32_t last = std::min(chunk_of(hi - 1), first_chunk_ + static_cast<std::int32_t>(chunks_.size()) - 1);
    for (std::int32_t c = first; c <= last; ++c) {
      const T* chunk = chunks_[static_cast<std::size_t>(c - first_chunk_)].get();
      if (chunk == nullptr) continue;
      const std::int32_t a = std::max(lo, c * kChunkSize);
      const std::int32_t b = std::min(hi, (c + 1) * kChunkSize);
      for (std::int32_t i = a; i < b; ++i) f(i, chunk[i - c * kChunkSize]);
    }
  }

  void clear() {
    chunks_.clear();
    chunks_.shrink_to_fit();
    first_chunk_ = 0;
  }

  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    std::size_t n = chunks_.capacity() * sizeof(std::unique_ptr<T[]>);
    for (const auto& c : chunks_) n += c ? sizeof(T) * kChunkSize : 0;
    return n;
  }

 private:
  // Floor division: working-day indexes before the calendar's epoch are negative.
  static std::int32_t chunk_of(std::int32_t i) noexcept {
    return i >= 0 ? i / kChunkSize : -((-i - 1) / kChunkSize) - 1;
  }

  T* ensure(std::int32_t c) {
    if (chunks_.empty()) {
      first_chunk_ = c;
      chunks_.resize(1);
    } else if (c < first_chunk_) {
      std::vector<std::unique_ptr<T[]>> moved(chunks_.size() + static_cast<std::size_t>(first_chunk_ - c));
      std::move(chunks_.begin(), chunks_.end(), moved.begin() + (first_chunk_ - c));
      chunks_ = std::move(moved);
      first_chunk_ = c;
    } else if (c - first_chunk_ >= static_cast<std::int32_t>(chunks_.size())) {
      chunks_.resize(static_cast<std::size_t>(c - first_chunk_) + 1);
    }
    auto& chunk = chunks_[static_cast<std::size_t>(c - first_chunk_)];
    if (!chunk) chunk = std::make_unique<T[]>(kChunkSize);  // value-initialised: zero
    return chunk.get();
  }

  std::int32_t first_chunk_ = 0;
  std::vector<std::unique_ptr<T[]>> chunks_;
};

}  // namespace naervaer::detail
