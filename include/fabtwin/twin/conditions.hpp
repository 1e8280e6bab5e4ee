#pragma once
// Process conditions that run as one batch through a chain: a focus-exposure matrix, the ICCAD-2013
// corners, a bake-temperature split. Member m of every batch in a chain runs under condition
// m % C (the imaging stage makes B masks into B * C images, member b * C + c for mask b under
// condition c, and every later stage keeps that order).
//
// Each condition field means one physical quantity and is applied by exactly one stage of a chain
// (the chain checks it):
//   dose          relative exposure dose, a factor on the energy: the exposure stage's E is
//                 dose_mj_cm2 * dose; in an optics-only chain the imaging stage scales the intensity
//                 by it instead (ImagingOptions::apply_dose). The ICCAD-2013 "dose" multiplies the
//                 mask amplitude, so its corner 1.02 is the relative dose 1.02^2.
//   focus_nm      defocus offset from the chain's focus_nm parameter, applied by the imaging stage.
//   bake_offset_k kelvin added to the bake's whole temperature history, applied by the bake stage.

#include <cmath>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"

namespace fabtwin::twin {

struct ProcessCondition {
  double dose = 1;           ///< relative exposure dose (energy factor)
  double focus_nm = 0;       ///< defocus offset, nm
  double bake_offset_k = 0;  ///< bake temperature offset, K
};

using ProcessConditions = std::vector<ProcessCondition>;

/// Which condition fields a stage applies.
struct ConditionUse {
  bool dose = false, focus = false, bake = false;
};

/// Refuses an empty list and non-finite or non-positive values, naming `where` and the condition.
inline void validate(const ProcessConditions& conditions, std::string_view where) {
  require(!conditions.empty(), where, "conditions.size()", conditions.size(),
          "at least one process condition");
  for (std::size_t c = 0; c < conditions.size(); ++c) {
    const auto name = [c](const char* member) {
      return "conditions[" + std::to_string(c) + "]." + member;
    };
    require(
        std::isfinite(conditions[c].dose) && conditions[c].dose > 0, where,
        [&] { return name("dose"); }, conditions[c].dose, "a positive, finite relative dose");
    require(
        std::isfinite(conditions[c].focus_nm), where, [&] { return name("focus_nm"); },
        conditions[c].focus_nm, "a finite defocus offset in nm");
    require(
        std::isfinite(conditions[c].bake_offset_k), where, [&] { return name("bake_offset_k"); },
        conditions[c].bake_offset_k, "a finite temperature offset in K");
  }
}

/// The single nominal condition: dose 1, best focus, no bake offset.
inline ProcessConditions nominal_condition() { return {ProcessCondition{}}; }

}  // namespace fabtwin::twin
