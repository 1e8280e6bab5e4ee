#pragma once
// Layouts: geometry and transforms, GDSII and ICCAD-2013 clips, rasterisation, contours.

#include "fabtwin/layout/centre_runs.hpp"
#include "fabtwin/layout/contour.hpp"
#include "fabtwin/layout/contour_polygons.hpp"
#include "fabtwin/layout/gdsii.hpp"
#include "fabtwin/layout/gdsii_library.hpp"
#include "fabtwin/layout/gdsii_reader.hpp"
#include "fabtwin/layout/gdsii_records.hpp"
#include "fabtwin/layout/gdsii_writer.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/predicates.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/layout/scan_edges.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/layout/transform.hpp"
#include "fabtwin/layout/trapezoids.hpp"
