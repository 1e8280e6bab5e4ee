// Abbe imaging (optics/abbe.hpp) against closed forms written independently here (physics.md §1):
// coherent three-beam and two-beam interference of gratings (with the defocus phase of each beam),
// the coherent limit against |h * m|^2 by direct sums, and the incoherent limit, where a full
// source (sigma = 1) makes the image modulation of a weak sinusoid follow the pupil's
// autocorrelation, OTF(nu) = (2 / pi) (acos nu - nu sqrt(1 - nu^2)).

#include "support/test_cases.hpp"

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "fabtwin/optics/abbe.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;

namespace {

using std::numbers::pi;
using cd = std::complex<double>;

template <class T>
constexpr double closed_form_tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;

/// Radiometric amplitude at wafer frequency f, written out: ((1 - (lambda f / R)^2) / (1 - (lambda f /
/// n)^2))^(1/4).
double radiometric(const OpticalSystem& s, double f) {
  const double m = s.wavelength_nm * f / s.reduction, w = s.wavelength_nm * f / s.immersion_index;
  return std::pow((1 - m * m) / (1 - w * w), 0.25);
}

/// Defocus phase at wafer frequency f: 2 pi z (sqrt(n^2 / lambda^2 - f^2) - n / lambda).
double defocus_phase(const OpticalSystem& s, double f) {
  const double k = s.immersion_index / s.wavelength_nm;
  return 2 * pi * s.defocus_nm * (std::sqrt(k * k - f * f) - k);
}

/// A grating along x on n x n pixels: amplitude(x mod period) from `profile`, constant along y.
template <class T, class Profile>
std::vector<T> grating(index_t n, index_t period, Profile profile) {
  std::vector<T> values(std::size_t(n * n));
  for (index_t y = 0; y < n; ++y)
    for (index_t x = 0; x < n; ++x) values[std::size_t(y * n + x)] = profile(x % period);
  return values;
}

/// The image row y = 0 (every row of a grating's image is the same; check that too).
template <class T>
std::vector<double> row_of(const std::vector<T>& image, index_t n) {
  for (index_t y = 1; y < n; ++y)
    for (index_t x = 0; x < n; ++x)
      REQUIRE(double(image[std::size_t(y * n + x)]) ==
              Approx(double(image[std::size_t(x)])).margin(closed_form_tolerance<T> * 10));
  return std::vector<double>(image.begin(), image.begin() + n);
}

/// max |a - b| / max |b|.
double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0, largest = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::fabs(a[i] - b[i]));
    largest = std::max(largest, std::fabs(b[i]));
  }
  return worst / largest;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("Coherent three-beam imaging of a binary grating",
                        "[optics][abbe][closed-form]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  // 64 pixels of 12.5 nm (L = 800 nm), period 16 pixels = 200 nm: order 1 at 1/200 = 0.005 /nm
  // passes NA / lambda = 0.00699 /nm, order 2 at 0.01 /nm does not.
  const index_t n = 64, period = 16, width = 7, half_width = width / 2;
  const double pitch = 12.5, p_nm = period * pitch;
  const Grid grid(n, n, pitch);
  // A line of `width` clear pixels centred on x = 0: the sampled grating's Fourier coefficients are
  // real, a_k = sin(pi k w / P) / (P sin(pi k / P)) (the Dirichlet kernel; a_0 = w / P).
  const auto mask = grating<T>(
      n, period, [&](index_t x) { return T(x <= half_width || x >= period - half_width ? 1 : 0); });
  const double a0 = double(width) / period;
  const double a1 = std::sin(pi * width / period) / (period * std::sin(pi / period));
  OpticalSystem system;  // radiometric correction on: each first order carries A(1 / p)
  for (double defocus : {0.0, 60.0, -140.0}) {
    system.defocus_nm = defocus;
    INFO("defocus " << defocus << " nm");
    const double amplitude = radiometric(system, 1 / p_nm);
    const cd first = a1 * amplitude * std::polar(1.0, defocus_phase(system, 1 / p_nm));
    std::vector<double> expected(static_cast<std::size_t>(n));
    for (index_t x = 0; x < n; ++x)
      expected[std::size_t(x)] = std::norm(a0 + 2.0 * first * std::cos(2 * pi * x * pitch / p_nm));
    const auto image = row_of(
        to_vector(abbe_image(ctx, system, Source::disc(0), test::field_with<S>(grid, mask))), n);
    CHECK(relative_difference(image, expected) <= closed_form_tolerance<T>);
    if (defocus == 0.0) {
      // In focus: I(x) = |a0 + 2 A a1 cos(2 pi x / p)|^2, peak on the line centre.
      CHECK(image[0] ==
            Approx(std::pow(a0 + 2 * amplitude * a1, 2)).epsilon(10 * closed_form_tolerance<T>));
    }
  }
}

