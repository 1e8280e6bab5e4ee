#pragma once
// Named parameters of a twin: what an optimiser (ILT), a calibration (Levenberg-Marquardt) or a
// tiler needs to drive any chain of stages without knowing its members.
//
// A stage lists its parameters as `Parameter`s: a name that says the physical quantity once for the
// whole twin ("dose_mj_cm2", "focus_nm", "peb.temperature_c", ...), its unit, closed bounds, and
// where its value and its gradient live (a field of the stage's parameter object and the matching
// field of its gradient object: the resist rule PebModel <-> PebGradient). Stages read their
// parameters afresh on every forward(), so setting a value through a Parameter acts on the next
// forward; backward() adds dL/dvalue into the gradient.

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"

namespace fabtwin::twin {

inline constexpr double unbounded = std::numeric_limits<double>::infinity();

struct Parameter {
  std::string name;           ///< one name per physical quantity, e.g. "peb.temperature_c"
  std::string unit;           ///< e.g. "mJ/cm^2", "nm", "C", "1/s"
  double lower = -unbounded;  ///< closed bounds of physically meaningful values
  double upper = unbounded;
  /// A typical size of a change, in `unit`: the step of gradient checks and the scaling an
  /// optimiser gives this parameter against the others (1 nm of focus, 1 K, 1 mJ/cm^2, ...).
  double scale = 1;
  double* value = nullptr;     ///< in the owning stage's parameter object
  double* gradient = nullptr;  ///< in the owning stage's gradient object (backward adds to it)
};

/// The parameters of a stage or a chain, by name. Holds pointers into the stages: valid while they
/// live and are not moved.
class ParameterList {
 public:
  ParameterList() = default;
  explicit ParameterList(std::vector<Parameter> parameters) : parameters_(std::move(parameters)) {
    for (std::size_t i = 0; i < parameters_.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        require(
            parameters_[i].name != parameters_[j].name, "twin::ParameterList",
            [&] { return "parameters[" + std::to_string(i) + "].name"; }, parameters_[i].name,
            "a name no other parameter has (one name per physical quantity)");
  }

  std::size_t size() const { return parameters_.size(); }
  auto begin() const { return parameters_.begin(); }
  auto end() const { return parameters_.end(); }
  const Parameter& operator[](std::size_t i) const { return parameters_[i]; }

  bool contains(std::string_view name) const {
    for (const Parameter& p : parameters_)
      if (p.name == name) return true;
    return false;
  }

  /// The parameter called `name`; invalid_argument listing the names there are otherwise.
  const Parameter& at(std::string_view name) const {
    for (const Parameter& p : parameters_)
      if (p.name == name) return p;
    throw invalid_argument(argument_message("twin::ParameterList::at", "name", std::string(name),
                                            "one of " + names_text()));
  }

  double value(std::string_view name) const { return *at(name).value; }
  double gradient(std::string_view name) const { return *at(name).gradient; }

  /// Sets `name` to `value`, which must be finite and within the parameter's bounds.
  void set(std::string_view name, double value) const {
    assign(at(name), value, "twin::ParameterList::set");
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const Parameter& p : parameters_) out.push_back(p.name);
    return out;
  }
  std::vector<double> values() const {
    std::vector<double> out;
    for (const Parameter& p : parameters_) out.push_back(*p.value);
    return out;
  }
  std::vector<double> gradients() const {
    std::vector<double> out;
    for (const Parameter& p : parameters_) out.push_back(*p.gradient);
    return out;
  }
  /// Sets every value, in list order (each checked as set() does).
  void set_values(std::span<const double> values) const {
    require(values.size() == parameters_.size(), "twin::ParameterList::set_values", "values.size()",
            values.size(),
            [&] { return std::to_string(parameters_.size()) + " values, one per parameter"; });
    for (std::size_t i = 0; i < values.size(); ++i)
      assign(parameters_[i], values[i], "twin::ParameterList::set_values");
  }
  void zero_gradients() const {
    for (const Parameter& p : parameters_) *p.gradient = 0;
  }

 private:
  static void assign(const Parameter& p, double value, std::string_view where) {
    require(std::isfinite(value) && value >= p.lower && value <= p.upper, where, p.name, value,
            [&] {
              return "a finite value in [" + ::fabtwin::describe(p.lower) + ", " +
                     ::fabtwin::describe(p.upper) + "] " + p.unit;
            });
    *p.value = value;
  }

  std::string names_text() const {
    if (parameters_.empty()) return "the names of a list that is empty";
    std::string text;
    for (std::size_t i = 0; i < parameters_.size(); ++i)
      text += (i ? ", " : "") + ("'" + parameters_[i].name + "'");
    return text;
  }

  std::vector<Parameter> parameters_;
};

}  // namespace fabtwin::twin
