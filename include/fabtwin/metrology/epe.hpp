#pragma once
// Edge placement error (physics.md §1 and §4).
//
// 1. The ICCAD-2013 pass/fail check. Sites are placed along every edge of the (Manhattan) target
//    polygons; at each site the print is probed `tolerance` nm inside and outside the target along
//    the edge normal: the inner probe must print, the outer one must not. A failed probe means the
//    printed edge is more than `tolerance` (15 nm) from the target edge on that side. The probes
//    read single pixels, as the evaluator does: on a 1 nm grid a print whose edge moved outward by
//    exactly 15 pixels covers the outer probe and fails, one that moved inward by 15 still covers
//    the inner probe and passes.
//
//    Site placement follows the public evaluator of OpenILT (pyilt/evaluation.py: boundaries and
//    epecheck; LithoBench's evaluate.py calls the same code), reimplemented on polygon edges:
//      - an edge no longer than `short_edge_nm` (80) gets one site at its midpoint;
//      - a longer edge of length L gets sites at distance k·spacing (spacing = 40 nm, k = 1, 2, ...)
//        from its first end while k·spacing <= L/2, and at k·spacing from its second end while
//        that lies beyond L/2; no site sits on a corner.
//    The evaluator counts failed inner probes and failed outer probes separately and reports their
//    sum as "EPE"; EpeReport keeps both and that sum (violations()), plus the number of sites with
//    at least one failure. Differences from the evaluator, which works on the rasterised target:
//    sites are computed in nm on the polygon edges (the evaluator truncates a short edge's
//    midpoint to a whole pixel; here the probe pixel is the nearest sample, ties to the lower
//    index, which picks the same pixel on a 1 nm grid), consecutive collinear edges of one polygon
//    are merged into one edge, but edges of different polygons that abut are not merged (the
//    evaluator would see one boundary run). Edges or parts of edges that are not on the region's
//    boundary (inside the union of overlapping polygons) get no site. A probe outside the print's
//    grid reads "not printed".
//
// 2. A signed EPE from a continuous image, for users who want numbers: along the site's normal the
//    image is searched up to ± range for the threshold crossing of the printed edge nearest to the
//    site (cut_line.hpp, sub-pixel); EPE = its distance from the target edge, positive outward
//    (print too large), negative inward.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/metrology/sampling.hpp"

