// A window of a real layout etched in 3D: one layer of a GDSII file extruded into a hard (or
// resist) mask over silicon, its polygons the mask's openings (trenches and contacts, as a
// damascene metal layer is etched) or the mask itself (lines), the window one period of the array
// its sides repeat (mirrored or periodic), etched by an isotropic, a directional or the SF6/O2
// model.
//
// Usage: etch_layout [--gds FILE] [--layer L/D] [--window X0,Y0,X1,Y1] [--measure-at X,Y]
//                    [--tone openings|mask] [--sides mirrored|periodic]
//                    [--mask-thickness NM] [--mask-taper-deg D] [--mask-material hard|resist]
//                    [--stop-depth NM] [--grid NM] [--time S] [--model isotropic|directional|sf6o2]
//                    [--param NAME=VALUE ...] [--rays-per-point N] [--seed N] [--ion-bounces N]
//                    [--threads N] [--out DIR]
// Defaults: ../shared/data/layouts/gcd_45nm.gds (or $FABTWIN_DATA/layouts/gcd_45nm.gds), metal 1
// (11/0) as openings in 40 nm of hard mask, a 256 x 256 nm window around the end of a 74 nm wire,
// 4 nm cells, 1 s of SF6/O2 at 100 rays a point (44 s on two cores). Exit status 77 (skipped)
// when the default layout is absent.
//
// The profile is measured at the widest opening at the mask's foot, at its point farthest from the
// mask, or at --measure-at: its depth there, its CDs across x through that point (the x-z section
// the picture shows), the mask where it is thickest on that row.
//
// Output: as etch_profile (profile.png, phi.npy, material.npy, etch.vti, surface.vtp), mask.png
// (the window's mask from above, the opening measured marked) and, last, summary.json, also
// printed on stdout.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
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
  std::string gds, tone = "openings", sides = "mirrored", mask_material = "hard",
                   out = "out/etch_layout";
  bool default_gds = true;
  layout::gdsii::LayerKey layer{11, 0};
  std::array<double, 4> window = {13120, 15616, 13376, 15872};  // nm
  std::array<double, 2> measure_at = {0, 0};                    // nm, when given
  double mask_thickness = 40, taper_deg = 0, stop_depth = -1, grid = 4;
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
      "A window of one layer of a GDSII layout extruded into a mask over silicon and etched in 3D\n"
      "(isotropic, directional or SF6/O2); the profile measured at the widest opening. Writes\n"
      "profile.png, mask.png, phi.npy, material.npy, etch.vti, surface.vtp and, last, summary.json.");
  o.gds = examples::default_layout();
  const auto positive = [](const char* what, const char* unit) {
    return examples::NumberRule{.what = what, .unit = unit, .above = 0};
  };
  cli.path("--gds", "FILE", "the GDSII layout", o.gds, examples::PathKind::file)
      .layer("--layer", "L/D", "layer and datatype to extrude", o.layer)
      .numbers("--window", "X0,Y0,X1,Y1", "the window, in nm: one period of the etched array",
               o.window, "X0,Y0,X1,Y1 in nm with X1 > X0, Y1 > Y0, all within +-1e9 nm (a metre)",
               [](const std::array<double, 4>& w) {
                 const bool inside =
                     std::all_of(w.begin(), w.end(), [](double v) { return std::fabs(v) <= 1e9; });
                 return inside && w[2] > w[0] && w[3] > w[1];
               })
      .numbers("--measure-at", "X,Y",
               "where the profile is measured: its depth there, its CDs across x through it",
               o.measure_at, "X,Y in nm inside the --window")
      .shown_default("the widest opening's point farthest from the mask")
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
      .shown_default("all")
      .path("--out", "DIR", "folder for the outputs", o.out, examples::PathKind::output)
      .skips("no layout at the default path");
  return cli;
}

