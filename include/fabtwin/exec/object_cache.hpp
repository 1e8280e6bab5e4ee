#pragma once
// ObjectCache: objects that are expensive to build and cheap to reuse (FFT plans, later imaging
// kernels), kept by a Context and found again by type and key. exec/ does not know what it caches,
// which keeps the layers in order: fft/ builds plans, exec/ only stores them.

#include <map>
#include <memory>
#include <typeindex>
#include <utility>
#include <vector>

#include "fabtwin/core/config.hpp"

namespace fabtwin {

class ObjectCache {
 public:
  using Key = std::vector<index_t>;

  /// The cached `Object` under `key`, built by `make()` on the first request.
  template <class Object, class Make>
  Object& get_or_create(const Key& key, Make&& make) {
    auto found = objects_.find({std::type_index(typeid(Object)), key});
    if (found != objects_.end()) {
      ++hits_;
      return *static_cast<Object*>(found->second.get());
    }
    ++misses_;
    std::shared_ptr<void> object = std::make_shared<Object>(std::forward<Make>(make)());
    Object& result = *static_cast<Object*>(object.get());
    objects_.emplace(std::pair{std::type_index(typeid(Object)), key}, std::move(object));
    return result;
  }

  /// Number of requests answered from the cache, and number that had to build.
  index_t hits() const { return hits_; }
  index_t misses() const { return misses_; }
  std::size_t size() const { return objects_.size(); }
  void clear() { objects_.clear(); }

 private:
  std::map<std::pair<std::type_index, Key>, std::shared_ptr<void>> objects_;
  index_t hits_ = 0;
  index_t misses_ = 0;
};

}  // namespace fabtwin
