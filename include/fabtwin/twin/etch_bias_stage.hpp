#pragma once
// The pattern-scale etch as a twin stage: the etched pattern is the developed (open) pattern with
// its contour moved by a bias that depends on the open-area density around each point
// (microloading) and on how much open area the point sees (visibility), the convolutional etch
// model OPC flows calibrate (physics.md, section 3):
//
//   b(x) = b0 + sum_j b_j (G_j * o)(x) + b_v (K * o)(x),
//   e(x) = o(x) + b(x) |grad o|(x),
//
// o the open fraction (1 where the resist is cleared: the print of a resist stage), G_j Gaussians
// of radius sigma_j, K the view factor to open ground at depth r0 of a point below the pattern,
// K(r) = r0^2 / (pi (r^2 + r0^2)^2) (unit integral; its transform is x K1(x), x = 2 pi |f| r0),
// and |grad o| = sqrt(|grad o|^2 + eps^2) - eps smoothed at flat ground. A contour of a smooth o
// moves by b along its normal to first order in b over the edge width: b > 0 widens the openings.
// Convolutions are periodic (FFT), differences central, so every term has a short exact adjoint.
// Parameters: "etch.bias_nm", "etch.density_bias_nm.rR" per radius R nm, "etch.visibility_bias_nm".

#include <cmath>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/twin/detail/field_ops.hpp"
#include "fabtwin/twin/interaction_range.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

struct EtchBiasModel {
  double bias_nm = 0;                   ///< b0
  std::vector<double> radii_nm;         ///< sigma_j of the density kernels (fixed)
  std::vector<double> density_bias_nm;  ///< b_j, one per radius
  double visibility_depth_nm = 0;       ///< r0 of the visibility kernel; 0: no visibility term
  double visibility_bias_nm = 0;        ///< b_v
  /// eps of |grad o|, in unit steps per cell: an edge's gradient (a unit step over a few cells)
  /// exceeds the default a thousandfold, so edges move by the bias to 0.1 %; larger values round
  /// the kink of |grad o| at flat ground more.
  double edge_softening = 1e-4;
};

struct EtchBiasGradient {
  double bias_nm = 0;
  std::vector<double> density_bias_nm;
  double visibility_bias_nm = 0;
};

namespace detail {

/// spectrum *= transfer (half-spectrum multipliers, one batch member's worth, repeated).
template <class T, class Space>
struct MultiplySpectrum {
  View<complex<T>, Space> spectrum;
  View<const T, Space> transfer;
  FABTWIN_HD void operator()(index_t i) const { spectrum[i] *= transfer[i % transfer.size()]; }
};

/// Central differences of o along x and y (periodic), and the smoothed gradient magnitude.
template <class T, class Space>
struct EdgeStrength {
  View<const T, Space> o;
  View<T, Space> gx, gy, magnitude;
  T inverse_2h, epsilon;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t b) const {
    const index_t nx = o.nx(), ny = o.ny();
    const T dx =
        (o(x + 1 < nx ? x + 1 : 0, y, 0, b) - o(x > 0 ? x - 1 : nx - 1, y, 0, b)) * inverse_2h;
    const T dy =
        (o(x, y + 1 < ny ? y + 1 : 0, 0, b) - o(x, y > 0 ? y - 1 : ny - 1, 0, b)) * inverse_2h;
    gx(x, y, 0, b) = dx;
    gy(x, y, 0, b) = dy;
    magnitude(x, y, 0, b) = cuda::std::sqrt(dx * dx + dy * dy + epsilon * epsilon) - epsilon;
  }
};

/// out = o + bias * magnitude.
template <class T, class Space>
struct ApplyBias {
  View<const T, Space> o, bias, magnitude;
  View<T, Space> out;
  FABTWIN_HD void operator()(index_t i) const { out[i] = o[i] + bias[i] * magnitude[i]; }
};

