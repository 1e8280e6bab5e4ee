#pragma once
// `iccad13 ilt`: pixel inverse lithography of an ICCAD-2013 clip through the contest's model
// (twin/pixel_ilt.hpp over the imaging and sigmoid-print stages), scored with the contest's rules.
//
// The optimisation follows a schedule of resolutions, coarse to fine (default 300 iterations on
// 8 nm pixels, then 100 on 4 nm): on 8 nm pixels (256 x 256 for the 2048 nm canvas) the contest's
// kernels (+-17 frequency bins) are still sampled exactly and an iteration costs milliseconds; the
// published fast solvers do the same (curvyILT optimises on 8 nm pixels and upsamples). Each level
// starts from the free values of the one before, interpolated bilinearly. The last level's relaxed
// mask is interpolated onto the 1 nm canvas and cut at 1/2 (a binary, curvilinear mask), then
// cleaned (metrology::clean_mask: islands and holes below --min-area removed, optional opening and
// closing). That mask, as written to mask.npy, is what is scored: the three corners imaged in
// double, L2, the PV band both ways (outer XOR inner, as OpenILT counts; outer and not inner, as the
// contest's simulator and curvyILT count), EPE, and its smallest shape and smallest distance
// between shapes (metrology/mask_shapes.hpp).
//
// --resist peb optimises through the contest's optics followed by a chemically amplified resist
// (support/peb_resist.hpp: exposure, the bake, a blurred threshold) instead of the constant
// threshold, over the same three corners (the dose now applied by the exposure). The mask is then
// scored twice: on the contest's model as above (so that `iccad13 eval` agrees), and on the model
// it was optimised for, on the last level's pixels ("resist" in the JSON).

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/io.hpp"
#include "fabtwin/layout/contour.hpp"
#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/metrology/iccad2013_score.hpp"
#include "fabtwin/metrology/mask_shapes.hpp"
#include "fabtwin/metrology/pixel_counts.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/iccad2013_protocol.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/pixel_ilt.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "iccad_results.hpp"
#include "outputs.hpp"
#include "peb_resist.hpp"
#include "resample.hpp"

namespace examples {

/// One level of the resolution schedule: iterations on pixels of `pitch_nm`.
struct IltLevel {
  double pitch_nm = 8;
  int iterations = 0;
};

/// The resist the optimiser sees: the contest's constant threshold, or exposure, bake and a blurred
/// threshold (support/peb_resist.hpp, its dose anchored at the contest's threshold).
enum class IltResist { contest, peb };

struct IltOptions {
  std::string kernels, clip, out;
  int iterations = 0;  ///< set: the schedule's first level runs this many
  std::string schedule = "8:300,4:100";
  std::vector<IltLevel> levels;  ///< parsed from `schedule`
  double step = 0.2;
  double pvb_weight = 1;         ///< weight of the outer and inner corners' errors, nominal 1
  double band_weight = 4.5;      ///< weight of (P_outer - P_inner)^2
  double complexity_weight = 0;  ///< w_q of the mask-complexity term (pixel units)
  double epe_weight = 0;         ///< w_e of the EPE-aware probe term
  double print_steepness = 50;   ///< theta_Z of the relaxed print sigmoid(theta_Z (I - 0.225))
  double mask_steepness = 4;     ///< theta_M of the relaxed mask sigmoid(theta_M p)
  double min_area_nm2 = 100, min_width_nm = 0, min_space_nm = 0;
  fabtwin::optics::IccadKernelLayout layout = fabtwin::optics::IccadKernelLayout::contest;
  IltResist resist = IltResist::contest;
  fabtwin::twin::IltMethod optimiser = fabtwin::twin::IltMethod::adam;
};

/// "8:200,4:50" -> {{8, 200}, {4, 50}}; false on anything else (a pitch must divide the 2048 nm
/// canvas, lie in [1, 32] nm and not grow from level to level).
inline bool parse_schedule(const std::string& text, std::vector<IltLevel>& levels) {
  std::vector<IltLevel> parsed;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    const std::size_t colon = item.find(':');
    if (colon == std::string::npos) return false;
    const auto pitch = parse_whole(item.substr(0, colon), 32);
    const auto iterations = parse_whole(item.substr(colon + 1), 1000000);
    if (!pitch || !iterations || *pitch < 1 || 2048 % *pitch != 0) return false;
    if (!parsed.empty() && double(*pitch) > parsed.back().pitch_nm) return false;
    parsed.push_back({double(*pitch), int(*iterations)});
    start = comma + 1;
  }
  if (parsed.empty()) return false;
  levels = std::move(parsed);
  return true;
}

