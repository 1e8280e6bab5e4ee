// A window of a real layout etched in 3D, or a cross-section along a cut line through it in 2D:
// one layer of a GDSII file extruded into a hard (or resist) mask over silicon, its polygons the
// mask's openings (trenches and contacts, as a damascene metal layer is etched) or the mask itself
// (lines), etched by an isotropic, a directional or the SF6/O2 model. The window (the cut) and a
// halo of the layout around it are one period of the array the halo's outer sides repeat
// (mirrored or periodic); the halo keeps those sides away from what is measured.
//
// Usage: etch_layout [--gds FILE] [--layer L/D] [--window X0,Y0,X1,Y1 | --cut X0,Y0,X1,Y1]
//                    [--halo NM] [--measure-at X,Y] [--across auto|x|y] [--tone openings|mask]
//                    [--sides mirrored|periodic]
//                    [--mask-thickness NM] [--mask-taper-deg D] [--mask-material hard|resist]
//                    [--stop-depth NM] [--grid NM] [--time S] [--model isotropic|directional|sf6o2]
//                    [--param NAME=VALUE ...] [--rays-per-point N] [--seed N] [--ion-bounces N]
//                    [--threads N] [--sensitivity NAME ...] [--sensitivity-step S] [--out DIR]
// Defaults: ../shared/data/layouts/gcd_45nm.gds (or $FABTWIN_DATA/layouts/gcd_45nm.gds), metal 1
// (11/0) as openings in 40 nm of hard mask, a 256 x 256 nm window around the end of a 74 nm wire
// with a 64 nm halo, 4 nm cells, 1 s of SF6/O2 at 100 rays a point. A cut runs 2D: seconds.
// Exit status 77 (skipped) when the default layout is absent.
//
// The profile is measured at the widest opening at the mask's foot inside the window (not the
// halo), at its point farthest from the mask, or at --measure-at: its depth there, its CDs through
// that point across the opening (across x or y, whichever the nearest edge of the mask lies along;
// the section the picture shows), the mask where it is thickest on that row. Along a cut, x is the
// arc length from the cut's start: the widest opening the cut crosses.
//
// Output: as etch_profile (profile.png, phi.npy, material.npy, etch.vti, surface.vtp; the halo's
// samples too), mask.png (the layer from above around what was simulated, the window or the cut,
// the halo and the opening measured marked) and, last, summary.json, also printed on stdout.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/layout/gdsii_reader.hpp"
#include "support/cli.hpp"
#include "support/etch_run.hpp"
#include "support/outputs.hpp"
#include "support/shared_data.hpp"

