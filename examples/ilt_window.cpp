// Process-aware inverse lithography, and the process window it buys.
//
// Three masks for one ICCAD-2013 clip (or, with --gds, a 2048 x 2048 nm window of a layout's
// layer: metal 1 of gcd_45nm.gds by default), all judged by the same twin over the same focus-exposure
// matrix (FEM):
//   1. uncorrected: the drawn target;
//   2. contest-model ILT: pixel ILT (twin::pixel_ilt) through the optics and a constant-threshold
//      resist, over the contest's three corners (dose 1.02^2 and 0.98^2, 25 nm defocus), as
//      `iccad13 ilt` does;
//   3. process-aware ILT: the same optimiser, started from mask 2, through optics -> exposure ->
//      post-exposure bake -> blurred threshold (support/peb_resist.hpp), over a 3 x 3 FEM of
//      dose 1 -+ --aware-dose and focus 0 -+ --aware-focus.
// The optics are generated (193 nm, NA 1.35, water, annular 0.6-0.9, 24 kernels) at focus -F, -F/2,
// 0, F/2, F (F = --focus-range), focus between them by the imaging stage's quadratic interpolation
// through the three nearest knots (twin/focus_interpolation.hpp: error ~ h^4, 2.2e-3 at the
// default knot spacing h = 60 nm, measured in tests/twin/test_chain.cpp). The constant-threshold
// resist prints at 0.225 of the clear-field intensity (the contest's threshold); the bake's dose is
// anchored to print a wide feature's edge at that same intensity, so at nominal the two resists
// agree to first order and differ by what the bake adds.
//
// The judge: each mask binary at 1 nm (the ILT masks interpolated from the 8 nm optimisation grid and
// cut at 1/2, islands and holes below 100 nm^2 removed), taken as area coverage onto the
// evaluation grid (--eval-pitch), then through the process-aware twin at every FEM point (focus
// -F..F, dose 1 -+ --dose-range). At each point the CD of up to --sites lines of the clip
// (support/cd_sites.hpp) is measured on the print at 1/2; a line that does not print counts as CD
// 0, one merged with its neighbour as twice its width (both out of spec). The overlapping process
// window (metrology::depth_of_focus over all sites, CD within --tolerance of the drawn width): the
// exposure latitude at focus 0 (best focus: the optics have no aberrations, so the images are even
// in focus) and the depth of focus at --latitude percent EL. Also the nominal
// print's pixel error against the target (L2, nm^2) at every FEM point.
//
// Writes mask_<name>.png and print_<name>.png per mask, window_<name>.png (the fraction of sites in
// spec over the FEM), and summary.json (last): per mask the windows, the L2 and the CD of every
// site at every FEM point.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/io/json.hpp"
#include "fabtwin/io/png.hpp"
#include "fabtwin/layout/contour.hpp"
#include "fabtwin/layout/gdsii.hpp"
#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/metrology/mask_shapes.hpp"
#include "fabtwin/metrology/process_window.hpp"
#include "fabtwin/optics/iccad2013_protocol.hpp"
#include "fabtwin/twin.hpp"
#include "support/cd_sites.hpp"
#include "support/cli.hpp"
#include "support/host_kernels.hpp"
#include "support/outputs.hpp"
#include "support/peb_resist.hpp"
#include "support/resample.hpp"
#include "support/shared_data.hpp"

