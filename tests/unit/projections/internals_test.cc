// The projection's internal containers against plain std::map models: the chunked
// per-day series and the 128-bit-keyed hash map.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "dense_series.h"
#include "hash128_map.h"

namespace naervaer::detail {
namespace {

TEST(DenseSeries, UpdatesAcrossChunksAndBothEndsMatchAMap) {
  DenseSeries<std::int64_t> series;
  std::map<std::int32_t, std::int64_t> model;
  std::mt19937 rng(7);
  // Indexes on both sides of zero and far apart, so chunks are added at the front, at the
  // back and with gaps between them.
  std::uniform_int_distribution<std::int32_t> start(-3000, 3000);
  std::uniform_int_distribution<std::int32_t> length(0, 700);
  for (int op = 0; op < 2000; ++op) {
    const std::int32_t lo = start(rng);
    const std::int32_t hi = lo + length(rng);
    const std::int64_t v = op % 7 - 3;
    std::int32_t covered = 0;
    series.update(lo, hi, [&](std::int64_t* p, std::int32_t n) {
      ASSERT_GT(n, 0);
      for (std::int32_t i = 0; i < n; ++i) p[i] += v;
      covered += n;
    });
    EXPECT_EQ(covered, hi - lo);
    for (std::int32_t i = lo; i < hi; ++i) model[i] += v;
  }
  for (auto [lo, hi] : {std::pair{-4000, 4000}, std::pair{-257, -255}, std::pair{255, 513}, std::pair{10, 10}}) {
    std::int64_t sum = 0;
    std::int64_t expected = 0;
    series.for_each(lo, hi, [&](std::int32_t i, std::int64_t v) {
      ASSERT_GE(i, lo);
      ASSERT_LT(i, hi);
      sum += v * i;  // weighted by the index: a value reported at the wrong day would show
    });
    for (auto it = model.lower_bound(lo); it != model.end() && it->first < hi; ++it) expected += it->second * it->first;
    EXPECT_EQ(sum, expected) << "[" << lo << ", " << hi << ")";
  }
  EXPECT_GT(series.memory_bytes(), 0U);
  series.clear();
  std::int64_t after_clear = 0;
  series.for_each(-4000, 4000, [&](std::int32_t, std::int64_t v) { after_clear += v; });
  EXPECT_EQ(after_clear, 0);
}

TEST(DenseSeries, ChunksNeverWrittenAreSkipped) {
  DenseSeries<std::int64_t> series;
  series.update(0, 1, [](std::int64_t* p, std::int32_t) { *p = 5; });
  series.update(5000, 5001, [](std::int64_t* p, std::int32_t) { *p = 6; });
  int visited = 0;
  series.for_each(-10000, 10000, [&](std::int32_t, std::int64_t) { ++visited; });
  // Two chunks of 256 days, not the 5,001 days between them.
  EXPECT_EQ(visited, 2 * DenseSeries<std::int64_t>::kChunkSize);
}

TEST(Hash128Map, KeepsEveryValueThroughGrowth) {
  Hash128Map<std::uint32_t> map;
  constexpr std::uint32_t kCount = 100000;
  for (std::uint32_t i = 0; i < kCount; ++i) {
    const auto probe = map.probe(Key128::of("person-" + std::to_string(i)));
    ASSERT_FALSE(probe.value) << i;
    map.insert(probe, i);
  }
  EXPECT_EQ(map.size(), kCount);
  for (std::uint32_t i = 0; i < kCount; ++i) {
    const Key128 k = Key128::of("person-" + std::to_string(i));
    ASSERT_EQ(map.find(k), i);
    ASSERT_EQ(map.probe(k).value, i);
  }
  EXPECT_FALSE(map.find(Key128::of("person-" + std::to_string(kCount))));
  EXPECT_FALSE(Hash128Map<std::uint32_t>().find(Key128::of("anyone")));
  EXPECT_GE(map.memory_bytes(), kCount * 4 / 3 * 24);
}

TEST(Hash128Map, ReserveMakesRoomOnceAndKeepsWhatIsThere) {
  Hash128Map<std::uint32_t> map;
  for (std::uint32_t i = 0; i < 10; ++i) map.insert(map.probe(Key128::of("early-" + std::to_string(i))), i);
  constexpr std::uint32_t kCount = 50000;
  map.reserve(kCount + 10);
  const std::size_t reserved = map.memory_bytes();
  EXPECT_GE(reserved, (kCount + 10) * 4 / 3 * 24);
  for (std::uint32_t i = 0; i < kCount; ++i) map.insert(map.probe(Key128::of("late-" + std::to_string(i))), i);
  EXPECT_EQ(map.memory_bytes(), reserved);  // no growth on the way
  for (std::uint32_t i = 0; i < 10; ++i) ASSERT_EQ(map.find(Key128::of("early-" + std::to_string(i))), i);
  for (std::uint32_t i = 0; i < kCount; ++i) ASSERT_EQ(map.find(Key128::of("late-" + std::to_string(i))), i);
  map.reserve(5);  // never shrinks
  EXPECT_EQ(map.memory_bytes(), reserved);
}

}  // namespace
}  // namespace naervaer::detail