namespace {

using namespace fabtwin;

struct Options {
  std::string gds, tone = "openings", sides = "mirrored", mask_material = "hard", across = "auto",
                   out = "out/etch_layout";
  bool default_gds = true;
  layout::gdsii::LayerKey layer{11, 0};
  std::array<double, 4> window = {13120, 15616, 13376, 15872};  // nm
  std::array<double, 4> cut = {0, 0, 0, 0};                     // nm, when given
  std::array<double, 2> measure_at = {0, 0};                    // nm, when given
  double halo = 64, mask_thickness = 40, taper_deg = 0, stop_depth = -1, grid = 4;
  examples::EtchRun run = [] {  // the model, its parameters, the time and the rays
    examples::EtchRun defaults;
    defaults.time_s = 1;
    defaults.rays_per_point = 100;
    return defaults;
  }();
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "etch_layout",
      "A window of one layer of a GDSII layout extruded into a mask over silicon and etched in 3D,\n"
      "or a cross-section along a cut line in 2D (isotropic, directional or SF6/O2), a halo of the\n"
      "layout around it; the profile measured at the widest opening. Writes profile.png, mask.png,\n"
      "phi.npy, material.npy, etch.vti, surface.vtp and, last, summary.json.");
  o.gds = examples::default_layout();
  const auto positive = [](const char* what, const char* unit) {
    return examples::NumberRule{.what = what, .unit = unit, .above = 0};
  };
  const auto within_a_metre = [](const std::array<double, 4>& w) {
    return std::all_of(w.begin(), w.end(), [](double v) { return std::fabs(v) <= 1e9; });
  };
  cli.path("--gds", "FILE", "the GDSII layout", o.gds, examples::PathKind::file)
      .layer("--layer", "L/D", "layer and datatype to extrude", o.layer)
      .numbers("--window", "X0,Y0,X1,Y1", "the window, in nm, etched in 3D", o.window,
               "X0,Y0,X1,Y1 in nm with X1 > X0, Y1 > Y0, all within +-1e9 nm (a metre)",
               [=](const std::array<double, 4>& w) {
                 return within_a_metre(w) && w[2] > w[0] && w[3] > w[1];
               })
      .numbers("--cut", "X0,Y0,X1,Y1",
               "a cut line, in nm, etched in 2D instead: the cross-section along it, the features "
               "it crosses taken as extruded across it",
               o.cut, "X0,Y0,X1,Y1 in nm, two distinct points within +-1e9 nm (a metre)",
               [=](const std::array<double, 4>& c) {
                 return within_a_metre(c) && (c[0] != c[2] || c[1] != c[3]);
               })
      .shown_default("none: the window")
      .number("--halo", "NM",
              "the layout simulated around the window (whole cells) or beyond the cut's ends "
              "(rounded to whole cells), so that the sides' mirror or period is that far from "
              "what is measured",
              o.halo, examples::NumberRule{.what = "a halo", .unit = "nm", .at_least = 0})
      .shown_default("64, rounded up to whole cells")
      .numbers("--measure-at", "X,Y",
               "where the profile is measured: its depth there, its CDs through it", o.measure_at,
               "X,Y in nm inside the --window")
      .shown_default("the widest opening's point farthest from the mask")
      .choice("--across",
              "the direction the CDs are measured in (auto: towards the mask's nearest edge, "
              "across a wire whichever way it runs)",
              o.across,
              {{"auto", std::string("auto")}, {"x", std::string("x")}, {"y", std::string("y")}})
      .choice("--tone", "what the polygons are: the mask's openings, or the mask", o.tone,
              {{"openings", std::string("openings")}, {"mask", std::string("mask")}})
      .choice("--sides",
              "how the window repeats: mirrored through its sides, or periodic (an array whose "
              "period is the window)",
              o.sides,
              {{"mirrored", std::string("mirrored")}, {"periodic", std::string("periodic")}})
      .number("--mask-thickness", "NM", "mask thickness", o.mask_thickness,
              examples::NumberRule{.what = "a thickness", .unit = "nm", .at_least = 0})
      .number("--mask-taper-deg", "D", "mask sidewall taper (openings widen upwards)", o.taper_deg,
              examples::NumberRule{.what = "a taper", .unit = "deg", .above = -45, .below = 45})
      .choice("--mask-material", "resist (polymer) or hard mask (sf6o2: their sputter sets)",
              o.mask_material, {{"resist", std::string("resist")}, {"hard", std::string("hard")}})
      .number("--stop-depth", "NM", "a stop layer from this depth below the substrate's top down",
              o.stop_depth, positive("a depth", "nm"))
      .shown_default("none")
      .number("--grid", "NM", "cell size (the window's sides whole cells)", o.grid,
              positive("a cell size", "nm"))
      .number("--time", "S", "etch time", o.run.time_s, positive("an etch time", "s"))
      .choice("--model", "the surface kinetics", o.run.model,
              {{"isotropic", std::string("isotropic")},
               {"directional", std::string("directional")},
               {"sf6o2", std::string("sf6o2")}})
      .texts("--param", "NAME=VALUE", "a model parameter (etch_profile --help lists them)",
             o.run.parameters, "NAME=VALUE")
      .count("--rays-per-point", "N", "Monte Carlo rays per surface point", o.run.rays_per_point,
             "a ray count")
      .count("--seed", "N", "seed of the counter-based random streams", o.run.seed, "a seed")
      .count("--ion-bounces", "N", "reflections an ion may make before it lands", o.run.ion_bounces,
             "a reflection count")
      .count("--threads", "N", "OpenMP threads of a run on the host", o.run.threads,
             "a thread count")
      .shown_default("all");
  examples::sensitivity_options(cli, o.run.sensitivities, o.run.sensitivity_step)
      .path("--out", "DIR", "folder for the outputs", o.out, examples::PathKind::output)
      .skips("no layout at the default path");
  return cli;
}

struct Point {
  double x, y;
};

