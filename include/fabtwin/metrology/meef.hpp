#pragma once
// Mask error enhancement factor (physics.md §4): MEEF = ΔCD_wafer / (ΔCD_mask / M), the change of
// the printed CD per change of the mask CD brought to wafer scale by the reduction M (4 for a 4x
// scanner; 1 when mask dimensions are already given at wafer scale, as in ICCAD-2013 clips).
// MEEF = 1 is a linear transfer; sub-resolution features reach 3-4.

#include <cmath>

#include "fabtwin/core/check.hpp"

namespace fabtwin::metrology {

/// One measurement: a mask CD (at mask scale) and the wafer CD it printed.
struct CdPair {
  double mask_cd_nm = 0;
  double wafer_cd_nm = 0;
};

/// MEEF from two measurements with different mask CDs (two mask biases of one feature).
inline double meef(const CdPair& a, const CdPair& b, double magnification) {
  constexpr const char* where = "metrology::meef";
  require(std::isfinite(magnification) && magnification > 0, where, "magnification", magnification,
          "a positive, finite reduction ratio (4 for a 4x scanner)");
  require(std::isfinite(a.mask_cd_nm), where, "a.mask_cd_nm", a.mask_cd_nm, "a finite CD");
  require(std::isfinite(a.wafer_cd_nm), where, "a.wafer_cd_nm", a.wafer_cd_nm, "a finite CD");
  require(std::isfinite(b.mask_cd_nm), where, "b.mask_cd_nm", b.mask_cd_nm, "a finite CD");
  require(std::isfinite(b.wafer_cd_nm), where, "b.wafer_cd_nm", b.wafer_cd_nm, "a finite CD");
  require(b.mask_cd_nm != a.mask_cd_nm, where, "b.mask_cd_nm", b.mask_cd_nm,
          "a mask CD different from a.mask_cd_nm (MEEF needs two mask biases)");
  return (b.wafer_cd_nm - a.wafer_cd_nm) / ((b.mask_cd_nm - a.mask_cd_nm) / magnification);
}

}  // namespace fabtwin::metrology
