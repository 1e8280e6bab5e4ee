// SOCS aerial image: both test::imaging_paths against direct DFT sums, band-limited vs full grid, clear masks,
// periodicity, dose and focus conditions, att-PSM amplitudes, refused arguments.

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "optics/aerial_support.hpp"

using namespace fabtwin;
using Catch::Contains;
using optics::Condition;
using optics::ImagingPath;
using optics::MaskModel;
using optics::SocsImager;

namespace {}  // namespace

TEMPLATE_LIST_TEST_CASE("Both test::imaging_paths equal the SOCS sum evaluated by direct DFTs",
                        "[optics][aerial]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 24;
  const Grid grid(n, n, 2.0);
  const auto focus = test::random_kernels(2, 3, 48.0, 11);
  const auto defocus = test::random_kernels(1, 2, 48.0, 12);
  const auto mask = MaskModel::attenuated_psm(0.06, 180);
  SocsImager<T, S> imager(ctx, grid, {focus, defocus}, mask);
  REQUIRE(imager.band_limited());
  CHECK(imager.small_size() == 9);  // 4R + 1 = 9 = 3^2

  const auto pattern = test::random_pattern(grid, 2, 3);
  const auto field = test::field_with<S>(grid, test::as<T>(pattern), 2);
  const std::vector<Condition> conditions{{1.0, 0}, {0.97, 1}, {1.02, 0}};
  for (const auto path : test::imaging_paths) {
    INFO(test::path_name(path));
    const auto images = to_vector(imager.image(ctx, field, conditions, path));
    for (index_t b = 0; b < 2; ++b)
      for (index_t c = 0; c < 3; ++c) {
        const auto& condition = conditions[std::size_t(c)];
        const auto expected =
            test::direct_image(test::member(pattern, n * n, b), n,
                               condition.focus == 0 ? focus : defocus, mask, condition.amplitude);
        INFO("pattern " << b << ", condition " << c);
        CHECK(test::relative_error(test::member(images, n * n, b * 3 + c), expected) <=
              test::image_tolerance<T>);
      }
  }
}

TEMPLATE_LIST_TEST_CASE("Band-limited and full-grid images agree to rounding", "[optics][aerial]",
                        test::Cases) {
  // Both compute the same band-limited function through different FFT sequences (small grids and
  // one zero-padded inverse vs one full inverse per kernel), so they differ by rounding only: a few
  // hundred ulps of the peak intensity (test::image_tolerance).
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 128;
  const Grid grid(n, n, 4.0);
  const auto set = test::random_kernels(7, 8, 512.0, 21);
  for (const auto& mask : {MaskModel::binary(), MaskModel::attenuated_psm(0.06, 180)}) {
    SocsImager<T, S> imager(ctx, grid, {set}, mask);
    REQUIRE(imager.small_size() == 30);  // >= 4R + 1 = 29, FFT-friendly
    SECTION("random patterns") {
      const auto pattern =
          test::field_with<S>(grid, test::as<T>(test::random_pattern(grid, 2, 5)), 2);
      const std::vector<Condition> conditions{{1.0, 0}, {1.1, 0}};
      const auto fast = to_vector(imager.image(ctx, pattern, conditions));
      const auto plain = to_vector(imager.image(ctx, pattern, conditions, ImagingPath::full_grid));
      CHECK(test::relative_error(fast, plain) <= test::image_tolerance<T>);
      // Into a caller's field (stale values in it): the same bits as the returned image.
      Field<T, S> reused(grid, 4);
      fill(ctx, reused.view(), T(7));
      imager.image(ctx, pattern, conditions, reused);
      CHECK(to_vector(reused) == fast);
    }
    SECTION("a structured binary pattern") {
      const auto pattern = test::field_with<S>(grid, test::as<T>(test::structured_pattern(grid)));
      const std::vector<Condition> nominal{{}};
      const auto fast = to_vector(imager.image(ctx, pattern, nominal));
      const auto plain = to_vector(imager.image(ctx, pattern, nominal, ImagingPath::full_grid));
      CHECK(test::relative_error(fast, plain) <= test::image_tolerance<T>);
    }
  }
}

