#pragma once
// Files and figures: NPY arrays, PNG pictures and colour maps, VTK volumes, JSON, output folders.

#include "fabtwin/io/colormap.hpp"
#include "fabtwin/io/json.hpp"
#include "fabtwin/io/json_read.hpp"
#include "fabtwin/io/npy.hpp"
#include "fabtwin/io/output_directory.hpp"
#include "fabtwin/io/png.hpp"
#include "fabtwin/io/vtk.hpp"
#include "fabtwin/io/vtp.hpp"