TEMPLATE_LIST_TEST_CASE("Two-beam imaging of an alternating phase-shift grating has no zero order",
                        "[optics][abbe][closed-form]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  // Amplitude +1 on half_width a period, -1 on the other: even orders vanish, orders +-1 pass (0.005 /nm),
  // +-3 do not. The image is the two-beam fringe |a1 e^{i t} + a_-1 e^{-i t}|^2 at half_width the period,
  // and both beams get the same defocus phase: the image does not change through focus.
  const index_t n = 64, period = 16;
  const double pitch = 12.5, p_nm = period * pitch;
  const Grid grid(n, n, pitch);
  const auto profile = [&](index_t x) { return x < period / 2 ? 1.0 : -1.0; };
  const auto mask =
      grating<complex<T>>(n, period, [&](index_t x) { return complex<T>(T(profile(x)), T(0)); });
  // Fourier coefficients of one period by a direct sum.
  const auto coefficient = [&](int k) {
    cd sum = 0;
    for (index_t x = 0; x < period; ++x)
      sum += profile(x) * std::polar(1.0, -2 * pi * k * double(x) / period);
    return sum / double(period);
  };
  REQUIRE(std::abs(coefficient(0)) < 1e-15);
  OpticalSystem system;
  system.radiometric = Radiometric::off;
  for (double defocus : {0.0, 150.0}) {
    system.defocus_nm = defocus;
    std::vector<double> expected(static_cast<std::size_t>(n));
    for (index_t x = 0; x < n; ++x) {
      const double t = 2 * pi * x * pitch / p_nm;
      expected[std::size_t(x)] =
          std::norm(coefficient(1) * std::polar(1.0, t) + coefficient(-1) * std::polar(1.0, -t));
    }
    const auto image = row_of(
        to_vector(abbe_image(ctx, system, Source::disc(0), test::field_with<S>(grid, mask))), n);
    INFO("defocus " << defocus << " nm");
    CHECK(relative_difference(image, expected) <= closed_form_tolerance<T>);
    // Frequency doubling: the image repeats every half_width period.
    for (index_t x = 0; x + period / 2 < n; ++x)
      CHECK(image[std::size_t(x)] ==
            Approx(image[std::size_t(x + period / 2)]).margin(10 * closed_form_tolerance<T>));
  }
}

TEMPLATE_LIST_TEST_CASE(
    "Two-beam imaging from an off-axis point: orders 0 and -1, shifted by defocus",
    "[optics][abbe][closed-form]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  // One source point at sigma (0.5, 0): a freeform 8 x 8 map with pixel (6, 4) lit holds exactly
  // the lattice point (0.5, 0) at step 0.25. f_s = 0.5 NA / lambda; order k lands in the pupil at
  // k / p + f_s. With p = 160 nm only k = 0 (at 0.0035 /nm) and k = -1 (at -0.00275 /nm) pass.
  std::vector<double> map(64, 0.0);
  map[4 * 8 + 6] = 1;
  const Source source = Source::freeform(map, 8);
  REQUIRE(source.sample(0.25).size() == 1);
  const index_t n = 64, period = 16, width = 5, half_width = width / 2;
  const double pitch = 10, p_nm = period * pitch;
  const Grid grid(n, n, pitch);
  const auto mask = grating<T>(
      n, period, [&](index_t x) { return T(x <= half_width || x >= period - half_width ? 1 : 0); });
  const double a0 = double(width) / period;
  const double a_minus =
      std::sin(pi * width / period) / (period * std::sin(pi / period));  // a_-1 = a_1
  OpticalSystem system;
  const double fs = 0.5 * system.na / system.wavelength_nm;
  const double f0 = fs, f1 = std::fabs(fs - 1 / p_nm);
  for (double defocus : {0.0, 200.0, -300.0}) {
    system.defocus_nm = defocus;
    INFO("defocus " << defocus << " nm");
    // I(x) = |a|^2 + |b|^2 + 2 |a| |b| cos(2 pi x / p + phi_a - phi_b) with a = a0 P(f_s),
    // b = a_-1 P(f_s - 1/p): the defocus phase difference of the two beams shifts the fringes.
    const double a = a0 * radiometric(system, f0), b = a_minus * radiometric(system, f1);
    const double shift = defocus_phase(system, f0) - defocus_phase(system, f1);
    if (defocus == 200.0) CHECK(std::fabs(shift) > 0.4);  // a visible fringe shift
    std::vector<double> expected(static_cast<std::size_t>(n));
    for (index_t x = 0; x < n; ++x)
      expected[std::size_t(x)] =
          a * a + b * b + 2 * a * b * std::cos(2 * pi * x * pitch / p_nm + shift);
    const auto image = row_of(
        to_vector(abbe_image(ctx, system, source, test::field_with<S>(grid, mask), {0.25})), n);
    CHECK(relative_difference(image, expected) <= closed_form_tolerance<T>);
  }
}