namespace fabtwin::metrology {

/// The ICCAD-2013 EPE rule; the defaults are the contest's.
struct EpeRule {
  double spacing_nm = 40;        ///< between sites along an edge, and from an edge's ends
  double short_edge_nm = 80;     ///< edges up to this long get a single site at their midpoint
  double tolerance_nm = 15;      ///< probe distance along the normal; a violation beyond it
  double print_threshold = 0.5;  ///< a print sample >= this prints (0.225 on raw intensities)
};

/// A probe site on a target edge.
struct EpeSite {
  Point2 position;          ///< on the target edge, nm
  Point2 normal;            ///< unit outward normal (away from the target region)
  std::size_t polygon = 0;  ///< index of the polygon in the target set
  std::size_t edge = 0;     ///< index in that polygon of the vertex the edge starts from
};

/// The verdict at one site.
struct EpeSiteCheck {
  EpeSite site;
  bool inner_violation = false;  ///< the print is missing `tolerance` inside the target edge
  bool outer_violation = false;  ///< the print is present `tolerance` outside the target edge
  bool violation() const { return inner_violation || outer_violation; }
};

struct EpeReport {
  std::vector<EpeSiteCheck> sites;
  index_t inner_violations = 0;
  index_t outer_violations = 0;
  /// The contest's EPE count: failed inner probes plus failed outer probes.
  index_t violations() const { return inner_violations + outer_violations; }
  /// Sites with at least one failed probe.
  index_t violating_sites() const {
    return index_t(std::count_if(sites.begin(), sites.end(),
                                 [](const EpeSiteCheck& c) { return c.violation(); }));
  }
};

namespace detail {

inline void require_rule(const EpeRule& rule, std::string_view where) {
  require(std::isfinite(rule.spacing_nm) && rule.spacing_nm > 0, where, "rule.spacing_nm",
          rule.spacing_nm, "a positive site spacing in nm");
  require(std::isfinite(rule.short_edge_nm) && rule.short_edge_nm >= 0, where, "rule.short_edge_nm",
          rule.short_edge_nm, "a non-negative edge length in nm");
  require(std::isfinite(rule.tolerance_nm) && rule.tolerance_nm > 0, where, "rule.tolerance_nm",
          rule.tolerance_nm, "a positive probe distance in nm");
  require(std::isfinite(rule.print_threshold), where, "rule.print_threshold", rule.print_threshold,
          "a finite level");
}

/// True when (x, y) (database units) is in the region of `set` (oriented counter-clockwise): on an
/// edge, or of non-zero winding number (Sunday's rule). Exact for the half-unit offsets used here,
/// whose products stay far inside double precision.
inline bool covers(const layout::PolygonSet& set, double x, double y) {
  for (const layout::Polygon& polygon : set.polygons) {
    const std::size_t n = polygon.points.size();
    long winding = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const layout::Point& a = polygon.points[i];
      const layout::Point& b = polygon.points[(i + 1) % n];
      const double ax = double(a.x), ay = double(a.y), bx = double(b.x), by = double(b.y);
      const double cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
      if (cross == 0 && std::fmin(ax, bx) <= x && x <= std::fmax(ax, bx) &&
          std::fmin(ay, by) <= y && y <= std::fmax(ay, by))
        return true;
      if (ay <= y) {
        if (by > y && cross > 0) ++winding;
      } else if (by <= y && cross < 0) {
        --winding;
      }
    }
    if (winding != 0) return true;
  }
  return false;
}

/// Distances (nm) from an edge's first end at which its sites sit (see the file comment).
inline std::vector<double> site_offsets(double length, const EpeRule& rule) {
  if (length <= rule.short_edge_nm) return {0.5 * length};
  std::vector<double> offsets;
  for (int k = 1; k * rule.spacing_nm <= 0.5 * length; ++k) offsets.push_back(k * rule.spacing_nm);
  for (int k = 1; length - k * rule.spacing_nm > 0.5 * length; ++k)
    offsets.push_back(length - k * rule.spacing_nm);
  std::sort(offsets.begin(), offsets.end());
  return offsets;
}

/// Sample index nearest to sample coordinate `a` on an axis of n samples, ties to the lower index;
/// -1 outside the axis.
inline index_t nearest_sample(double a, index_t n) {
  const double i = std::ceil(a - 0.5 - 1e-9);
  return i < 0 || i > double(n - 1) ? index_t(-1) : index_t(i);
}

template <class T, class Space>
struct ProbePrint {
  View<const T, Space> print;
  View<const index_t, Space> probes;
  View<int, Space> printed;
  double threshold;
  FABTWIN_HD void operator()(index_t k) const {
    const index_t at = probes[k];
    printed[k] = at >= 0 && double(print[at]) >= threshold ? 1 : 0;
  }
};

}  // namespace detail

