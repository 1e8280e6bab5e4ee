#pragma once
// The Stage contract: what every piece of the differentiable process twin offers, so that
// twin::chain composes any of them (optics -> exposure -> bake -> resist model -> etch bias) and an
// optimiser, a calibration or a tiler drives the result without knowing its members.
//
// A stage is an object that owns its parameters, grids, plans and buffers, with
//   using value_type = T; using space = Space;                 (T float or double)
//   Grid input_grid() const, output_grid() const;              the fields it takes and gives
//   index_t output_batch(index_t input_batch) const;           (imaging: B masks -> B * C images)
//   const Field<T, Space>& forward(ctx, const Field<T, Space>& input);
//       computes the output into a buffer the stage owns (valid until its next forward) and records
//       what backward needs: the address of `input` (which must stay alive and unchanged until
//       backward) and whatever else it must keep. Memory is bounded: states that are large to keep
//       are recomputed or checkpointed (the bake does, bake_backward).
//   const Field<T, Space>& backward(ctx, const Field<T, Space>& grad_output);
//       from dL/doutput (the last forward's output shape) returns dL/dinput (a buffer the stage
//       owns) and ADDS dL/dparameter into the stage's gradient object, which mirrors its parameter
//       object (PebModel <-> PebGradient). Call zero_gradient() to start a new accumulation.
//   std::vector<Parameter> parameters();                       named values and gradients
//   void zero_gradient();
// and, for stages that run under process conditions (conditions.hpp),
//   void set_conditions(const ProcessConditions&); const ProcessConditions& conditions() const;
//   ConditionUse condition_use() const;                        which fields the stage applies
// A stage whose result depends on where its grid lies, not only on its shape (a hotplate map over a
// field: twin/zoned_bake_stage.hpp), offers
//   void place(const Grid& window);                            moves it to a window of its shape
// which a tiler (dist/) calls before each tile with the tile's grid; a chain places its members.
// A stage whose map from input to output is linear (and independent of its parameters' values
// being differentiated) says `static constexpr bool linear = true;`: its backward is the exact
// transpose, checked by a dot-product test.

#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/parameter.hpp"

namespace fabtwin::twin {

template <class S>
concept Stage = requires(S& stage, const S& view_of_stage, Context<typename S::space>& ctx,
                         const Field<typename S::value_type, typename S::space>& field,
                         index_t batch) {
  typename S::value_type;
  typename S::space;
  { view_of_stage.input_grid() } -> std::convertible_to<Grid>;
  { view_of_stage.output_grid() } -> std::convertible_to<Grid>;
  { view_of_stage.output_batch(batch) } -> std::convertible_to<index_t>;
  {
    stage.forward(ctx, field)
    } -> std::same_as<const Field<typename S::value_type, typename S::space>&>;
  {
    stage.backward(ctx, field)
    } -> std::same_as<const Field<typename S::value_type, typename S::space>&>;
  { stage.parameters() } -> std::same_as<std::vector<Parameter>>;
  stage.zero_gradient();
};

/// A stage that a tiler moves from tile to tile (see the header comment).
template <class S>
concept PlacedStage = requires(S& stage, const Grid& window) {
  stage.place(window);
};

/// Moves `stage` to `window` where it is a PlacedStage; nothing otherwise.
template <class S>
void place_stage(S& stage, const Grid& window) {
  if constexpr (PlacedStage<S>) stage.place(window);
}

/// A stage that runs under process conditions.
template <class S>
concept ConditionedStage = Stage<S> &&
    requires(S& stage, const S& view_of_stage, const ProcessConditions& c) {
  stage.set_conditions(c);
  { view_of_stage.conditions() } -> std::convertible_to<const ProcessConditions&>;
  { view_of_stage.condition_use() } -> std::same_as<ConditionUse>;
};

template <class S>
inline constexpr bool is_linear_stage_v = requires {
  requires S::linear;
};

namespace detail {

/// A stage's output buffer: reallocated only when the grid or batch changes, so a loop that runs
/// forward every iteration (ILT, calibration) allocates on its first pass only.
template <class T, class Space>
Field<T, Space>& reuse(std::optional<Field<T, Space>>& buffer, const Grid& grid, index_t batch) {
  if (!buffer || !(buffer->grid() == grid) || buffer->batch() != batch) buffer.emplace(grid, batch);
  return *buffer;
}

/// Refuses an input whose grid is not the stage's input grid (same shape and pitch).
template <class T, class Space>
void require_input(const Field<T, Space>& input, const Grid& expected, std::string_view where,
                   std::string_view name) {
  require<shape_mismatch>(
      input.grid().same_shape(expected) && input.grid().pitch() == expected.pitch(), where,
      [&] { return std::string(name) + ".grid"; }, input.grid(),
      [&] { return "the stage's input grid, " + ::fabtwin::describe(expected); });
}

/// Refuses a backward without a forward, or a cotangent whose shape is not the last output's.
template <class T, class Space>
void require_cotangent(const Field<T, Space>* input, const std::optional<Field<T, Space>>& output,
                       const Field<T, Space>& grad_output, std::string_view where) {
  if (!input || !output)
    throw invalid_argument(
        "fabtwin::" + std::string(where) +
        ": backward() called before forward(); expected forward() first, whose input "
        "backward differentiates at");
  require<shape_mismatch>(
      grad_output.grid().same_shape(output->grid()) && grad_output.batch() == output->batch(),
      where, "grad_output",
      [&] {
        return ::fabtwin::describe(grad_output.grid()) + " batch " +
               std::to_string(grad_output.batch());
      },
      [&] {
        return "the last output's shape, " + ::fabtwin::describe(output->grid()) + " batch " +
               std::to_string(output->batch());
      });
}

}  // namespace detail
}  // namespace fabtwin::twin
