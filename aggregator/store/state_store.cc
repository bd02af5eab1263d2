#include "state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <stdexcept>

namespace naervaer::store {

namespace {

// Keys: "j" + big-endian sequence (journal, in apply order), "o/<topic>/" + big-endian
// partition (next offset), "m/seq" (the next journal sequence).
std::string be64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return s;
}

std::uint64_t from_be64(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s.substr(0, 8)) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

}  // namespace

struct StateStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::string offset_prefix;
  std::uint64_t next_seq = 0;
};

StateStore::StateStore(const std::filesystem::path& dir, const std::string& topic) : impl_(std::make_unique<Impl>()) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create state directory " + dir.string() + ": " + ec.message());
  rocksdb::Options options;
  options.create_if_missing = true;
  options.compression = rocksdb::kLZ4Compression;
  options.IncreaseParallelism(2);
  rocksdb::DB* db = nullptr;
  const rocksdb::Status st = rocksdb::DB::Open(options, dir.string(), &db);
  if (!st.ok()) throw std::runtime_error("cannot open state directory " + dir.string() + ": " + st.ToString());
  impl_->db.reset(db);
  impl_->offset_prefix = "o/" + topic + "/";
  std::string seq;
  const rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), "m/seq", &seq);
  if (s.ok()) {
    impl_->next_seq = from_be64(seq);
  } else if (!s.IsNotFound()) {
    throw std::runtime_error("cannot read state directory " + dir.string() + ": " + s.ToString());
  }
}

StateStore::~StateStore() = default;

StoreStatus StateStore::commit(const Checkpoint& c) {
  rocksdb::WriteBatch batch;
  std::uint64_t seq = impl_->next_seq;
  for (const std::string& e : c.journal) {
    if (rocksdb::Status s = batch.Put("j" + be64(seq++), e); !s.ok()) return {false, s.ToString()};
  }
  for (const auto& [partition, offset] : c.next_offsets) {
    const rocksdb::Status s = batch.Put(impl_->offset_prefix + be64(static_cast<std::uint32_t>(partition)),
                                        be64(static_cast<std::uint64_t>(offset)));
    if (!s.ok()) return {false, s.ToString()};
  }
  if (rocksdb::Status s = batch.Put("m/seq", be64(seq)); !s.ok()) return {false, s.ToString()};
  rocksdb::WriteOptions wo;
  wo.sync = true;  // a checkpoint survives a power cut, not only a crash
  const rocksdb::Status s = impl_->db->Write(wo, &batch);
  if (!s.ok()) return {false, "checkpoint failed: " + s.ToString()};
  impl_->next_seq = seq;
  return {};
}

std::map<std::int32_t, std::int64_t> StateStore::next_offsets() const {
  std::map<std::int32_t, std::int64_t> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(impl_->offset_prefix); it->Valid() && it->key().starts_with(impl_->offset_prefix); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    out[static_cast<std::int32_t>(from_be64(key.substr(impl_->offset_prefix.size())))] =
        static_cast<std::int64_t>(from_be64(std::string_view(it->value().data(), it->value().size())));
  }
  return out;
}

std::uint64_t StateStore::journal_size() const noexcept {
  return impl_->next_seq;
}

void StateStore::replay(const std::function<bool(std::string_view)>& f) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro));
  for (it->Seek("j"); it->Valid() && it->key().starts_with("j"); it->Next()) {
    if (!f(std::string_view(it->value().data(), it->value().size()))) return;
  }
  if (!it->status().ok()) throw std::runtime_error("reading the journal failed: " + it->status().ToString());
}

std::uint64_t StateStore::size_bytes() const {
  std::uint64_t sst = 0, mem = 0;
  impl_->db->GetIntProperty("rocksdb.total-sst-files-size", &sst);
  impl_->db->GetIntProperty("rocksdb.cur-size-all-mem-tables", &mem);
  return sst + mem;
}

}  // namespace naervaer::store
