// Uses the installed headers and their dependencies: a field, a kernel, a reduction and an FFT.
#include <cstdio>

#include <fabtwin/fabtwin.hpp>

namespace {
struct Impulse {
  fabtwin::View<fabtwin::complex<double>, fabtwin::Host> field;
  void operator()(fabtwin::index_t x, fabtwin::index_t y) const {
    field(x, y) = (x == 0 && y == 0) ? 1.0 : 0.0;
  }
};
}  // namespace

int main() {
  using namespace fabtwin;
  Context<Host> ctx;
  const Grid grid(64, 32, 1.0);
  Field<complex<double>, Host> impulse(grid), spectrum(grid);
  for_each(ctx, Range2{grid.nx(), grid.ny()}, Impulse{impulse.view()});
  fft::forward(ctx, impulse.view(), spectrum.view());
  // The spectrum of a unit impulse at the origin is 1 everywhere: its sum is the sample count.
  const complex<double> total = sum(ctx, spectrum.cview());
  std::printf("fabtwin %d.%d.%d consumer: spectrum sum %.1f (expected %lld)\n",
              FABTWIN_VERSION_MAJOR, FABTWIN_VERSION_MINOR, FABTWIN_VERSION_PATCH, total.real(),
              (long long)grid.size());
  return total.real() == double(grid.size()) && total.imag() == 0.0 ? 0 : 1;
}
