#include "support/test_cases.hpp"

using namespace fabtwin;

namespace {

// Each functor writes a value computed from its indices, so a missed or repeated index shows up
// as a wrong sample: out must end equal to its own linear index everywhere.
template <class V>
struct WriteIndex1 {
  V out;
  FABTWIN_HD void operator()(index_t i) const { out[i] += typename V::value_type(i + 1); }
};
template <class V>
struct WriteIndex2 {
  V out;
  FABTWIN_HD void operator()(index_t x, index_t y) const {
    out(x, y) += typename V::value_type(x + out.nx() * y + 1);
  }
};
template <class V>
struct WriteIndex3 {
  V out;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t z) const {
    out(x, y, z) += typename V::value_type(x + out.nx() * (y + out.ny() * z) + 1);
  }
};

template <class T>
struct Affine {
  T a, b;
  FABTWIN_HD T operator()(T v) const { return a * v + b; }
};

template <class T>
void require_each_index_once(const std::vector<T>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) REQUIRE(values[i] == T(i + 1));
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("for_each visits every index of 1D, 2D and 3D ranges exactly once",
                        "[exec][for_each]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;

  Field<T, S> line(Grid(1001, 1, 1.0));
  for_each(ctx, Range1{line.size()}, WriteIndex1<View<T, S>>{line.view()});
  require_each_index_once(to_vector(line));

  Field<T, S> image(Grid(37, 19, 1.0));
  for_each(ctx, Range2{37, 19}, WriteIndex2<View<T, S>>{image.view()});
  require_each_index_once(to_vector(image));

  Field<T, S> volume(Grid::volume(9, 7, 5, {1, 1, 1}));
  for_each(ctx, member_range(volume.view()), WriteIndex3<View<T, S>>{volume.view()});
  require_each_index_once(to_vector(volume));
}

TEMPLATE_LIST_TEST_CASE("Empty ranges do nothing and negative extents are refused",
                        "[exec][for_each][errors]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  Field<T, S> field(Grid(4, 4, 1.0));
  REQUIRE_NOTHROW(for_each(ctx, Range2{0, 4}, WriteIndex2<View<T, S>>{field.view()}));
  for (T v : to_vector(field)) REQUIRE(v == T(0));
  REQUIRE_THROWS_WITH(for_each(ctx, Range3{2, -1, 2}, WriteIndex3<View<T, S>>{field.view()}),
                      Catch::Contains("'ny' = -1"));
}

TEMPLATE_LIST_TEST_CASE("transform and fill act on every sample of every batch member",
                        "[exec][for_each]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(33, 17, 1.0);
  const auto values = test::random_values<T>(grid.size() * 2, 3);
  const auto in = test::field_with<S>(grid, values, 2);
  Field<T, S> out(grid, 2);
  transform(ctx, in.view(), out.view(), Affine<T>{T(2), T(-0.5)});
  const auto result = to_vector(out);
  for (std::size_t i = 0; i < values.size(); ++i) REQUIRE(result[i] == T(2) * values[i] + T(-0.5));

  fill(ctx, out.view(), T(0.25));
  for (T v : to_vector(out)) REQUIRE(v == T(0.25));

  Field<T, S> wrong(grid, 1);
  REQUIRE_THROWS_AS(transform(ctx, in.view(), wrong.view(), Affine<T>{T(1), T(0)}), shape_mismatch);
}
