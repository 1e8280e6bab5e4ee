// A whole layer of a layout through the twin, over MPI ranks: the window is cut into tiles with
// halos (dist/), each rank runs its share, rank 0 gathers the cores into one result and writes it.
//
// Usage: mpirun -np R full_layout --gds FILE --cell NAME --layer L/D --window X0,Y0,X1,Y1
//            [--pitch NM] [--tile NM] [--halo NM] [--stages optics|resist|etch] --out DIR
// Defaults: ../shared/data/layouts/gcd_45nm.gds (or $FABTWIN_DATA), its top cell, layer 11/0 (metal
// 1), the cell's bounds on the layer, 8 nm pixels, 4096 nm tile cores, the halo the chain's range
// asks for, the resist stages, out/full_layout. --help lists every option.
//
// The twin: SOCS kernels from the optics (193 nm, NA 1.35 immersion, annular 0.6-0.9, 24 kernels at
// a 2048 nm period) limited to a 640 nm ambit (optics/ambit.hpp) so that its range is finite; for
// resist, a Dill exposure, the Sentaurus bake (90 s at 110 C, 3 s steps) and a 2 nm blurred
// threshold, both diffusions on the lattice kernel (thermal/spectral_diffusion.hpp); for etch, the
// pattern-scale etch bias (1 nm, density terms of radius 20 and 60 nm). The drawn shapes transmit;
// the result is the image (optics), the cleared fraction (resist) or the etched fraction (etch).
//
// Output, written by rank 0 once every rank is done: printed.npy (the window, float64, y rows),
// printed.png (scale bar, colour bar; averaged over blocks to 2048 pixels a side at most),
// timings.json (per rank: tiles and seconds), then the summary
// on stdout and as summary.json ("ranks", "tiles", "seconds", "um2_per_s", the halo, its range and,
// with --halo-check, the error the halo leaves on the centre tile). A rank that fails ends every
// rank (MPI_Abort) with its error; a failed run leaves no summary.json.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/dist.hpp"
#include "fabtwin/dist/mpi.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/io.hpp"
#include "fabtwin/layout.hpp"
#include "fabtwin/optics.hpp"
#include "fabtwin/resist.hpp"
#include "fabtwin/thermal.hpp"
#include "fabtwin/twin.hpp"
#include "support/cli.hpp"
#include "support/host_kernels.hpp"
#include "support/outputs.hpp"
#include "support/shared_data.hpp"
#include "support/tiled_twin.hpp"

namespace {

using namespace fabtwin;
namespace mpi = fabtwin::dist::mpi;

using support::TiledStages;

struct Options {
  std::string gds;
  bool default_gds = true;
  std::string cell;  ///< empty: the top cell
  layout::gdsii::LayerKey layer{11, 0};
  std::array<double, 4> window{};  ///< nm; all zero: the cell's bounds on the layer
  double pitch_nm = 8;
  double tile_nm = 4096;
  double halo_nm = -1;  ///< < 0: from the chain's range
  TiledStages stages = TiledStages::resist;
  bool halo_check = false;
  std::string out = "out/full_layout";
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "full_layout",
      "A layer of a GDSII layout through the twin over MPI ranks (mpirun -np R full_layout ...):\n"
      "the window cut into tiles with halos, each rank running its share, rank 0 stitching the\n"
      "cores and writing printed.npy, printed.png, timings.json and, last, summary.json.");
  o.gds = examples::default_layout();
  cli.path("--gds", "FILE", "the GDSII layout", o.gds, examples::PathKind::file)
      .text("--cell", "NAME", "the cell to read", o.cell, "the name of a cell of the layout")
      .shown_default("the top cell")
      .layer("--layer", "L/D", "layer and datatype", o.layer)
      .numbers("--window", "X0,Y0,X1,Y1", "the window, in nm", o.window,
               "X0,Y0,X1,Y1 in nm with X1 > X0, Y1 > Y0, all within +-1e9 nm",
               [](const std::array<double, 4>& w) {
                 const bool inside =
                     std::all_of(w.begin(), w.end(), [](double v) { return std::fabs(v) <= 1e9; });
                 return inside && w[2] > w[0] && w[3] > w[1];
               })
      .shown_default("the cell's bounds on the layer")
      .number("--pitch", "NM", "pixel pitch", o.pitch_nm,
              {.what = "a pixel pitch", .unit = "nm", .above = 0})
      .number("--tile", "NM", "the largest tile core, each way", o.tile_nm,
              {.what = "a tile core", .unit = "nm", .above = 0})
      .number("--halo", "NM", "the halo around each core", o.halo_nm,
              {.what = "a halo", .unit = "nm", .at_least = 0})
      .shown_default("the chain's range at a tolerance of 1e-9")
      .choice("--stages", "the stages to run", o.stages,
              {{"optics", TiledStages::optics},
               {"resist", TiledStages::resist},
               {"etch", TiledStages::etch}})
      .flag("--halo-check",
            "measure the error the halo leaves: the centre tile again with a wider halo",
            o.halo_check)
      .path("--out", "DIR", "output folder (rank 0 writes it)", o.out, examples::PathKind::output)
      .skips("no layout at the default path");
  return cli;
}