/// out[i] = a[i] * b[i].
template <class T, class Space>
struct Product {
  View<const T, Space> a, b;
  View<T, Space> out;
  FABTWIN_HD void operator()(index_t i) const { out[i] = a[i] * b[i]; }
};

/// The adjoint of the edge strength: grad_o += D_x^T (w gx / (|g| + eps)) + D_y^T (...), with
/// w = grad_e * bias and D^T = -D for central differences.
template <class T, class Space>
struct EdgeStrengthAdjoint {
  View<const T, Space> weight, gx, gy, magnitude;  // weight = grad_e * bias
  View<T, Space> grad_o;
  T inverse_2h, epsilon;
  FABTWIN_HD T flux_x(index_t x, index_t y, index_t b) const {
    return weight(x, y, 0, b) * gx(x, y, 0, b) / (magnitude(x, y, 0, b) + epsilon);
  }
  FABTWIN_HD T flux_y(index_t x, index_t y, index_t b) const {
    return weight(x, y, 0, b) * gy(x, y, 0, b) / (magnitude(x, y, 0, b) + epsilon);
  }
  FABTWIN_HD void operator()(index_t x, index_t y, index_t b) const {
    const index_t nx = weight.nx(), ny = weight.ny();
    const T ax = flux_x(x > 0 ? x - 1 : nx - 1, y, b) - flux_x(x + 1 < nx ? x + 1 : 0, y, b);
    const T ay = flux_y(x, y > 0 ? y - 1 : ny - 1, b) - flux_y(x, y + 1 < ny ? y + 1 : 0, b);
    grad_o(x, y, 0, b) += (ax + ay) * inverse_2h;
  }
};

}  // namespace detail

template <class T, class Space>
class EtchBiasStage {
 public:
  using value_type = T;
  using space = Space;

  EtchBiasStage(const Grid& grid, EtchBiasModel model) : grid_(grid), model_(std::move(model)) {
    const char* where = "twin::EtchBiasStage";
    require<shape_mismatch>(grid.rank() == 2, where, "grid", grid, "a 2D grid");
    require(model_.radii_nm.size() == model_.density_bias_nm.size(), where,
            "model.density_bias_nm.size()", model_.density_bias_nm.size(),
            [&] { return "one bias per radius (" + std::to_string(model_.radii_nm.size()) + ")"; });
    for (std::size_t j = 0; j < model_.radii_nm.size(); ++j)
      require(
          std::isfinite(model_.radii_nm[j]) && model_.radii_nm[j] > 0, where,
          [&] { return "model.radii_nm[" + std::to_string(j) + "]"; }, model_.radii_nm[j],
          "a radius > 0 nm");
    require(std::isfinite(model_.visibility_depth_nm) && model_.visibility_depth_nm >= 0, where,
            "model.visibility_depth_nm", model_.visibility_depth_nm, "a depth >= 0 nm");
    require(std::isfinite(model_.edge_softening) && model_.edge_softening > 0, where,
            "model.edge_softening", model_.edge_softening, "a softening > 0");
    gradient_.density_bias_nm.assign(model_.radii_nm.size(), 0.0);
    for (const double r : model_.radii_nm)
      transfers_.push_back(transfer([r](double f) {
        const double a = std::numbers::pi * r * f;
        return std::exp(-2 * a * a);  // exp(-2 pi^2 sigma^2 f^2)
      }));
    if (model_.visibility_depth_nm > 0)
      transfers_.push_back(transfer([r0 = model_.visibility_depth_nm](double f) {
        const double x = 2 * std::numbers::pi * f * r0;
        return x > 0 ? x * std::cyl_bessel_k(1.0, x) : 1.0;
      }));
  }

