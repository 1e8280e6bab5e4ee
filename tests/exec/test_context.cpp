#include "fabtwin/exec/reduce.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

TEMPLATE_LIST_TEST_CASE("The scratch pool hands returned blocks out again", "[exec][scratch]",
                        test::Cases) {
  using S = typename TestType::space;
  ScratchPool<S> pool;
  void* first = nullptr;
  {
    auto block = pool.acquire(1000);
    CHECK(block.bytes() >= 1000);
    first = block.data();
    CHECK(pool.cached_bytes() == 0);
  }
  CHECK(pool.cached_bytes() == ScratchPool<S>::size_class(1000));
  {
    auto again = pool.acquire(900);  // same size class: the same block comes back
    CHECK(again.data() == first);
    auto other = pool.acquire(900);  // the first is in use: a new block
    CHECK(other.data() != first);
    auto moved = std::move(other);
    CHECK(moved.data() != nullptr);
  }
  CHECK(pool.cached_bytes() == 2 * ScratchPool<S>::size_class(1000));
  pool.release_cached();
  CHECK(pool.cached_bytes() == 0);
}

TEMPLATE_LIST_TEST_CASE("Scratch blocks serve as fields' storage in kernels", "[exec][scratch]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  auto block = ctx.scratch().acquire(64 * sizeof(T));
  const View<T, S> view = block.template view<T>(8, 8);
  CHECK(view.size() == 64);
  fill(ctx, view, T(1.5));
  CHECK(sum(ctx, view) == T(96));
  REQUIRE_THROWS_WITH(block.template view<T>(8, 8, 2), Catch::Contains("'nx*ny*nz*batch' = 128"));
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
