#pragma once
// One layer of a 3D film as a 2D field: the hand-off from a film (exposure and bake through the
// depth) to a 2D resist model, e.g. the bottom layer where a foot forms or the middle of the film.
// Linear: forward copies layer k, backward puts the cotangent back into layer k (zero elsewhere).

#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/twin/interaction_range.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

namespace detail {

/// layer(x, y, b) = film(x, y, k, b), and back (namespace scope: nvcc's stubs must name them).
template <class T, class Space>
struct TakeLayer {
  View<const T, Space> film;
  View<T, Space> layer;
  index_t k;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t b) const {
    layer(x, y, 0, b) = film(x, y, k, b);
  }
};
template <class T, class Space>
struct PutLayer {
  View<const T, Space> layer;
  View<T, Space> film;
  index_t k;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t b) const {
    film(x, y, k, b) = layer(x, y, 0, b);
  }
};

}  // namespace detail

template <class T, class Space>
class LayerStage {
 public:
  using value_type = T;
  using space = Space;
  static constexpr bool linear = true;

  /// Layer `layer` (0 = the top) of fields on `film` (3D).
  LayerStage(const Grid& film, index_t layer)
      : film_(film), layer_grid_(Grid(film.nx(), film.ny(), 1.0)), layer_(layer) {
    constexpr const char* where = "twin::LayerStage";
    require<shape_mismatch>(film.rank() == 3, where, "film", film, "a 3D film grid");
    require(layer >= 0 && layer < film.nz(), where, "layer", layer,
            [&] { return "a layer index in [0, " + std::to_string(film.nz()) + ")"; });
    require<shape_mismatch>(film.pitch().x == film.pitch().y, where, "film.pitch", film.pitch(),
                            "square pixels (pitch.x == pitch.y), as 2D grids have");
    layer_grid_ = Grid(film.nx(), film.ny(), film.pitch().x, {film.origin().x, film.origin().y, 0});
  }

  Grid input_grid() const { return film_; }
  Grid output_grid() const { return layer_grid_; }
  index_t output_batch(index_t input_batch) const { return input_batch; }
  double interaction_range_nm(double tolerance) const {
    require_range_tolerance(tolerance, "twin::LayerStage::interaction_range_nm");
    return 0;
  }
  std::vector<Parameter> parameters() { return {}; }
  void zero_gradient() {}

  const Field<T, Space>& forward(Context<Space>& ctx, const Field<T, Space>& film) {
    detail::require_input(film, film_, "twin::LayerStage::forward", "film");
    input_ = &film;
    Field<T, Space>& out = detail::reuse(output_, layer_grid_, film.batch());
    for_each(ctx, Range3{film_.nx(), film_.ny(), film.batch()},
             detail::TakeLayer<T, Space>{film.cview(), out.view(), layer_});
    return out;
  }

  const Field<T, Space>& backward(Context<Space>& ctx, const Field<T, Space>& grad_layer) {
    detail::require_cotangent(input_, output_, grad_layer, "twin::LayerStage::backward");
    Field<T, Space>& grad_film = detail::reuse(grad_input_, film_, grad_layer.batch());
    fill(ctx, grad_film.view(), T(0));
    for_each(ctx, Range3{film_.nx(), film_.ny(), grad_layer.batch()},
             detail::PutLayer<T, Space>{grad_layer.cview(), grad_film.view(), layer_});
    return grad_film;
  }

 private:
  Grid film_, layer_grid_;
  index_t layer_;
  const Field<T, Space>* input_ = nullptr;
  std::optional<Field<T, Space>> output_, grad_input_;
};

}  // namespace fabtwin::twin