TEMPLATE_LIST_TEST_CASE("The coherent limit is |h * m|^2 with h from a direct sum",
                        "[optics][abbe][closed-form]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 32;
  const double pitch = 17, period_nm = n * pitch;
  const Grid grid(n, n, pitch);
  OpticalSystem system;  // an aberrated, defocused pupil: the point spread function is complex
  system.defocus_nm = 50;
  system.zernike_waves[6] = 0.06;
  system.zernike_waves[4] = -0.03;
  std::vector<double> pattern(std::size_t(n * n), 0.0);
  for (index_t y = 0; y < n; ++y)
    for (index_t x = 0; x < n; ++x)
      if ((x >= 4 && x < 9 && y >= 3 && y < 20) || (x >= 14 && x < 26 && y >= 22 && y < 27) ||
          (x >= 18 && x < 21 && y >= 6 && y < 9))
        pattern[std::size_t(y * n + x)] = 1;

  // h(d) = (1 / n^2) sum over frequency indices p, q in [-n/2, n/2) of P(p / L, q / L) e^{2 pi i (p dx + q
  // dy) / n}; field(x) = sum over x' of m(x') h(x - x'), all by direct sums.
  std::vector<cd> h(std::size_t(n * n), 0.0);
  for (index_t q = -n / 2; q < n / 2; ++q)
    for (index_t p = -n / 2; p < n / 2; ++p) {
      const cd value = pupil(system, p / period_nm, q / period_nm);
      if (value == 0.0) continue;
      for (index_t dy = 0; dy < n; ++dy)
        for (index_t dx = 0; dx < n; ++dx)
          h[std::size_t(dy * n + dx)] +=
              value * std::polar(1.0, 2 * pi * double(p * dx + q * dy) / double(n));
    }
  for (auto& v : h) v /= double(n * n);
  std::vector<double> coherent(std::size_t(n * n));
  for (index_t y = 0; y < n; ++y)
    for (index_t x = 0; x < n; ++x) {
      cd field = 0;
      for (index_t y1 = 0; y1 < n; ++y1)
        for (index_t x1 = 0; x1 < n; ++x1)
          if (pattern[std::size_t(y1 * n + x1)] != 0)
            field += h[std::size_t(((y - y1 + n) % n) * n + (x - x1 + n) % n)];
      coherent[std::size_t(y * n + x)] = std::norm(field);
    }

  const auto mask = test::field_with<S>(grid, std::vector<T>(pattern.begin(), pattern.end()));
  const auto exact = to_vector(abbe_image(ctx, system, Source::disc(0), mask));
  CHECK(relative_difference(std::vector<double>(exact.begin(), exact.end()), coherent) <=
        2 * closed_form_tolerance<T>);

  // Partially coherent images approach the coherent one as sigma -> 0. The pupil edge is sharp and
  // the bins discrete, so the limit is smooth only once the source is too small to move a bin across
  // the edge: NA / lambda L = 3.80 bins here, 0.19 bins from the nearest bin radii (sqrt(13) and 4),
  // so below sigma = 0.05 every source point passes the same bins, and the difference, even in the
  // source position by symmetry, falls as sigma^2 (each sigma sampled by the same 13 points).
  double previous = 0;
  for (double sigma : {0.04, 0.02, 0.01}) {
    const auto image = to_vector(abbe_image(ctx, system, Source::disc(sigma), mask, {sigma / 2}));
    const double error =
        relative_difference(std::vector<double>(image.begin(), image.end()), coherent);
    INFO("sigma " << sigma << ": relative difference " << error);
    if (previous > 0) CHECK(error == Approx(previous / 4).epsilon(0.05));
    previous = error;
  }
  CHECK(previous < 1e-3);
}