TEMPLATE_LIST_TEST_CASE("A clear mask images to sum_k w_k |S_k(0,0)|^2 times dose^2",
                        "[optics][aerial]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(64, 64, 1.0);
  const auto set = test::random_kernels(5, 4, 64.0, 31);
  double expected = 0;
  for (index_t k = 0; k < set.count(); ++k)
    expected += set.weights[std::size_t(k)] * std::norm(set.at(k, 0, 0));
  const double t = 0.06;
  SocsImager<T, S> imager(ctx, grid, {set}, MaskModel::attenuated_psm(t, 180));
  const std::vector<Condition> conditions{{1.0, 0}, {0.9, 0}};
  const auto clear = test::field_with<S>(grid, std::vector<T>(std::size_t(grid.size()), T(1)));
  const Field<T, S> dark(grid);  // p = 0: only the absorber's transmission sqrt(t) e^{i pi}
  for (const auto path : test::imaging_paths) {
    INFO(test::path_name(path));
    const auto bright = to_vector(imager.image(ctx, clear, conditions, path));
    const auto dim = to_vector(imager.image(ctx, dark, conditions, path));
    const double tolerance = test::image_tolerance<T> * expected;
    for (index_t i = 0; i < grid.size(); ++i) {
      CHECK(std::abs(bright[std::size_t(i)] - expected) <= tolerance);
      CHECK(std::abs(bright[std::size_t(grid.size() + i)] - 0.81 * expected) <= tolerance);
      CHECK(std::abs(dim[std::size_t(i)] - t * expected) <= tolerance);
    }
  }
}

TEMPLATE_LIST_TEST_CASE("Shifting the mask shifts the image (periodic field)", "[optics][aerial]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 96;
  const Grid grid(n, n, 1.0);
  SocsImager<T, S> imager(ctx, grid, {test::random_kernels(6, 5, 96.0, 41)});
  const auto values = test::structured_pattern(grid);
  const index_t dx = 37, dy = 70;  // the shifted pattern wraps round both edges
  std::vector<double> shifted(values.size());
  for (index_t y = 0; y < n; ++y)
    for (index_t x = 0; x < n; ++x)
      shifted[std::size_t(((y + dy) % n) * n + (x + dx) % n)] = values[std::size_t(y * n + x)];
  const std::vector<Condition> nominal{{}};
  for (const auto path : test::imaging_paths) {
    INFO(test::path_name(path));
    const auto image =
        to_vector(imager.image(ctx, test::field_with<S>(grid, test::as<T>(values)), nominal, path));
    const auto moved = to_vector(
        imager.image(ctx, test::field_with<S>(grid, test::as<T>(shifted)), nominal, path));
    std::vector<T> expected(image.size());
    for (index_t y = 0; y < n; ++y)
      for (index_t x = 0; x < n; ++x)
        expected[std::size_t(((y + dy) % n) * n + (x + dx) % n)] = image[std::size_t(y * n + x)];
    CHECK(test::relative_error(moved, expected) <= test::image_tolerance<T>);
  }
}

TEMPLATE_LIST_TEST_CASE(
    "Conditions: dose scales the intensity by dose^2, focus selects the kernel set",
    "[optics][aerial]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 64;
  const Grid grid(n, n, 1.0);
  const auto focus = test::random_kernels(4, 3, 64.0, 51);
  const auto defocus = test::random_kernels(6, 4, 64.0, 52);  // a larger radius than set 0
  SocsImager<T, S> both(ctx, grid, {focus, defocus});
  SocsImager<T, S> only_focus(ctx, grid, {focus});
  SocsImager<T, S> only_defocus(ctx, grid, {defocus});
  const auto pattern = test::field_with<S>(grid, test::as<T>(test::random_pattern(grid, 2, 7)), 2);
  // The ICCAD-2013 corners: nominal, outer (dose 1.02), inner (defocus, dose 0.98).
  const std::vector<Condition> corners{{1.0, 0}, {1.02, 0}, {0.98, 1}};
  const std::vector<Condition> unit_focus{{1.0, 0}}, unit_defocus{{1.0, 0}};
  for (const auto path : test::imaging_paths) {
    INFO(test::path_name(path));
    const auto images = to_vector(both.image(ctx, pattern, corners, path));
    REQUIRE(images.size() == std::size_t(6 * n * n));
    const auto a = to_vector(only_focus.image(ctx, pattern, unit_focus, path));
    const auto b = to_vector(only_defocus.image(ctx, pattern, unit_defocus, path));
    const double scale[] = {1.0, 1.02 * 1.02, 0.98 * 0.98};
    for (index_t m = 0; m < 2; ++m)
      for (index_t c = 0; c < 3; ++c) {
        const auto& unit = c < 2 ? a : b;
        std::vector<double> expected(std::size_t(n * n));
        for (index_t i = 0; i < n * n; ++i)
          expected[std::size_t(i)] = scale[c] * double(unit[std::size_t(m * n * n + i)]);
        INFO("pattern " << m << ", condition " << c);
        CHECK(test::relative_error(test::member(images, n * n, m * 3 + c), expected) <=
              test::image_tolerance<T>);
      }
  }
}

