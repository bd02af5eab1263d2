// Internal: remembers every applied event_id with its content fingerprint, so a repeat is
// recognised as a duplicate (same content) or a conflict (other content).
//
// An open-addressing table of 24-byte slots: the event_id is kept as two independent 64-bit
// hashes (a 128-bit key; an accidental collision among 10^9 ids has odds below 10^-20), so
// memory does not grow with id length. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "hash.h"

namespace naervaer::detail {

class EventIdIndex {
 public:
  [[nodiscard]] std::optional<std::uint64_t> find(std::string_view id) const noexcept {
    if (slots_.empty()) return std::nullopt;
    const Key k = key(id);
    for (std::size_t i = k.a & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.a == 0) return std::nullopt;
      if (s.a == k.a && s.b == k.b) return s.fingerprint;
    }
  }

  // Adds the id; the caller has checked that it is not present.
  void insert(std::string_view id, std::uint64_t fingerprint) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    place(key(id), fingerprint);
    ++size_;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Key {
    std::uint64_t a, b;
  };
  struct Slot {
    std::uint64_t a = 0;  // 0 marks an empty slot; real keys have the low bit set
    std::uint64_t b = 0;
    std::uint64_t fingerprint = 0;
  };

  static Key key(std::string_view id) noexcept {
    return {hash_string(id, 0x1d) | 1U, hash_string(id, 0x5eed)};
  }

  void place(Key k, std::uint64_t fp) noexcept {
    for (std::size_t i = k.a & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.a == 0) {
        s = Slot{k.a, k.b, fp};
        return;
      }
    }
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    const std::size_t n = old.empty() ? 1024 : old.size() * 2;
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    for (const Slot& s : old) {
      if (s.a != 0) place({s.a, s.b}, s.fingerprint);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace naervaer::detail
