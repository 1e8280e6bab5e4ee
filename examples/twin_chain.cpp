// An ICCAD-2013 clip through the differentiable process twin, forward and backward:
//   mask -> aerial image (3 process conditions) -> Dill exposure -> post-exposure bake -> resist
//   threshold, composed by twin::chain,
// then the resist CDs at a few sites across the clip's lines, a loss on them (the mean squared
// error against the drawn widths) and its gradient with respect to every named parameter of the
// chain and to the mask.
//
// Usage: twin_chain [--clip FILE.glp] [--pitch NM] [--sites N] [--out DIR]   (--help for more)
// The chain: kernels generated from the optics (193 nm, NA 1.35, water, annular 0.6-0.9, 24 kernels)
// at focus -40, 0 and +40 nm, so that focus is continuous between them; conditions (dose, focus,
// bake offset) = (1, 0, 0), (1.05, 0, 0) and (0.95, +30 nm, +2 K); a top-down Dill exposure at
// 30 mJ/cm^2, C 0.043 cm^2/mJ; the bake on the Sentaurus set (lateral lengths, activation energies,
// 90 s at 110 C in 3 s steps, periodic sides); a positive resist that clears where the inhibitor,
// blurred by 2 nm, falls below 0.5 (sigmoid steepness 25). The clip is drawn with area coverage on
// the 2048 nm contest canvas at --pitch (4 nm: 512 x 512 pixels).
// Sites: up to --sites of the clip's rectangles whose narrow side is 30 to 200 nm and at most half
// the long one (lines), cut across the narrow side through the centre, one width beyond each edge.
// CDs are measured on the nominal condition's print at 0.5.
//
// Prints one JSON object: "cd_nm" (per site: the cut line, target and measured CD), "loss_nm2",
// "gradient" ({name: dL/dname} for every named parameter), "parameters" (values and units),
// "space", "seconds", "completed". Writes mask.png, printed.png (nominal print, its 0.5 contour in
// red and the sites in white), grad_mask.png (dL/dmask, blue negative, red positive) and
// grad_mask.npy, then summary.json last.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/io/json.hpp"
#include "fabtwin/io/npy.hpp"
#include "fabtwin/io/png.hpp"
#include "fabtwin/layout/contour.hpp"
#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/metrology/cd_gradient.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/twin/bake_stage.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/exposure_stage.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "support/cd_sites.hpp"
#include "support/cli.hpp"
#include "support/host_kernels.hpp"
#include "support/outputs.hpp"
#include "support/shared_data.hpp"
#include "support/space.hpp"

namespace {

using namespace fabtwin;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string clip, out = "out/twin_chain";
  bool default_clip = true;
  double pitch_nm = 4;
  index_t sites = 4;
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "twin_chain",
      "An ICCAD-2013 clip through the twin (optics at three process conditions, exposure, bake,\n"
      "resist threshold), resist CDs at a few sites, and the gradient of a CD loss with respect to\n"
      "every named parameter and the mask. Writes mask.png, printed.png, grad_mask.png,\n"
      "grad_mask.npy and, last, summary.json.");
  o.clip = examples::default_iccad_clip();
  cli.path("--clip", "FILE.glp", "the clip, on the 2048 nm contest canvas", o.clip,
           examples::PathKind::file)
      .number("--pitch", "NM", "pixel pitch; 2048 nm must be a whole number of pixels", o.pitch_nm,
              {.what = "a pixel pitch", .unit = "nm", .at_least = 1, .at_most = 16})
      .count("--sites", "N", "CD sites, at most", o.sites, "a site count")
      .path("--out", "DIR", "output folder", o.out, examples::PathKind::output)
      .skips("no clip at the default path");
  return cli;
}