TEMPLATE_LIST_TEST_CASE("An att-PSM pattern images like its complex amplitude", "[optics][aerial]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 64;
  const Grid grid(n, n, 1.0);
  const auto mask = MaskModel::attenuated_psm(0.06, 180);
  CHECK(std::abs(mask.dark - std::complex<double>(-std::sqrt(0.06), 0)) <= 1e-15);
  CHECK(mask.clear == std::complex<double>(1, 0));
  SocsImager<T, S> imager(ctx, grid, {test::random_kernels(5, 4, 64.0, 61)}, mask);
  const auto values = test::random_pattern(grid, 1, 9);
  std::vector<complex<T>> amplitude(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    // dark + (clear - dark) p with dark = -sqrt(0.06): written out, not through MaskModel.
    const double a = -std::sqrt(0.06) + (1 + std::sqrt(0.06)) * values[i];
    amplitude[i] = complex<T>(T(a), T(0));
  }
  const std::vector<Condition> conditions{{1.0, 0}, {1.05, 0}};
  for (const auto path : test::imaging_paths) {
    INFO(test::path_name(path));
    const auto from_pattern = to_vector(
        imager.image(ctx, test::field_with<S>(grid, test::as<T>(values)), conditions, path));
    const auto from_amplitude = to_vector(
        imager.image_amplitude(ctx, test::field_with<S>(grid, amplitude), conditions, path));
    CHECK(test::relative_error(from_pattern, from_amplitude) <= test::image_tolerance<T>);
  }
}

TEST_CASE("The small grid is the smallest FFT-friendly size holding +-2R", "[optics][aerial]") {
  Context<Host> ctx;
  const auto kernels = [](index_t radius, double period) {
    return test::random_kernels(radius, 1, period, 1);
  };
  // ICCAD-2013: 35 x 35 kernels (R = 17) on 2048 x 2048: 4R + 1 = 69 -> 70 = 2 * 5 * 7.
  CHECK(SocsImager<float, Host>(ctx, Grid(2048, 2048, 1.0), {kernels(17, 2048)}).small_size() ==
        70);
  CHECK(SocsImager<float, Host>(ctx, Grid(256, 256, 2.0), {kernels(10, 512)}).small_size() == 42);
  // 4R + 1 >= N: no smaller grid exists; both test::imaging_paths run on the full grid.
  SocsImager<double, Host> tight(ctx, Grid(16, 16, 1.0), {kernels(5, 16)});
  CHECK_FALSE(tight.band_limited());
  CHECK(tight.small_size() == 16);
  const auto pattern = test::random_pattern(Grid(16, 16, 1.0), 1, 2);
  const std::vector<Condition> nominal{{}};
  const auto image =
      to_vector(tight.image(ctx, test::field_with<Host>(Grid(16, 16, 1.0), pattern), nominal));
  CHECK(test::relative_error(image, test::direct_image(pattern, 16, kernels(5, 16),
                                                       MaskModel::binary(), 1)) <= 1e-12);
}