/// The kernels every tile's optics derives its set from (support::layout_kernels): rank 0 makes the
/// periodic set (the eigensolve) and sends it to the others, each of which limits it to the ambit.
optics::AmbitKernels shared_kernels(const mpi::Session& session, double pitch_nm) {
  optics::KernelSet set;
  if (session.rank() == 0) set = support::layout_kernel_set(pitch_nm);
  mpi::broadcast(set, session.comm());
  return support::layout_kernels(set, pitch_nm);
}

/// Pixels in `nm` at `pitch`, refusing a length that is not a whole number of them.
index_t whole_pixels(const examples::Cli& cli, const char* option, double nm, double pitch) {
  const double pixels = nm / pitch;
  if (std::fabs(pixels - std::round(pixels)) > 1e-9 * std::max(1.0, pixels))
    cli.refuse(option, "a whole number of --pitch pixels (" + describe(pitch) + " nm)");
  return index_t(std::llround(pixels));
}

/// The field averaged over f x f blocks (f the least that brings both sides to 2048 pixels or
/// fewer), for the picture: a full layer at 8 nm would make a PNG of 50 MB.
Field<double, Host> for_picture(const Field<double, Host>& field) {
  const Grid& g = field.grid();
  const index_t f = std::max<index_t>(1, (std::max(g.nx(), g.ny()) + 2047) / 2048);
  if (f == 1) return to<Host>(field);
  const index_t nx = g.nx() / f, ny = g.ny() / f;
  Field<double, Host> out(Grid(nx, ny, g.pitch().x * double(f),
                               {g.origin().x + 0.5 * double(f - 1) * g.pitch().x,
                                g.origin().y + 0.5 * double(f - 1) * g.pitch().y, 0}));
  for (index_t j = 0; j < ny; ++j)
    for (index_t i = 0; i < nx; ++i) {
      double sum = 0;
      for (index_t b = 0; b < f; ++b)
        for (index_t a = 0; a < f; ++a) sum += field.data()[(j * f + b) * g.nx() + i * f + a];
      out.data()[j * nx + i] = sum / double(f * f);
    }
  return out;
}

