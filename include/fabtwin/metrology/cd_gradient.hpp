#pragma once
// The derivative of a measured CD with respect to the image samples: what a calibration or an ILT
// loss on CDs needs to be driven backward through a twin.
//
// measure_cd (cut_line.hpp) finds each edge at the s where the bilinear interpolant along the line
// equals the threshold, v(p(s)) = th. By the implicit function theorem, for a sample I_q of the
// cell holding the crossing,
//   ds/dI_q = -w_q / (dv/ds),
// with w_q the bilinear weight of that sample at the crossing and dv/ds the interpolant's
// derivative along the line there (its exact derivative, not the central-difference slope the
// crossing reports: this is the derivative of what measure_cd computes). CD = s_second - s_first,
// so dCD/dI = ds_second/dI - ds_first/dI: at most eight samples. A crossing on a cell boundary
// takes the cell measure_cd's sampler assigns it (one-sided there, as the interpolant is).

#include <cmath>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/metrology/sampling.hpp"

namespace fabtwin::metrology {

/// One sample's share of a derivative: index (x + nx * y within the layer) and d(quantity)/d(sample).
struct SampleWeight {
  index_t index = 0;
  double weight = 0;
};

namespace detail {

/// ds/dI of one edge crossing at `edge` along unit direction `dir`, appended to `out` times `sign`.
template <class T>
void add_edge_gradient(const BilinearSampler<T>& sampler, const Grid& grid,
                       const EdgeCrossing& edge, Point2 dir, double sign,
                       std::vector<SampleWeight>& out) {
  const double a = sampler.u(edge.point.x), b = sampler.v(edge.point.y);
  const index_t i = sampler.cell(a, grid.nx()), j = sampler.cell(b, grid.ny());
  const index_t i1 = grid.nx() > 1 ? i + 1 : i, j1 = grid.ny() > 1 ? j + 1 : j;
  const double fx = grid.nx() > 1 ? a - double(i) : 0.0, fy = grid.ny() > 1 ? b - double(j) : 0.0;
  // Corner values through the sampler's own polynomial (in_cell at the corners).
  const double v00 = sampler.in_cell(i, j, double(i), double(j)),
               v10 = sampler.in_cell(i, j, double(i1), double(j));
  const double v01 = sampler.in_cell(i, j, double(i), double(j1)),
               v11 = sampler.in_cell(i, j, double(i1), double(j1));
  const double dv_da = (1 - fy) * (v10 - v00) + fy * (v11 - v01);
  const double dv_db = (1 - fx) * (v01 - v00) + fx * (v11 - v10);
  const double dv_ds = dv_da * dir.x / grid.pitch().x + dv_db * dir.y / grid.pitch().y;
  require(std::isfinite(dv_ds) && dv_ds != 0, "metrology::cd_gradient", "edge.point", edge.point,
          "a crossing where the image is not flat along the line");
  const index_t nx = grid.nx();
  const double scale = -sign / dv_ds;
  out.push_back({i + nx * j, scale * (1 - fx) * (1 - fy)});
  out.push_back({i1 + nx * j, scale * fx * (1 - fy)});
  out.push_back({i + nx * j1, scale * (1 - fx) * fy});
  out.push_back({i1 + nx * j1, scale * fx * fy});
}

}  // namespace detail

/// dCD/d(sample) of `cd`, measured on `image` (layer z of `grid`) along `line` by measure_cd; the
/// samples of that layer, indexed x + nx * y (a sample may appear more than once: add them up).
/// invalid_argument when the CD was not measured (cd.ok() false).
template <class T>
std::vector<SampleWeight> cd_gradient(View<T, Host> image, const Grid& grid, const CutLine& line,
                                      const CdResult& cd, index_t z = 0) {
  constexpr const char* where = "metrology::cd_gradient";
  require(
      cd.ok(), where, "cd.status", [&] { return std::string(describe(cd.status)); },
      "a measured CD (ok)");
  using U = std::remove_cv_t<T>;
  const BilinearSampler<U> sampler(View<const U, Host>(image), grid, z, where);
  std::vector<SampleWeight> weights;
  detail::add_edge_gradient(sampler, grid, cd.second, line.direction(), +1.0, weights);
  detail::add_edge_gradient(sampler, grid, cd.first, line.direction(), -1.0, weights);
  return weights;
}

}  // namespace fabtwin::metrology