namespace {

using namespace fabtwin;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string clip, out = "out/ilt_window";
  bool default_clip = true;
  std::string gds;  ///< set: a 2048 nm window of this layout instead of the clip
  layout::gdsii::LayerKey layer{11, 0};
  std::array<double, 2> window_origin = {12000, 12000};
  double pitch_nm = 8, eval_pitch_nm = 4;
  int contest_iterations = 300, aware_iterations = 40;
  double aware_focus_nm = 30, aware_dose = 0.04;
  double focus_range_nm = 120, focus_step_nm = 20;
  double dose_range = 0.15, dose_step = 0.025;
  double tolerance = 0.10, latitude_percent = 10;
  index_t sites = 8;
  double bake_step_s = 6;
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "ilt_window",
      "Process-aware ILT of an ICCAD-2013 clip and the process windows of three masks (the\n"
      "target, ILT through the contest's threshold resist, ILT through exposure and bake over a\n"
      "focus-exposure matrix), all judged by the bake model over a focus-exposure matrix: exposure\n"
      "latitude and depth of focus of the clip's lines together. Writes mask_*.png, print_*.png,\n"
      "window_*.png and, last, summary.json.");
  o.clip = examples::default_iccad_clip();
  cli.path("--clip", "FILE.glp", "the clip, on the 2048 nm contest canvas", o.clip,
           examples::PathKind::file)
      .path("--gds", "FILE", "instead of --clip: a 2048 x 2048 nm window of this GDSII layout",
            o.gds, examples::PathKind::file)
      .shown_default("none: the clip")
      .layer("--layer", "L/D", "the layer of --gds to correct (11/0: metal 1 of gcd_45nm.gds)",
             o.layer)
      .numbers("--window-origin", "X0,Y0", "the window's lower-left corner in the layout, nm",
               o.window_origin, "two numbers X0,Y0 in nm")
      .path("--out", "DIR", "output folder", o.out, examples::PathKind::output)
      .number("--pitch", "NM", "pixel pitch of the optimisation (divides 2048)", o.pitch_nm,
              {.what = "a pixel pitch", .unit = "nm", .at_least = 2, .at_most = 16})
      .number("--eval-pitch", "NM", "pixel pitch of the judging twin (divides 2048)",
              o.eval_pitch_nm,
              {.what = "a pixel pitch", .unit = "nm", .at_least = 1, .at_most = 16})
      .count("--contest-iterations", "N", "Adam iterations of the contest-model ILT",
             o.contest_iterations, "an iteration count")
      .count("--aware-iterations", "N", "Adam iterations of the process-aware ILT",
             o.aware_iterations, "an iteration count")
      .number("--aware-focus", "F", "the process-aware ILT's FEM: focus 0 and -+F",
              o.aware_focus_nm,
              {.what = "a focus offset", .unit = "nm", .above = 0, .at_most = 200})
      .number("--aware-dose", "D", "the process-aware ILT's FEM: relative dose 1 and 1 -+ D",
              o.aware_dose, {.what = "a relative dose offset", .above = 0, .at_most = 0.5})
      .number("--focus-range", "F", "the judging FEM spans focus -F..F (and the kernels' knots)",
              o.focus_range_nm, {.what = "a focus range", .unit = "nm", .above = 0, .at_most = 300})
      .number("--focus-step", "S", "focus step of the judging FEM", o.focus_step_nm,
              {.what = "a focus step", .unit = "nm", .above = 0, .at_most = 300})
      .number("--dose-range", "D", "the judging FEM spans relative dose 1 - D .. 1 + D",
              o.dose_range, {.what = "a relative dose range", .above = 0, .at_most = 0.5})
      .number("--dose-step", "S", "relative dose step of the judging FEM", o.dose_step,
              {.what = "a relative dose step", .above = 0, .at_most = 0.5})
      .number("--tolerance", "T", "a site is in spec within drawn width x (1 -+ T)", o.tolerance,
              {.what = "a relative tolerance", .above = 0, .below = 1})
      .number("--latitude", "EL", "the exposure latitude at which the depth of focus is reported",
              o.latitude_percent,
              {.what = "an exposure latitude", .unit = "%", .at_least = 0, .at_most = 100})
      .count("--sites", "N", "CD sites (lines of the clip), at most", o.sites, "a site count")
      .number("--bake-step", "S", "the bake's time step", o.bake_step_s,
              {.what = "a time step", .unit = "s", .above = 0, .at_most = 90})
      .skips("no clip at the default path");
  return cli;
}

/// The number of pixels of `pitch` across the 2048 nm canvas; refused unless whole.
index_t pixels_across(const examples::Cli& cli, const char* option, double pitch) {
  const double pixels = 2048 / pitch;
  if (std::fabs(pixels - std::round(pixels)) > 1e-9 * pixels)
    cli.refuse(option, "a pitch that cuts the 2048 nm canvas into a whole number of pixels");
  return index_t(std::llround(pixels));
}