inline Cli ilt_command_line(IltOptions& o) {
  o.levels.clear();
  parse_schedule(o.schedule, o.levels);
  Cli cli(
      "iccad13",
      "Pixel ILT of an ICCAD-2013 clip through the contest's model: optimises on 8 nm pixels,\n"
      "writes the binary 1 nm mask (mask.npy, float32 0/1, 2048 x 2048, row y / column x =\n"
      "point (x, y)), mask.png and print.png (nominal print over the target) into --out, and\n"
      "prints one JSON object {\"l2\", \"pvb\", \"pvb_outer_not_inner\", \"epe\", \"iterations\",\n"
      "\"seconds\", ...} scored on that mask; `iccad13 eval --mask DIR/mask.npy` agrees.",
      "ilt");
  cli.path("--kernels", "DIR", "the contest's kernels: DIR/M1OPC and DIR/M1OPC_def", o.kernels,
           PathKind::folder)
      .required()
      .path("--clip", "FILE.glp", "the clip, placed on the 2048 nm canvas", o.clip, PathKind::file)
      .required()
      .path("--out", "DIR", "where mask.npy, mask.png, print.png and summary.json go", o.out,
            PathKind::output)
      .required()
      .count("--iterations", "N", "iterations of the schedule's first (coarsest) level",
             o.iterations, "an iteration count")
      .shown_default("as --schedule says")
      .text("--schedule", "P:N,...",
            "the resolution schedule: N Adam iterations on P nm pixels, coarse to fine; P divides "
            "2048 and lies in [1, 32]",
            o.schedule, "P:N,... with P a pixel pitch dividing 2048 in [1, 32] nm and N >= 0",
            [&o](const std::string& text) { return parse_schedule(text, o.levels); })
      .number("--step", "S", "Adam step on the free pixel values (--optimiser adam)", o.step,
              {.what = "a step", .above = 0, .at_most = 100})
      .shown_default("0.2; with --resist peb 0.5")
      .number("--pvb-weight", "W", "weight of the outer and inner corners (nominal: 1)",
              o.pvb_weight, {.what = "a weight", .at_least = 0, .at_most = 100})
      .number("--band-weight", "B", "weight of the band term (P_outer - P_inner)^2", o.band_weight,
              {.what = "a weight", .at_least = 0, .at_most = 1000})
      .shown_default("4.5; with --resist peb 1")
      .number("--complexity-weight", "Q",
              "weight of the mask's quadratic variation (its edge length in pixels, at every "
              "level of the schedule): fewer small shapes and smoother edges",
              o.complexity_weight, {.what = "a weight", .at_least = 0, .at_most = 1000})
      .number("--epe-weight", "E",
              "weight of the EPE-aware term: the nominal print's squared error at the contest's "
              "EPE probes (15 nm inside and outside the target's edges, every 40 nm)",
              o.epe_weight, {.what = "a weight", .at_least = 0, .at_most = 1000})
      .number("--print-steepness", "Z",
              "theta_Z of the relaxed print: sigmoid(theta_Z (I - 0.225)), or with --resist peb "
              "sigmoid(theta_Z (1/2 - blurred inhibitor))",
              o.print_steepness, {.what = "a steepness", .above = 0, .at_most = 10000})
      .shown_default("50; with --resist peb 10")
      .number("--mask-steepness", "M", "theta_M of the relaxed mask sigmoid(theta_M p)",
              o.mask_steepness, {.what = "a steepness", .above = 0, .at_most = 1000})
      .number("--min-area", "A", "islands and holes of the 1 nm mask smaller than this are removed",
              o.min_area_nm2, {.what = "an area", .unit = "nm^2", .at_least = 0, .at_most = 1e7})
      .number("--min-width", "W", "features narrower are opened away (square of W nm; 0: off)",
              o.min_width_nm, {.what = "a width", .unit = "nm", .at_least = 0, .at_most = 512})
      .number("--min-space", "S",
              "gaps narrower are closed (square of S nm), then shapes still nearer than S + 1 nm "
              "(centre to centre) trimmed apart, the smaller giving way (0: off)",
              o.min_space_nm, {.what = "a space", .unit = "nm", .at_least = 0, .at_most = 64})
      .choice(
          "--optimiser",
          "the update: Adam (--step sets its step) or L-BFGS (8 pairs, backtracking line "
          "search; no step to set, more evaluations per iteration)",
          o.optimiser,
          {{"adam", fabtwin::twin::IltMethod::adam}, {"lbfgs", fabtwin::twin::IltMethod::lbfgs}})
      .choice("--resist",
              "the resist model optimised through: the contest's threshold at 0.225, or Dill "
              "exposure, the Sentaurus bake (90 s at 110 C, 6 s steps) and a threshold on the "
              "inhibitor blurred by 2 nm, the dose anchored to print at 0.225; the mask is scored "
              "on the contest's model either way, and with peb also on the bake model",
              o.resist, {{"contest", IltResist::contest}, {"peb", IltResist::peb}})
      .choice("--kernel-layout", "how the kernel files are read (see iccad13 eval --help)",
              o.layout,
              {{"contest", fabtwin::optics::IccadKernelLayout::contest},
               {"header24", fabtwin::optics::IccadKernelLayout::header24}})
      .skips("no ICCAD-2013 kernels under --kernels");
  return cli;
}

