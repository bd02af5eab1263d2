// The RocksDB state store on disk (a temporary directory): checkpoints replay in order
// after a reopen, compressed and uncompressed (older) journal segments both read back, and
// a damaged segment is reported, not misread; offsets written by older versions are read.
#include "state_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace naervaer::store {
namespace {

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("naervaer-store-test-" + std::to_string(std::random_device{}()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::vector<std::pair<std::int32_t, std::string>> replay_all(const StateStore& store) {
    std::vector<std::pair<std::int32_t, std::string>> out;
    store.replay([&](std::int32_t p, std::string_view json) {
      out.emplace_back(p, std::string(json));
      return true;
    });
    return out;
  }

  // A journal segment as the aggregator wrote it before segments were compressed.
  static std::string raw_segment(const std::vector<std::pair<std::int32_t, std::string>>& records) {
    std::string bytes;
    for (const auto& [partition, json] : records) {
      for (std::uint32_t v : {static_cast<std::uint32_t>(partition), static_cast<std::uint32_t>(json.size())}) {
        for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((v >> shift) & 0xff));
      }
      bytes += json;
    }
    return bytes;
  }

  std::filesystem::path dir_;
};

TEST_F(StateStoreTest, CheckpointsReplayInOrderAfterReopen) {
  std::vector<std::pair<std::int32_t, std::string>> expected;
  {
    StateStore store(dir_, "events");
    for (int k = 0; k < 3; ++k) {
      Checkpoint c;
      for (int i = 0; i < 1000; ++i) {
        const std::int32_t partition = i % 5 == 0 ? kReferencePartition : i % 4;
        std::string json = R"({"event_id":"e-)" + std::to_string(k * 1000 + i) + R"(","type":"absence_set"})";
        c.journal.append(partition, json);
        expected.emplace_back(partition, std::move(json));
      }
      c.next_offsets[k] = 100 + k;
      c.reference_offsets[7] = 10 * k;
      ASSERT_TRUE(store.commit(c).ok);
    }
    EXPECT_EQ(store.journal_size(), 3000U);
  }
  StateStore reopened(dir_, "events");
  EXPECT_EQ(reopened.journal_size(), 3000U);
  EXPECT_EQ(replay_all(reopened), expected);
  EXPECT_EQ(reopened.next_offsets(), (std::map<std::int32_t, std::int64_t>{{0, 100}, {1, 101}, {2, 102}}));
  EXPECT_EQ(reopened.reference_offsets(), (std::map<std::int32_t, std::int64_t>{{7, 20}}));
}

// The counters travel with the offsets they belong to; a checkpoint without them keeps the
// last; each topic has its own.
TEST_F(StateStoreTest, CountersAreWrittenWithTheOffsetsAndKeptUntilTheNext) {
  {
    StateStore store(dir_, "events");
    EXPECT_EQ(store.counters(), "");
    Checkpoint c;
    c.next_offsets[0] = 5;
    c.counters = "duplicates 3\nrejected 1\n";
    ASSERT_TRUE(store.commit(c).ok);
    Checkpoint without;
    without.next_offsets[0] = 6;
    ASSERT_TRUE(store.commit(without).ok);
  }
  StateStore reopened(dir_, "events");
  EXPECT_EQ(reopened.counters(), "duplicates 3\nrejected 1\n");
  EXPECT_EQ(reopened.next_offsets(), (std::map<std::int32_t, std::int64_t>{{0, 6}}));
  Checkpoint other;
  other.counters = "duplicates 9\n";
  ASSERT_TRUE(reopened.commit(other).ok);
  EXPECT_EQ(reopened.counters(), "duplicates 9\n");
}

TEST_F(StateStoreTest, CountersOfOneTopicAreNotAnothers) {
  {
    StateStore a(dir_, "a");
    Checkpoint c;
    c.counters = "rejected 2\n";
    ASSERT_TRUE(a.commit(c).ok);
  }
  EXPECT_EQ(StateStore(dir_, "b").counters(), "");
}

TEST_F(StateStoreTest, SegmentsAreStoredCompressed) {
  StateStore store(dir_, "events");
  Checkpoint c;
  std::size_t raw = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string json = R"({"event_id":"e-)" + std::to_string(i) +
                             R"(","type":"absence_set","employee":"p-0123456789abcdef","from":"2026-01-05"})";
    raw += json.size();
    c.journal.append(i % 8, json);
  }
  ASSERT_TRUE(store.commit(c).ok);
  rocksdb::DB* db = nullptr;
  // Read the raw value beside the store (RocksDB allows one writer; a read-only view is fine).
  ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir_.string(), &db).ok());
  std::unique_ptr<rocksdb::DB> owner(db);
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), std::string("j") + std::string(8, '\0'), &value).ok());
  EXPECT_LT(value.size(), raw / 4) << "the segment was not compressed";
}