/// The EPE sites of a Manhattan target (positions in nm, outward normals). Throws invalid_argument
/// for an edge that is neither horizontal nor vertical, or a bad rule.
inline std::vector<EpeSite> epe_sites(const layout::PolygonSet& target, const EpeRule& rule = {}) {
  constexpr const char* where = "metrology::epe_sites";
  detail::require_rule(rule, where);
  require(std::isfinite(target.unit_nm) && target.unit_nm > 0, where, "target.unit_nm",
          target.unit_nm, "a positive database unit in nm");
  layout::PolygonSet region = target;
  layout::normalise_orientation(region);
  const double unit = target.unit_nm;

  std::vector<EpeSite> sites;
  std::set<std::tuple<double, double, double, double>> seen;  // drops sites of duplicated edges
  for (std::size_t p = 0; p < target.polygons.size(); ++p) {
    const std::vector<layout::Point>& pts = target.polygons[p].points;
    const std::size_t n = pts.size();
    // Vertices that differ from their successor (repeated points dropped), then the corners among
    // them: consecutive collinear edges are one edge.
    std::vector<std::size_t> distinct;
    for (std::size_t i = 0; i < n; ++i)
      if (pts[i] != pts[(i + 1) % n]) distinct.push_back(i);
    for (std::size_t k = 0; k < distinct.size(); ++k) {
      const layout::Point &a = pts[distinct[k]], &b = pts[distinct[(k + 1) % distinct.size()]];
      if (a.x != b.x && a.y != b.y)
        throw invalid_argument(argument_message(
            where, "target.polygons[" + std::to_string(p) + "]",
            "an edge from " + ::fabtwin::describe(a) + " to " + ::fabtwin::describe(b),
            "Manhattan polygons (horizontal and vertical edges only)"));
    }
    std::vector<std::size_t> corners;
    const std::size_t m = distinct.size();
    for (std::size_t k = 0; k < m; ++k) {
      const layout::Point &u = pts[distinct[(k + m - 1) % m]], &v = pts[distinct[k]],
                          &w = pts[distinct[(k + 1) % m]];
      if (!((u.x == v.x && v.x == w.x) || (u.y == v.y && v.y == w.y)))
        corners.push_back(distinct[k]);
    }
    if (corners.size() < 3) continue;  // no area, no edges to probe
    for (std::size_t k = 0; k < corners.size(); ++k) {
      const layout::Point &a = pts[corners[k]], &e = pts[corners[(k + 1) % corners.size()]];
      const double dx = double(e.x - a.x), dy = double(e.y - a.y);
      const double length_units = std::hypot(dx, dy);
      const Point2 dir{dx / length_units, dy / length_units};
      for (double offset : detail::site_offsets(length_units * unit, rule)) {
        const double x = double(a.x) + dir.x * offset / unit,
                     y = double(a.y) + dir.y * offset / unit;
        // The outward side is the one outside the region half a unit away (the region, not this
        // ring's orientation, decides: overlapping polygons share an interior).
        const bool left_in = detail::covers(region, x - 0.5 * dir.y, y + 0.5 * dir.x);
        const bool right_in = detail::covers(region, x + 0.5 * dir.y, y - 0.5 * dir.x);
        if (left_in == right_in) continue;
        const Point2 normal = left_in ? Point2{dir.y, -dir.x} : Point2{-dir.y, dir.x};
        const Point2 position{x * unit, y * unit};
        if (!seen.insert({position.x, position.y, normal.x, normal.y}).second) continue;
        sites.push_back(EpeSite{position, normal, p, corners[k]});
      }
    }
  }
  return sites;
}

/// The samples of `grid` the EPE check reads at each site: entry 2 s is site s's inner probe
/// (position - tolerance * normal, which must print), 2 s + 1 its outer probe (position +
/// tolerance * normal, which must not); the nearest sample, ties to the lower index, -1 outside
/// the grid.
inline std::vector<index_t> epe_probe_samples(const std::vector<EpeSite>& sites, const Grid& grid,
                                              const EpeRule& rule = {}) {
  detail::require_rule(rule, "metrology::epe_probe_samples");
  std::vector<index_t> probes;
  probes.reserve(2 * sites.size());
  auto probe_index = [&](Point2 p) {
    const index_t i = detail::nearest_sample((p.x - grid.origin().x) / grid.pitch().x, grid.nx());
    const index_t j = detail::nearest_sample((p.y - grid.origin().y) / grid.pitch().y, grid.ny());
    return i < 0 || j < 0 ? index_t(-1) : i + grid.nx() * j;
  };
  for (const EpeSite& site : sites) {
    probes.push_back(probe_index(site.position - rule.tolerance_nm * site.normal));
    probes.push_back(probe_index(site.position + rule.tolerance_nm * site.normal));
  }
  return probes;
}

