// Layout in, pictures out: reads a window of a GDSII layout without flattening the rest of it,
// rasterises one layer with exact area coverage (the anti-aliased mask an optics model wants) and
// with the ICCAD "pixel centre inside" rule, traces the 50 % contour back to polygons, and writes
// what a user looks at first.
//
// Usage: layout_window [--gds FILE] [--layer L/D] [--window X0,Y0,X1,Y1 (nm)] [--pitch NM]
//                      [--out DIR]
// Defaults: ../shared/data/layouts/gcd_45nm.gds (or $FABTWIN_DATA/layouts/gcd_45nm.gds), layer 11/0
// (metal 1 of that 45 nm design), a 4 x 4 um window, 4 nm pixels, out/layout_window.
//
// The window must be a whole number of --pitch pixels each way; --help lists every option.
// Exit status 77 (skipped) when the layout is absent. The layout is read on the host; the
// rasterising runs on the GPU when compiled by nvcc and one is present ("space" in the summary).
//
// Output: coverage.png (grey, y up), coverage_contours.png (false colour, 50 % contour in red),
// coverage.npy, binary.npy, contours.gds (the contour polygons on the layer read), then
// summary.json ("completed": true), all written after the computing.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/io.hpp"
#include "fabtwin/layout.hpp"
#include "support/cli.hpp"
#include "support/outputs.hpp"
#include "support/shared_data.hpp"
#include "support/space.hpp"

namespace {

using namespace fabtwin;

struct Options {
  std::string gds;
  bool default_gds = true;  ///< no --gds given
  layout::gdsii::LayerKey layer{11, 0};
  std::array<double, 4> window = {12000, 12000, 16096, 16096};  // nm
  double pitch_nm = 4;
  std::string out = "out/layout_window";
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "layout_window",
      "Reads a window of a GDSII layout without flattening the rest, rasterises one layer (area coverage\n"
      "and the ICCAD centre rule), traces the 50 % contour back to polygons and writes coverage.png,\n"
      "coverage_contours.png, coverage.npy, binary.npy, contours.gds and, last, summary.json.");
  o.gds = examples::default_layout();
  cli.path("--gds", "FILE", "the GDSII layout", o.gds, examples::PathKind::file)
      .layer("--layer", "L/D", "layer and datatype to read", o.layer)
      .numbers("--window", "X0,Y0,X1,Y1", "the window to read, in nm", o.window,
               "X0,Y0,X1,Y1 in nm with X1 > X0, Y1 > Y0, all within +-1e9 nm (a metre)",
               [](const std::array<double, 4>& w) {
                 const bool inside =
                     std::all_of(w.begin(), w.end(), [](double v) { return std::fabs(v) <= 1e9; });
                 return inside && w[2] > w[0] && w[3] > w[1];
               })
      .number("--pitch", "NM", "pixel pitch", o.pitch_nm,
              {.what = "a pixel pitch", .unit = "nm", .above = 0})
      .path("--out", "DIR", "output folder", o.out, examples::PathKind::output)
      .skips("no layout at the default path");
  return cli;
}

/// What the options accept together: the window must be a whole number of pixels each way (they
/// tile it exactly).
void check(const examples::Cli& cli, Options& o) {
  o.default_gds = !cli.given("--gds");
  examples::require_window_cells(cli, o.window, o.pitch_nm, "--pitch", "pitch", "pixels");
}

