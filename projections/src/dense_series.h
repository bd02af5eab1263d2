// Internal: a value per working-day index over a range that grows on demand at either end
// (geometrically, so appending day after day is amortised O(1)). Missing entries read as T{}.
// Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace naervaer::detail {

template <class T>
class DenseSeries {
 public:
  T& at(std::int32_t i) { return range(i, i + 1)[0]; }

  // A pointer to the entries [lo, hi), created (zeroed) as needed.
  T* range(std::int32_t lo, std::int32_t hi) {
    if (values_.empty()) {
      base_ = lo;
      values_.resize(static_cast<std::size_t>(hi - lo));
    } else if (lo < base_ || hi > end()) {
      const std::int32_t size = end() - base_;
      const std::int32_t slack = std::max<std::int32_t>(size / 4, 64);  // appends dominate: day after day
      const std::int32_t new_lo = lo < base_ ? std::min(lo, base_ - slack) : base_;
      const std::int32_t new_hi = hi > end() ? std::max(hi, end() + slack) : end();
      std::vector<T> grown(static_cast<std::size_t>(new_hi - new_lo));
      std::copy(values_.begin(), values_.end(), grown.begin() + (base_ - new_lo));
      values_ = std::move(grown);
      base_ = new_lo;
    }
    return values_.data() + (lo - base_);
  }

  // Calls f(index, value) for the stored entries within [lo, hi).
  template <class F>
  void for_each(std::int32_t lo, std::int32_t hi, F&& f) const {
    const std::int32_t a = std::max(lo, base_);
    const std::int32_t b = std::min(hi, end());
    for (std::int32_t i = a; i < b; ++i) f(i, values_[static_cast<std::size_t>(i - base_)]);
  }

  void clear() {
    values_.clear();
    values_.shrink_to_fit();
    base_ = 0;
  }

  [[nodiscard]] std::size_t memory_bytes() const noexcept { return values_.capacity() * sizeof(T); }

 private:
  [[nodiscard]] std::int32_t end() const noexcept { return base_ + static_cast<std::int32_t>(values_.size()); }

  std::int32_t base_ = 0;
  std::vector<T> values_;
};

}  // namespace naervaer::detail
