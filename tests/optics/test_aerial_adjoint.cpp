// Adjoint of the SOCS aerial image: dot-product test of the field map, Taylor tests of linear and
// nonlinear losses w.r.t. the pattern and the dose, band-limited vs full-grid backward, and the dose
// gradient against its closed form 2 d sum g I_1.

#include <array>
#include <cmath>
#include <vector>

#include "optics/aerial_support.hpp"
#include "support/gradient_checks.hpp"

using namespace fabtwin;
using optics::Condition;
using optics::ImagingPath;
using optics::MaskModel;
using optics::SocsImager;

namespace {}  // namespace

TEMPLATE_LIST_TEST_CASE("Dot-product test of pattern -> field_k and fields_adjoint",
                        "[optics][adjoint]", test::Cases) {
  // <L p, y> = Re sum conj(y) (field(p) - field(0)) must equal <p, L^T y> for the linear part L.
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 48;
  const Grid grid(n, n, 2.0);
  const auto set = test::random_kernels(4, 3, 96.0, 81);
  for (const auto& mask : {MaskModel::binary(), MaskModel::attenuated_psm(0.06, 180)}) {
    SocsImager<T, S> imager(ctx, grid, {set}, mask);
    const auto p = test::as<T>(test::random_pattern(grid, 1, 13));
    const auto y = test::random_values<complex<T>>(3 * grid.size(), 14);
    const auto fields = to_vector(imager.fields(ctx, test::field_with<S>(grid, p)));
    const auto offset = to_vector(imager.fields(ctx, Field<T, S>(grid)));
    double left = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      const auto lp = fields[i] - offset[i];
      left += double(y[i].real()) * double(lp.real()) + double(y[i].imag()) * double(lp.imag());
    }
    const auto adjoint = to_vector(imager.fields_adjoint(ctx, test::field_with<S>(grid, y, 3)));
    const double right = test::real_dot(p, adjoint);
    CHECK(std::abs(left - right) <= (std::is_same_v<T, float> ? 1e-5 : 1e-12) * std::abs(left));
  }
}

TEMPLATE_LIST_TEST_CASE("Taylor test of sum g I and of sum (I - I0)^2 w.r.t. pattern and dose",
                        "[optics][adjoint]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 64, masks = 2;
  const Grid grid(n, n, 1.0);
  const auto focus = test::random_kernels(4, 4, 64.0, 91);
  const auto defocus = test::random_kernels(5, 3, 64.0, 92);
  SocsImager<double, S> imager(ctx, grid, {focus, defocus}, MaskModel::attenuated_psm(0.06, 160));
  const std::vector<double> doses{1.0, 1.02, 0.98};
  const auto conditions_at = [](const std::vector<double>& d) {
    return std::vector<Condition>{{d[0], 0}, {d[1], 0}, {d[2], 1}};
  };
  const auto p0 = test::random_pattern(grid, masks, 17);
  const auto direction = test::random_values<double>(grid.size() * masks, 18);
  const std::vector<double> dose_direction{0.7, -0.4, 1.1};
  const auto g = test::random_values<double>(grid.size() * masks * 3, 19);
  const auto target = test::random_pattern(grid, masks * 3, 20);

  for (const auto path : test::imaging_paths) {
    INFO(test::path_name(path));
    const auto image = [&](const std::vector<double>& p, const std::vector<double>& d) {
      return to_vector(
          imager.image(ctx, test::field_with<S>(grid, p, masks), conditions_at(d), path));
    };
    // J_lin = sum g I (gradient g); J_sq = sum (I - I0)^2 (gradient 2 (I - I0)).
    const auto j_lin = [&](const std::vector<double>& i) { return test::real_dot(g, i); };
    const auto j_sq = [&](const std::vector<double>& i) {
      double sum = 0;
      for (std::size_t k = 0; k < i.size(); ++k) sum += (i[k] - target[k]) * (i[k] - target[k]);
      return sum;
    };
    const auto i0 = image(p0, doses);
    std::vector<double> g_sq(i0.size());
    for (std::size_t k = 0; k < i0.size(); ++k) g_sq[k] = 2 * (i0[k] - target[k]);

    for (int loss = 0; loss < 2; ++loss) {
      INFO((loss == 0 ? "sum g I" : "sum (I - I0)^2"));
      const auto& cotangent = loss == 0 ? g : g_sq;
      const auto J = [&](const std::vector<double>& i) { return loss == 0 ? j_lin(i) : j_sq(i); };
      Field<double, S> grad(grid, masks);
      std::vector<double> grad_amplitude(3);
      imager.backward(ctx, test::field_with<S>(grid, p0, masks), conditions_at(doses),
                      test::field_with<S>(grid, cotangent, masks * 3), grad, grad_amplitude, path);
      const auto grad_p = to_vector(grad);
      const double slope_p = test::real_dot(grad_p, direction);
      const double slope_d = test::real_dot(grad_amplitude, dose_direction);
      const double j0 = J(i0);
      std::vector<double> remainder_p, remainder_d;
      for (double eps = 0.05; eps > 0.05 / 40; eps /= 2) {
        std::vector<double> p = p0, d = doses;
        for (std::size_t k = 0; k < p.size(); ++k) p[k] += eps * direction[k];
        for (std::size_t k = 0; k < d.size(); ++k) d[k] += eps * dose_direction[k];
        remainder_p.push_back(std::abs(J(image(p, doses)) - j0 - eps * slope_p));
        remainder_d.push_back(std::abs(J(image(p0, d)) - j0 - eps * slope_d));
      }
      for (const auto& [what, remainders] :
           {std::pair{"pattern", remainder_p}, std::pair{"dose", remainder_d}})
        for (const double order : test::observed_orders(remainders)) {
          INFO(what << ": observed order " << order);
          CHECK(order >= 1.9);
          CHECK(order <= 2.1);
        }
    }
  }
}

