// The flagship demo: the whole twin on a window of a real 45 nm design.
//   metal 1 of gcd_45nm.gds -> aerial image under three process corners (kernels generated from the
//   optics) -> exposure, post-exposure bake, compact resist -> pattern-scale etch bias ->
//   printed and etched contours over the target, EPE and CD figures -> a feature-scale etch
//   cross-section at one site -> a short pixel ILT through the same chain, scored the same way ->
//   a calibration of three parameters to synthetic CD measurements -> a hotplate's zone map
//   recovered from CDs across a field of repeated lines.
//
// Usage: twin_demo [--gds FILE] [--window X0,Y0,X1,Y1] [--ilt-iterations N] [--out DIR]
// (--help for more). Writes pictures (PNG with scale bars and labelled colour bars), arrays (NPY)
// and summary.json (last) into --out; prints the summary as JSON on stdout and a short text
// summary on stderr.
//
// The chain is examples::DefaultTwin (support/default_twin.hpp) on 4 nm pixels; the corners are
// nominal, "outer" (dose +5 %, best focus: the largest print) and "inner" (dose -5 %, 60 nm
// defocus: the smallest). The etch bias is an illustrative microloading model (3 nm of bias,
// 4 nm less where the open density within 200 nm is 1): its parameters are not calibrated to a
// process. The feature-scale section etches the printed CD of the first CD site as a trench in
// silicon through 60 nm of resist (SF6/O2 model, 2 s, 64 rays a point: a picture, not a converged
// profile). The calibration runs on 8 nm pixels of the same window (kernels regenerated there).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/io/json.hpp"
#include "fabtwin/io/npy.hpp"
#include "fabtwin/io/png.hpp"
#include "fabtwin/layout/contour.hpp"
#include "fabtwin/layout/gdsii_reader.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/metrology/epe.hpp"
#include "fabtwin/twin/cd_calibration.hpp"
#include "fabtwin/twin/etch_bias_stage.hpp"
#include "fabtwin/twin/pixel_ilt.hpp"
#include "fabtwin/twin/zoned_bake_stage.hpp"
#include "support/cd_sites.hpp"
#include "support/cli.hpp"
#include "support/default_twin.hpp"
#include "support/etch_run.hpp"
#include "support/outputs.hpp"
#include "support/plate_twin.hpp"
#include "support/shared_data.hpp"

namespace {

using namespace fabtwin;
using Clock = std::chrono::steady_clock;
using io::json::Value;

struct Options {
  std::string gds, out = "out/demo";
  bool default_gds = true;
  std::array<double, 4> window = {12000, 12000, 13024, 13024};
  int ilt_iterations = 12;
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "twin_demo",
      "The whole twin on a window of metal 1 of a real 45 nm design: aerial images under three\n"
      "process corners, exposure, bake and a compact resist, a pattern-scale etch bias, contours,\n"
      "EPE and CDs; a feature-scale etch cross-section at one site; a short pixel ILT through the\n"
      "same chain; a calibration of three parameters to synthetic CDs. Pictures, arrays and, last,\n"
      "summary.json in --out.\n" +
          std::string(examples::default_twin_description()));
  o.gds = examples::default_layout();
  cli.path("--gds", "FILE", "the layout (metal 1 is layer 11/0)", o.gds, examples::PathKind::file)
      .numbers("--window", "X0,Y0,X1,Y1", "the window of the layout, in nm", o.window,
               "four numbers separated by commas")
      .count("--ilt-iterations", "N", "pixel ILT iterations (Adam)", o.ilt_iterations,
             "an iteration count")
      .path("--out", "DIR", "output folder", o.out, examples::PathKind::output)
      .skips("no layout at the default path");
  return cli;
}

