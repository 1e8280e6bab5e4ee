#include "support/test_cases.hpp"

using namespace fabtwin;

TEST_CASE("The scratch pool hands returned blocks out again", "[exec][scratch]") {
  ScratchPool<Host> pool;
  void* first = nullptr;
  {
    auto block = pool.acquire(1000);
    CHECK(block.bytes() >= 1000);
    first = block.data();
    CHECK(pool.cached_bytes() == 0);
  }
  CHECK(pool.cached_bytes() == ScratchPool<Host>::size_class(1000));
  {
    auto again = pool.acquire(900);  // same size class: the same block comes back
    CHECK(again.data() == first);
    auto other = pool.acquire(900);  // the first is in use: a new block
    CHECK(other.data() != first);
    auto moved = std::move(other);
    CHECK(moved.data() != nullptr);
  }
  CHECK(pool.cached_bytes() == 2 * ScratchPool<Host>::size_class(1000));
  pool.release_cached();
  CHECK(pool.cached_bytes() == 0);
}

TEST_CASE("Scratch views must fit their block", "[exec][scratch][errors]") {
  ScratchPool<Host> pool;
  auto block = pool.acquire(64 * sizeof(float));
  CHECK(block.view<float>(8, 8).size() == 64);
  REQUIRE_THROWS_WITH(block.view<double>(8, 8, 2), Catch::Contains("'nx*ny*nz*batch' = 128"));
}

TEST_CASE("The object cache builds once per type and key", "[exec][cache]") {
  ObjectCache cache;
  int builds = 0;
  auto make = [&] {
    ++builds;
    return std::vector<int>(3, builds);
  };
  auto& a = cache.get_or_create<std::vector<int>>({1, 2}, make);
  auto& b = cache.get_or_create<std::vector<int>>({1, 2}, make);
  auto& c = cache.get_or_create<std::vector<int>>({1, 3}, make);
  CHECK(&a == &b);
  CHECK(&a != &c);
  CHECK(builds == 2);
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 2);
  cache.get_or_create<std::vector<double>>({1, 2}, [] { return std::vector<double>(1); });
  CHECK(cache.size() == 3);
}

TEST_CASE("Host contexts take their thread count from OpenMP or the caller", "[exec][context]") {
  CHECK(Context<Host>().threads() == omp_get_max_threads());
  CHECK(Context<Host>({.threads = 3}).threads() == 3);
  REQUIRE_THROWS_WITH(Context<Host>({.threads = -2}), Catch::Contains("'threads' = -2"));
}