  Grid input_grid() const { return grid_; }
  Grid output_grid() const { return grid_; }
  index_t output_batch(index_t input_batch) const { return input_batch; }
  /// The widest of the density Gaussians and of the visibility kernel, whose weight beyond R is
  /// r0^2 / (R^2 + r0^2), and one cell for the central differences of |grad o|.
  double interaction_range_nm(double tolerance) const {
    require_range_tolerance(tolerance, "twin::EtchBiasStage::interaction_range_nm");
    double range = std::max(grid_.pitch().x, grid_.pitch().y);
    for (const double r : model_.radii_nm) range = std::max(range, gaussian_range_nm(r, tolerance));
    if (model_.visibility_depth_nm > 0)
      range = std::max(range, model_.visibility_depth_nm * std::sqrt(1 / tolerance - 1));
    return range;
  }

  EtchBiasModel& model() { return model_; }
  const EtchBiasGradient& gradient() const { return gradient_; }

  std::vector<Parameter> parameters() {
    std::vector<Parameter> list{
        {"etch.bias_nm", "nm", -unbounded, unbounded, 1.0, &model_.bias_nm, &gradient_.bias_nm}};
    for (std::size_t j = 0; j < model_.radii_nm.size(); ++j)
      list.push_back({"etch.density_bias_nm.r" + ::fabtwin::describe(model_.radii_nm[j]), "nm",
                      -unbounded, unbounded, 1.0, &model_.density_bias_nm[j],
                      &gradient_.density_bias_nm[j]});
    if (model_.visibility_depth_nm > 0)
      list.push_back({"etch.visibility_bias_nm", "nm", -unbounded, unbounded, 1.0,
                      &model_.visibility_bias_nm, &gradient_.visibility_bias_nm});
    return list;
  }

  void zero_gradient() {
    gradient_.bias_nm = gradient_.visibility_bias_nm = 0;
    gradient_.density_bias_nm.assign(model_.radii_nm.size(), 0.0);
  }

  const Field<T, Space>& forward(Context<Space>& ctx, const Field<T, Space>& open) {
    detail::require_input(open, grid_, "twin::EtchBiasStage::forward", "input");
    input_ = &open;
    const index_t batch = open.batch();
    // Each kernel's density of the open area, kept for the gradients of the b_j.
    densities_.clear();
    for (std::size_t k = 0; k < transfers_.size(); ++k) {
      densities_.emplace_back(grid_, batch);
      copy(open.cview(), densities_.back().view());
      filter(ctx, densities_.back(), transfers_[k]);
    }
    Field<T, Space>& bias = detail::reuse(bias_, grid_, batch);
    fill(ctx, bias.view(), T(model_.bias_nm));
    for (std::size_t k = 0; k < transfers_.size(); ++k)
      detail::axpy<T, Space>(ctx, kernel_bias(k), densities_[k].cview(), bias.view());
    Field<T, Space>& gx = detail::reuse(gx_, grid_, batch);
    Field<T, Space>& gy = detail::reuse(gy_, grid_, batch);
    Field<T, Space>& magnitude = detail::reuse(magnitude_, grid_, batch);
    for_each(ctx, Range3{grid_.nx(), grid_.ny(), batch},
             detail::EdgeStrength<T, Space>{open.cview(), gx.view(), gy.view(), magnitude.view(),
                                            inverse_2h(), epsilon()});
    Field<T, Space>& etched = detail::reuse(output_, grid_, batch);
    for_each(
        ctx, Range1{etched.size()},
        detail::ApplyBias<T, Space>{open.cview(), bias.cview(), magnitude.cview(), etched.view()});
    return etched;
  }