template <class Space>
int run(const Options& options) {
  examples::start_outputs(options.out);
  const std::string out = options.out + "/";

  // 77: "skipped" for ctest, not a failure, when the default layout is absent; a layout given with
  // --gds must be there (read_library says so otherwise).
  if (options.default_gds && !std::filesystem::exists(options.gds)) {
    std::fprintf(stderr, "layout_window: no layout at '%s' (give --gds or set FABTWIN_DATA)\n",
                 options.gds.c_str());
    return 77;
  }
  const layout::gdsii::Library library = layout::gdsii::read_library(options.gds);
  const double unit_nm = library.unit_nm();
  const auto to_units = [&](double nm) { return layout::coord_t(std::llround(nm / unit_nm)); };
  const layout::Box window{to_units(options.window[0]), to_units(options.window[1]),
                           to_units(options.window[2]), to_units(options.window[3])};
  std::printf("reading %s: top cell %s, database unit %g nm\n", options.gds.c_str(),
              library.top_cell().c_str(), unit_nm);
  const layout::PolygonSet shapes = library.read_window(window, {options.layer});
  std::printf("window [%g, %g] x [%g, %g] nm: %zu polygons on layer %u/%u\n", options.window[0],
              options.window[2], options.window[1], options.window[3], shapes.polygons.size(),
              unsigned(options.layer.layer), unsigned(options.layer.datatype));

  // Pixel centres sit half a pitch inside the window, so the pixels tile it exactly.
  const double pitch = options.pitch_nm;
  const index_t nx = index_t(std::llround((options.window[2] - options.window[0]) / pitch));
  const index_t ny = index_t(std::llround((options.window[3] - options.window[1]) / pitch));
  const Grid grid(nx, ny, pitch, {options.window[0] + pitch / 2, options.window[1] + pitch / 2, 0});

  Context<Space> ctx;
  const Field<float, Space> coverage = layout::rasterize_area<float>(ctx, shapes, grid);
  const Field<float, Space> binary = layout::rasterize_binary<float>(ctx, shapes, grid);
  const double covered_nm2 = double(sum(ctx, coverage.view())) * pitch * pitch;
  const double centre_nm2 = double(sum(ctx, binary.view())) * pitch * pitch;
  // Contours, pictures and files on the host.
  const Field<float, Host> host_coverage = to<Host>(coverage), host_binary = to<Host>(binary);

  const std::vector<layout::Contour> contours = layout::extract_contours(host_coverage, 0.5);
  const layout::PolygonSet traced = layout::to_polygon_set(contours, unit_nm);
  const std::string layer =
      std::to_string(options.layer.layer) + "/" + std::to_string(options.layer.datatype);
  const io::RenderOptions figure{.range = io::ValueRange{0, 1},
                                 .scale_bar = true,
                                 .length_bar = true,
                                 .title = "layer " + layer + " coverage",
                                 .value_label = "area fraction",
                                 .magnify = io::magnification_for(grid, 512)};
  io::RenderOptions contour_figure = figure;
  contour_figure.colormap = io::Colormap::viridis;
  contour_figure.title += ", red: 50 % contour";
  io::Image picture = io::render_field(host_coverage, contour_figure);
  for (const auto& contour : contours)
    io::draw_polyline(picture, grid, contour.points, io::Color{255, 40, 40});

  io::json::Value summary = io::json::Value::object();
  summary["layout"] = options.gds;
  summary["top_cell"] = library.top_cell();
  summary["database_unit_nm"] = unit_nm;
  summary["layer"] = layer;
  io::json::Value w = io::json::Value::array();
  for (double v : options.window) w.push_back(v);
  summary["window_nm"] = w;
  summary["pitch_nm"] = pitch;
  summary["pixels"] = io::json::Value::array();
  summary["pixels"].push_back(nx);
  summary["pixels"].push_back(ny);
  summary["polygons_read"] = std::int64_t(shapes.polygons.size());
  summary["covered_area_nm2"] = covered_nm2;
  summary["centre_rule_area_nm2"] = centre_nm2;
  summary["density"] = covered_nm2 / (double(nx) * double(ny) * pitch * pitch);
  summary["contours"] = std::int64_t(contours.size());
  summary["contour_polygons_written"] = std::int64_t(traced.polygons.size());
  summary["space"] = std::string(Space::name);
  summary["completed"] = true;

  // The files only once everything is computed, the summary last: a run that fails leaves none.
  layout::gdsii::WriteOptions gds_options;
  gds_options.layer = options.layer;
  layout::gdsii::write_file(out + "contours.gds", traced, gds_options);
  io::write_png(out + "coverage.png", host_coverage, figure);
  io::write_png(out + "coverage_contours.png", picture);
  io::write_npy(out + "coverage.npy", host_coverage);
  io::write_npy(out + "binary.npy", host_binary);
  examples::finish_outputs(options.out, summary);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("layout_window", [&] {
    Options options;
    examples::Cli cli = command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    check(cli, options);
    return examples::on_best_space([&](auto space) { return run<decltype(space)>(options); });
  });
}