void check(const examples::Cli& cli, Options& o) {
  o.default_clip = !cli.given("--clip");
  const double pixels = 2048 / o.pitch_nm;
  if (std::fabs(pixels - std::round(pixels)) > 1e-9 * pixels)
    cli.refuse("--pitch", "a pitch that cuts the 2048 nm canvas into a whole number of pixels");
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <class Space>
int run(const Options& o) {
  using T = double;
  const auto start = Clock::now();
  examples::start_outputs(o.out);
  const std::string out = o.out + "/";
  if (o.default_clip && !std::filesystem::exists(o.clip)) {  // 77: skipped, for ctest
    std::fprintf(stderr, "twin_chain: no clip at '%s' (give --clip or set FABTWIN_DATA)\n",
                 o.clip.c_str());
    return 77;
  }
  Context<Space> ctx;

  // The mask: the clip on the contest canvas, area coverage, pixel centres at (i + 1/2) pitch.
  const layout::PolygonSet placed = layout::place_on_iccad2013_canvas(layout::read_glp(o.clip));
  const index_t n = index_t(std::llround(2048 / o.pitch_nm));
  const Grid grid(n, n, o.pitch_nm, {o.pitch_nm / 2, o.pitch_nm / 2, 0});
  const Field<T, Space> mask = layout::rasterize_area<T>(ctx, placed, grid);
  const std::vector<examples::CdSite> sites = examples::choose_cd_sites(placed, grid, o.sites);

  // The chain.
  std::fprintf(stderr, "twin_chain: generating kernels at focus -40, 0, +40 nm...\n");
  const twin::ProcessConditions conditions{{1.0, 0, 0}, {1.05, 0, 0}, {0.95, 30, 2}};
  twin::ImagingStage<T, Space> imaging(
      ctx, grid,
      support::focus_kernels(optics::OpticalSystem{}, optics::Source::annular(0.6, 0.9),
                             {2048, 24, 0.05}, {-40, 0, 40}),
      {}, conditions);
  twin::ExposureStage<T, Space> exposure(grid, {30, 0.043, 0}, {}, conditions);
  twin::BakeStage<T, Space> bake(
      grid, resist::sentaurus_peb_model(),
      thermal::TemperatureHistory::constant(thermal::celsius_to_kelvin(110), 90), {.max_step_s = 3},
      conditions);
  twin::ThresholdStage<T, Space> resist_model(grid, 2.0, {0.5, 25}, twin::PrintTone::below);
  auto chain = twin::chain(imaging, exposure, bake, resist_model);
  const double setup_s = seconds_since(start);

  // Forward, and the CDs on the nominal print (member 0).
  std::fprintf(stderr, "twin_chain: forward through %zu stages...\n", chain.size);
  const auto forward_start = Clock::now();
  const Field<T, Host> printed = to<Host>(chain.forward(ctx, mask));
  const double forward_s = seconds_since(forward_start);
  const View<const T, Host> nominal(printed.data(), n, n);
  std::vector<T> grad_printed(std::size_t(printed.size()), T(0));
  io::json::Value cds = io::json::Value::array();
  double loss = 0;
  index_t measured = 0;
  std::vector<metrology::CdResult> results;
  for (const examples::CdSite& site : sites) {
    results.push_back(metrology::measure_cd(nominal, grid, site.line, 0.5, metrology::Tone::line));
    if (results.back().ok()) ++measured;
  }
  for (std::size_t s = 0; s < sites.size(); ++s) {
    io::json::Value entry = io::json::Value::object();
    entry["x0"] = sites[s].line.start.x;
    entry["y0"] = sites[s].line.start.y;
    entry["x1"] = sites[s].line.end.x;
    entry["y1"] = sites[s].line.end.y;
    entry["target_nm"] = sites[s].target_nm;
    entry["status"] = std::string(metrology::describe(results[s].status));
    if (results[s].ok()) {
      entry["cd_nm"] = results[s].cd_nm;
      const double error = results[s].cd_nm - sites[s].target_nm;
      loss += error * error / double(measured);
      // dL/dP = 2 (CD - target) / N dCD/dP on the nominal print.
      for (const metrology::SampleWeight& w :
           metrology::cd_gradient(nominal, grid, sites[s].line, results[s]))
        grad_printed[std::size_t(w.index)] += T(2 * error / double(measured) * w.weight);
    }
    cds.push_back(entry);
  }
  if (measured == 0)
    throw invalid_argument("fabtwin twin_chain: no CD could be measured at the " +
                           std::to_string(sites.size()) + " sites of '" + o.clip +
                           "'; expected at least one printed line");

  // Backward: every named parameter's gradient and dL/dmask.
  std::fprintf(stderr, "twin_chain: backward...\n");
  const auto backward_start = Clock::now();
  chain.zero_gradient();
  const Field<T, Space> grad_printed_field =
      to<Space>(make_host_field(printed.grid(), grad_printed, printed.batch()));
  const Field<T, Host> grad_mask = to<Host>(chain.backward(ctx, grad_printed_field));
  const double backward_s = seconds_since(backward_start);

  io::json::Value summary = io::json::Value::object();
  summary["clip"] = o.clip;
  summary["cd_nm"] = cds;
  summary["loss_nm2"] = loss;
  io::json::Value gradient = io::json::Value::object(), parameters = io::json::Value::object();
  for (const twin::Parameter& p : chain.parameters()) {
    gradient[p.name] = *p.gradient;
    io::json::Value value = io::json::Value::object();
    value["value"] = *p.value;
    value["unit"] = p.unit;
    parameters[p.name] = value;
  }
  summary["gradient"] = gradient;
  summary["parameters"] = parameters;
  summary["space"] = std::string(Space::name);
  summary["pixels"] = n;
  summary["pitch_nm"] = o.pitch_nm;
  summary["setup_seconds"] = setup_s;
  summary["forward_seconds"] = forward_s;
  summary["backward_seconds"] = backward_s;

  // Pictures and arrays, after all the computing.
  const Field<T, Host> host_mask = to<Host>(mask);
  io::write_png(out + "mask.png", io::render_field(host_mask, {.range = io::ValueRange{0, 1},
                                                               .scale_bar = true,
                                                               .length_bar = true,
                                                               .title = "mask (area coverage)",
                                                               .value_label = "transmission"}));
  Field<T, Host> nominal_print(grid);
  std::copy(printed.data(), printed.data() + grid.size(), nominal_print.data());
  io::Image picture =
      io::render_field(nominal_print, {.range = io::ValueRange{0, 1},
                                       .colormap = io::Colormap::viridis,
                                       .scale_bar = true,
                                       .length_bar = true,
                                       .title = "nominal print, red: 0.5 contour, white: CD sites",
                                       .value_label = "cleared fraction"});
  for (const auto& contour : layout::extract_contours(nominal_print, 0.5))
    io::draw_polyline(picture, grid, contour.points, io::Color{255, 40, 40});
  for (const examples::CdSite& site : sites)
    io::draw_polyline(picture, grid, std::vector<metrology::Point2>{site.line.start, site.line.end},
                      io::Color{255, 255, 255}, false);
  io::write_png(out + "printed.png", picture);
  double largest = 0;
  for (index_t i = 0; i < grad_mask.size(); ++i)
    largest = std::max(largest, std::fabs(double(grad_mask.data()[i])));
  const double range = largest > 0 ? largest : 1;
  io::write_png(out + "grad_mask.png",
                io::render_field(grad_mask, {.range = io::ValueRange{-range, range},
                                             .colormap = io::Colormap::diverging,
                                             .scale_bar = true,
                                             .length_bar = true,
                                             .title = "gradient of the CD loss w.r.t. the mask",
                                             .value_label = "dL/dmask (nm^2)"}));
  io::write_npy(out + "grad_mask.npy", grad_mask);
  summary["grad_mask_max_abs"] = largest;
  summary["seconds"] = seconds_since(start);
  summary["completed"] = true;
  examples::finish_outputs(o.out, summary);
  std::fprintf(
      stderr,
      "twin_chain: pictures in %s (mask.png, printed.png, grad_mask.png), grad_mask.npy, summary.json\n",
      o.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("twin_chain", [&] {
    Options options;
    examples::Cli cli = command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    check(cli, options);
    return examples::on_best_space([&](auto space) { return run<decltype(space)>(options); });
  });
}