void check(const examples::Cli& cli, Options& o) {
  o.default_clip = !cli.given("--clip");
  if (cli.given("--clip") && cli.given("--gds"))
    cli.refuse("--gds", "either --clip or --gds, not both");
  pixels_across(cli, "--pitch", o.pitch_nm);
  pixels_across(cli, "--eval-pitch", o.eval_pitch_nm);
  if (std::fabs(o.eval_pitch_nm - std::round(o.eval_pitch_nm)) > 1e-9)
    cli.refuse("--eval-pitch", "a whole number of nm (the 1 nm mask is averaged onto it)");
  if (o.aware_focus_nm > o.focus_range_nm)
    cli.refuse("--aware-focus", "a focus within --focus-range (the kernels' outer knots)");
  if (o.focus_step_nm > o.focus_range_nm)
    cli.refuse("--focus-step", "a step no larger than --focus-range");
  if (o.dose_step > o.dose_range) cli.refuse("--dose-step", "a step no larger than --dose-range");
  if (25 > o.focus_range_nm)
    cli.refuse("--focus-range", "at least 25 nm (the contest's defocus corner)");
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The layer's shapes in the 2048 nm window of --gds from --window-origin, moved to the canvas
/// origin (the imaging is periodic over the window: shapes cut by its border print as cut).
layout::PolygonSet layout_window(const Options& o) {
  const layout::gdsii::Library library = layout::gdsii::read_library(o.gds);
  const double unit_nm = library.unit_nm();
  const auto to_units = [&](double nm) { return layout::coord_t(std::llround(nm / unit_nm)); };
  const layout::coord_t x0 = to_units(o.window_origin[0]), y0 = to_units(o.window_origin[1]);
  const layout::Box window{x0, y0, x0 + to_units(2048), y0 + to_units(2048)};
  layout::PolygonSet shapes = library.read_window(window, {o.layer});
  if (shapes.polygons.empty())
    throw invalid_argument("fabtwin ilt_window: no shape of layer " +
                           std::to_string(o.layer.layer) + "/" + std::to_string(o.layer.datatype) +
                           " in the window at (" + describe(o.window_origin[0]) + ", " +
                           describe(o.window_origin[1]) + ") nm of '" + o.gds +
                           "'; expected a window holding some");
  for (layout::Polygon& polygon : shapes.polygons)
    for (auto& point : polygon.points) {
      point.x -= x0;
      point.y -= y0;
    }
  return shapes;
}

/// -range, ..., 0, ..., +range in steps of `step` (symmetric about 0, 0 included).
std::vector<double> symmetric_samples(double range, double step) {
  const int half = int(std::floor(range / step + 1e-9));
  std::vector<double> values;
  for (int k = -half; k <= half; ++k) values.push_back(k * step);
  return values;
}

/// m = sigmoid(a p) on the host, the relaxation twin::pixel_ilt optimises.
Field<double, Host> relaxed_mask(const Field<double, Host>& p, double steepness) {
  Field<double, Host> m(p.grid());
  for (index_t i = 0; i < p.grid().size(); ++i)
    m.view()[i] = resist::detail::logistic(steepness * p.view()[i]);
  return m;
}

/// The 1 nm binary mask of relaxed values on a coarse grid, cleaned of islands and holes below
/// 100 nm^2 (as `iccad13 ilt` does by default).
Field<double, Host> binary_mask(const Field<double, Host>& relaxed) {
  const Field<double, Host> cut = examples::binary_onto(relaxed, optics::iccad2013_grid());
  return metrology::clean_mask(cut, {.min_area_px = 100, .min_hole_area_px = 100}).mask;
}

struct Judged {
  std::string name;
  Field<double, Host> mask;  ///< on the evaluation grid (area coverage)
  std::optional<Field<double, Host>> nominal_print = {};
  std::vector<std::vector<std::vector<double>>> cd = {};   ///< [site][focus][dose]
  std::vector<std::vector<double>> l2_nm2 = {};            ///< [focus][dose]
  std::vector<std::vector<double>> in_spec_fraction = {};  ///< [focus][dose]
};

}  // namespace

