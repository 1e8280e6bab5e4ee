#pragma once
// twin::chain(a, b, c, ...): stages composed at compile time into one stage. forward runs a, b,
// c, ... in order, each on the previous one's output; backward runs them in reverse, each adding
// its parameters' gradients; parameters() lists every member's, by their (distinct) names. A chain
// is itself a Stage, so chains nest.
//
// Members passed as lvalues are held by reference (the caller keeps them alive: useful to reach a
// member's own results, e.g. the bake's state); rvalues are moved into the chain.
//
// Process conditions: the members that run under conditions must hold the same list (pass the same
// list to each, or set it on the chain afterwards), and each condition field (dose, focus, bake
// offset) must be applied by exactly one member when any condition sets it: a dose applied twice
// (by the imaging stage and the exposure) or by nobody would make one physical quantity two
// parameters, or none.

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/interaction_range.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

template <class... Members>
class Chain {
  static_assert(sizeof...(Members) >= 1, "twin::chain needs at least one stage");
  static_assert(
      (Stage<std::remove_cvref_t<Members>> && ...),
      "every member of twin::chain must satisfy the twin::Stage concept (twin/stage.hpp)");
  using First = std::remove_cvref_t<std::tuple_element_t<0, std::tuple<Members...>>>;
  using Last =
      std::remove_cvref_t<std::tuple_element_t<sizeof...(Members) - 1, std::tuple<Members...>>>;

 public:
  using value_type = typename First::value_type;
  using space = typename First::space;
  static_assert(((std::is_same_v<typename std::remove_cvref_t<Members>::value_type, value_type> &&
                  std::is_same_v<typename std::remove_cvref_t<Members>::space, space>)&&...),
                "the members of twin::chain must share the value type and the space");
  static constexpr std::size_t size = sizeof...(Members);
  static constexpr bool linear = (is_linear_stage_v<std::remove_cvref_t<Members>> && ...);

  template <class... Args>
  explicit Chain(Args&&... members) : members_(std::forward<Args>(members)...) {
    check_hand_offs(std::make_index_sequence<size - 1>{});
    const ProcessConditions* shared = nullptr;
    for_each_member([&](auto& member, std::size_t index) {
      using M = std::remove_cvref_t<decltype(member)>;
      if constexpr (ConditionedStage<M>) {
        if (!shared) {
          shared = &member.conditions();
        } else if (!same(*shared, member.conditions())) {
          throw invalid_argument(argument_message(
              "twin::chain", "stage " + std::to_string(index) + ".conditions()",
              std::to_string(member.conditions().size()) + " conditions",
              "the conditions of the chain's other conditioned stages (give every stage the same list, "
              "or call set_conditions on the chain)"));
        }
      }
    });
    if (shared) {
      conditions_ = *shared;
      check_condition_use(conditions_);
    }
  }

  /// The I-th member.
  template <std::size_t I>
  auto& stage() {
    return std::get<I>(members_);
  }
  template <std::size_t I>
  const auto& stage() const {
    return std::get<I>(members_);
  }

  Grid input_grid() const { return std::get<0>(members_).input_grid(); }
  Grid output_grid() const { return std::get<size - 1>(members_).output_grid(); }
  index_t output_batch(index_t input_batch) const {
    index_t batch = input_batch;
    for_each_member([&](const auto& member, std::size_t) { batch = member.output_batch(batch); });
    return batch;
  }

  /// The sum of the members' ranges (interaction_range.hpp); unbounded when a member states none.
  double interaction_range_nm(double tolerance) const {
    require_range_tolerance(tolerance, "twin::Chain::interaction_range_nm");
    double range = 0;
    for_each_member([&](const auto& member, std::size_t) {
      if constexpr (RangedStage<std::remove_cvref_t<decltype(member)>>)
        range += member.interaction_range_nm(tolerance);
      else
        range = unbounded_range;
    });
    return range;
  }

  const Field<value_type, space>& forward(Context<space>& ctx,
                                          const Field<value_type, space>& input) {
    return forward_from<0>(ctx, input);
  }

  const Field<value_type, space>& backward(Context<space>& ctx,
                                           const Field<value_type, space>& grad_output) {
    return backward_from<size - 1>(ctx, grad_output);
  }

  std::vector<Parameter> parameters() {
    std::vector<Parameter> all;
    for_each_member([&](auto& member, std::size_t) {
      for (Parameter& p : member.parameters()) all.push_back(std::move(p));
    });
    (void)ParameterList(all);  // refuses two members naming one quantity
    return all;
  }
  /// parameters() as a ParameterList, to get and set by name.
  ParameterList parameter_list() { return ParameterList(parameters()); }

  void zero_gradient() {
    for_each_member([](auto& member, std::size_t) { member.zero_gradient(); });
  }

