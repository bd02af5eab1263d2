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
  // Starts loading the id's slot into the cache: the table is far larger than the caches,
  // so a batch that prefetches a few events ahead hides most of the miss.
  void prefetch(std::string_view id) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[key(id).a & mask_]);
  }

  // One probe for "seen before?" and, if not, where the id goes: find() then insert()
  // would touch the (cache-cold) table twice per event.
  struct Probe {
    std::optional<std::uint64_t> fingerprint;  // set when the id is present
    std::uint64_t a = 0, b = 0;
    std::size_t slot = 0;
  };

  [[nodiscard]] Probe probe(std::string_view id) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // so that the empty slot found stays valid
    const Key k = key(id);
    for (std::size_t i = k.a & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.a == 0) return Probe{std::nullopt, k.a, k.b, i};
      if (s.a == k.a && s.b == k.b) return Probe{s.fingerprint, k.a, k.b, i};
    }
  }

  // Records the id of a probe that found it absent; no other insert may come in between.
  void insert(const Probe& p, std::uint64_t fingerprint) noexcept {
    slots_[p.slot] = Slot{p.a, p.b, fingerprint};
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

  static Key key(std::string_view id) noexcept { return {hash_string(id, 0x1d) | 1U, hash_string(id, 0x5eed)}; }

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