/// The layer's mask seen from above (the mask's foot) over `area` {x0, y0, x1, y1} in cells of
/// `cell` nm; `outlines` drawn on it in white (the window, or the cut's ends), `measured` a red
/// cross, `cut` a red line when a cut was simulated (its halo's extension orange).
void write_mask_picture(const layout::RegionDistance& lateral, double sign,
                        const std::array<double, 4>& area, double cell,
                        const std::vector<std::vector<Point>>& outlines, Point measured,
                        const std::vector<Point>& cut, const std::vector<Point>& cut_halo,
                        const std::string& path) {
  const index_t nx = std::max<index_t>(1, index_t(std::lround((area[2] - area[0]) / cell)));
  const index_t ny = std::max<index_t>(1, index_t(std::lround((area[3] - area[1]) / cell)));
  Field<double, Host> mask(Grid(nx, ny, cell, {area[0] + 0.5 * cell, area[1] + 0.5 * cell, 0}));
  for (index_t j = 0; j < ny; ++j)
    for (index_t i = 0; i < nx; ++i) {
      const double x = area[0] + (double(i) + 0.5) * cell, y = area[1] + (double(j) + 0.5) * cell;
      mask.data()[i + nx * j] = sign * lateral(x, y) < 0 ? 1.0 : 0.0;
    }
  io::RenderOptions options{
      .colormap = io::Colormap::viridis,
      .scale_bar = true,
      .length_bar = true,
      .title = cut.empty() ? "the mask from above: the window (white), the opening measured (red)"
                           : "the mask from above: the cut (red), its halo (orange)",
      .value_label = "material",
      .magnify = io::magnification_for(mask.grid(), 700),
      .text_scale = 2};
  options.categories = {"open", "mask"};
  io::Image picture = io::render_field(mask, options);
  for (const auto& outline : outlines)
    io::draw_polyline(picture, mask.grid(), outline, io::Color{255, 255, 255}, true);
  const io::Color red{220, 30, 30};
  if (!cut_halo.empty())
    io::draw_polyline(picture, mask.grid(), cut_halo, io::Color{240, 150, 30}, false);
  if (!cut.empty()) io::draw_polyline(picture, mask.grid(), cut, red, false);
  const double arm = 4 * cell, x = measured.x, y = measured.y;
  io::draw_polyline(picture, mask.grid(), std::vector<Point>{{x - arm, y}, {x + arm, y}}, red,
                    false);
  io::draw_polyline(picture, mask.grid(), std::vector<Point>{{x, y - arm}, {x, y + arm}}, red,
                    false);
  io::write_png(path, picture);
}