int run(const examples::Cli& cli, const Options& o, const mpi::Session& session) {
  const bool root = session.rank() == 0;
  const auto start = std::chrono::steady_clock::now();
  if (root) examples::start_outputs(o.out);

  const layout::gdsii::Library library = layout::gdsii::read_library(o.gds);
  const double unit_nm = library.unit_nm();
  const std::string cell = o.cell.empty() ? library.top_cell() : o.cell;
  // Refuses an unknown cell or layer before any work.
  const layout::Box bounds = library.bounding_box(cell, {o.layer});
  std::array<double, 4> window = o.window;
  if (!cli.given("--window")) {
    // The cell's bounds on the layer, rounded out to whole pixels.
    window = {std::floor(double(bounds.x0) * unit_nm / o.pitch_nm) * o.pitch_nm,
              std::floor(double(bounds.y0) * unit_nm / o.pitch_nm) * o.pitch_nm,
              std::ceil(double(bounds.x1) * unit_nm / o.pitch_nm) * o.pitch_nm,
              std::ceil(double(bounds.y1) * unit_nm / o.pitch_nm) * o.pitch_nm};
  }
  const index_t nx = whole_pixels(cli, "--window", window[2] - window[0], o.pitch_nm);
  const index_t ny = whole_pixels(cli, "--window", window[3] - window[1], o.pitch_nm);
  const Grid window_grid(nx, ny, o.pitch_nm,
                         {window[0] + o.pitch_nm / 2, window[1] + o.pitch_nm / 2, 0});
  const index_t core_px = std::max<index_t>(1, index_t(std::llround(o.tile_nm / o.pitch_nm)));

  Context<Host> ctx;
  const optics::AmbitKernels kernels = shared_kernels(session, o.pitch_nm);
  const double range_nm = support::layout_range_nm(kernels, o.pitch_nm, o.stages, 1e-9);
  const index_t needed_px = dist::halo_for_range(range_nm, o.pitch_nm);
  const index_t halo_px =
      o.halo_nm >= 0 ? whole_pixels(cli, "--halo", o.halo_nm, o.pitch_nm) : needed_px;
  if (root && halo_px < needed_px)
    std::fprintf(stderr,
                 "full_layout: the halo, %g nm, is below the chain's range %g nm: the tiles' cores "
                 "differ from one domain (--halo-check measures by how much)\n",
                 double(halo_px) * o.pitch_nm, range_nm);
  const dist::TilePlan plan(window_grid, core_px, halo_px);
  const index_t tiles = index_t(plan.tiles().size());

  // The layout around each tile's window, read and rasterised per tile: a full chip never sits in
  // one rank's memory.
  const auto to_units = [&](double nm) { return layout::coord_t(std::llround(nm / unit_nm)); };
  const dist::TileSource<double> source = [&](const Grid& grid, Field<double, Host>& input) {
    const double half = grid.pitch().x / 2;
    const layout::Box box{to_units(grid.origin().x - half), to_units(grid.origin().y - half),
                          to_units(grid.origin().x + double(grid.nx()) * grid.pitch().x - half),
                          to_units(grid.origin().y + double(grid.ny()) * grid.pitch().y - half)};
    layout::PolygonSet shapes;
    try {
      shapes = library.read_window(box, {o.layer}, cell);
    } catch (const invalid_argument&) {
      // The cell and layer were checked: this tile's window lies wholly outside the cell's
      // bounds, where there is no layout.
      shapes.unit_nm = unit_nm;
    }
    Context<Host> raster_ctx(HostOptions{.threads = 1});
    layout::rasterize_area(raster_ctx, shapes, input.view(), grid);
  };

  const std::vector<index_t> mine = dist::tiles_of_rank(tiles, session.rank(), session.size());
  Context<Host>* const contexts[] = {&ctx};
  const auto make_model = [&](Context<Host>& c, const Grid& grid) {
    return std::make_unique<support::TiledTwin<Host>>(c, grid, kernels, o.stages);
  };
  const auto tiles_start = std::chrono::steady_clock::now();
  double compute_seconds = 0;
  index_t done = 0;
  Field<double, Host> printed = dist::run_tiles<double>(
      std::span<Context<Host>* const>(contexts), plan, make_model, source,
      std::span<const index_t>(mine), [&](const dist::TileTiming& t) {
        compute_seconds += t.seconds;
        ++done;
        std::fprintf(stderr, "full_layout: rank %d: tile %lld (%lld of %zu here) in %.2f s\n",
                     session.rank(), (long long)t.tile, (long long)done, mine.size(), t.seconds);
      });
  mpi::gather_cores(plan, printed, session.comm());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - tiles_start).count();

  // Per-rank timings on rank 0.
  const double mine_timing[2] = {double(mine.size()), compute_seconds};
  std::vector<double> timings(std::size_t(2 * session.size()));
  FABTWIN_MPI_CHECK(
      MPI_Gather(mine_timing, 2, MPI_DOUBLE, timings.data(), 2, MPI_DOUBLE, 0, session.comm()));
  double slowest = seconds;
  FABTWIN_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &slowest, 1, MPI_DOUBLE, MPI_MAX, session.comm()));
  if (!root) return 0;

  double halo_error = -1;
  if (o.halo_check) {
    const dist::Tile& centre =
        plan.tiles()[std::size_t((plan.tiles_y() / 2) * plan.tiles_x() + plan.tiles_x() / 2)];
    halo_error = dist::halo_error<double>(ctx, plan, centre, std::max(halo_px, needed_px) + 8,
                                          make_model, source);
  }

  const double area_um2 = double(nx) * double(ny) * o.pitch_nm * o.pitch_nm * 1e-6;
  io::json::Value per_rank = io::json::Value::array();
  for (int r = 0; r < session.size(); ++r) {
    io::json::Value entry = io::json::Value::object();
    entry["rank"] = r;
    entry["tiles"] = std::int64_t(timings[std::size_t(2 * r)]);
    entry["seconds"] = timings[std::size_t(2 * r + 1)];
    per_rank.push_back(entry);
  }
  io::json::Value timing = io::json::Value::object();
  timing["ranks"] = per_rank;
  timing["wall_seconds"] = slowest;

  io::json::Value summary = io::json::Value::object();
  summary["layout"] = o.gds;
  summary["cell"] = cell;
  const std::string layer = std::to_string(o.layer.layer) + "/" + std::to_string(o.layer.datatype);
  summary["layer"] = layer;
  io::json::Value w = io::json::Value::array();
  for (double v : window) w.push_back(v);
  summary["window_nm"] = w;
  summary["pixels"] = io::json::Value::array();
  summary["pixels"].push_back(nx);
  summary["pixels"].push_back(ny);
  summary["pitch_nm"] = o.pitch_nm;
  summary["stages"] = std::string(support::stage_name(o.stages));
  summary["ranks"] = session.size();
  summary["tiles"] = tiles;
  summary["tile_core_px"] = core_px;
  summary["tile_side_px"] = plan.tile_side_px();
  summary["halo_nm"] = double(plan.min_halo_px()) * o.pitch_nm;
  summary["range_nm"] = range_nm;
  summary["work_ratio"] = plan.work_ratio();
  if (o.halo_check) summary["halo_error"] = halo_error;
  summary["seconds"] = slowest;
  summary["um2_per_s"] = area_um2 / slowest;
  summary["total_seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary["completed"] = true;

  const std::string out = o.out + "/";
  const char* what = o.stages == TiledStages::optics   ? "aerial image"
                     : o.stages == TiledStages::resist ? "cleared fraction"
                                                       : "etched fraction";
  const Field<double, Host> picture = for_picture(printed);
  const io::RenderOptions figure{.range = o.stages == TiledStages::optics
                                              ? std::optional<io::ValueRange>{}
                                              : std::optional<io::ValueRange>{io::ValueRange{0, 1}},
                                 .colormap = io::Colormap::viridis,
                                 .scale_bar = true,
                                 .length_bar = true,
                                 .title = "layer " + layer + ", " + std::to_string(tiles) +
                                          " tiles on " + std::to_string(session.size()) + " ranks",
                                 .value_label = what,
                                 .magnify = io::magnification_for(picture.grid(), 512)};
  io::write_npy(out + "printed.npy", printed);
  io::write_png(out + "printed.png", picture, figure);
  io::write_json(out + "timings.json", timing);
  examples::finish_outputs(o.out, summary);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("full_layout", [&] {
    const mpi::Session session(argc, argv);
    Options options;
    examples::Cli cli = command_line(options);
    // Every rank parses the same line; only rank 0 speaks for it.
    if (session.rank() != 0) {
      for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return 0;
      try {
        cli.parse(argc, argv);
      } catch (const examples::usage_error&) {
        return 2;
      }
    } else if (cli.parse(argc, argv) == examples::Cli::Parsed::help) {
      return 0;
    }
    options.default_gds = !cli.given("--gds");
    if (options.default_gds && !std::filesystem::exists(options.gds)) {
      if (session.rank() == 0)
        std::fprintf(stderr, "full_layout: no layout at '%s' (give --gds or set FABTWIN_DATA)\n",
                     options.gds.c_str());
      return 77;
    }
    return mpi::run_or_abort(session.comm(), "full_layout",
                             [&] { return run(cli, options, session); });
  });
}
