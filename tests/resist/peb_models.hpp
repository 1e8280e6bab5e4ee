#pragma once
// PEB models the bake tests share.

#include "fabtwin/resist/peb.hpp"

namespace fabtwin::test {

/// Every rate and diffusivity with its own activation energy (rates quoted at the model's
/// reference temperature), so that a temperature map or offset acts through each of them.
inline resist::PebModel activated_model() {
  resist::PebModel model;
  model.acid = {6.0, 20.0, 20.0};
  model.quencher = {3.0, 8.0, 22.0};
  model.quench = {6.0, 25.0};
  model.deprotect = {0.8, 30.0};
  model.initial_quencher = 0.3;
  return model;
}

}  // namespace fabtwin::test
