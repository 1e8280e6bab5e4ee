#pragma once
// ScratchPool<Space>: temporaries for kernels that need work memory per call (FFT work areas,
// intermediate spectra). Blocks handed back are kept and handed out again for a request of the same
// size class, so a loop over many images allocates only on its first pass.

#include <bit>
#include <cstddef>
#include <map>
#include <utility>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/space.hpp"
#include "fabtwin/core/view.hpp"

namespace fabtwin {

template <class Space>
class ScratchPool;

/// A block of scratch memory, returned to its pool when destroyed.
template <class Space>
class ScratchBlock {
 public:
  ScratchBlock(ScratchBlock&& other) noexcept
      : pool_(std::exchange(other.pool_, nullptr)),
        data_(std::exchange(other.data_, nullptr)),
        bytes_(std::exchange(other.bytes_, 0)) {}
  ScratchBlock& operator=(ScratchBlock&& other) noexcept {
    if (this != &other) {
      give_back();
      pool_ = std::exchange(other.pool_, nullptr);
      data_ = std::exchange(other.data_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }
  ScratchBlock(const ScratchBlock&) = delete;
  ScratchBlock& operator=(const ScratchBlock&) = delete;
  ~ScratchBlock() { give_back(); }

  void* data() const { return data_; }
  /// Usable size; at least what was asked for.
  std::size_t bytes() const { return bytes_; }

  /// The block seen as samples of T with the given extents (which must fit in the block).
  template <class T>
  View<T, Space> view(index_t nx, index_t ny = 1, index_t nz = 1, index_t batch = 1) const {
    const index_t samples = nx * ny * nz * batch;
    require(samples >= 0 && sizeof(T) * static_cast<std::size_t>(samples) <= bytes_,
            "ScratchBlock::view", "nx*ny*nz*batch", samples, [&] {
              return "at most " + std::to_string(bytes_ / sizeof(T)) + " samples of this block";
            });
    return View<T, Space>(static_cast<T*>(data_), nx, ny, nz, batch);
  }

 private:
  friend class ScratchPool<Space>;
  ScratchBlock(ScratchPool<Space>* pool, void* data, std::size_t bytes)
      : pool_(pool), data_(data), bytes_(bytes) {}
  void give_back() noexcept {
    if (pool_ && data_) pool_->give_back(data_, bytes_);
    data_ = nullptr;
  }

  ScratchPool<Space>* pool_ = nullptr;
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

template <class Space>
class ScratchPool {
 public:
  ScratchPool() = default;
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;
  ~ScratchPool() { release_cached(); }

  /// A block of at least `bytes` bytes: zero-filled when newly allocated, else holding what its last
  /// user left. The caller must let it go before the pool dies.
  ScratchBlock<Space> acquire(std::size_t bytes) {
    const std::size_t size = size_class(bytes);
    auto cached = free_.find(size);
    if (cached != free_.end()) {
      void* data = cached->second;
      free_.erase(cached);
      cached_bytes_ -= size;
      return ScratchBlock<Space>(this, data, size);
    }
    return ScratchBlock<Space>(this, Space::allocate(size), size);
  }

  /// Bytes held for reuse (not handed out).
  std::size_t cached_bytes() const { return cached_bytes_; }

  /// Frees every block held for reuse.
  void release_cached() noexcept {
    for (auto& [size, data] : free_) Space::release(data);
    free_.clear();
    cached_bytes_ = 0;
  }

  /// Requests are rounded up to a power of two (at least 256 bytes), so that sizes that differ a
  /// little share blocks; the waste is below a factor of two.
  static std::size_t size_class(std::size_t bytes) {
    return std::bit_ceil(bytes < 256 ? std::size_t{256} : bytes);
  }

 private:
  friend class ScratchBlock<Space>;
  void give_back(void* data, std::size_t size) noexcept {
    try {
      free_.emplace(size, data);
      cached_bytes_ += size;
    } catch (...) {
      Space::release(data);  // cannot record it: free it rather than leak it
    }
  }

  std::multimap<std::size_t, void*> free_;
  std::size_t cached_bytes_ = 0;
};

}  // namespace fabtwin