/// The defaults that differ with the resist, for the options not given: the bake's print is softer
/// and its band wider, so the optimiser takes a gentler sigmoid (10 on the inhibitor), a band
/// weight of 1 and larger steps (0.5); chosen on clip 1 with 100 iterations on 8 nm pixels
/// (docs/iccad2013.md).
inline void apply_resist_defaults(const Cli& cli, IltOptions& o) {
  if (o.resist != IltResist::peb) return;
  if (!cli.given("--print-steepness")) o.print_steepness = 10;
  if (!cli.given("--band-weight")) o.band_weight = 1;
  if (!cli.given("--step")) o.step = 0.5;
}

/// Runs `iccad13 ilt` on the host (the optimiser's loop is the library's; the GPU variant is the
/// same chain on Cuda, left to the multi-device work).
inline int run_ilt(const IltOptions& o) {
  using namespace fabtwin;
  start_outputs(o.out);
  if (!iccad_kernels_present(o.kernels)) return 77;  // 77: "skipped" for ctest
  const auto start = std::chrono::steady_clock::now();
  const std::vector<optics::KernelSet> sets = read_iccad_kernel_sets(o.kernels, o.layout);
  const layout::PolygonSet target_polygons =
      layout::place_on_iccad2013_canvas(layout::read_glp(o.clip));

  Context<Host> ctx;
  std::vector<IltLevel> levels = o.levels;
  if (o.iterations > 0) levels.front().iterations = o.iterations;

  // Each level of the schedule: the target as area coverage on its pixels, the corners as process
  // conditions (the contest's dose multiplies the amplitude: relative doses 1.02^2 and 0.98^2; the
  // defocus set is a focus knot, its position a label since every condition sits on a knot), the
  // free values p carried over from the level before by bilinear interpolation.
  const double defocus_knot_nm = 25;
  const std::vector<twin::FocusKernels> focus_sets = {{0, sets[0]}, {defocus_knot_nm, sets[1]}};
  const twin::ProcessConditions corners = {
      {1.0, 0, 0}, {1.02 * 1.02, 0, 0}, {0.98 * 0.98, defocus_knot_nm, 0}};
  examples::PebResist resist_settings;
  resist_settings.print_steepness = o.print_steepness;
  resist_settings.bake_step_s = 6;
  const examples::PebResist resist =
      o.resist == IltResist::peb ? resist_settings.anchored(metrology::iccad2013_print_threshold)
                                 : resist_settings;
  const std::vector<metrology::EpeSite> epe_sites = metrology::epe_sites(target_polygons);
  std::optional<Field<double, Host>> p, relaxed;
  int iterations = 0;
  io::json::Value history = io::json::Value::array();
  for (const IltLevel& level : levels) {
    const index_t n = index_t(2048 / level.pitch_nm);
    const Grid grid(n, n, level.pitch_nm);
    const Field<double, Host> level_target =
        layout::rasterize_area<double>(ctx, target_polygons, grid);
    Field<double, Host> level_p(grid);
    if (p)
      interpolate_onto(*p, level_p);
    else
      for (index_t i = 0; i < grid.size(); ++i) level_p.view()[i] = 2 * level_target.view()[i] - 1;
    twin::PixelIltOptions options;
    options.iterations = level.iterations;
    options.adam.step = o.step;
    options.method = o.optimiser;
    options.mask_steepness = o.mask_steepness;
    options.condition_weights = {1.0, o.pvb_weight, o.pvb_weight};
    options.band = {o.band_weight, 1, 2};
    options.complexity_weight = o.complexity_weight;
    if (o.epe_weight > 0)
      options.probes = {o.epe_weight, 0, metrology::epe_probe_samples(epe_sites, grid)};
    options.progress = [&](const twin::IltProgress& step) {
      if (step.iteration % 25 == 0 || step.iteration == level.iterations)
        std::fprintf(stderr,
                     "iccad13 ilt: %g nm pixels, iteration %d/%d, objective %.1f (nominal %.1f, "
                     "band %.1f, in pixels), %.1f s\n",
                     level.pitch_nm, step.iteration, level.iterations, step.objective,
                     step.condition_error[0], step.band_error, step.seconds);
    };
    twin::PixelIltResult result;
    const auto optimise = [&](auto& chain) {
      result = twin::pixel_ilt(ctx, chain, level_target, level_p, options);
    };
    if (o.resist == IltResist::contest) {
      twin::ImagingStage<double, Host> imaging(ctx, grid, focus_sets, {.apply_dose = true},
                                               corners);
      twin::ThresholdStage<double, Host> print(
          grid, 0.0, {metrology::iccad2013_print_threshold, o.print_steepness});
      auto chain = twin::chain(imaging, print);
      optimise(chain);
    } else {
      twin::ImagingStage<double, Host> imaging(ctx, grid, focus_sets, {}, corners);
      auto exposure = resist.exposure<Host>(grid, corners);
      auto bake = resist.bake<Host>(grid, corners);
      auto develop = resist.develop<Host>(grid);
      auto chain = twin::chain(imaging, exposure, bake, develop);
      optimise(chain);
    }
    // The relaxed mask m = sigmoid(a p) of the result, as the objective forms it (no chain needed).
    relaxed.emplace(grid);
    for (index_t i = 0; i < grid.size(); ++i)
      relaxed->view()[i] = resist::detail::logistic(o.mask_steepness * level_p.view()[i]);
    iterations += result.iterations;
    io::json::Value entry = io::json::Value::object();
    entry["pitch_nm"] = level.pitch_nm;
    entry["iterations"] = std::int64_t(result.iterations);
    entry["evaluations"] = std::int64_t(result.evaluations);
    entry["stalled"] = result.stalled;
    entry["objective_start"] = result.objective.front();
    entry["objective_end"] = result.objective.back();
    entry["seconds"] = result.seconds;
    history.push_back(std::move(entry));
    p.emplace(std::move(level_p));
  }

  // The binary mask on the contest's canvas, cleaned, then scored as written.
  const Grid canvas = optics::iccad2013_grid();
  const Field<double, Host> relaxed_fine = binary_onto(*relaxed, canvas);
  const index_t min_area = index_t(std::ceil(o.min_area_nm2));
  metrology::CleanedMask<double> cleaned =
      metrology::clean_mask(relaxed_fine, {.min_area_px = min_area,
                                           .min_hole_area_px = min_area,
                                           .min_width_px = index_t(std::ceil(o.min_width_nm)),
                                           .min_space_px = index_t(std::ceil(o.min_space_nm))});
  const Field<double, Host>& mask = cleaned.mask;
  const metrology::ShapeLabels shapes = metrology::label_shapes(mask);
  const Field<double, Host> target = layout::rasterize_binary<double>(ctx, target_polygons, canvas);
  optics::SocsImager<double, Host> imager(ctx, canvas, sets);
  const Field<double, Host> images = optics::image_iccad2013(ctx, imager, mask);
  const metrology::Iccad2013Score score =
      metrology::score_iccad2013(ctx, images, target_polygons, target);
  // With the bake model, the mask as that model prints it too: its area coverage on the last
  // level's pixels through the three corners, the nominal print's error against the target and the
  // band outer XOR inner, in nm^2.
  io::json::Value resist_scores = io::json::Value::object();
  resist_scores["model"] = std::string(o.resist == IltResist::peb ? "peb" : "contest");
  if (o.resist == IltResist::peb) {
    const Grid& grid = relaxed->grid();
    const Field<double, Host> coverage = area_average(mask, grid);
    const Field<double, Host> level_target =
        layout::rasterize_binary<double>(ctx, target_polygons, grid);
    twin::ImagingStage<double, Host> imaging(ctx, grid, focus_sets, {}, corners);
    auto exposure = resist.exposure<Host>(grid, corners);
    auto bake = resist.bake<Host>(grid, corners);
    auto develop = resist.develop<Host>(grid);
    auto chain = twin::chain(imaging, exposure, bake, develop);
    const Field<double, Host>& printed = chain.forward(ctx, coverage);
    const auto nominal = printed.cview().member(0), outer = printed.cview().member(1),
               inner = printed.cview().member(2);
    double l2 = 0, band = 0;
    for (index_t i = 0; i < grid.size(); ++i) {
      l2 += (nominal[i] >= 0.5) != (level_target.view()[i] >= 0.5);
      band += (outer[i] >= 0.5) != (inner[i] >= 0.5);
    }
    const double pixel_area = grid.pitch().x * grid.pitch().y;
    resist_scores["pitch_nm"] = grid.pitch().x;
    resist_scores["dose_mj_cm2"] = resist.dose_mj_cm2;
    resist_scores["l2_nm2"] = l2 * pixel_area;
    resist_scores["pvb_nm2"] = band * pixel_area;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  io::json::Value result = io::json::Value::object();
  add_scores(result, score);
  result["min_shape_area"] = std::int64_t(metrology::min_shape_area(shapes));
  const double distance = metrology::min_shape_distance(shapes);
  if (std::isfinite(distance))
    result["min_shape_distance"] = distance;
  else
    result["min_shape_distance"] = nullptr;
  result["shapes"] = std::int64_t(shapes.count());
  result["iterations"] = std::int64_t(iterations);
  result["schedule"] = std::move(history);
  io::json::Value cleaning = io::json::Value::object();
  cleaning["pixels_flipped"] = std::int64_t(cleaned.report.pixels_flipped);
  cleaning["islands_removed"] = std::int64_t(cleaned.report.islands_removed);
  cleaning["holes_filled"] = std::int64_t(cleaned.report.holes_filled);
  result["cleaning"] = std::move(cleaning);
  result["resist"] = std::move(resist_scores);
  result["clip"] = o.clip;
  result["kernel_layout"] = optics::describe(o.layout);
  result["seconds"] = seconds;
  result["space"] = std::string(Host::name);
  result["out"] = o.out;

  // Pictures, then the arrays, the summary last.
  Field<float, Host> mask32(canvas);
  for (index_t i = 0; i < canvas.size(); ++i) mask32.view()[i] = float(mask.view()[i]);
  io::Image print_picture =
      io::render_field(mask, {.range = io::ValueRange{0, 1},
                              .colormap = io::Colormap::grey,
                              .scale_bar = true,
                              .length_bar = true,
                              .title = "ILT mask (white clear); red: nominal print, blue: target",
                              .value_label = "mask transmission"});
  Field<double, Host> nominal(canvas);
  copy(images.cview().member(0), nominal.view());
  for (const auto& contour :
       layout::extract_contours(nominal, metrology::iccad2013_print_threshold))
    io::draw_polyline(print_picture, canvas, contour.points, io::Color{230, 40, 40});
  for (const auto& contour : layout::extract_contours(target, 0.5))
    io::draw_polyline(print_picture, canvas, contour.points, io::Color{40, 90, 230});
  const std::string out = o.out + "/";
  io::write_npy(out + "mask.npy", mask32);
  io::write_png(out + "mask.png", mask,
                {.range = io::ValueRange{0, 1},
                 .scale_bar = true,
                 .length_bar = true,
                 .title = "ILT mask, binary at 1 nm",
                 .value_label = "mask transmission"});
  io::write_png(out + "print.png", print_picture);
  result["completed"] = true;
  finish_outputs(o.out, result);
  return 0;
}

}  // namespace examples
