// Abbe imaging (optics/abbe.hpp): the clear-field level against its closed form, invariances
// (batching of masks and of source points, shifts, real vs complex masks) and refused inputs.
// The physics closed forms (two- and three-beam interference, coherent and incoherent limits) and
// the comparison with SOCS are in test_closed_forms.cpp.

#include "support/test_cases.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "fabtwin/optics/abbe.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;
using Catch::Contains;

namespace {

template <class T>
constexpr double abbe_tolerance = std::is_same_v<T, float> ? 2e-5 : 1e-12;

/// A few rectangles of a 64 x 64 pattern: enough structure to fill the passband.
std::vector<double> rectangles(index_t n, index_t shift_x = 0, index_t shift_y = 0) {
  std::vector<double> p(std::size_t(n * n), 0.0);
  const auto box = [&](index_t x0, index_t y0, index_t w, index_t h) {
    for (index_t y = y0; y < y0 + h; ++y)
      for (index_t x = x0; x < x0 + w; ++x)
        p[std::size_t(((y + shift_y) % n) * n + (x + shift_x) % n)] = 1;
  };
  box(5, 7, 6, 30);
  box(20, 10, 12, 5);
  box(40, 33, 4, 4);
  box(30, 45, 25, 3);
  return p;
}

template <class T>
std::vector<T> cast(const std::vector<double>& values) {
  return std::vector<T>(values.begin(), values.end());
}

double max_abs_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("A clear mask images to sum_s w_s |P(f_s)|^2", "[optics][abbe]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(32, 32, 8.0);
  const auto clear = test::field_with<S>(grid, std::vector<T>(std::size_t(grid.size()), T(1)));
  OpticalSystem system;
  system.defocus_nm = 70;          // a pure phase: no effect on a clear field
  system.zernike_waves[6] = 0.05;  // neither has coma
  for (const Source& source :
       {Source::disc(0.6), Source::annular(0.5, 0.9), Source::quasar(0.6, 0.95, 30, 45)}) {
    INFO(source.describe());
    const double step = 0.05;
    // Closed forms of the radiometric factor squared at f = sigma NA / lambda: two-sided
    // sqrt((1 - (NA sigma / R)^2) / (1 - (NA sigma / n)^2)), wafer-side 1 / sqrt(1 - (NA sigma / n)^2).
    double expected = 0, wafer_side = 0;
    for (const auto& p : source.sample(step)) {
      const double s2 = p.sx * p.sx + p.sy * p.sy;
      const double a = system.na / system.reduction, b = system.na / system.immersion_index;
      expected += p.weight * std::sqrt((1 - a * a * s2) / (1 - b * b * s2));
      wafer_side += p.weight / std::sqrt(1 - b * b * s2);
    }
    CHECK(expected > 1.05);
    CHECK(wafer_side > expected * 1.01);
    const auto image = to_vector(abbe_image(ctx, system, source, clear, {step}));
    for (T v : image) REQUIRE(double(v) == Approx(expected).epsilon(abbe_tolerance<T>));

    OpticalSystem wafer = system;
    wafer.radiometric = Radiometric::wafer_side;
    for (T v : to_vector(abbe_image(ctx, wafer, source, clear, {step})))
      REQUIRE(double(v) == Approx(wafer_side).epsilon(abbe_tolerance<T>));

    OpticalSystem plain = system;
    plain.radiometric = Radiometric::off;
    for (T v : to_vector(abbe_image(ctx, plain, source, clear, {step})))
      REQUIRE(double(v) == Approx(1).epsilon(abbe_tolerance<T>));
  }
}

TEMPLATE_LIST_TEST_CASE("Abbe images do not depend on how masks and source points are batched",
                        "[optics][abbe]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 64;
  const Grid grid(n, n, 10.0);
  OpticalSystem system;
  system.defocus_nm = 40;
  const Source source = Source::annular(0.6, 0.9);
  const auto first = rectangles(n), second = rectangles(n, 9, 17);
  std::vector<double> both(first);
  both.insert(both.end(), second.begin(), second.end());

  const auto batched = test::to_double(to_vector(
      abbe_image(ctx, system, source, test::field_with<S>(grid, cast<T>(both), 2), {0.1, 0})));
  const auto alone = test::to_double(to_vector(
      abbe_image(ctx, system, source, test::field_with<S>(grid, cast<T>(first)), {0.1, 0})));
  const auto other = test::to_double(to_vector(
      abbe_image(ctx, system, source, test::field_with<S>(grid, cast<T>(second)), {0.1, 0})));
  REQUIRE(batched.size() == both.size());
  const std::vector<double> batched_first(batched.begin(), batched.begin() + n * n);
  const std::vector<double> batched_second(batched.begin() + n * n, batched.end());
  CHECK(max_abs_difference(batched_first, alone) <= abbe_tolerance<T>);
  CHECK(max_abs_difference(batched_second, other) <= abbe_tolerance<T>);

  for (index_t slots : {1, 7, 1000}) {
    const auto image = test::to_double(to_vector(
        abbe_image(ctx, system, source, test::field_with<S>(grid, cast<T>(first)), {0.1, slots})));
    INFO("source points per batch: " << slots);
    CHECK(max_abs_difference(image, alone) <= abbe_tolerance<T>);
  }
}

TEMPLATE_LIST_TEST_CASE("Shifting the mask shifts its Abbe image", "[optics][abbe]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 64;
  const Grid grid(n, n, 10.0);
  OpticalSystem system;
  system.zernike_waves[6] = 0.04;  // coma: the image is not symmetric, the shift still holds
  const Source source = Source::dipole(0.4, 0.8, 40, 20);
  const auto image = test::to_double(to_vector(
      abbe_image(ctx, system, source, test::field_with<S>(grid, cast<T>(rectangles(n))), {0.1})));
  const auto shifted = test::to_double(to_vector(abbe_image(
      ctx, system, source, test::field_with<S>(grid, cast<T>(rectangles(n, 3, 11))), {0.1})));
  double worst = 0, largest = 0;
  for (index_t y = 0; y < n; ++y)
    for (index_t x = 0; x < n; ++x) {
      const double moved = shifted[std::size_t(((y + 11) % n) * n + (x + 3) % n)];
      worst = std::max(worst, std::fabs(moved - image[std::size_t(y * n + x)]));
      largest = std::max(largest, image[std::size_t(y * n + x)]);
    }
  CHECK(largest > 0.5);
  CHECK(worst <= abbe_tolerance<T> * largest);
}

TEMPLATE_LIST_TEST_CASE("A real mask images like the same complex amplitude; phase matters",
                        "[optics][abbe]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 64;
  const Grid grid(n, n, 10.0);
  const OpticalSystem system;
  const Source source = Source::disc(0.5);
  const auto pattern = rectangles(n);
  std::vector<complex<T>> amplitude(pattern.size()), rotated(pattern.size()), psm(pattern.size());
  // A global phase of the amplitude leaves the intensity unchanged; an att-PSM background does not.
  const complex<double> phase(std::cos(0.7), std::sin(0.7));
  const complex<double> dark(-0.245, 0.0);  // 6 % att-PSM, 180 degrees
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    amplitude[i] = complex<T>(T(pattern[i]), T(0));
    const complex<double> r = phase * pattern[i];
    rotated[i] = complex<T>(T(r.real()), T(r.imag()));
    const complex<double> a = dark + (1.0 - dark) * pattern[i];
    psm[i] = complex<T>(T(a.real()), T(a.imag()));
  }
  const auto real_image = test::to_double(to_vector(
      abbe_image(ctx, system, source, test::field_with<S>(grid, cast<T>(pattern)), {0.1})));
  const auto complex_image = test::to_double(
      to_vector(abbe_image(ctx, system, source, test::field_with<S>(grid, amplitude), {0.1})));
  const auto rotated_image = test::to_double(
      to_vector(abbe_image(ctx, system, source, test::field_with<S>(grid, rotated), {0.1})));
  const auto psm_image = test::to_double(
      to_vector(abbe_image(ctx, system, source, test::field_with<S>(grid, psm), {0.1})));
  CHECK(max_abs_difference(real_image, complex_image) <= abbe_tolerance<T>);
  CHECK(max_abs_difference(real_image, rotated_image) <= 4 * abbe_tolerance<T>);
  CHECK(max_abs_difference(real_image, psm_image) > 0.01);
  // A dark field stays dark, a dose scales the intensity as dose^2 (it multiplies the amplitude).
  std::vector<T> dosed(pattern.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) dosed[i] = T(1.1 * pattern[i]);
  const auto dosed_image = test::to_double(
      to_vector(abbe_image(ctx, system, source, test::field_with<S>(grid, dosed), {0.1})));
  for (std::size_t i = 0; i < dosed_image.size(); ++i)
    REQUIRE(dosed_image[i] == Approx(1.21 * real_image[i]).margin(4 * abbe_tolerance<T>));
  for (T v : to_vector(abbe_image(ctx, system, source, Field<T, S>(grid), {0.1})))
    REQUIRE(v == T(0));
}

