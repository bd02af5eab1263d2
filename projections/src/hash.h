// Internal: a small, fast, well-mixed 64-bit hash (wyhash-style multiply-fold). Used for
// event fingerprints and for interning identifiers; deterministic across runs and machines.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace naervaer::detail {

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang; -Wpedantic otherwise objects

inline std::uint64_t mum(std::uint64_t a, std::uint64_t b) noexcept {
  const Uint128 r = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

inline constexpr std::uint64_t kP0 = 0xa0761d6478bd642fULL;
inline constexpr std::uint64_t kP1 = 0xe7037ed1a0b428dbULL;
inline constexpr std::uint64_t kP2 = 0x8ebc6af09c88c6e3ULL;

class Hasher {
 public:
  explicit Hasher(std::uint64_t seed = 0) noexcept : h_(seed ^ kP0) {}

  void u64(std::uint64_t v) noexcept { h_ = mum(h_ ^ kP1, v ^ kP2); }

  void bytes(std::string_view s) noexcept {
    const char* p = s.data();
    std::size_t n = s.size();
    while (n >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      u64(w);
      p += 8;
      n -= 8;
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, p, n);
    u64(tail ^ (static_cast<std::uint64_t>(s.size()) << 56));
  }

  [[nodiscard]] std::uint64_t digest() const noexcept { return mum(h_ ^ kP0, h_ ^ kP1); }

 private:
  std::uint64_t h_;
};

inline std::uint64_t hash_string(std::string_view s, std::uint64_t seed = 0) noexcept {
  Hasher h(seed);
  h.bytes(s);
  return h.digest();
}

}  // namespace naervaer::detail
