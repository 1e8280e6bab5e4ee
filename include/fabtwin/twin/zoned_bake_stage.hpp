#pragma once
// The post-exposure bake on a hotplate whose temperature varies across the field, as a twin stage:
// exposed acid -> inhibitor M after the bake (resist/peb_temperature_map.hpp and its adjoint),
// with the plate's zone offsets as named parameters, what a CD-uniformity calibration fits.
//
// The map. dT(x, y) = sum_k dT_k phi_k(x, y) over a rows x cols lattice of control points spread
// evenly over the field (the first and last at the field's edge samples), phi_k the bilinear hat
// function of point k: 1 there, 0 at its neighbours. The map is continuous (a plate's zones blend
// through the plate's and the wafer's conduction) and dT_k is the offset at control point k;
// 1 x 1 is a uniform offset, 2 x 2 a bilinear tilt, 3 x 3 the usual centre-edge-corner zoning.
// Parameters "peb.zone_k.r<i>c<j>" (K, scale 0.1 K); their gradients are <dL/d(dT), phi_k>.
//
// The model's parameters stay fixed here (BakeStage fits them on a uniform plate); conditions'
// bake_offset_k add a uniform offset to the history as in BakeStage. Lateral walls: no flux (the
// mapped bake's finite volumes), where the optics' field is periodic; a window should end where the
// pattern does not reach the walls within a diffusion length (about 10 nm), or on its mirror planes.
//
// Memory and time: as BakeStage, the stage keeps the bake's sweep for its backwards
// (ZonedBakeOptions::sweep_bytes): the first backward after a forward makes it, and once a backward
// has run each forward makes it as it bakes. A backward needs the conditions and offsets of the
// last forward.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_temperature_map.hpp"
#include "fabtwin/resist/peb_temperature_map_adjoint.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/detail/condition_members.hpp"
#include "fabtwin/twin/detail/field_ops.hpp"
#include "fabtwin/twin/interaction_range.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

/// The lattice of control points of a plate map (rows along y, cols along x).
struct PlateZones {
  index_t rows = 3, cols = 3;
};

struct ZonedBakeOptions {
  double max_step_s = 1;  ///< Strang step of the mapped bake
  thermal::TimeScheme scheme = thermal::TimeScheme::crank_nicolson;
  /// The mapped bake's sweep (the start of every step: 2 N fields of the acid's shape per
  /// condition for N steps) is kept from forward to backward where it fits in this, so that the
  /// backwards of one forward (a calibration's one per CD site) do not bake again; else each
  /// backward bakes again.
  std::size_t sweep_bytes = std::size_t(256) << 20;
  /// The field the control points span when the stage bakes a window of it (a tile of
  /// dist/run_tiles.hpp): the map is then the field's, restricted to the stage's grid, which lies
  /// on the field's sample lattice. Unset: the stage's own grid is the field.
  std::optional<Grid> plate_field = std::nullopt;
};

/// The hat functions phi_k of `zones` spread over `field`, on the nx x ny plane of `grid` (a
/// window of the field's sample lattice: the same pitch, its origin a whole number of samples
/// away), point k = i * cols + j at row i (y) and column j (x): each grid's nx x ny, on the host.
/// Beyond the field's edge samples the map holds the edge's value.
inline std::vector<std::vector<double>> plate_zone_basis(const Grid& grid, PlateZones zones,
                                                         const Grid& field) {
  constexpr const char* where = "twin::plate_zone_basis";
  const double h = field.pitch().x;
  require(grid.pitch().x == h && grid.pitch().y == field.pitch().y, where, "grid.pitch",
          grid.pitch(), [&] { return "the plate field's pitch, " + std::to_string(h) + " nm"; });
  // The grid's first sample as field samples: a whole number of them.
  const auto offset = [&](double from, double to, const char* axis) {
    const double samples = (to - from) / h;
    const double whole = std::round(samples);
    require(
        std::abs(samples - whole) <= 1e-6, where,
        [&] { return std::string("grid.origin.") + axis; }, to,
        "a whole number of samples from the plate field's origin");
    return index_t(whole);
  };
  const index_t ox = offset(field.origin().x, grid.origin().x, "x"),
                oy = offset(field.origin().y, grid.origin().y, "y");
  const index_t nx = grid.nx(), ny = grid.ny();
  // Weight of control point p (of count) along an axis of n field samples at field sample s.
  const auto hat = [](index_t count, index_t n, index_t p, index_t s) {
    if (count == 1) return 1.0;
    s = std::clamp<index_t>(s, 0, n - 1);
    const double u = n > 1 ? double(s) / double(n - 1) * double(count - 1) : 0.0;
    return std::max(0.0, 1.0 - std::abs(u - double(p)));
  };
  std::vector<std::vector<double>> basis;
  for (index_t i = 0; i < zones.rows; ++i)
    for (index_t j = 0; j < zones.cols; ++j) {
      std::vector<double> phi(std::size_t(nx * ny));
      for (index_t y = 0; y < ny; ++y)
        for (index_t x = 0; x < nx; ++x)
          phi[std::size_t(x + nx * y)] =
              hat(zones.cols, field.nx(), j, x + ox) * hat(zones.rows, field.ny(), i, y + oy);
      basis.push_back(std::move(phi));
    }
  return basis;
}