TEMPLATE_LIST_TEST_CASE(
    "Band-limited backward equals full-grid backward; dL/damplitude = 2 d sum g I_1",
    "[optics][adjoint]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 128, masks = 2;
  const Grid grid(n, n, 2.0);
  const auto focus = test::random_kernels(7, 6, 256.0, 101);
  const auto defocus = test::random_kernels(6, 5, 256.0, 102);
  SocsImager<T, S> imager(ctx, grid, {focus, defocus}, MaskModel::attenuated_psm(0.06, 180));
  const std::vector<Condition> conditions{{1.0, 0}, {1.02, 0}, {0.98, 1}};
  const auto pattern =
      test::field_with<S>(grid, test::as<T>(test::random_pattern(grid, masks, 23)), masks);
  const auto g_values = test::as<T>(test::random_values<double>(grid.size() * masks * 3, 24));
  const auto g = test::field_with<S>(grid, g_values, masks * 3);

  Field<T, S> fast(grid, masks), plain(grid, masks);
  std::vector<double> fast_dose(3), plain_dose(3);
  imager.backward(ctx, pattern, conditions, g, fast, fast_dose);
  imager.backward(ctx, pattern, conditions, g, plain, plain_dose, ImagingPath::full_grid);
  CHECK(test::relative_error(to_vector(fast), to_vector(plain)) <= test::image_tolerance<T>);

  // Intensity is quadratic in the dose: dL/dd_c = sum_x g_c (2 I_c / d_c), from forward images only.
  const auto images = to_vector(imager.image(ctx, pattern, conditions, ImagingPath::full_grid));
  const double tolerance = std::is_same_v<T, float> ? 1e-4 : 1e-11;
  for (std::size_t c = 0; c < 3; ++c) {
    double expected = 0, size = 0;  // size: the sum of |terms|, the scale of the rounding
    for (index_t b = 0; b < masks; ++b)
      for (index_t i = 0; i < grid.size(); ++i) {
        const std::size_t at = std::size_t((b * 3 + index_t(c)) * grid.size() + i);
        const double term = double(g_values[at]) * 2 * double(images[at]) / conditions[c].amplitude;
        expected += term;
        size += std::abs(term);
      }
    INFO("condition " << c << ": expected " << expected << " of terms summing to " << size);
    CHECK(std::abs(fast_dose[c] - expected) <= tolerance * size);
    CHECK(std::abs(plain_dose[c] - expected) <= tolerance * size);
  }
}
