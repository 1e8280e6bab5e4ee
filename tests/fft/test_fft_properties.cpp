// Round trips, Parseval, plan reuse, placement, alignment, determinism and refused arguments.

#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/fft/plan.hpp"
#include "support/fft_cases.hpp"

using namespace fabtwin;
using Catch::Contains;

namespace {

template <class T>
struct Scale {
  real_type_t<T> factor;
  FABTWIN_HD T operator()(T v) const { return v * factor; }
};

}  // namespace

TEMPLATE_LIST_TEST_CASE("Forward then inverse returns size() times the input", "[fft]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const fft::Shape shape{48, 40, 6, 2};
  const Grid grid = test::grid_for(shape);
  const auto values = test::random_values<complex<T>>(shape.size() * 2, 5);
  const T inverse_size = T(1) / T(shape.size());

  SECTION("c2c out of place") {
    const auto in = test::field_with<S>(grid, values, 2);
    Field<complex<T>, S> spectrum(grid, 2), back(grid, 2);
    fft::forward(ctx, in.view(), spectrum.view());
    fft::inverse(ctx, spectrum.view(), back.view());
    transform(ctx, back.view(), back.view(), Scale<complex<T>>{inverse_size});
    CHECK(test::relative_error(to_vector(back), values) <= test::fft_tolerance<T>);
    CHECK(to_vector(in) == values);  // out-of-place c2c leaves its input alone
  }
  SECTION("c2c in place") {
    auto data = test::field_with<S>(grid, values, 2);
    fft::forward(ctx, data.view(), data.view());
    fft::inverse(ctx, data.view(), data.view());
    transform(ctx, data.view(), data.view(), Scale<complex<T>>{inverse_size});
    CHECK(test::relative_error(to_vector(data), values) <= test::fft_tolerance<T>);
  }
  SECTION("r2c then c2r") {
    const auto real_values = test::random_values<T>(shape.size() * 2, 6);
    const auto in = test::field_with<S>(grid, real_values, 2);
    Field<complex<T>, S> spectrum(test::grid_for(fft::half_spectrum_of(shape)), 2);
    Field<T, S> back(grid, 2);
    fft::forward(ctx, in.view(), spectrum.view());
    fft::inverse(ctx, spectrum.view(), back.view());
    transform(ctx, back.view(), back.view(), Scale<T>{inverse_size});
    CHECK(test::relative_error(to_vector(back), real_values) <= test::fft_tolerance<T>);
  }
}

TEMPLATE_LIST_TEST_CASE("Parseval: sum |x|^2 = sum |X|^2 / size()", "[fft]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(128, 96, 1.0);
  const auto in = test::field_with<S>(grid, test::random_values<complex<T>>(grid.size(), 9));
  Field<complex<T>, S> spectrum(grid);
  fft::forward(ctx, in.view(), spectrum.view());
  const double energy = double(dot(ctx, in.view(), in.view()).real());
  const double spectral =
      double(dot(ctx, spectrum.view(), spectrum.view()).real()) / double(grid.size());
  CHECK(std::abs(spectral - energy) <= test::fft_tolerance<T> * energy);
}

TEMPLATE_LIST_TEST_CASE("Plans are made once per kind and shape and then reused", "[fft][cache]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(32, 32, 1.0);
  const auto in = test::field_with<S>(grid, test::random_values<complex<T>>(grid.size(), 1));
  Field<complex<T>, S> out(grid);
  fft::forward(ctx, in.view(), out.view());
  fft::inverse(ctx, out.view(), out.view());
  fft::forward(ctx, in.view(), out.view());
  CHECK(ctx.plans().misses() == 1);
  CHECK(ctx.plans().hits() == 2);
  auto& plan = fft::plan<T>(ctx, fft::Kind::c2c, fft::shape_of(in.view()));
  CHECK(plan.shape() == fft::Shape{32, 32, 1, 1});
  CHECK(ctx.plans().size() == 1);

  const Field<T, S> real_in(grid);
  Field<complex<T>, S> half_spectrum(Grid(17, 32, 1.0));
  fft::forward(ctx, real_in.view(), half_spectrum.view());
  CHECK(ctx.plans().size() == 2);  // an r2c plan is a new plan
}

