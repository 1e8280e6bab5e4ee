// Every transform against the long-double reference DFT, which shares no code with FFTW or cuFFT.

#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/fft/plan.hpp"
#include "support/fft_cases.hpp"

using namespace fabtwin;

TEMPLATE_LIST_TEST_CASE("c2c transforms agree with the reference DFT", "[fft]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  for (const fft::Shape& shape : test::fft_shapes) {
    INFO("shape " << shape);
    const Grid grid = test::grid_for(shape);
    const auto values = test::random_values<complex<T>>(shape.size() * shape.batch, 17);
    const auto in = test::field_with<S>(grid, values, shape.batch);
    Field<complex<T>, S> out(grid, shape.batch);

    fft::forward(ctx, in.view(), out.view());
    CHECK(test::relative_error(to_vector(out), fft::reference_dft(test::widen(values), shape,
                                                                  -1)) <= test::fft_tolerance<T>);

    fft::inverse(ctx, in.view(), out.view());
    CHECK(test::relative_error(to_vector(out), fft::reference_dft(test::widen(values), shape,
                                                                  +1)) <= test::fft_tolerance<T>);
  }
}

TEMPLATE_LIST_TEST_CASE("r2c and c2r transforms agree with the reference DFT", "[fft]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  for (const fft::Shape& shape : test::fft_shapes) {
    INFO("shape " << shape);
    const Grid grid = test::grid_for(shape);
    const fft::Shape half_shape = fft::half_spectrum_of(shape);
    const Grid half_grid = test::grid_for(half_shape);
    const auto values = test::random_values<T>(shape.size() * shape.batch, 23);
    const auto full_spectrum = fft::reference_dft(test::widen(values), shape, -1);

    const auto in = test::field_with<S>(grid, values, shape.batch);
    Field<complex<T>, S> spectrum(half_grid, shape.batch);
    fft::forward(ctx, in.view(), spectrum.view());
    CHECK(test::relative_error(to_vector(spectrum), test::half_of(full_spectrum, shape)) <=
          test::fft_tolerance<T>);

    // The half spectrum of real data determines it: c2r must give back size() * values.
    std::vector<complex<T>> exact_half;
    for (const auto& v : test::half_of(full_spectrum, shape))
      exact_half.emplace_back(T(v.real()), T(v.imag()));
    auto half_field = test::field_with<S>(half_grid, exact_half, shape.batch);
    Field<T, S> real_out(grid, shape.batch);
    fft::inverse(ctx, half_field.view(), real_out.view());
    CHECK(test::relative_error(to_vector(real_out), fft::reference_dft(full_spectrum, shape, +1)) <=
          test::fft_tolerance<T>);
  }
}