  /// The conditions the chain runs under (nominal when no member is conditioned).
  const ProcessConditions& conditions() const { return conditions_; }
  /// Which condition fields the members apply, together.
  ConditionUse condition_use() const {
    ConditionUse all;
    for_each_member([&](const auto& member, std::size_t) {
      if constexpr (ConditionedStage<std::remove_cvref_t<decltype(member)>>) {
        const ConditionUse use = member.condition_use();
        all.dose |= use.dose;
        all.focus |= use.focus;
        all.bake |= use.bake;
      }
    });
    return all;
  }

  /// Moves every placed member to `window` (twin/stage.hpp, PlacedStage): a tiler's next tile.
  void place(const Grid& window) {
    for_each_member([&](auto& member, std::size_t) { place_stage(member, window); });
  }

  /// Sets the conditions of every conditioned member (and checks that each field set is applied by
  /// exactly one of them).
  void set_conditions(const ProcessConditions& conditions) {
    validate(conditions, "twin::Chain::set_conditions");
    check_condition_use(conditions);
    for_each_member([&](auto& member, std::size_t) {
      if constexpr (ConditionedStage<std::remove_cvref_t<decltype(member)>>)
        member.set_conditions(conditions);
    });
    conditions_ = conditions;
  }

 private:
  template <class F>
  void for_each_member(F&& f) {
    std::size_t index = 0;
    std::apply([&](auto&... member) { ((f(member, index++)), ...); }, members_);
  }
  template <class F>
  void for_each_member(F&& f) const {
    std::size_t index = 0;
    std::apply([&](const auto&... member) { ((f(member, index++)), ...); }, members_);
  }

  template <std::size_t... I>
  void check_hand_offs(std::index_sequence<I...>) const {
    (check_hand_off(I, std::get<I>(members_).output_grid(), std::get<I + 1>(members_).input_grid()),
     ...);
  }
  static void check_hand_off(std::size_t index, const Grid& output, const Grid& next_input) {
    require<shape_mismatch>(
        output.same_shape(next_input) && output.pitch() == next_input.pitch(), "twin::chain",
        [&] { return "stage " + std::to_string(index) + ".output_grid()"; }, output,
        [&] {
          return "the input grid of stage " + std::to_string(index + 1) + ", " +
                 ::fabtwin::describe(next_input);
        });
  }

  static bool same(const ProcessConditions& a, const ProcessConditions& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t c = 0; c < a.size(); ++c)
      if (a[c].dose != b[c].dose || a[c].focus_nm != b[c].focus_nm ||
          a[c].bake_offset_k != b[c].bake_offset_k)
        return false;
    return true;
  }

  void check_condition_use(const ProcessConditions& conditions) const {
    int dose = 0, focus = 0, bake = 0;
    for_each_member([&](const auto& member, std::size_t) {
      if constexpr (ConditionedStage<std::remove_cvref_t<decltype(member)>>) {
        const ConditionUse use = member.condition_use();
        dose += use.dose;
        focus += use.focus;
        bake += use.bake;
      }
    });
    bool sets_dose = false, sets_focus = false, sets_bake = false;
    for (const ProcessCondition& c : conditions) {
      sets_dose |= c.dose != 1;
      sets_focus |= c.focus_nm != 0;
      sets_bake |= c.bake_offset_k != 0;
    }
    const auto require_once = [](int users, bool set, const char* field, const char* remedy) {
      require(
          users <= 1, "twin::chain", [&] { return std::string("conditions' ") + field; },
          [&] { return std::to_string(users) + " stages applying it"; },
          [&] { return std::string("one stage applying it (") + remedy + ")"; });
      require(
          users == 1 || !set, "twin::chain", [&] { return std::string("conditions' ") + field; },
          "a value other than the default, applied by no stage",
          [&] { return std::string("a stage that applies it (") + remedy + ")"; });
    };
    require_once(
        dose, sets_dose, "dose",
        "the exposure stage, or in an optics-only chain the imaging stage with apply_dose");
    require_once(focus, sets_focus, "focus_nm",
                 "the imaging stage, with kernels at two or more focus values");
    require_once(bake, sets_bake, "bake_offset_k", "the bake stage");
  }

  template <std::size_t I>
  const Field<value_type, space>& forward_from(Context<space>& ctx,
                                               const Field<value_type, space>& input) {
    const Field<value_type, space>& output = std::get<I>(members_).forward(ctx, input);
    if constexpr (I + 1 < size)
      return forward_from<I + 1>(ctx, output);
    else
      return output;
  }

  template <std::size_t I>
  const Field<value_type, space>& backward_from(Context<space>& ctx,
                                                const Field<value_type, space>& grad) {
    const Field<value_type, space>& grad_input = std::get<I>(members_).backward(ctx, grad);
    if constexpr (I > 0)
      return backward_from<I - 1>(ctx, grad_input);
    else
      return grad_input;
  }

  std::tuple<Members...> members_;
  ProcessConditions conditions_ = nominal_condition();
};

/// Composes stages into one (see the header comment): lvalues are held by reference, rvalues moved in.
template <class... Stages>
Chain<Stages...> chain(Stages&&... stages) {
  return Chain<Stages...>(std::forward<Stages>(stages)...);
}

}  // namespace fabtwin::twin