TEST_CASE("A host plan keeps one FFTW plan per direction, placement and alignment", "[fft][host]") {
  Context<Host> ctx;
  const Grid grid(24, 20, 1.0);
  const auto values = test::random_values<complex<float>>(grid.size(), 4);
  const auto in = make_host_field(grid, values);
  Field<complex<float>, Host> out(grid), inplace = make_host_field(grid, values);
  fft::forward(ctx, in.view(), out.view());
  auto& plan = fft::plan<float>(ctx, fft::Kind::c2c, fft::shape_of(in.view()));
  CHECK(plan.fftw_plans() == 1);
  fft::forward(ctx, inplace.view(), inplace.view());
  CHECK(plan.fftw_plans() == 2);
  // FFTW picks different algorithms in and out of place: equal to rounding, not to the bit.
  CHECK(test::relative_error(to_vector(inplace), to_vector(out)) <= test::fft_tolerance<float>);

  // Arrays off FFTW's SIMD alignment (one complex<float>, 8 bytes) get an unaligned plan.
  Field<complex<float>, Host> padded(Grid(grid.size() + 1, 1, 1.0)),
      shifted_out(Grid(grid.size() + 1, 1, 1.0));
  std::copy(values.begin(), values.end(), padded.data() + 1);
  const View<const complex<float>, Host> shifted_in(padded.data() + 1, grid.nx(), grid.ny());
  const View<complex<float>, Host> shifted(shifted_out.data() + 1, grid.nx(), grid.ny());
  plan.forward(shifted_in, shifted);
  CHECK(plan.fftw_plans() == 3);
  std::vector<complex<float>> unaligned(shifted.data(), shifted.data() + grid.size());
  CHECK(test::relative_error(unaligned, to_vector(out)) <= test::fft_tolerance<float>);
}

TEST_CASE("Host transforms give the same bits in a fresh context", "[fft][host][determinism]") {
  const Grid grid(96, 80, 1.0);
  const auto in = make_host_field(grid, test::random_values<complex<double>>(grid.size(), 8));
  Field<complex<double>, Host> first(grid), second(grid);
  {
    Context<Host> ctx;
    fft::forward(ctx, in.view(), first.view());
  }
  Context<Host> ctx;
  fft::forward(ctx, in.view(), second.view());
  CHECK(to_vector(first) == to_vector(second));
}

TEMPLATE_LIST_TEST_CASE("Transforms refuse mismatched, empty and oversized arguments",
                        "[fft][errors]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Field<complex<T>, S> in(Grid(16, 8, 1.0));
  Field<complex<T>, S> wrong(Grid(8, 16, 1.0)), right(Grid(16, 8, 1.0));
  REQUIRE_THROWS_AS(fft::forward(ctx, in.view(), wrong.view()), shape_mismatch);
  REQUIRE_THROWS_WITH(fft::forward(ctx, in.view(), wrong.view()),
                      Contains("'out' = 8x16x1 batch 1") && Contains("16x8x1 batch 1"));

  const Field<T, S> real_in(Grid(16, 8, 1.0));
  REQUIRE_THROWS_WITH(fft::forward(ctx, real_in.view(), right.view()),
                      Contains("'out' = 16x8x1") && Contains("9x8x1"));
  auto& c2c = fft::plan<T>(ctx, fft::Kind::c2c, fft::shape_of(in.view()));
  Field<complex<T>, S> half_spectrum(Grid(9, 8, 1.0));
  REQUIRE_THROWS_WITH(c2c.forward(real_in.view(), half_spectrum.view()), Contains("plan kind"));

  REQUIRE_THROWS_WITH(fft::plan<T>(ctx, fft::Kind::c2c, fft::Shape{0, 4, 1, 1}),
                      Contains("'nx' = 0"));
  REQUIRE_THROWS_WITH(fft::plan<T>(ctx, fft::Kind::c2c, fft::Shape{4, 4, 1, -1}),
                      Contains("'batch' = -1"));
  REQUIRE_THROWS_WITH(fft::plan<T>(ctx, fft::Kind::c2c, fft::Shape{65536, 65536, 1, 1}),
                      Contains("'nx*ny*nz' = 4294967296"));
}

TEST_CASE("Host r2c refuses to run in place", "[fft][host][errors]") {
  Context<Host> ctx;
  Field<float, Host> storage(Grid(2 * 9 * 8, 1, 1.0));
  const View<const float, Host> in(storage.data(), 16, 8);
  const View<complex<float>, Host> out(reinterpret_cast<complex<float>*>(storage.data()), 9, 8);
  REQUIRE_THROWS_WITH(fft::forward(ctx, in, out), Contains("in-place r2c"));
}
