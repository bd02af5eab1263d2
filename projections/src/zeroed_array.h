// Internal: a fixed-size, zero-filled array of a trivially copyable T in its own anonymous
// memory mapping, which the kernel may back with transparent huge pages (MADV_HUGEPAGE).
//
// For tables of hundreds of megabytes written in random order (the event-id index): a
// std::vector writes every zero itself and takes a 4 KiB page fault per page touched, which
// in a virtual machine cost more than the probes. The kernel's pages come zeroed, and with
// huge pages there are 512 times fewer faults. Without THP it is still an ordinary mapping.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace naervaer::detail {

template <class T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "the mapping's zero bytes must be a valid T");

 public:
  ZeroedArray() = default;
  explicit ZeroedArray(std::size_t n) : size_(n), bytes_(n * sizeof(T)) {
    if (n == 0) return;
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    (void)madvise(p, bytes_, MADV_HUGEPAGE);  // a hint; EINVAL where THP is compiled out
    data_ = static_cast<T*>(p);
  }
  ~ZeroedArray() {
    if (data_ != nullptr) munmap(data_, bytes_);
  }
  ZeroedArray(ZeroedArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), bytes_(std::exchange(o.bytes_, 0)) {}
  ZeroedArray& operator=(ZeroedArray&& o) noexcept {
    if (this != &o) {
      this->~ZeroedArray();
      new (this) ZeroedArray(std::move(o));
    }
    return *this;
  }
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;

  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] const T* begin() const noexcept { return data_; }
  [[nodiscard]] const T* end() const noexcept { return data_ + size_; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace naervaer::detail