namespace {

int run(const Options& o) {
  using T = double;
  const auto start = Clock::now();
  examples::start_outputs(o.out);
  const std::string out = o.out + "/";
  if (o.gds.empty() && o.default_clip && !std::filesystem::exists(o.clip)) {  // 77: skipped
    std::fprintf(stderr, "ilt_window: no clip at '%s' (give --clip or set FABTWIN_DATA)\n",
                 o.clip.c_str());
    return 77;
  }
  Context<Host> ctx;
  const layout::PolygonSet placed =
      o.gds.empty() ? layout::place_on_iccad2013_canvas(layout::read_glp(o.clip))
                    : layout_window(o);
  const index_t n = index_t(std::llround(2048 / o.pitch_nm));
  const index_t ne = index_t(std::llround(2048 / o.eval_pitch_nm));
  const Grid grid(n, n, o.pitch_nm), eval_grid(ne, ne, o.eval_pitch_nm);
  const Field<T, Host> target = layout::rasterize_area<T>(ctx, placed, grid);
  const Field<T, Host> eval_target = layout::rasterize_binary<T>(ctx, placed, eval_grid);
  // Sites: the clip's line-like rectangles; a layout's shapes are rarely rectangles, so there the
  // straight stretches of line are found on the coverage.
  const std::vector<examples::CdSite> sites =
      o.gds.empty()
          ? examples::choose_cd_sites(placed, eval_grid, o.sites)
          : examples::find_cd_sites(layout::rasterize_area<T>(ctx, placed, eval_grid), o.sites);
  if (sites.empty())
    throw invalid_argument("fabtwin ilt_window: '" + (o.gds.empty() ? o.clip : o.gds) +
                           "' has no line 30 to 200 nm wide to measure; expected at least one");

  // The optics at three focus knots, and the two resists.
  const double F = o.focus_range_nm;
  std::fprintf(stderr, "ilt_window: generating kernels at focus -%g, -%g, 0, +%g, +%g nm...\n", F,
               F / 2, F / 2, F);
  const std::vector<twin::FocusKernels> kernels =
      support::focus_kernels(optics::OpticalSystem{}, optics::Source::annular(0.6, 0.9),
                             {2048, 24, 0.05}, {-F, -F / 2, 0, F / 2, F});
  double clear_field = 0;
  {
    twin::ImagingStage<T, Host> imaging(ctx, grid, kernels);
    Field<T, Host> open(grid);
    for (index_t i = 0; i < grid.size(); ++i) open.view()[i] = 1;
    clear_field = imaging.forward(ctx, open).view()[0];
  }
  const double threshold = 0.225 * clear_field;
  examples::PebResist resist_base;
  resist_base.bake_step_s = o.bake_step_s;
  resist_base.print_steepness =
      10;  // as `iccad13 ilt --resist peb`: a gentle sigmoid on the inhibitor
  const examples::PebResist resist = resist_base.anchored(threshold);
  std::fprintf(stderr,
               "ilt_window: clear field %.4f, print threshold %.4f, anchored dose %.2f mJ/cm^2\n",
               clear_field, threshold, resist.dose_mj_cm2);

  // 2. Contest-model ILT.
  const auto ilt_start = Clock::now();
  const double mask_steepness = 4;
  Field<T, Host> p(grid);
  for (index_t i = 0; i < grid.size(); ++i) p.view()[i] = 2 * target.view()[i] - 1;
  {
    const twin::ProcessConditions corners = {
        {1.0, 0, 0}, {1.02 * 1.02, 0, 0}, {0.98 * 0.98, 25, 0}};
    twin::ImagingStage<T, Host> imaging(ctx, grid, kernels, {.apply_dose = true}, corners);
    twin::ThresholdStage<T, Host> print(grid, 0.0, {threshold, 50 / clear_field});
    auto chain = twin::chain(imaging, print);
    twin::PixelIltOptions options;
    options.iterations = o.contest_iterations;
    options.adam.step = 0.2;
    options.band = {4.5, 1, 2};
    options.progress = [&](const twin::IltProgress& step) {
      if (step.iteration % 50 == 0 || step.iteration == o.contest_iterations)
        std::fprintf(stderr, "ilt_window: contest-model ILT, iteration %d/%d, objective %.1f\n",
                     step.iteration, o.contest_iterations, step.objective);
    };
    twin::pixel_ilt(ctx, chain, target, p, options);
  }
  const Field<T, Host> contest_relaxed = relaxed_mask(p, mask_steepness);
  const double contest_s = seconds_since(ilt_start);

  // 3. Process-aware ILT from there.
  const auto aware_start = Clock::now();
  std::vector<double> aware_objective;
  {
    twin::ProcessConditions fem;
    for (double focus : {-o.aware_focus_nm, 0.0, o.aware_focus_nm})
      for (double dose : {1 - o.aware_dose, 1.0, 1 + o.aware_dose}) fem.push_back({dose, focus, 0});
    twin::ImagingStage<T, Host> imaging(ctx, grid, kernels, {}, fem);
    auto exposure = resist.exposure<Host>(grid, fem);
    auto bake = resist.bake<Host>(grid, fem);
    auto develop = resist.develop<Host>(grid);
    auto chain = twin::chain(imaging, exposure, bake, develop);
    twin::PixelIltOptions options;
    options.iterations = o.aware_iterations;
    options.adam.step = 0.3;
    options.progress = [&](const twin::IltProgress& step) {
      std::fprintf(stderr,
                   "ilt_window: process-aware ILT, iteration %d/%d, objective %.1f, %.0f s\n",
                   step.iteration, o.aware_iterations, step.objective, step.seconds);
    };
    aware_objective = twin::pixel_ilt(ctx, chain, target, p, options).objective;
  }
  const Field<T, Host> aware_relaxed = relaxed_mask(p, mask_steepness);
  const double aware_s = seconds_since(aware_start);

  // The judge: every mask through the bake model at every FEM point, a focus row at a time.
  std::vector<Judged> judged;
  judged.push_back({"uncorrected", layout::rasterize_area<T>(ctx, placed, eval_grid)});
  judged.push_back(
      {"contest_ilt", examples::area_average(binary_mask(contest_relaxed), eval_grid)});
  judged.push_back(
      {"process_aware_ilt", examples::area_average(binary_mask(aware_relaxed), eval_grid)});
  const std::vector<double> focus = symmetric_samples(o.focus_range_nm, o.focus_step_nm);
  std::vector<double> dose;
  for (double d : symmetric_samples(o.dose_range, o.dose_step)) dose.push_back(1 + d);
  const std::size_t nominal_focus = focus.size() / 2, nominal_dose = dose.size() / 2;
  const auto judge_start = Clock::now();
  {
    twin::ProcessConditions row;
    for (double d : dose) row.push_back({d, 0, 0});
    twin::ImagingStage<T, Host> imaging(ctx, eval_grid, kernels, {}, row);
    auto exposure = resist.exposure<Host>(eval_grid, row);
    auto bake = resist.bake<Host>(eval_grid, row);
    auto develop = resist.develop<Host>(eval_grid);
    auto chain = twin::chain(imaging, exposure, bake, develop);
    for (Judged& j : judged) {
      j.cd.assign(sites.size(),
                  std::vector<std::vector<double>>(focus.size(), std::vector<double>(dose.size())));
      j.l2_nm2.assign(focus.size(), std::vector<double>(dose.size()));
      j.in_spec_fraction.assign(focus.size(), std::vector<double>(dose.size()));
      for (std::size_t f = 0; f < focus.size(); ++f) {
        for (twin::ProcessCondition& c : row) c.focus_nm = focus[f];
        chain.set_conditions(row);
        const Field<T, Host>& printed = chain.forward(ctx, j.mask);
        for (std::size_t d = 0; d < dose.size(); ++d) {
          const View<const T, Host> member = printed.view().member(index_t(d));
          double errors = 0;
          for (index_t i = 0; i < eval_grid.size(); ++i)
            errors += (member[i] >= 0.5) != (eval_target.view()[i] >= 0.5);
          j.l2_nm2[f][d] = errors * o.eval_pitch_nm * o.eval_pitch_nm;
          index_t in_spec = 0;
          for (std::size_t s = 0; s < sites.size(); ++s) {
            const metrology::CdResult r =
                metrology::measure_cd(member, eval_grid, sites[s].line, 0.5, metrology::Tone::line);
            const double cd = r.ok() ? r.cd_nm
                              : r.status == metrology::CdStatus::feature_not_closed
                                  ? 2 * sites[s].target_nm
                                  : 0.0;
            j.cd[s][f][d] = cd;
            in_spec += std::fabs(cd - sites[s].target_nm) <= o.tolerance * sites[s].target_nm;
          }
          j.in_spec_fraction[f][d] = double(in_spec) / double(sites.size());
          if (f == nominal_focus && d == nominal_dose) {
            j.nominal_print.emplace(eval_grid);
            copy(member, j.nominal_print->view());
          }
        }
        std::fprintf(stderr, "ilt_window: judging %s, focus %g nm (%zu/%zu)\n", j.name.c_str(),
                     focus[f], f + 1, focus.size());
      }
    }
  }
  const double judge_s = seconds_since(judge_start);

  // The overlapping windows, and the summary.
  io::json::Value summary = io::json::Value::object();
  if (o.gds.empty()) {
    summary["clip"] = o.clip;
  } else {
    summary["gds"] = o.gds;
    summary["layer"] = std::to_string(o.layer.layer) + "/" + std::to_string(o.layer.datatype);
    io::json::Value origin = io::json::Value::array();
    origin.push_back(o.window_origin[0]);
    origin.push_back(o.window_origin[1]);
    summary["window_origin_nm"] = origin;
  }
  io::json::Value masks = io::json::Value::object();
  io::json::Value site_list = io::json::Value::array();
  for (const examples::CdSite& s : sites) {
    io::json::Value entry = io::json::Value::object();
    entry["x0"] = s.line.start.x;
    entry["y0"] = s.line.start.y;
    entry["x1"] = s.line.end.x;
    entry["y1"] = s.line.end.y;
    entry["target_nm"] = s.target_nm;
    site_list.push_back(entry);
  }
  for (const Judged& j : judged) {
    std::vector<metrology::FeatureWindow> features;
    for (std::size_t s = 0; s < sites.size(); ++s)
      features.push_back({metrology::FocusExposureMatrix(focus, dose, j.cd[s]),
                          {sites[s].target_nm, o.tolerance, 1.0}});
    io::json::Value entry = io::json::Value::object();
    const auto el = metrology::exposure_latitude(features, nominal_focus);
    entry["latitude_at_best_focus_percent"] = el ? el->latitude_percent : 0.0;
    const auto dof = metrology::depth_of_focus(features, o.latitude_percent);
    entry["depth_of_focus_nm"] = dof ? dof->dof_nm : 0.0;
    if (dof) {
      entry["dof_focus_min_nm"] = dof->focus_min_nm;
      entry["dof_focus_max_nm"] = dof->focus_max_nm;
      entry["dof_dose_min"] = dof->window.dose_min;
      entry["dof_dose_max"] = dof->window.dose_max;
      entry["dof_limited_by_sampling"] = dof->window.limited_by_sampling;
    }
    entry["l2_nominal_nm2"] = j.l2_nm2[nominal_focus][nominal_dose];
    io::json::Value l2 = io::json::Value::array(), spec = io::json::Value::array(),
                    cd = io::json::Value::array();
    for (std::size_t f = 0; f < focus.size(); ++f) {
      io::json::Value l2_row = io::json::Value::array(), spec_row = io::json::Value::array();
      for (std::size_t d = 0; d < dose.size(); ++d) {
        l2_row.push_back(j.l2_nm2[f][d]);
        spec_row.push_back(j.in_spec_fraction[f][d]);
      }
      l2.push_back(l2_row);
      spec.push_back(spec_row);
    }
    for (std::size_t s = 0; s < sites.size(); ++s) {
      io::json::Value rows = io::json::Value::array();
      for (std::size_t f = 0; f < focus.size(); ++f) {
        io::json::Value row = io::json::Value::array();
        for (double value : j.cd[s][f]) row.push_back(value);
        rows.push_back(row);
      }
      cd.push_back(rows);
    }
    entry["l2_nm2"] = l2;
    entry["in_spec_fraction"] = spec;
    entry["cd_nm"] = cd;
    masks[j.name] = entry;
    std::fprintf(stderr,
                 "ilt_window: %-18s EL at best focus %5.1f %%, DOF at %g %% EL %5.0f nm, "
                 "nominal L2 %.0f nm^2\n",
                 j.name.c_str(), el ? el->latitude_percent : 0.0, o.latitude_percent,
                 dof ? dof->dof_nm : 0.0, j.l2_nm2[nominal_focus][nominal_dose]);
  }
  io::json::Value axes = io::json::Value::object();
  io::json::Value focus_axis = io::json::Value::array(), dose_axis = io::json::Value::array();
  for (double f : focus) focus_axis.push_back(f);
  for (double d : dose) dose_axis.push_back(d);
  axes["focus_nm"] = focus_axis;
  axes["dose"] = dose_axis;
  summary["fem"] = axes;
  summary["sites"] = site_list;
  summary["masks"] = masks;
  summary["latitude_percent_for_dof"] = o.latitude_percent;
  summary["tolerance"] = o.tolerance;
  summary["clear_field_intensity"] = clear_field;
  summary["print_threshold"] = threshold;
  summary["anchored_dose_mj_cm2"] = resist.dose_mj_cm2;
  io::json::Value objective = io::json::Value::array();
  for (double v : aware_objective) objective.push_back(v);
  summary["process_aware_objective"] = objective;
  summary["contest_ilt_seconds"] = contest_s;
  summary["process_aware_ilt_seconds"] = aware_s;
  summary["judge_seconds"] = judge_s;

  // Pictures, after all the computing.
  for (const Judged& j : judged) {
    io::write_png(out + "mask_" + j.name + ".png",
                  io::render_field(j.mask, {.range = io::ValueRange{0, 1},
                                            .scale_bar = true,
                                            .length_bar = true,
                                            .title = "mask (" + j.name + "), area coverage",
                                            .value_label = "transmission"}));
    io::Image picture = io::render_field(
        *j.nominal_print, {.range = io::ValueRange{0, 1},
                           .colormap = io::Colormap::viridis,
                           .scale_bar = true,
                           .length_bar = true,
                           .title = "nominal print (" + j.name + "); red: 0.5, white: target",
                           .value_label = "cleared fraction"});
    for (const auto& contour : layout::extract_contours(*j.nominal_print, 0.5))
      io::draw_polyline(picture, eval_grid, contour.points, io::Color{255, 40, 40});
    for (const auto& contour : layout::extract_contours(eval_target, 0.5))
      io::draw_polyline(picture, eval_grid, contour.points, io::Color{255, 255, 255});
    for (const examples::CdSite& site : sites)
      io::draw_polyline(picture, eval_grid,
                        std::vector<metrology::Point2>{site.line.start, site.line.end},
                        io::Color{255, 255, 255}, false);
    io::write_png(out + "print_" + j.name + ".png", picture);
    // The FEM as a picture: x dose (low to high), y focus (low at the bottom).
    Field<T, Host> window(Grid(index_t(dose.size()), index_t(focus.size()), 1.0));
    for (std::size_t f = 0; f < focus.size(); ++f)
      for (std::size_t d = 0; d < dose.size(); ++d)
        window.view()[index_t(d + dose.size() * f)] = j.in_spec_fraction[f][d];
    char title[160];
    std::snprintf(title, sizeof title, "%s: sites in spec; dose %.2f..%.2f ->, focus %g..%g nm ^",
                  j.name.c_str(), dose.front(), dose.back(), focus.front(), focus.back());
    io::write_png(out + "window_" + j.name + ".png",
                  io::render_field(window, {.range = io::ValueRange{0, 1},
                                            .colormap = io::Colormap::viridis,
                                            .scale_bar = true,
                                            .title = title,
                                            .value_label = "fraction of sites in spec",
                                            .magnify = 40}));
  }
  summary["seconds"] = seconds_since(start);
  summary["completed"] = true;
  examples::finish_outputs(o.out, summary);
  std::fprintf(stderr, "ilt_window: pictures in %s (mask_*, print_*, window_*.png), summary.json\n",
               o.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("ilt_window", [&] {
    Options options;
    examples::Cli cli = command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    check(cli, options);
    return run(options);
  });
}