TEST_CASE("SocsImager refuses inconsistent grids, kernels and inputs", "[optics][aerial][errors]") {
  using Imager = SocsImager<float, Host>;
  Context<Host> ctx;
  const Grid grid(64, 64, 2.0);
  const auto set = test::random_kernels(3, 2, 128.0, 71);

  SECTION("kernel period != N * pitch") {
    CHECK_THROWS_AS((Imager(ctx, grid, {test::random_kernels(3, 2, 100.0, 1)})), invalid_argument);
    CHECK_THROWS_WITH((Imager(ctx, grid, {test::random_kernels(3, 2, 100.0, 1)})),
                      Contains("period_nm") && Contains("100") && Contains("128"));
  }
  SECTION("kernel sets of different periods") {
    CHECK_THROWS_WITH((Imager(ctx, grid, {set, test::random_kernels(3, 2, 256.0, 1)})),
                      Contains("kernel_sets[1].period_nm") && Contains("256") && Contains("128"));
  }
  SECTION("non-square grid") {
    CHECK_THROWS_WITH((Imager(ctx, Grid(64, 32, 2.0), {set})),
                      Contains("grid") && Contains("square"));
  }
  SECTION("grid too small for the kernels") {
    CHECK_THROWS_WITH((Imager(ctx, Grid(6, 6, 1.0), {test::random_kernels(3, 1, 6.0, 1)})),
                      Contains("radius") && Contains("2R < N = 6"));
  }
  SECTION("no kernel sets, invalid kernels or mask") {
    CHECK_THROWS_AS((Imager(ctx, grid, {})), invalid_argument);
    auto broken = set;
    broken.spectra.pop_back();
    CHECK_THROWS_WITH((Imager(ctx, grid, {broken})), Contains("spectra.size()"));
    MaskModel nan_mask;
    nan_mask.dark = {std::nan(""), 0};
    CHECK_THROWS_WITH((Imager(ctx, grid, {set}, nan_mask)), Contains("mask.dark"));
    CHECK_THROWS_WITH(MaskModel::attenuated_psm(1.5, 180), Contains("intensity_transmission"));
  }
  SECTION("weights no positive semidefinite TCC has, or that overflow float images") {
    auto negative = set;
    negative.weights[1] = -0.5;
    CHECK_THROWS_WITH((Imager(ctx, grid, {negative})),
                      Contains("kernels.weights[1]") && Contains("-0.5"));
    auto zero = set;
    zero.weights = {0, 0};
    CHECK_THROWS_WITH((Imager(ctx, grid, {zero})), Contains("all zero"));
    auto huge = set;
    huge.weights[0] = 1e300;
    CHECK_THROWS_WITH((Imager(ctx, grid, {set, huge})),
                      Contains("kernels.weights[0]") && Contains("2^64"));
  }

  Imager imager(ctx, grid, {set});
  auto pattern = test::field_with<Host>(grid, test::as<float>(test::random_pattern(grid, 2, 1)), 2);
  const std::vector<Condition> nominal{{}};
  SECTION("NaN or infinity in the pattern") {
    pattern.data()[64 * 64 + 5 * 64 + 3] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(imager.image(ctx, pattern, nominal), invalid_argument);
    CHECK_THROWS_WITH(
        imager.image(ctx, pattern, nominal),
        Contains("pattern (member 1, x 3, y 5)") && Contains("nan") && Contains("finite"));
    pattern.data()[7] = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(imager.image(ctx, pattern, nominal),
                      Contains("member 0, x 7, y 0") && Contains("inf"));
    Field<float, Host> grad(grid, 2);
    const Field<float, Host> gi(grid, 2);
    CHECK_THROWS_WITH(imager.backward(ctx, pattern, nominal, gi, grad), Contains("pattern"));
  }
  SECTION("NaN in a complex amplitude") {
    Field<complex<float>, Host> amplitude(grid);
    amplitude.data()[10] = complex<float>(0, std::numeric_limits<float>::quiet_NaN());
    CHECK_THROWS_WITH(imager.image_amplitude(ctx, amplitude, nominal),
                      Contains("amplitude (member 0, x 10, y 0)"));
  }
  SECTION("bad conditions") {
    const std::vector<Condition> negative{{1.0, 0}, {-0.5, 0}};
    CHECK_THROWS_WITH(imager.image(ctx, pattern, negative),
                      Contains("conditions[1].amplitude") && Contains("-0.5"));
    const std::vector<Condition> infinite{{std::numeric_limits<double>::infinity(), 0}};
    CHECK_THROWS_WITH(imager.image(ctx, pattern, infinite), Contains("conditions[0].amplitude"));
    const std::vector<Condition> out_of_range{{1.0, 1}};
    CHECK_THROWS_WITH(imager.image(ctx, pattern, out_of_range),
                      Contains("conditions[0].focus") && Contains("1 kernel sets"));
    CHECK_THROWS_WITH(imager.image(ctx, pattern, std::vector<Condition>{}),
                      Contains("at least one condition"));
  }
  SECTION("shape mismatches") {
    const Field<float, Host> wrong(Grid(32, 32, 2.0));
    CHECK_THROWS_AS(imager.image(ctx, wrong, nominal), shape_mismatch);
    Field<float, Host> out_wrong_batch(grid, 3);
    CHECK_THROWS_WITH(imager.image(ctx, pattern, nominal, out_wrong_batch),
                      Contains("out.batch()") && Contains("patterns x conditions = 2 x 1"));
    Field<float, Host> out_wrong_grid(Grid(32, 32, 2.0));
    CHECK_THROWS_AS(imager.image(ctx, pattern, nominal, out_wrong_grid), shape_mismatch);
    const std::vector<Condition> two{{1.0, 0}, {1.1, 0}};
    Field<float, Host> grad(grid, 2);
    const Field<float, Host> gi_wrong_batch(grid, 2), gi(grid, 4);
    CHECK_THROWS_WITH(imager.backward(ctx, pattern, two, gi_wrong_batch, grad),
                      Contains("grad_intensity.batch()") && Contains("4 members"));
    Field<float, Host> grad_one(grid, 1);
    CHECK_THROWS_WITH(imager.backward(ctx, pattern, two, gi, grad_one),
                      Contains("grad_pattern.batch()"));
    std::vector<double> dose(3);
    CHECK_THROWS_WITH(imager.backward(ctx, pattern, two, gi, grad, dose),
                      Contains("grad_amplitude.size()"));
    CHECK_THROWS_WITH(imager.fields(ctx, pattern), Contains("pattern.batch()"));
    const Field<complex<float>, Host> cotangent(grid, 3);
    CHECK_THROWS_WITH(imager.fields_adjoint(ctx, cotangent), Contains("cotangent.batch()"));
  }
}