TEST_F(StateStoreTest, UncompressedSegmentsOfOlderVersionsStillReplay) {
  const std::vector<std::pair<std::int32_t, std::string>> old_records = {
      {0, R"({"event_id":"old-1"})"}, {kReferencePartition, R"({"event_id":"old-2"})"}};
  {
    // The layout before compression: the first segment written directly, as then.
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.string(), &db).ok());
    std::unique_ptr<rocksdb::DB> owner(db);
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), std::string("j") + std::string(8, '\0'), raw_segment(old_records)).ok());
    const std::string seq = std::string(7, '\0') + '\2' + std::string(7, '\0') + '\1';  // 2 events, 1 segment
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "m/seq", seq).ok());
  }
  StateStore store(dir_, "events");
  EXPECT_EQ(store.journal_size(), 2U);
  Checkpoint c;
  c.journal.append(3, R"({"event_id":"new-1"})");
  ASSERT_TRUE(store.commit(c).ok);
  auto expected = old_records;
  expected.emplace_back(3, R"({"event_id":"new-1"})");
  EXPECT_EQ(replay_all(store), expected);
}

TEST_F(StateStoreTest, OffsetsOfOlderVersionsAreReadAndTheLaterOfEachPartitionWins) {
  const auto key = [](const std::string& prefix, std::uint64_t partition) {
    std::string k = prefix;
    for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>((partition >> shift) & 0xff));
    return k;
  };
  const auto value = [&](std::uint64_t offset) { return key("", offset); };
  {
    // Offsets as a version before the binary journal wrote them.
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.string(), &db).ok());
    std::unique_ptr<rocksdb::DB> owner(db);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key("o/events/", 0), value(50)).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key("o/events/", 1), value(500)).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key("r/events/", 4), value(7)).ok());
  }
  {
    StateStore store(dir_, "events");
    EXPECT_EQ(store.next_offsets(), (std::map<std::int32_t, std::int64_t>{{0, 50}, {1, 500}}));
    Checkpoint c;
    c.next_offsets = {{0, 100}, {1, 200}, {2, 300}};
    ASSERT_TRUE(store.commit(c).ok);
  }
  StateStore store(dir_, "events");
  EXPECT_EQ(store.next_offsets(), (std::map<std::int32_t, std::int64_t>{{0, 100}, {1, 500}, {2, 300}}));
  EXPECT_EQ(store.reference_offsets(), (std::map<std::int32_t, std::int64_t>{{4, 7}}));
  // The old keys stay as the old version left them: rolled back to, it resumes from there.
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir_.string(), &db).ok());
  std::unique_ptr<rocksdb::DB> owner(db);
  std::string old;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), key("o/events/", 0), &old).ok());
  EXPECT_EQ(old, value(50));
}

// One segment written, its stored value damaged by `damage`: the replay must say so.
void expect_damage_reported(const std::filesystem::path& dir, const std::function<void(std::string&)>& damage) {
  {
    StateStore store(dir, "events");
    Checkpoint c;
    for (int i = 0; i < 1000; ++i) c.journal.append(0, R"({"event_id":"e-)" + std::to_string(i * 7919) + R"("})");
    ASSERT_TRUE(store.commit(c).ok);
  }
  {
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.string(), &db).ok());
    std::unique_ptr<rocksdb::DB> owner(db);
    const std::string key = std::string("j") + std::string(8, '\0');
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), key, &value).ok());
    damage(value);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
  }
  const StateStore store(dir, "events");
  try {
    store.replay([](std::int32_t, std::string_view) { return true; });
    FAIL() << "a damaged segment replayed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("journal segment is damaged"), std::string::npos) << e.what();
  }
}

TEST_F(StateStoreTest, ASegmentCutShortIsReportedNotMisread) {
  expect_damage_reported(dir_, [](std::string& v) { v.resize(v.size() / 2); });
}

// The frame's checksum: without it a flipped byte can decode to other events.
TEST_F(StateStoreTest, AFlippedByteInASegmentIsReportedNotMisread) {
  expect_damage_reported(dir_, [](std::string& v) { v[v.size() / 2] = static_cast<char>(v[v.size() / 2] ^ 0x04); });
}

}  // namespace
}  // namespace naervaer::store