TEMPLATE_LIST_TEST_CASE("Bad Abbe inputs are refused", "[optics][abbe][errors]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const OpticalSystem system;
  const Source source = Source::disc(0.5);

  SECTION("non-square and 3D grids") {
    REQUIRE_THROWS_AS(abbe_image(ctx, system, source, Field<T, S>(Grid(64, 32, 10.0))),
                      invalid_argument);
    REQUIRE_THROWS_WITH(abbe_image(ctx, system, source, Field<T, S>(Grid(64, 32, 10.0))),
                        Contains("optics::abbe_image") && Contains("'mask.grid'") &&
                            Contains("64x32") && Contains("square"));
    REQUIRE_THROWS_WITH(
        abbe_image(ctx, system, source, Field<T, S>(Grid::volume(16, 16, 4, {10, 10, 10}))),
        Contains("'mask.grid'") && Contains("16x16x4"));
  }
  SECTION("a pitch too coarse for the passband") {
    // (1 + sigma) NA / lambda L = 1.5 * 1.35 / 193 * L: 16.8 bins for 16 pixels of 100 nm (>= 8),
    // 6.7 bins for 16 pixels of 40 nm (< 8).
    REQUIRE_THROWS_WITH(
        abbe_image(ctx, system, source, Field<T, S>(Grid(16, 16, 100.0))),
        Contains("'mask.grid'") && Contains("pitch fine enough") && Contains("nx / 2 = 8"));
    CHECK_NOTHROW(abbe_image(ctx, system, source, Field<T, S>(Grid(16, 16, 40.0))));
  }
  SECTION("non-finite mask samples") {
    std::vector<T> values(64 * 64, T(1));
    values[100] = std::numeric_limits<T>::quiet_NaN();
    values[7] = std::numeric_limits<T>::infinity();
    REQUIRE_THROWS_WITH(
        abbe_image(ctx, system, source, test::field_with<S>(Grid(64, 64, 10.0), values)),
        Contains("'mask' = 2 non-finite samples") && Contains("finite"));
    std::vector<complex<T>> amplitude(64 * 64, complex<T>(1));
    amplitude[5] = complex<T>(T(0), -std::numeric_limits<T>::infinity());
    REQUIRE_THROWS_WITH(
        abbe_image(ctx, system, source, test::field_with<S>(Grid(64, 64, 10.0), amplitude)),
        Contains("'mask' = 1 non-finite samples"));
  }
  SECTION("an invalid system or options") {
    const Field<T, S> mask(Grid(64, 64, 10.0));
    OpticalSystem bad = system;
    bad.na = 1.5;
    REQUIRE_THROWS_WITH(abbe_image(ctx, bad, source, mask),
                        Contains("optics::abbe_image") && Contains("'na' = 1.5"));
    bad = system;
    bad.wavelength_nm = -1;
    REQUIRE_THROWS_WITH(abbe_image(ctx, bad, source, mask), Contains("'wavelength_nm' = -1"));
    REQUIRE_THROWS_WITH(abbe_image(ctx, system, source, mask, {0}),
                        Contains("'options.source_step' = 0"));
    REQUIRE_THROWS_WITH(abbe_image(ctx, system, source, mask, {1.5}),
                        Contains("'options.source_step' = 1.5"));
    REQUIRE_THROWS_WITH(abbe_image(ctx, system, source, mask, {0.1, -2}),
                        Contains("'options.batch' = -2"));
  }
}
