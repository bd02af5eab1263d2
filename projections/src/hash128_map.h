// Internal: a map from identifiers to small values, keyed by two independent 64-bit hashes
// of the identifier (a 128-bit key: an accidental collision among 10^9 ids has odds below
// 10^-20), so memory does not grow with id length and no string is stored or compared.
// Used for the event ids seen (value: the content fingerprint) and for the persons
// (value: the employee's index).
//
// Open addressing with linear probing in a table of at most 3/4 load that doubles; the
// table lives in a ZeroedArray (kernel-zeroed, huge pages where allowed). Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "hash.h"
#include "zeroed_array.h"

namespace naervaer::detail {

struct Key128 {
  std::uint64_t a = 0;  // never 0 for a real key: the low bit is set
  std::uint64_t b = 0;
  static Key128 of(std::string_view id) noexcept { return {hash_string(id, 0x1d) | 1U, hash_string(id, 0x5eed)}; }
};

template <class V>
class Hash128Map {
 public:
  // Starts loading the key's slot into the cache: a table far larger than the caches is
  // probed at random, so a batch that prefetches a few events ahead hides most of the miss.
  void prefetch(Key128 k) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home(k.a)]);
  }

  // One probe for "present?" and, if not, where the key goes: find() then insert() would
  // touch the (cache-cold) table twice.
  struct Probe {
    std::optional<V> value;  // set when the key is present
    Key128 key;
    std::size_t slot = 0;
  };

  [[nodiscard]] Probe probe(Key128 k) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // so that the empty slot found stays valid
    for (std::size_t i = home(k.a);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.a == 0) return Probe{std::nullopt, k, i};
      if (s.a == k.a && s.b == k.b) return Probe{s.value, k, i};
    }
  }

  [[nodiscard]] std::optional<V> find(Key128 k) const noexcept {
    if (slots_.empty()) return std::nullopt;
    for (std::size_t i = home(k.a);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.a == 0) return std::nullopt;
      if (s.a == k.a && s.b == k.b) return s.value;
    }
  }

  // Records the key of a probe that found it absent; no other insert may come in between.
  void insert(const Probe& p, V value) noexcept {
    slots_[p.slot] = Slot{p.key.a, p.key.b, value};
    ++size_;
  }

  // Grows the table now, so that holding n keys needs no growth later.
  void reserve(std::size_t n) {
    std::size_t slots = slots_.empty() ? 1024 : slots_.size();
    while (n * 4 > slots * 3) slots *= 2;
    if (slots > slots_.size()) grow_to(slots);
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.size() * sizeof(Slot); }

 private:
  struct Slot {
    std::uint64_t a = 0;  // 0 marks an empty slot
    std::uint64_t b = 0;
    V value{};
  };

  // Bit 0 of a is always set (it marks a used slot), so the home slot comes from the rest.
  [[nodiscard]] std::size_t home(std::uint64_t a) const noexcept { return (a >> 1) & mask_; }

  void place(const Slot& slot) noexcept {
    for (std::size_t i = home(slot.a);; i = (i + 1) & mask_) {
      if (slots_[i].a == 0) {
        slots_[i] = slot;
        return;
      }
    }
  }

  // The new table is allocated before the old one is touched: a failed allocation leaves
  // the map as it was.
  void grow() { grow_to(slots_.empty() ? 1024 : slots_.size() * 2); }

  void grow_to(std::size_t n) {  // n: a power of two
    ZeroedArray<Slot> bigger(n);
    ZeroedArray<Slot> old = std::exchange(slots_, std::move(bigger));
    mask_ = n - 1;
    for (const Slot& s : old) {
      if (s.a != 0) place(s);
    }
  }

  ZeroedArray<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace naervaer::detail
