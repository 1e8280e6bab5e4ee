#pragma once
// What a fab measures: CDs on cut lines, NILS, EPE, pixel counts, MEEF, process windows,
// resist and etched profiles (with an etched profile's parameter sensitivities by central
// differences), the ICCAD-2013 scores, and the shapes of binary masks (cleaning them too).

#include "fabtwin/metrology/cd_gradient.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/metrology/epe.hpp"
#include "fabtwin/metrology/etch_differences.hpp"
#include "fabtwin/metrology/etch_profile.hpp"
#include "fabtwin/metrology/iccad2013_score.hpp"
#include "fabtwin/metrology/mask_shapes.hpp"
#include "fabtwin/metrology/meef.hpp"
#include "fabtwin/metrology/nils.hpp"
#include "fabtwin/metrology/pixel_counts.hpp"
#include "fabtwin/metrology/process_window.hpp"
#include "fabtwin/metrology/profile.hpp"
#include "fabtwin/metrology/sampling.hpp"
