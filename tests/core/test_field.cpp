#include "support/test_cases.hpp"

using namespace fabtwin;
using Catch::Contains;

TEMPLATE_LIST_TEST_CASE("A new field is zero-filled and sized by its grid and batch",
                        "[core][field]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  const Grid grid = Grid::volume(7, 5, 3, {1, 1, 1});
  Field<T, S> field(grid, 2);
  CHECK(field.size() == 7 * 5 * 3 * 2);
  CHECK(field.bytes() == sizeof(T) * 210);
  CHECK(field.grid() == grid);
  const auto values = to_vector(field);
  REQUIRE(values.size() == 210);
  for (T v : values) REQUIRE(v == T(0));
}

TEMPLATE_LIST_TEST_CASE("Copies to another space and back keep every sample", "[core][field]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  const Grid grid(13, 11, 0.5);
  const auto values = test::random_values<complex<T>>(grid.size() * 3, 7);
  const Field<complex<T>, S> there = test::field_with<S>(grid, values, 3);
  const Field<complex<T>, Host> back = to<Host>(there);
  const auto returned = to_vector(back);
  REQUIRE(returned.size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i) REQUIRE(returned[i] == values[i]);

  Field<complex<T>, S> target(grid, 3);
  copy(there, target);
  CHECK(to_vector(target) == values);
}

TEMPLATE_LIST_TEST_CASE("Copies between fields of different shapes are refused",
                        "[core][field][errors]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  const Field<T, S> a(Grid(8, 8, 1.0));
  Field<T, S> b(Grid(8, 4, 1.0));
  Field<T, S> c(Grid(8, 8, 1.0), 2);
  REQUIRE_THROWS_AS(copy(a, b), shape_mismatch);
  REQUIRE_THROWS_WITH(copy(a, b), Contains("destination.grid") && Contains("8x4"));
  REQUIRE_THROWS_WITH(copy(a.view(), c.view()), Contains("batch 2") && Contains("batch 1"));
}

TEST_CASE("Views index x fastest, then y, z and batch member", "[core][view]") {
  Field<float, Host> field(Grid::volume(4, 3, 2, {1, 1, 1}), 2);
  for (index_t i = 0; i < field.size(); ++i) field.data()[i] = float(i);
  const auto v = field.view();
  CHECK(v(1, 0) == 1.0f);
  CHECK(v(0, 1) == 4.0f);
  CHECK(v(0, 0, 1) == 12.0f);
  CHECK(v(3, 2, 1, 1) == 47.0f);
  CHECK(v.member(1)(0, 0) == 24.0f);
  CHECK(v.member(1).batch() == 1);
  CHECK(v.member_size() == 24);
  const View<const float, Host> read_only = v;  // mutable views convert to const views
  CHECK(read_only(2, 1, 1) == v(2, 1, 1));
  CHECK(read_only.same_extents(v));
}

TEST_CASE("Fields move without copying and free once", "[core][field]") {
  Field<double, Host> a(Grid(32, 32, 1.0));
  a.data()[5] = 3.0;
  const double* storage = a.data();
  Field<double, Host> b = std::move(a);
  CHECK(b.data() == storage);
  CHECK(b.data()[5] == 3.0);
  Field<double, Host> c(Grid(2, 2, 1.0));
  c = std::move(b);
  CHECK(c.data() == storage);
  CHECK(c.grid().nx() == 32);
}

TEST_CASE("Bad field arguments are refused", "[core][field][errors]") {
  REQUIRE_THROWS_WITH((Field<float, Host>(Grid(4, 4, 1.0), 0)), Contains("'batch' = 0"));
  REQUIRE_THROWS_WITH(make_host_field(Grid(4, 4, 1.0), std::vector<float>(15)),
                      Contains("'values.size()' = 15") && Contains("16 samples"));
}

TEMPLATE_LIST_TEST_CASE("Fields too large for memory are refused with out_of_memory",
                        "[core][field][errors]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  // 2^50 samples: more memory than any machine has, but a size that does not overflow.
  REQUIRE_THROWS_AS((Field<T, S>(Grid(index_t{1} << 25, index_t{1} << 25, 1.0))), out_of_memory);
  REQUIRE_THROWS_WITH((Field<T, S>(Grid(index_t{1} << 25, index_t{1} << 25, 1.0))),
                      Contains("could not allocate") && Contains("bytes"));
  // Byte counts that overflow are refused before any allocation is tried.
  REQUIRE_THROWS_AS((Field<T, S>(Grid(index_t{1} << 31, index_t{1} << 31, 1.0), index_t{1} << 20)),
                    out_of_memory);
  REQUIRE_THROWS_WITH(Grid::volume(index_t{1} << 31, index_t{1} << 31, 4, {1, 1, 1}),
                      Contains("'nx*ny*nz' = 2147483648x2147483648x4"));
}

TEST_CASE("Host memory is aligned for SIMD FFTs", "[core][field]") {
  for (index_t n : {1, 3, 17, 1000}) {
    Field<float, Host> field(Grid(n, 1, 1.0));
    CHECK(reinterpret_cast<std::uintptr_t>(field.data()) % Host::alignment == 0);
  }
}