TEMPLATE_LIST_TEST_CASE("A full source images a weak sinusoid with the incoherent OTF",
                        "[optics][abbe][closed-form]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  // m(x) = a + b sum_k cos(2 pi f_k x), b << a. With the source filling the pupil (sigma = 1) and an
  // ideal pupil, the cos(2 pi f_k x) component of the image is 2 a b TCC(f_k, 0), and TCC(f, 0)
  // tends to the normalised pupil autocorrelation OTF(nu), nu = f lambda / (2 NA), as the source
  // sampling refines. The frequencies k / L are odd multiples of 1 / L, so every product of two
  // modulations (b^2) lands on an even multiple: the odd components are exactly linear in b.
  // 16 pixels of 35 nm: k = 1, 3, 5, 7 (nu = 0.13 .. 0.89); the passband of a sigma = 1 source,
  // 2 NA / lambda L = 7.8 bins, fits below n / 2 = 8. A small grid, because the fine source
  // sampling costs one FFT per point.
  const index_t n = 16;
  const double pitch = 35, period_nm = n * pitch, a = 0.5, b = 0.05, step = 0.01;
  const Grid grid(n, n, pitch);
  const std::vector<index_t> ks = {1, 3, 5, 7};
  std::vector<T> mask;
  for (index_t y = 0; y < n; ++y)
    for (index_t x = 0; x < n; ++x) {
      double value = a;
      for (index_t k : ks) value += b * std::cos(2 * pi * double(k * x) / double(n));
      mask.push_back(T(value));
    }
  OpticalSystem system;
  system.radiometric = Radiometric::off;
  const Source source = Source::disc(1);
  const auto image =
      to_vector(abbe_image(ctx, system, source, test::field_with<S>(grid, mask), {step}));
  const auto points = source.sample(step);
  REQUIRE(points.size() == 31417);

  for (index_t k : ks) {
    const double f = double(k) / period_nm, nu = f * system.wavelength_nm / (2 * system.na);
    // The cos(2 pi k x / n) component of the image, projected out on the pixels.
    double modulation = 0;
    for (index_t y = 0; y < n; ++y)
      for (index_t x = 0; x < n; ++x)
        modulation +=
            double(image[std::size_t(y * n + x)]) * std::cos(2 * pi * double(k * x) / double(n));
    modulation *= 2.0 / double(n * n);
    // TCC(f, 0) of the sampled source, summed directly (no FFT): the share of source points whose
    // pupil shifted by f still passes them.
    double tcc = 0;
    for (const auto& s : points) {
      const double fsx = s.sx * system.cutoff(), fsy = s.sy * system.cutoff();
      tcc += s.weight * std::real(pupil(system, k / period_nm + fsx, fsy) *
                                  std::conj(pupil(system, fsx, fsy)));
    }
    const double otf = 2 / pi * (std::acos(nu) - nu * std::sqrt(1 - nu * nu));
    INFO("k " << k << ", nu " << nu << ": modulation / 2ab " << modulation / (2 * a * b)
              << ", sampled TCC " << tcc << ", OTF " << otf);
    // The Abbe sum equals the direct TCC sum to rounding.
    CHECK(modulation / (2 * a * b) == Approx(tcc).margin(std::is_same_v<T, float> ? 2e-5 : 1e-11));
    // The sampled source converges to the OTF as the lattice refines: the lattice-point count of a
    // smooth convex region (the source disc and its overlap with the shifted pupil) misses its
    // area by O(R^(2/3)) points for R = 1 / step (van der Corput), a relative error of
    // O(step^(4/3)) = 2e-3 at step 0.01; measured at most 1.7e-4 for these four frequencies.
    CHECK(tcc == Approx(otf).margin(1e-3));
    CHECK(modulation / (2 * a * b) == Approx(otf).margin(1e-3));
  }
}