/// The same over the grid itself.
inline std::vector<std::vector<double>> plate_zone_basis(const Grid& grid, PlateZones zones) {
  return plate_zone_basis(grid, zones, grid);
}

template <class T, class Space>
class ZonedBakeStage {
 public:
  using value_type = T;
  using space = Space;

  ZonedBakeStage(const Grid& acid_grid, resist::PebModel model, thermal::TemperatureHistory history,
                 PlateZones zones, ZonedBakeOptions options = {},
                 ProcessConditions conditions = nominal_condition())
      : grid_(acid_grid),
        plane_(acid_grid.nx(), acid_grid.ny(), acid_grid.pitch().x),
        model_(std::move(model)),
        history_(std::move(history)),
        zones_(zones),
        options_(options),
        map_(plane_),
        grad_map_(plane_) {
    constexpr const char* where = "twin::ZonedBakeStage";
    model_.validate(where);
    require(zones.rows >= 1 && zones.cols >= 1 && zones.rows <= field().ny() &&
                zones.cols <= field().nx(),
            where, "zones", std::to_string(zones.rows) + " x " + std::to_string(zones.cols),
            "at least 1 x 1 control points, no more than the field's samples each way");
    require(std::isfinite(options.max_step_s) && options.max_step_s > 0, where,
            "options.max_step_s", options.max_step_s, "a positive, finite step in s");
    make_basis();
    offsets_k_.assign(basis_.size(), 0.0);
    gradient_k_.assign(basis_.size(), 0.0);
    set_conditions(std::move(conditions));
  }

  Grid input_grid() const { return grid_; }
  /// Moves the stage to `window`, a grid of its shape and pitch elsewhere on the plate field's
  /// sample lattice (a tile: dist/run_tiles.hpp places it before each tile): the map becomes the
  /// field's there. A backward needs a forward after it.
  void place(const Grid& window) {
    constexpr const char* where = "twin::ZonedBakeStage::place";
    require<shape_mismatch>(
        window.nx() == grid_.nx() && window.ny() == grid_.ny() &&
            window.pitch().x == grid_.pitch().x && window.pitch().y == grid_.pitch().y,
        where, "window", window,
        [&] { return "a window of the stage's nx x ny and pitch, " + describe(grid_); });
    if (window.origin().x == grid_.origin().x && window.origin().y == grid_.origin().y) return;
    const Vec3 origin{window.origin().x, window.origin().y, grid_.origin().z};
    grid_ = grid_.rank() == 3
                ? Grid::volume(grid_.nx(), grid_.ny(), grid_.nz(), grid_.pitch(), origin)
                : Grid(grid_.nx(), grid_.ny(), grid_.pitch().x, origin);
    make_basis();
    forward_conditions_ = 0;
  }

  /// The field the control points span (ZonedBakeOptions::plate_field, or the stage's grid).
  const Grid& field() const { return options_.plate_field ? *options_.plate_field : grid_; }

  /// The distance beyond which the bake's lateral diffusion holds at most `tolerance` of its weight
  /// (half of it on each axis, as BakeStage's): the finite volumes' implicit steps have no closed
  /// form for their kernel, so it is measured, by diffusing a unit sample along a line through the
  /// stage's own steps at the hottest the map and the conditions make the plate (hotter diffuses
  /// farther; the map's largest value is its largest offset, the hats being a partition of unity).
  /// The reaction is pointwise, as in BakeStage's range.
  double interaction_range_nm(double tolerance) const {
    constexpr const char* where = "twin::ZonedBakeStage::interaction_range_nm";
    require_range_tolerance(tolerance, where);
    const double hottest_map = *std::max_element(offsets_k_.begin(), offsets_k_.end());
    double range = 0;
    for (std::size_t c = 0; c < conditions_.size(); ++c)
      range = std::max(range, resist::mapped_bake_range_nm(model_, history(index_t(c)), hottest_map,
                                                           plane_.pitch().x, options_.max_step_s,
                                                           options_.scheme, tolerance / 2));
    return range;
  }
  Grid output_grid() const { return grid_; }
  index_t output_batch(index_t input_batch) const { return input_batch; }