/// The ICCAD-2013 EPE check of a print against its target: `print` (any Space, one 2D field on
/// `grid`) prints where >= rule.print_threshold. The probe reads run on the print's Space.
template <class Space, class T>
EpeReport epe_check(Context<Space>& ctx, const layout::PolygonSet& target, View<T, Space> print,
                    const Grid& grid, const EpeRule& rule = {}) {
  constexpr const char* where = "metrology::epe_check";
  using U = std::remove_cv_t<T>;
  static_assert(Real<U>, "epe_check reads a real print (float or double)");
  if (grid.rank() != 2 || print.nx() != grid.nx() || print.ny() != grid.ny() || print.nz() != 1 ||
      print.batch() != 1)
    throw shape_mismatch(
        argument_message(where, "print", ::fabtwin::detail::describe_extents(print),
                         "one 2D field of the grid's shape, " + ::fabtwin::describe(grid)));
  EpeReport report;
  const std::vector<EpeSite> sites = epe_sites(target, rule);
  if (sites.empty()) return report;

  const std::vector<index_t> probes = epe_probe_samples(sites, grid, rule);
  const Grid probe_grid(index_t(probes.size()), 1, 1.0);
  const Field<index_t, Space> probe_field = to<Space>(make_host_field(probe_grid, probes));
  Field<int, Space> printed(probe_grid);
  for_each(ctx, Range1{probe_grid.size()},
           detail::ProbePrint<U, Space>{View<const U, Space>(print), probe_field.view(),
                                        printed.view(), rule.print_threshold});
  ctx.synchronize();
  const std::vector<int> verdicts = to_vector(printed);

  report.sites.reserve(sites.size());
  for (std::size_t s = 0; s < sites.size(); ++s) {
    EpeSiteCheck check{sites[s], verdicts[2 * s] == 0, verdicts[2 * s + 1] != 0};
    report.inner_violations += check.inner_violation ? 1 : 0;
    report.outer_violations += check.outer_violation ? 1 : 0;
    report.sites.push_back(check);
  }
  return report;
}

/// Signed EPE at `site` from a continuous host image printing where it is on the `tone` side of
/// `threshold` (Tone::line: image >= threshold prints, as for ICCAD intensities). Searches the
/// normal line within ± search_range_nm of the site (clipped to the image's sample hull) for a
/// crossing that leaves the printed side walking outward, and returns the nearest one's distance
/// from the site, positive outward. Nothing when no such crossing lies in range.
template <class T>
std::optional<double> measure_epe(View<T, Host> image, const Grid& grid, const EpeSite& site,
                                  double threshold, double search_range_nm, Tone tone = Tone::line,
                                  index_t z = 0) {
  constexpr const char* where = "metrology::measure_epe";
  using U = std::remove_cv_t<T>;
  require(std::isfinite(search_range_nm) && search_range_nm > 0, where, "search_range_nm",
          search_range_nm, "a positive distance in nm");
  require(std::isfinite(site.position.x) && std::isfinite(site.position.y), where, "site.position",
          site.position, "finite coordinates in nm");
  const double normal_length = norm(site.normal);
  require(std::isfinite(normal_length) && normal_length > 0, where, "site.normal", site.normal,
          "a finite, non-zero direction");
  const BilinearSampler<U> sampler(View<const U, Host>(image), grid, z, where);
  require(sampler.contains(site.position), where, "site.position", site.position,
          "a point inside the image's sample hull");
  const Point2 n = (1.0 / normal_length) * site.normal;
  const double inward = std::fmin(search_range_nm, sampler.reach(site.position, -1.0 * n));
  const double outward = std::fmin(search_range_nm, sampler.reach(site.position, n));
  if (inward + outward <= 0) return std::nullopt;
  const CutLine line{site.position - inward * n, site.position + outward * n};
  const LineCrossings crossings = find_crossings(image, grid, line, threshold, z);
  // Walking outward, the printed edge is left: a falling crossing for lines, a rising one for
  // spaces.
  const int leaving = tone == Tone::line ? -1 : +1;
  std::optional<double> best;
  for (const EdgeCrossing& edge : crossings.edges) {
    if (edge.direction != leaving) continue;
    const double epe = edge.s_nm - inward;
    if (!best || std::fabs(epe) < std::fabs(*best)) best = epe;
  }
  return best;
}

/// Signed EPE at every site (see the single-site overload).
template <class T>
std::vector<std::optional<double>> measure_epe(View<T, Host> image, const Grid& grid,
                                               const std::vector<EpeSite>& sites, double threshold,
                                               double search_range_nm, Tone tone = Tone::line,
                                               index_t z = 0) {
  std::vector<std::optional<double>> result;
  result.reserve(sites.size());
  for (const EpeSite& site : sites)
    result.push_back(measure_epe(image, grid, site, threshold, search_range_nm, tone, z));
  return result;
}

}  // namespace fabtwin::metrology