/// The window's mask seen from above (the mask's foot), the measured opening's centre marked.
void write_mask_picture(const layout::RegionDistance& lateral, double sign,
                        const etch::Domain<double, Host>& domain, const std::string& path) {
  const etch::Lattice& l = domain.lattice;
  Field<double, Host> mask(Grid(l.nx, l.ny, l.h, {l.x0, l.y0, 0}));
  for (index_t j = 0; j < l.ny; ++j)
    for (index_t i = 0; i < l.nx; ++i) {
      const etch::Point3 p = l.position(i, j, 0);
      mask.data()[i + l.nx * j] = sign * lateral(p.x, p.y) < 0 ? 1.0 : 0.0;
    }
  io::RenderOptions options{.colormap = io::Colormap::viridis,
                            .scale_bar = true,
                            .length_bar = true,
                            .title = "the mask from above; the opening measured: red cross",
                            .value_label = "material",
                            .magnify = io::magnification_for(mask.grid(), 700),
                            .text_scale = 2};
  options.categories = {"open", "mask"};
  io::Image picture = io::render_field(mask, options);
  struct Point {
    double x, y;
  };
  const double arm = 4 * l.h, x = domain.centre_x_nm, y = domain.centre_y_nm;
  const io::Color red{220, 30, 30};
  io::draw_polyline(picture, mask.grid(), std::vector<Point>{{x - arm, y}, {x + arm, y}}, red,
                    false);
  io::draw_polyline(picture, mask.grid(), std::vector<Point>{{x, y - arm}, {x, y + arm}}, red,
                    false);
  io::write_png(path, picture);
}

/// What the options accept together: the window's sides whole cells each way (the domain's
/// samples tile it, and its sides are the array's period).
void check(const examples::Cli& cli, const Options& o) {
  using fabtwin::describe;
  examples::require_window_cells(cli, o.window, o.grid, "--grid", "cell size", "cells", 4);
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
    const auto to_units = [&](double nm, bool up) {
      return layout::coord_t(up ? std::ceil(nm / unit_nm) : std::floor(nm / unit_nm));
    };
    // Every polygon that reaches into the window (the builder clips them to it).
    const layout::Box box{to_units(o.window[0], false), to_units(o.window[1], false),
                          to_units(o.window[2], true), to_units(o.window[3], true)};
    const layout::PolygonSet shapes = library.read_window(box, {o.layer});
    std::fprintf(stderr, "etch_layout: %zu polygons of layer %u/%u in [%g, %g] x [%g, %g] nm\n",
                 shapes.polygons.size(), unsigned(o.layer.layer), unsigned(o.layer.datatype),
                 o.window[0], o.window[2], o.window[1], o.window[3]);

    etch::LayoutDomainSpec spec;
    spec.window_nm = o.window;
    spec.tone = o.tone == "mask" ? etch::LayoutTone::mask : etch::LayoutTone::openings;
    spec.boundary = o.sides == "periodic" ? etch::Boundary::periodic : etch::Boundary::reflective;
    spec.mask_thickness_nm = o.mask_thickness;
    spec.mask_taper_deg = o.taper_deg;
    spec.grid_nm = o.grid;
    spec.stop_depth_nm = o.stop_depth;
    spec.substrate_depth_nm = std::max(
        examples::fastest_rate_nm_s(model) * run.time_s + 10 * o.grid, o.stop_depth + 4 * o.grid);
    examples::require_memory(etch::layout_lattice(spec), false, "etch_layout");
    auto domain = etch::make_layout_domain<double>(shapes, spec);
    if (cli.given("--measure-at")) {
      domain.centre_x_nm = o.measure_at[0];
      domain.centre_y_nm = o.measure_at[1];
    }

    // The mask is measured where it is thickest on the row through the opening: the column whose
    // lateral distance into the mask is largest.
    const layout::RegionDistance lateral = etch::layout_region(shapes, spec);
    const double sign = spec.tone == etch::LayoutTone::mask ? 1.0 : -1.0;
    const etch::Lattice& l = domain.lattice;
    double mask_x = domain.centre_x_nm, deepest = 0;
    for (index_t i = 0; i < l.nx; ++i) {
      const double x = l.x0 + double(i) * l.h, inside = sign * lateral(x, domain.centre_y_nm);
      if (inside < deepest) deepest = inside, mask_x = x;
    }
    write_mask_picture(lateral, sign, domain, o.out + "/mask.png");
    examples::EtchResult result =
        examples::run_etch_example(run, domain, mask_x, o.out, "etch_layout");
    result.summary["gds"] = o.gds;
    result.summary["layer"] =
        std::to_string(o.layer.layer) + "/" + std::to_string(o.layer.datatype);
    result.summary["window_nm"] = io::json::Value::array();
    for (const double v : o.window) result.summary["window_nm"].push_back(v);
    result.summary["polygons"] = double(shapes.polygons.size());
    result.summary["tone"] = o.tone;
    result.summary["sides"] = o.sides;
    result.summary["opening_x_nm"] = domain.centre_x_nm;
    result.summary["opening_y_nm"] = domain.centre_y_nm;
    result.summary["mask_x_nm"] = mask_x;
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