  const ProcessConditions& conditions() const { return conditions_; }
  void set_conditions(ProcessConditions conditions) {
    validate(conditions, "twin::ZonedBakeStage::set_conditions");
    conditions_ = std::move(conditions);
    forward_conditions_ = 0;  // baked under the old conditions: a backward must follow a forward
  }
  ConditionUse condition_use() const { return {false, false, true}; }

  /// The offsets dT_k at the control points (K), row by row.
  std::vector<double>& offsets_k() { return offsets_k_; }
  const std::vector<double>& gradient_k() const { return gradient_k_; }
  /// The map at the current offsets (nx x ny, K).
  const Field<T, Space>& map(Context<Space>& ctx) {
    build_map(ctx);
    return map_;
  }

  std::vector<Parameter> parameters() {
    std::vector<Parameter> list;
    for (index_t i = 0; i < zones_.rows; ++i)
      for (index_t j = 0; j < zones_.cols; ++j) {
        const std::size_t k = std::size_t(i * zones_.cols + j);
        list.push_back({"peb.zone_k.r" + std::to_string(i) + "c" + std::to_string(j), "K", -50, 50,
                        0.1, &offsets_k_[k], &gradient_k_[k]});
      }
    return list;
  }

  void zero_gradient() { std::fill(gradient_k_.begin(), gradient_k_.end(), 0.0); }

  const Field<T, Space>& forward(Context<Space>& ctx, const Field<T, Space>& acid) {
    constexpr const char* where = "twin::ZonedBakeStage::forward";
    detail::require_input(acid, grid_, where, "acid");
    input_ = &acid;
    build_map(ctx);
    forward_offsets_k_ = offsets_k_;
    forward_conditions_ = index_t(conditions_.size());
    const index_t count = forward_conditions_;
    // Keep the sweep as it bakes once a backward has run (BakeStage: making it costs a forward
    // that no backward follows).
    swept_ = backward_seen_ && sweep_fits(acid.size() / count);
    if (swept_) sweeps_.resize(std::size_t(count));
    Field<T, Space>& inhibitor = detail::reuse(output_, grid_, acid.batch());
    if (count == 1) {
      copy(bake(ctx, acid, 0), inhibitor);
      return inhibitor;
    }
    detail::for_each_condition(acid, count, inhibitor, [&](const Field<T, Space>& part, index_t c) {
      return bake(ctx, part, c);
    });
    return inhibitor;
  }

  const Field<T, Space>& backward(Context<Space>& ctx, const Field<T, Space>& grad_inhibitor) {
    constexpr const char* where = "twin::ZonedBakeStage::backward";
    detail::require_cotangent(input_, output_, grad_inhibitor, where);
    const index_t count = index_t(conditions_.size());
    require(forward_conditions_ == count, where, "conditions", count,
            "the conditions of the last forward (set_conditions or place came between forward "
            "and backward: run forward again)");
    for (std::size_t k = 0; k < offsets_k_.size(); ++k)
      require(
          offsets_k_[k] == forward_offsets_k_[k], where,
          [&] { return "offsets_k()[" + std::to_string(k) + "]"; }, offsets_k_[k],
          [&] {
            return "the last forward's offset, " + std::to_string(forward_offsets_k_[k]) +
                   " K (run forward again after changing it)";
          });
    const Field<T, Space>& acid = *input_;
    Field<T, Space>& grad_acid = detail::reuse(grad_input_, grid_, acid.batch());
    const index_t members = acid.batch() / count;
    backward_seen_ = true;
    if (!swept_ && sweep_fits(acid.size() / count)) {
      // The forward kept nothing: sweep the bake now, once for this backward and every later one
      // from the same forward.
      sweeps_.resize(std::size_t(count));
      Field<T, Space> part(grid_, members);
      for (index_t c = 0; c < count; ++c) {
        if (count > 1) detail::gather_condition(acid, count, c, part);
        resist::bake_sweep(ctx, count > 1 ? part : acid, model_, history(c), temperature_map(),
                           options_.max_step_s, bake_options(), sweeps_[std::size_t(c)]);
      }
      swept_ = true;
    }
    if (count == 1) {
      bake_backward(ctx, acid, 0, grad_inhibitor, grad_acid);
      return grad_acid;
    }
    detail::for_each_condition_backward(
        acid, grad_inhibitor, count, !swept_, grad_acid,
        [&](const Field<T, Space>& part, const Field<T, Space>& grad_part, index_t c,
            Field<T, Space>& grad_out) { bake_backward(ctx, part, c, grad_part, grad_out); });
    return grad_acid;
  }

