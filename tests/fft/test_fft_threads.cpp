// Host FFTs give the same bits on any thread count. FFTW's threaded planner picks its algorithm
// for the thread count it plans for (with FFTW_ESTIMATE too), so plans made for 1 and for 2 threads
// can round differently; the shapes below are ones where FFTW 3.3.10 did (factors 11, 13, 17, 23).

#include <cstring>
#include <vector>

#include "fabtwin/fft/plan.hpp"
#include "support/fft_cases.hpp"

using namespace fabtwin;

namespace {

/// Forward and inverse transforms of fixed data with a context of `threads` threads: c2c out of
/// place and in place, or r2c then c2r.
template <class T>
std::vector<complex<T>> transforms(int threads, fft::Kind kind, const fft::Shape& shape) {
  Context<Host> ctx({.threads = threads});
  const Grid grid = test::grid_for(shape);
  std::vector<complex<T>> out;
  const auto append = [&out](const auto& values) {
    for (const auto& v : values) out.push_back(complex<T>(v));
  };
  if (kind == fft::Kind::c2c) {
    const auto in = make_host_field(
        grid, test::random_values<complex<T>>(shape.size() * shape.batch, 3), shape.batch);
    Field<complex<T>, Host> spectrum(grid, shape.batch);
    fft::forward(ctx, in.view(), spectrum.view());
    append(to_vector(spectrum));
    fft::inverse(ctx, spectrum.view(), spectrum.view());
    append(to_vector(spectrum));
  } else {
    const auto in =
        make_host_field(grid, test::random_values<T>(shape.size() * shape.batch, 4), shape.batch);
    Field<complex<T>, Host> spectrum(test::grid_for(fft::half_spectrum_of(shape)), shape.batch);
    Field<T, Host> back(grid, shape.batch);
    fft::forward(ctx, in.view(), spectrum.view());
    append(to_vector(spectrum));
    fft::inverse(ctx, spectrum.view(), back.view());
    append(to_vector(back));
  }
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("Host FFTs give the same bits on 1 to 4 threads", "[fft][host][threads]", float,
                   double) {
  using T = TestType;
  for (const fft::Shape& shape :
       {fft::Shape{143, 143, 1, 1}, fft::Shape{221, 221, 1, 1}, fft::Shape{253, 253, 1, 1},
        fft::Shape{253, 253, 1, 3}, fft::Shape{100, 100, 1, 1}, fft::Shape{64, 48, 10, 2},
        fft::Shape{65536, 1, 1, 1}})
    for (const fft::Kind kind : {fft::Kind::c2c, fft::Kind::r2c}) {
      INFO(::fabtwin::describe(kind) << " " << ::fabtwin::describe(shape));
      const auto one = transforms<T>(1, kind, shape);
      for (int threads : {2, 3, 4}) {
        INFO(threads << " threads");
        CHECK(test::same_bits(one, transforms<T>(threads, kind, shape)));
      }
    }
}