  const Field<T, Space>& backward(Context<Space>& ctx, const Field<T, Space>& grad_etched) {
    constexpr const char* where = "twin::EtchBiasStage::backward";
    detail::require_cotangent(input_, output_, grad_etched, where);
    const index_t batch = input_->batch();
    // w = grad_e |grad o|: the cotangent of the bias field.
    Field<T, Space>& w = detail::reuse(weight_, grid_, batch);
    for_each(ctx, Range1{w.size()},
             detail::Product<T, Space>{grad_etched.cview(), magnitude_->cview(), w.view()});
    gradient_.bias_nm += sum(ctx, w.cview());
    for (std::size_t k = 0; k < transfers_.size(); ++k) {
      const double g = detail::real_dot<T, Space>(ctx, w.cview(), densities_[k].cview());
      if (k < model_.radii_nm.size())
        gradient_.density_bias_nm[k] += g;
      else
        gradient_.visibility_bias_nm += g;
    }
    // dL/do = grad_e + sum_k b_k G_k^T w + D^T (grad_e b grad o / |grad o|); the kernels are
    // symmetric, so G_k^T is G_k.
    Field<T, Space>& grad_open = detail::reuse(grad_input_, grid_, batch);
    copy(grad_etched.cview(), grad_open.view());
    Field<T, Space>& smoothed = detail::reuse(scratch_, grid_, batch);
    for (std::size_t k = 0; k < transfers_.size(); ++k) {
      copy(w.cview(), smoothed.view());
      filter(ctx, smoothed, transfers_[k]);
      detail::axpy<T, Space>(ctx, kernel_bias(k), smoothed.cview(), grad_open.view());
    }
    for_each(ctx, Range1{smoothed.size()},
             detail::Product<T, Space>{grad_etched.cview(), bias_->cview(), smoothed.view()});
    for_each(ctx, Range3{grid_.nx(), grid_.ny(), batch},
             detail::EdgeStrengthAdjoint<T, Space>{smoothed.cview(), gx_->cview(), gy_->cview(),
                                                   magnitude_->cview(), grad_open.view(),
                                                   inverse_2h(), epsilon()});
    return grad_open;
  }

 private:
  /// The half-spectrum multipliers H(|f|) of a radial kernel on this grid.
  template <class Transfer>
  Field<T, Space> transfer(Transfer h) const {
    const index_t nx = grid_.nx(), ny = grid_.ny(), hx = nx / 2 + 1;
    std::vector<T> values(std::size_t(hx * ny));
    for (index_t v = 0; v < ny; ++v)
      for (index_t u = 0; u < hx; ++u) {
        const double fx = double(u) / (double(nx) * grid_.pitch().x);
        const double fy = double(2 * v < ny ? v : v - ny) / (double(ny) * grid_.pitch().y);
        // The inverse FFT is unnormalised: fold 1 / (nx ny) in here.
        values[std::size_t(u + hx * v)] = T(h(std::hypot(fx, fy)) / double(nx * ny));
      }
    Field<T, Host> host(Grid(hx, ny, 1.0));
    std::copy(values.begin(), values.end(), host.data());
    return to<Space>(host);
  }

  /// field <- K * field for every batch member (periodic), K given by its transfer.
  void filter(Context<Space>& ctx, Field<T, Space>& field, const Field<T, Space>& h) const {
    const index_t nx = grid_.nx(), ny = grid_.ny(), hx = nx / 2 + 1, batch = field.batch();
    auto block = ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(hx * ny * batch));
    const auto spectrum = block.template view<complex<T>>(hx, ny, 1, batch);
    fft::forward(ctx, field.cview(), spectrum);
    for_each(ctx, Range1{hx * ny * batch}, detail::MultiplySpectrum<T, Space>{spectrum, h.cview()});
    fft::inverse(ctx, spectrum, field.view());
  }

  double kernel_bias(std::size_t k) const {
    return k < model_.radii_nm.size() ? model_.density_bias_nm[k] : model_.visibility_bias_nm;
  }
  T inverse_2h() const { return T(0.5 / grid_.pitch().x); }
  T epsilon() const { return T(model_.edge_softening / grid_.pitch().x); }

  Grid grid_;
  EtchBiasModel model_;
  EtchBiasGradient gradient_;
  std::vector<Field<T, Space>> transfers_;  // density kernels, then visibility
  std::vector<Field<T, Space>> densities_;
  const Field<T, Space>* input_ = nullptr;
  std::optional<Field<T, Space>> bias_, gx_, gy_, magnitude_, output_, weight_, grad_input_,
      scratch_;
};

}  // namespace fabtwin::twin