/// What the options accept together: a cut (at least 4 cells long; its cells are fitted to it) or a
/// window whose sides and halo (when given) are whole cells (the domain's samples tile them, and the
/// halo's outer sides are the array's period), a point to measure at only inside a window.
void check(const examples::Cli& cli, const Options& o) {
  using fabtwin::describe;
  if (cli.given("--cut")) {
    if (cli.given("--window")) cli.refuse("--cut", "a cut or a --window, not both");
    if (cli.given("--measure-at"))
      cli.refuse("--measure-at", "no point with --cut (the widest opening it crosses is measured)");
    if (cli.given("--across")) cli.refuse("--across", "no direction with --cut (it is the cut's)");
    const double length = std::hypot(o.cut[2] - o.cut[0], o.cut[3] - o.cut[1]);
    if (length < 4 * o.grid)
      cli.refuse("--cut", "a cut of at least 4 cells of --grid " + describe(o.grid) +
                              " nm (it is " + describe(length) + " nm long)");
    return;
  }
  examples::require_window_cells(cli, o.window, o.grid, "--grid", "cell size", "cells", 4);
  const double halo_cells = o.halo / o.grid;
  if (cli.given("--halo") &&
      std::fabs(halo_cells - std::round(halo_cells)) > 1e-9 * std::max(1.0, halo_cells))
    cli.refuse("--halo", "a halo of whole cells of --grid " + describe(o.grid) + " nm");
  const auto [x, y] = o.measure_at;
  if (cli.given("--measure-at") &&
      !(x > o.window[0] && x < o.window[2] && y > o.window[1] && y < o.window[3]))
    cli.refuse("--measure-at", "a point X,Y inside the --window (" + describe(o.window[0]) + ", " +
                                   describe(o.window[2]) + ") x (" + describe(o.window[1]) + ", " +
                                   describe(o.window[3]) + ") nm");
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("etch_layout", [&] {
    Options o;
    examples::Cli cli = command_line(o);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    check(cli, o);
    // The default halo in whole cells of the grid given, rounded up.
    if (!cli.given("--halo")) o.halo = std::ceil(o.halo / o.grid - 1e-9) * o.grid;
    o.default_gds = !cli.given("--gds");
    // 77: "skipped" for ctest when the default layout is absent; one given with --gds must exist.
    if (o.default_gds && !std::filesystem::exists(o.gds)) {
      std::fprintf(stderr, "etch_layout: no layout at '%s' (give --gds or set FABTWIN_DATA)\n",
                   o.gds.c_str());
      return 77;
    }
    examples::EtchRun& run = o.run;
    run.resist_mask = o.mask_material == "resist";
    const examples::EtchModel model = examples::make_etch_model(run);  // bad parameters first
    examples::start_outputs(o.out);

    const layout::gdsii::Library library = layout::gdsii::read_library(o.gds);
    const double unit_nm = library.unit_nm();
    // Every polygon that reaches into `area` (nm; the builders clip them to what they simulate).
    const auto read_area = [&](const std::array<double, 4>& area) {
      const layout::Box box{layout::coord_t(std::floor(area[0] / unit_nm)),
                            layout::coord_t(std::floor(area[1] / unit_nm)),
                            layout::coord_t(std::ceil(area[2] / unit_nm)),
                            layout::coord_t(std::ceil(area[3] / unit_nm))};
      const layout::PolygonSet shapes = library.read_window(box, {o.layer});
      std::fprintf(stderr, "etch_layout: %zu polygons of layer %u/%u in [%g, %g] x [%g, %g] nm\n",
                   shapes.polygons.size(), unsigned(o.layer.layer), unsigned(o.layer.datatype),
                   area[0], area[2], area[1], area[3]);
      return shapes;
    };

    etch::LayoutStack stack;
    stack.tone = o.tone == "mask" ? etch::LayoutTone::mask : etch::LayoutTone::openings;
    stack.boundary = o.sides == "periodic" ? etch::Boundary::periodic : etch::Boundary::reflective;
    stack.mask_thickness_nm = o.mask_thickness;
    stack.mask_taper_deg = o.taper_deg;
    stack.grid_nm = o.grid;
    stack.stop_depth_nm = o.stop_depth;
    stack.substrate_depth_nm = std::max(
        examples::fastest_rate_nm_s(model) * run.time_s + 10 * o.grid, o.stop_depth + 4 * o.grid);
    const double sign = stack.tone == etch::LayoutTone::mask ? 1.0 : -1.0;
    const std::string picture = o.out + "/mask.png";
    std::optional<etch::Domain<double, Host>> built;  // the window's or the cut's
    double mask_at = 0, halo = o.halo, polygons = 0;
    examples::Across across = examples::Across::x;
    if (cli.given("--cut")) {
      etch::LayoutSectionSpec spec;
      static_cast<etch::LayoutStack&>(spec) = stack;
      spec.cut_nm = o.cut;
      spec.halo_nm = o.halo;
      const etch::Lattice lattice = etch::layout_section_lattice(spec);
      examples::require_memory(lattice, false, "etch_layout");
      halo = etch::section_halo(lattice);
      const auto ends = etch::simulated_cut(spec, halo);
      // The picture: the simulated line and a margin around it (a sixth of its length, 16 cells).
      const double length = std::hypot(o.cut[2] - o.cut[0], o.cut[3] - o.cut[1]);
      const double margin = std::max(length / 6, 16 * o.grid);
      const std::array<double, 4> area{
          std::min(ends[0], ends[2]) - margin, std::min(ends[1], ends[3]) - margin,
          std::max(ends[0], ends[2]) + margin, std::max(ends[1], ends[3]) + margin};
      const layout::PolygonSet shapes = read_area(area);
      polygons = double(shapes.polygons.size());
      const auto& domain = built.emplace(etch::make_layout_section<double>(shapes, spec));
      // The mask is measured where it is thickest along the cut.
      const layout::SegmentDistance along = etch::layout_section_lateral(shapes, spec);
      const etch::Lattice& l = domain.lattice;
      double deepest = 0;
      mask_at = domain.centre_x_nm;
      for (index_t i = 0; i < l.nx; ++i) {
        const double x = l.x0 + double(i) * l.h, inside = sign * along(x + halo);
        if (x > 0 && x < length && inside < deepest) deepest = inside, mask_at = x;
      }
      const double ex = (o.cut[2] - o.cut[0]) / length, ey = (o.cut[3] - o.cut[1]) / length;
      const Point start{o.cut[0], o.cut[1]}, end{o.cut[2], o.cut[3]};
      const Point measured{o.cut[0] + domain.centre_x_nm * ex, o.cut[1] + domain.centre_x_nm * ey};
      write_mask_picture(layout::RegionDistance(shapes, area, layout::WindowSides::mirrored), sign,
                         area, std::max(o.grid, (area[2] - area[0] + area[3] - area[1]) / 2000), {},
                         measured, {start, end}, {{ends[0], ends[1]}, {ends[2], ends[3]}}, picture);
    } else {
      etch::LayoutDomainSpec spec;
      static_cast<etch::LayoutStack&>(spec) = stack;
      spec.window_nm = o.window;
      spec.halo_nm = o.halo;
      examples::require_memory(etch::layout_lattice(spec), false, "etch_layout");
      const layout::PolygonSet shapes = read_area(spec.simulated_nm());
      polygons = double(shapes.polygons.size());
      auto& domain = built.emplace(etch::make_layout_domain<double>(shapes, spec));
      if (cli.given("--measure-at")) {
        domain.centre_x_nm = o.measure_at[0];
        domain.centre_y_nm = o.measure_at[1];
      }
      // Across the opening: towards the mask's nearest edge, which the lateral distance's gradient
      // points from (central differences over a cell; a square's centre, where it vanishes, x).
      const layout::RegionDistance lateral = etch::layout_region(shapes, spec);
      const double cx = domain.centre_x_nm, cy = domain.centre_y_nm, e = 0.5 * o.grid;
      const double gx = lateral(cx + e, cy) - lateral(cx - e, cy);
      const double gy = lateral(cx, cy + e) - lateral(cx, cy - e);
      across = o.across == "y" || (o.across == "auto" && std::fabs(gy) > std::fabs(gx))
                   ? examples::Across::y
                   : examples::Across::x;
      // The mask is measured where it is thickest on the window's row (column) through the
      // opening: the sample whose lateral distance into the mask is largest.
      const etch::Lattice& l = domain.lattice;
      const bool along_y = across == examples::Across::y;
      const index_t n = along_y ? l.ny : l.nx;
      const double first = along_y ? l.y0 : l.x0, lo = o.window[along_y ? 1 : 0],
                   hi = o.window[along_y ? 3 : 2];
      double deepest = 0;
      mask_at = along_y ? cy : cx;
      for (index_t i = 0; i < n; ++i) {
        const double v = first + double(i) * l.h;
        const double inside = sign * (along_y ? lateral(cx, v) : lateral(v, cy));
        if (v > lo && v < hi && inside < deepest) deepest = inside, mask_at = v;
      }
      const auto [x0, y0, x1, y1] = o.window;
      write_mask_picture(lateral, sign, spec.simulated_nm(), o.grid,
                         {{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}},
                         {domain.centre_x_nm, domain.centre_y_nm}, {}, {}, picture);
    }
    etch::Domain<double, Host>& domain = *built;
    examples::EtchResult result =
        examples::run_etch_example(run, domain, mask_at, o.out, "etch_layout", across);
    result.summary["gds"] = o.gds;
    result.summary["layer"] =
        std::to_string(o.layer.layer) + "/" + std::to_string(o.layer.datatype);
    const bool section = cli.given("--cut");
    result.summary[section ? "cut_nm" : "window_nm"] = io::json::Value::array();
    for (const double v : section ? o.cut : o.window)
      result.summary[section ? "cut_nm" : "window_nm"].push_back(v);
    result.summary["halo_nm"] = halo;
    result.summary["cell_nm"] = domain.lattice.h;
    result.summary["polygons"] = polygons;
    result.summary["tone"] = o.tone;
    result.summary["sides"] = o.sides;
    result.summary["opening_x_nm"] = domain.centre_x_nm;  // along the cut: from its start
    if (!section) result.summary["opening_y_nm"] = domain.centre_y_nm;
    result.summary["across"] = section ? "the cut" : across == examples::Across::y ? "y" : "x";
    result.summary[across == examples::Across::y ? "mask_y_nm" : "mask_x_nm"] = mask_at;
    result.summary["mask_thickness_nm"] = o.mask_thickness;
    result.summary["mask_taper_deg"] = o.taper_deg;
    result.summary["mask_material"] = o.mask_material;
    if (o.stop_depth > 0) result.summary["stop_depth_nm"] = o.stop_depth;
    result.summary["time_s"] = run.time_s;
    result.summary["files"].push_back(std::string("mask.png"));
    result.summary["completed"] = true;
    examples::finish_outputs(o.out, result.summary);
    std::fprintf(stderr,
                 "etch_layout: pictures and files in %s (profile.png, mask.png, etch.vti)\n",
                 o.out.c_str());
    return 0;
  });
}