 private:
  void build_map(Context<Space>& ctx) {
    for (std::size_t k = 0; k < offsets_k_.size(); ++k)
      require(
          std::isfinite(offsets_k_[k]), "twin::ZonedBakeStage",
          [&] { return "offsets_k()[" + std::to_string(k) + "]"; }, offsets_k_[k],
          "a finite offset in K");
    fill(ctx, map_.view(), T(0));
    for (std::size_t k = 0; k < basis_.size(); ++k)
      if (offsets_k_[k] != 0) detail::axpy(ctx, offsets_k_[k], basis_[k].cview(), map_.view());
  }

  thermal::TemperatureHistory history(index_t c) const {
    const double kelvin = conditions_[std::size_t(c)].bake_offset_k;
    std::vector<thermal::Knot> knots = history_.knots();
    for (thermal::Knot& k : knots) k.kelvin += kelvin;
    return thermal::TemperatureHistory(std::move(knots));
  }

  /// The hats phi_k on the stage's grid.
  void make_basis() {
    basis_.clear();
    for (const std::vector<double>& phi : plate_zone_basis(grid_, zones_, field())) {
      std::vector<T> values(phi.begin(), phi.end());
      basis_.push_back(to<Space>(make_host_field(plane_, values)));
    }
  }

  resist::TemperatureMap<T, Space> temperature_map() const { return {map_}; }
  resist::MappedBakeOptions bake_options() const { return {options_.scheme, {}}; }

  /// Whether a sweep of a condition's `size` samples fits in options_.sweep_bytes.
  bool sweep_fits(index_t size) const {
    const index_t steps =
        resist::detail::bake_step_count(history(0), options_.max_step_s, "twin::ZonedBakeStage");
    return double(steps) * 2.0 * double(size) * double(sizeof(T)) <= double(options_.sweep_bytes);
  }

  /// Condition c's bake of `acid` to the inhibitor, into its kept sweep when the stage keeps one.
  Field<T, Space> bake(Context<Space>& ctx, const Field<T, Space>& acid, index_t c) {
    if (!swept_)
      return resist::inhibitor(ctx, resist::bake(ctx, acid, model_, history(c), temperature_map(),
                                                 options_.max_step_s, bake_options()));
    resist::MappedBakeSweep<T, Space>& sweep = sweeps_[std::size_t(c)];
    resist::bake_sweep(ctx, acid, model_, history(c), temperature_map(), options_.max_step_s,
                       bake_options(), sweep);
    return resist::inhibitor(ctx, sweep.deprotection.front());
  }

  /// Condition c's reverse: from its kept sweep, or by baking `acid` (its members) again.
  void bake_backward(Context<Space>& ctx, const Field<T, Space>& acid, index_t c,
                     const Field<T, Space>& grad_inhibitor, Field<T, Space>& grad_acid) {
    if (swept_)
      resist::bake_backward(ctx, sweeps_[std::size_t(c)], model_, history(c), temperature_map(),
                            options_.max_step_s, bake_options(), grad_inhibitor, grad_acid,
                            grad_map_);
    else
      resist::bake_backward(ctx, acid, model_, history(c), temperature_map(), options_.max_step_s,
                            bake_options(), grad_inhibitor, grad_acid, grad_map_);
    for (std::size_t k = 0; k < basis_.size(); ++k)
      gradient_k_[k] += detail::real_dot(ctx, grad_map_.cview(), basis_[k].cview());
  }

  Grid grid_, plane_;
  resist::PebModel model_;
  thermal::TemperatureHistory history_;
  PlateZones zones_;
  ZonedBakeOptions options_;
  std::vector<Field<T, Space>> basis_;
  std::vector<double> offsets_k_, gradient_k_, forward_offsets_k_;
  Field<T, Space> map_, grad_map_;
  ProcessConditions conditions_;
  const Field<T, Space>* input_ = nullptr;
  std::optional<Field<T, Space>> output_, grad_input_;
  // The last forward's sweeps, one per condition (their fields reused by the next forward), when
  // swept_; the conditions it baked.
  std::vector<resist::MappedBakeSweep<T, Space>> sweeps_;
  bool swept_ = false, backward_seen_ = false;
  index_t forward_conditions_ = 0;
};

}  // namespace fabtwin::twin