void check(const examples::Cli& cli, Options& o) {
  o.default_gds = !cli.given("--gds");
  const double side = o.window[2] - o.window[0];
  const double pixels = side / 8;  // whole at 8 nm (the calibration's), so whole at 4 nm too
  if (!(side > 0) || o.window[3] - o.window[1] != side ||
      std::fabs(pixels - std::round(pixels)) > 1e-9 * pixels || pixels < 32 || pixels > 512)
    cli.refuse("--window", "a square window whose side is a multiple of 8 nm, 256 to 4096 nm");
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The window's layer 11/0 and its grid at `pitch`.
struct Window {
  layout::PolygonSet shapes;
  Grid grid;
};

Window read_window(const Options& o, double pitch) {
  const layout::gdsii::Library library = layout::gdsii::read_library(o.gds);
  const double unit = library.unit_nm();
  const auto units = [&](double nm) { return layout::coord_t(std::llround(nm / unit)); };
  const index_t n = index_t(std::llround((o.window[2] - o.window[0]) / pitch));
  return {library.read_window(
              {units(o.window[0]), units(o.window[1]), units(o.window[2]), units(o.window[3])},
              {{11, 0}}),
          Grid(n, n, pitch, {o.window[0] + pitch / 2, o.window[1] + pitch / 2, 0})};
}

/// Member b of a batch as a field of its own (host).
Field<double, Host> member(const Field<double, Host>& batch, index_t b) {
  Field<double, Host> out(batch.grid());
  std::copy(batch.data() + b * batch.grid().size(), batch.data() + (b + 1) * batch.grid().size(),
            out.data());
  return out;
}

/// EPE sites of the target that lie at least `margin` nm inside the window (the layout's polygons
/// run past it; the window's own cut is not a target edge).
std::vector<metrology::EpeSite> inner_sites(const layout::PolygonSet& target, const Grid& grid,
                                            double margin) {
  std::vector<metrology::EpeSite> out;
  const double x0 = grid.origin().x, y0 = grid.origin().y,
               x1 = x0 + double(grid.nx() - 1) * grid.pitch().x,
               y1 = y0 + double(grid.ny() - 1) * grid.pitch().y;
  for (const metrology::EpeSite& s : metrology::epe_sites(target))
    if (s.position.x > x0 + margin && s.position.x < x1 - margin && s.position.y > y0 + margin &&
        s.position.y < y1 - margin)
      out.push_back(s);
  return out;
}

/// Signed EPE of a print (cleared fraction, 0.5) at the sites: mean |EPE|, largest |EPE|, and the
/// count beyond 15 nm (or with no edge within 30 nm), the ICCAD-2013 rule's tolerance.
Value epe_figures(const Field<double, Host>& print, const std::vector<metrology::EpeSite>& sites) {
  double sum = 0, largest = 0;
  index_t measured = 0, violations = 0;
  for (const std::optional<double>& e :
       metrology::measure_epe(print.cview(), print.grid(), sites, 0.5, 30.0)) {
    if (!e || std::fabs(*e) > 15) ++violations;
    if (!e) continue;
    sum += std::fabs(*e);
    largest = std::max(largest, std::fabs(*e));
    ++measured;
  }
  Value v = Value::object();
  v["sites"] = index_t(sites.size());
  v["mean_abs_epe_nm"] = measured ? sum / double(measured) : 0.0;
  v["max_abs_epe_nm"] = largest;
  v["violations_15nm"] = violations;
  return v;
}

/// Area (nm^2) printed by the outer corner but not by the inner one: the PV band.
double pv_band_nm2(const Field<double, Host>& outer, const Field<double, Host>& inner) {
  double area = 0;
  for (index_t i = 0; i < outer.size(); ++i)
    area += (outer.data()[i] >= 0.5) != (inner.data()[i] >= 0.5) ? 1.0 : 0.0;
  return area * outer.grid().pitch().x * outer.grid().pitch().y;
}

/// A field rendered for coloured contours (in RGB whatever the colour map).
io::Image picture(const Field<double, Host>& f, const std::string& title, const std::string& label,
                  io::Colormap colormap,
                  std::optional<io::ValueRange> range = io::ValueRange{0, 1}) {
  return io::to_rgb(io::render_field(f, {.range = range,
                                         .colormap = colormap,
                                         .scale_bar = true,
                                         .length_bar = true,
                                         .title = title,
                                         .value_label = label,
                                         .magnify = io::magnification_for(f.grid(), 600)}));
}

void draw_contours(io::Image& image, const Field<double, Host>& f, io::Color color) {
  for (const auto& c : layout::extract_contours(f, 0.5))
    io::draw_polyline(image, f.grid(), c.points, color);
}

/// CDs (nm) at the sites on a print; NaN where not measured.
std::vector<double> cds_on(const Field<double, Host>& print,
                           const std::vector<examples::CdSite>& sites) {
  std::vector<double> out;
  for (const examples::CdSite& s : sites) {
    const metrology::CdResult r =
        metrology::measure_cd(print.cview(), print.grid(), s.line, 0.5, metrology::Tone::line);
    out.push_back(r.ok() ? r.cd_nm : std::nan(""));
  }
  return out;
}

Value numbers(const std::vector<double>& values) {
  Value a = Value::array();
  for (const double v : values) a.push_back(std::isfinite(v) ? Value(v) : Value());
  return a;
}

/// What the plate-map calibration leaves for the pictures and the summary.
struct PlateMapResult {
  Field<double, Host> truth, fitted;  // the maps, K
  Value figures;
};

/// A hotplate's zone map recovered from CDs across a field: a 768 nm field of a 3 x 3 array of the
/// same 56 nm line, imaged at best focus, exposed, baked 60 s at 110 C under a 3 x 3 zone map
/// (twin::ZonedBakeStage) of hidden offsets up to 1.5 K and thresholded; two cuts across each line
/// measured with 0.1 nm of noise; the nine offsets fitted from a flat plate.
PlateMapResult plate_map(Context<Host>& ctx) {
  const Grid field = support::plate_field();
  const support::PlateLines lines = support::plate_lines(ctx);
  const Field<double, Host>& mask = lines.mask;
  const std::vector<twin::CdSite>& sites = lines.sites;
  support::PlateTwin twin(
      ctx, support::focus_kernels(optics::OpticalSystem{}, optics::Source::annular(0.6, 0.9),
                                  {768, 12, 0.1}, {0}));
  auto& chain = twin.chain;
  auto& bake = twin.bake;
  std::vector<std::string> zones;
  for (const twin::Parameter& p : bake.parameters()) zones.push_back(p.name);

  const std::vector<double> truth{0.9, -0.4, 1.5, -1.2, 0.3, 0.6, 0.2, -0.9, -0.3};
  bake.offsets_k() = truth;
  PlateMapResult out{Field<double, Host>(field), Field<double, Host>(field), Value::object()};
  copy(bake.map(ctx), out.truth);
  std::vector<double> measured;
  std::mt19937_64 random(15);
  std::normal_distribution<double> noise(0.0, 0.1);
  for (const metrology::CdResult& r : twin::chain_cds(ctx, chain, mask, sites).results) {
    if (!r.ok())
      throw invalid_argument("fabtwin twin_demo: a plate-map site does not print: " +
                             std::string(metrology::describe(r.status)));
    measured.push_back(r.cd_nm + noise(random));
  }
  bake.offsets_k().assign(truth.size(), 0.0);
  const twin::FitReport fit = twin::fit_cds(ctx, chain, mask, sites, measured, zones);
  copy(bake.map(ctx), out.fitted);
  Value offsets = Value::object();
  double chi2 = 0;
  for (std::size_t k = 0; k < zones.size(); ++k) {
    Value v = Value::object();
    v["truth_k"] = truth[k];
    v["fit_k"] = fit.values[k];
    v["std_error_k"] = fit.std_errors[k];
    offsets[zones[k]] = v;
    chi2 += std::pow((fit.values[k] - truth[k]) / fit.std_errors[k], 2);
  }
  out.figures["sites"] = index_t(sites.size());
  out.figures["noise_nm"] = 0.1;
  out.figures["offsets"] = offsets;
  out.figures["chi2_of_deviations"] = chi2;
  out.figures["cd_rms_start_nm"] = fit.rms_before;
  out.figures["cd_rms_nm"] = fit.rms_after;
  out.figures["iterations"] = fit.iterations;
  return out;
}

int run(const Options& o) {
  const auto start = Clock::now();
  examples::start_outputs(o.out);
  const std::string out = o.out + "/";
  if (o.default_gds && !std::filesystem::exists(o.gds)) {  // 77: skipped, for ctest
    std::fprintf(stderr, "twin_demo: no layout at '%s' (give --gds or set FABTWIN_DATA)\n",
                 o.gds.c_str());
    return 77;
  }
  Context<Host> ctx;
  Value summary = Value::object();
  summary["gds"] = o.gds;
  summary["window_nm"] = numbers({o.window.begin(), o.window.end()});
  const auto stage_done = [&](const char* what, Clock::time_point since) {
    std::fprintf(stderr, "twin_demo: %s (%.1f s)\n", what, seconds_since(since));
  };

  // 1. The window, its drawn shapes as the mask and the target, and CD sites on them.
  auto t = Clock::now();
  const Window window = read_window(o, 4.0);
  const Grid& grid = window.grid;
  const Field<double, Host> mask = layout::rasterize_area<double>(ctx, window.shapes, grid);
  const std::vector<examples::CdSite> sites = examples::find_cd_sites(mask, 8);
  const std::vector<metrology::EpeSite> epe_sites = inner_sites(window.shapes, grid, 40);
  if (sites.empty())
    throw invalid_argument("fabtwin twin_demo: no line 30 to 200 nm wide in the window of '" +
                           o.gds + "'; expected a window of metal 1 lines");
  std::fprintf(stderr,
               "twin_demo: %zu shapes, %zu CD sites, %zu EPE sites; kernels at five focus "
               "values...\n",
               window.shapes.polygons.size(), sites.size(), epe_sites.size());

  // 2. The chain under three corners, and the etch bias.
  examples::DefaultTwin<Host> twin(ctx, grid);
  stage_done("kernels generated", t);
  const twin::ProcessConditions corners{{1.0, 0, 0}, {1.05, 0, 0}, {0.95, 60, 0}};
  twin.chain.set_conditions(corners);
  t = Clock::now();
  const Field<double, Host> aerial = member(twin.imaging.forward(ctx, mask), 0);
  const Field<double, Host>& prints = twin.chain.forward(ctx, mask);
  twin::EtchBiasStage<double, Host> etch_bias(grid, {3.0, {200.0}, {-4.0}, 0, 0});
  const Field<double, Host>& etched_all = etch_bias.forward(ctx, prints);
  const Field<double, Host> printed = member(prints, 0), outer = member(prints, 1),
                            inner = member(prints, 2), etched = member(etched_all, 0);
  stage_done("image, bake, resist and etch bias under three corners", t);

  Value corner_list = Value::array();
  for (const twin::ProcessCondition& c : corners) {
    Value v = Value::object();
    v["dose"] = c.dose;
    v["focus_nm"] = c.focus_nm;
    corner_list.push_back(v);
  }
  summary["corners"] = corner_list;
  Value print_figures = Value::object();
  print_figures["printed_epe"] = epe_figures(printed, epe_sites);
  print_figures["etched_epe"] = epe_figures(etched, epe_sites);
  print_figures["pv_band_nm2"] = pv_band_nm2(outer, inner);
  Value cd_sites = Value::array();
  const std::vector<double> cd_nominal = cds_on(printed, sites), cd_outer = cds_on(outer, sites),
                            cd_inner = cds_on(inner, sites), cd_etched = cds_on(etched, sites);
  for (std::size_t s = 0; s < sites.size(); ++s) {
    Value v = Value::object();
    v["x0"] = sites[s].line.start.x;
    v["y0"] = sites[s].line.start.y;
    v["x1"] = sites[s].line.end.x;
    v["y1"] = sites[s].line.end.y;
    v["drawn_nm"] = sites[s].target_nm;
    v["printed_nm"] = numbers({cd_nominal[s], cd_outer[s], cd_inner[s]});
    v["etched_nm"] = std::isfinite(cd_etched[s]) ? Value(cd_etched[s]) : Value();
    cd_sites.push_back(v);
  }
  print_figures["cd_sites"] = cd_sites;
  summary["drawn_mask"] = print_figures;

  // 3. A feature-scale etch cross-section at the first site: its printed CD as a trench.
  t = Clock::now();
  const double site_cd = std::isfinite(cd_nominal[0]) ? cd_nominal[0] : sites[0].target_nm;
  examples::EtchRun etch_run;
  etch_run.spec.opening_nm = 2 * std::round(site_cd / 2);  // whole 2 nm cells each side
  etch_run.spec.pitch_nm = 4 * std::round(0.75 * etch_run.spec.opening_nm);
  etch_run.spec.mask_thickness_nm = 60;
  etch_run.spec.grid_nm = 2;
  etch_run.model = "sf6o2";
  etch_run.resist_mask = true;
  etch_run.time_s = 2;
  etch_run.rays_per_point = 64;
  const examples::EtchResult section = examples::run_feature_example(etch_run, o.out, "twin_demo");
  Value etch = Value::object();
  etch["opening_nm"] = etch_run.spec.opening_nm;
  etch["pitch_nm"] = etch_run.spec.pitch_nm;
  etch["depth_nm"] = section.profile.depth_nm;
  etch["top_cd_nm"] = section.profile.top_cd_nm;
  etch["bottom_cd_nm"] = section.profile.bottom_cd_nm;
  etch["sidewall_angle_deg"] = section.profile.sidewall_angle_deg;
  summary["etch_section"] = etch;
  stage_done("feature-scale etch cross-section", t);

  // 4. A short pixel ILT through the same chain and corners, the binary mask scored as above.
  t = Clock::now();
  Field<double, Host> p(grid);
  for (index_t i = 0; i < p.size(); ++i) p.data()[i] = 2 * mask.data()[i] - 1;
  twin::PixelIltOptions ilt;
  ilt.iterations = o.ilt_iterations;
  ilt.adam.step = 0.2;
  ilt.complexity_weight = 1;
  ilt.band = {1.0, 1, 2};
  ilt.progress = [&](const twin::IltProgress& it) {
    std::fprintf(stderr, "twin_demo: ILT iteration %d: objective %.1f (%.1f s)\n", it.iteration,
                 it.objective, it.seconds);
  };
  const twin::PixelIltResult ilt_result = twin::pixel_ilt(ctx, twin.chain, mask, p, ilt);
  Field<double, Host> ilt_mask(grid);
  for (index_t i = 0; i < p.size(); ++i) ilt_mask.data()[i] = p.data()[i] >= 0 ? 1.0 : 0.0;
  const Field<double, Host>& ilt_prints = twin.chain.forward(ctx, ilt_mask);
  const Field<double, Host> ilt_printed = member(ilt_prints, 0);
  Value ilt_figures = Value::object();
  ilt_figures["iterations"] = ilt_result.iterations;
  ilt_figures["objective"] = numbers(ilt_result.objective);
  ilt_figures["printed_epe"] = epe_figures(ilt_printed, epe_sites);
  ilt_figures["pv_band_nm2"] = pv_band_nm2(member(ilt_prints, 1), member(ilt_prints, 2));
  ilt_figures["cd_nm"] = numbers(cds_on(ilt_printed, sites));
  summary["ilt_mask"] = ilt_figures;
  stage_done("pixel ILT", t);

  // 5. Calibration of three parameters to synthetic CDs, on 8 nm pixels.
  t = Clock::now();
  const Window coarse = read_window(o, 8.0);
  const Field<double, Host> coarse_mask =
      layout::rasterize_area<double>(ctx, coarse.shapes, coarse.grid);
  examples::DefaultTwin<Host> calibrated(ctx, coarse.grid);
  std::vector<twin::CdSite> cal_sites;
  for (const twin::ProcessCondition& c : twin::ProcessConditions{
           {1.0, 0, 0}, {1.05, 0, 0}, {0.95, 0, 0}, {1.0, 60, 0}, {1.0, -60, 0}})
    for (std::size_t s = 0; s < std::min<std::size_t>(sites.size(), 5); ++s)
      cal_sites.push_back({sites[s].line, c});
  const std::vector<std::string> free{"dose_mj_cm2", "focus_nm", "resist.blur_nm"};
  const std::vector<double> truth{31.5, 25.0, 3.5}, start_values{30.0, 10.0, 2.0};
  const twin::ParameterList list = calibrated.chain.parameter_list();
  for (std::size_t k = 0; k < free.size(); ++k) list.set(free[k], truth[k]);
  std::vector<double> measured;
  std::mt19937_64 random(7);
  std::normal_distribution<double> noise(0.0, 0.3);
  for (const metrology::CdResult& r :
       twin::chain_cds(ctx, calibrated.chain, coarse_mask, cal_sites).results) {
    if (!r.ok())
      throw invalid_argument("fabtwin twin_demo: a calibration site does not print: " +
                             std::string(metrology::describe(r.status)));
    measured.push_back(r.cd_nm + noise(random));
  }
  for (std::size_t k = 0; k < free.size(); ++k) list.set(free[k], start_values[k]);
  const twin::FitReport fit =
      twin::fit_cds(ctx, calibrated.chain, coarse_mask, cal_sites, measured, free, {},
                    [&](const twin::FitIteration& it) {
                      std::fprintf(stderr, "twin_demo: calibration iteration %d: CD RMS %.3f nm\n",
                                   it.iteration, std::sqrt(2 * it.cost / double(cal_sites.size())));
                    });
  Value cal = Value::object();
  cal["sites"] = index_t(cal_sites.size());
  cal["noise_nm"] = 0.3;
  Value parameters = Value::object();
  for (std::size_t k = 0; k < free.size(); ++k) {
    Value v = Value::object();
    v["truth"] = truth[k];
    v["start"] = start_values[k];
    v["fit"] = fit.values[k];
    v["std_error"] = fit.std_errors[k];
    parameters[free[k]] = v;
  }
  cal["parameters"] = parameters;
  cal["cd_rms_start_nm"] = fit.rms_before;
  cal["cd_rms_nm"] = fit.rms_after;
  cal["iterations"] = fit.iterations;
  Value warnings = Value::array();
  for (const std::string& w : fit.warnings) warnings.push_back(w);
  cal["warnings"] = warnings;
  summary["calibration"] = cal;
  stage_done("calibration", t);

  // 6. A hotplate's zone map recovered from CDs across a field of repeated lines.
  t = Clock::now();
  const PlateMapResult plate = plate_map(ctx);
  summary["plate_map"] = plate.figures;
  stage_done("hotplate zone map", t);

  // Pictures and arrays, after all the computing.
  io::write_png(out + "mask.png", picture(mask, "metal 1 window as drawn (the mask)",
                                          "transmission", io::Colormap::grey));
  io::Image aerial_picture = picture(aerial, "aerial image, nominal corner; red: printed contour",
                                     "relative intensity", io::Colormap::viridis, std::nullopt);
  draw_contours(aerial_picture, printed, io::Color{255, 40, 40});
  io::write_png(out + "aerial.png", aerial_picture);
  io::Image contours = picture(mask, "white: drawn; red: printed; cyan: etched (nominal corner)",
                               "drawn coverage", io::Colormap::grey);
  draw_contours(contours, printed, io::Color{255, 40, 40});
  draw_contours(contours, etched, io::Color{0, 220, 255});
  for (const examples::CdSite& s : sites)
    io::draw_polyline(contours, grid, std::vector<metrology::Point2>{s.line.start, s.line.end},
                      io::Color{255, 200, 0}, false);
  io::write_png(out + "contours.png", contours);
  io::Image band = picture(printed, "nominal print; orange: outer corner, blue: inner corner",
                           "cleared fraction", io::Colormap::grey);
  draw_contours(band, outer, io::Color{255, 140, 0});
  draw_contours(band, inner, io::Color{60, 120, 255});
  io::write_png(out + "pv_band.png", band);
  io::Image ilt_picture =
      picture(ilt_mask, "ILT mask; red: its nominal print, yellow: the drawn target",
              "transmission", io::Colormap::grey);
  draw_contours(ilt_picture, ilt_printed, io::Color{255, 40, 40});
  draw_contours(ilt_picture, mask, io::Color{255, 220, 0});
  io::write_png(out + "ilt.png", ilt_picture);
  for (const auto& [name, map, title] :
       {std::tuple{"plate_truth.png", &plate.truth, "hotplate map that made the CDs (3 x 3 zones)"},
        std::tuple{"plate_fit.png", &plate.fitted, "hotplate map fitted to the CDs"}})
    io::write_png(out + name, picture(*map, title, "offset (K)", io::Colormap::diverging,
                                      io::ValueRange{-1.6, 1.6}));
  io::write_npy(out + "printed.npy", printed);
  io::write_npy(out + "etched.npy", etched);
  io::write_npy(out + "ilt_mask.npy", ilt_mask);
  summary["seconds"] = seconds_since(start);
  summary["completed"] = true;

  // The short summary for people, then the JSON.
  std::fprintf(
      stderr,
      "\ntwin_demo: done in %.0f s. In %s:\n"
      "  mask.png, aerial.png, contours.png (drawn, printed, etched), pv_band.png (three corners),\n"
      "  profile.png (etch cross-section), ilt.png (ILT mask and print), printed/etched/ilt_mask.npy,\n"
      "  summary.json (every figure).\n"
      "  Drawn mask: printed CD at site 0 %.1f nm (drawn %.0f nm); etched trench %.0f nm deep.\n"
      "  Calibration: CD RMS %.2f -> %.2f nm in %d iterations.\n"
      "  Hotplate map: nine zone offsets fitted to 18 CDs (plate_truth.png, plate_fit.png).\n",
      seconds_since(start), o.out.c_str(), cd_nominal[0], sites[0].target_nm,
      section.profile.depth_nm, fit.rms_before, fit.rms_after, fit.iterations);
  examples::finish_outputs(o.out, summary);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("twin_demo", [&] {
    Options options;
    examples::Cli cli = command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    check(cli, options);
    return run(options);
  });
}
