#pragma once
// How one SOCS image is taken (aerial_image.hpp): the process condition, and the imaging path.

#include "fabtwin/core/config.hpp"

namespace fabtwin::optics {

/// A process condition: `amplitude` multiplies the mask amplitude, so the intensity by amplitude^2
/// (what the ICCAD-2013 contest calls its dose: 1.02 at the outer corner); focus selects
/// one of the imager's kernel sets (e.g. 0 nominal focus, 1 defocus).
struct Condition {
  double amplitude = 1;
  index_t focus = 0;
};

enum class ImagingPath {
  band_limited,  ///< fields and intensity on the smallest exact grid, Fourier-interpolated (default)
  full_grid      ///< every field on the full grid: the plain reference
};

}  // namespace fabtwin::optics
