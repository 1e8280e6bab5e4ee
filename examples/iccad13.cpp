// The ICCAD-2013 mask-optimisation evaluation (physics.md §1) as a command, and pixel ILT of a clip
// (`iccad13 ilt`, support/iccad_ilt.hpp; `iccad13 ilt --help`):
//   iccad13 eval --kernels DIR --clip FILE.glp [--mask FILE.npy] [--kernel-layout contest|header24]
//                [--out DIR]
// DIR holds the contest's two kernel sets, DIR/M1OPC (focus) and DIR/M1OPC_def (defocus), each
// scales.txt + fh<k>.bin, read as the contest reads them (--kernel-layout contest, the default:
// samples from byte 20, float32 weights, the model behind the published L2/PVB figures) or in the
// physically consistent 24-byte reading (header24; optics/iccad2013_kernels.hpp says why both).
// The clip is placed on the 2048 x 2048 canvas (+512, +512) and drawn with the centre rule. The
// mask (a 2048 x 2048 float32 or float64 NPY, 1 = clear, values in [0, 1]) defaults to the target
// itself: the uncorrected baseline. Runs on the GPU when compiled by nvcc and one is present, else
// on the host (the "space" it ran on is in the JSON). Prints one JSON object:
//   {"l2", "pvb", "pvb_outer_not_inner", "epe", "target_px", "nominal_px", "clip", "mask", "kernel_layout", "seconds",
//    "space", "completed"}
// (L2: nominal print vs target; PVB: outer vs inner corner prints; EPE: violations at 15 nm).
// --out DIR (checked before the work) also writes target.png, nominal.png (intensity with the
// printed contour), the three corner intensities as float64 NPY and, last, summary.json (the JSON).
// Exit status 77 (skipped) when DIR/M1OPC/scales.txt is absent; --help lists the options.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/io.hpp"
#include "fabtwin/layout/contour.hpp"
#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/metrology/iccad2013_score.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/iccad2013_protocol.hpp"
#include "support/cli.hpp"
#include "support/iccad_ilt.hpp"
#include "support/iccad_results.hpp"
#include "support/outputs.hpp"
#include "support/space.hpp"

namespace {

using namespace fabtwin;

struct Options {
  std::string kernels, clip, mask, out;
  optics::IccadKernelLayout layout = optics::IccadKernelLayout::contest;
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "iccad13",
      "The ICCAD-2013 mask-optimisation evaluation: images the mask (default: the clip's target, the\n"
      "uncorrected baseline) through the contest's focus and defocus kernels and prints one JSON\n"
      "object {\"l2\", \"pvb\", \"epe\", \"target_px\", \"nominal_px\", \"clip\", \"mask\", \"seconds\", ...}.\n"
      "--out DIR also writes target.png, nominal.png, the three corner intensities as NPY and, last,\n"
      "summary.json (the JSON). `iccad13 ilt --help`: pixel ILT of a clip.",
      "eval");
  cli.path("--kernels", "DIR", "the contest's kernels: DIR/M1OPC and DIR/M1OPC_def", o.kernels,
           examples::PathKind::folder)
      .required()
      .path("--clip", "FILE.glp", "the clip, placed on the 2048 nm canvas", o.clip,
            examples::PathKind::file)
      .required()
      .path("--mask", "FILE.npy", "a 2048 x 2048 float32 or float64 transmission in [0, 1]", o.mask,
            examples::PathKind::file)
      .shown_default("the target")
      .choice(
          "--kernel-layout",
          "how the kernel files are read: as the contest and the published figures read them, or "
          "from byte 24 (symmetric, unit-norm kernels)",
          o.layout,
          {{"contest", optics::IccadKernelLayout::contest},
           {"header24", optics::IccadKernelLayout::header24}})
      .path("--out", "DIR", "also write pictures and corner images into DIR", o.out,
            examples::PathKind::output)
      .shown_default("none: stdout only")
      .skips("no ICCAD-2013 kernels under --kernels");
  return cli;
}

/// The images are computed in double on either space, so that the counts do not hang on an FFT
/// library's rounding: the intensities of the contest's clips come within 1.5e-8 of the threshold
/// (tests/metrology/test_iccad2013_score.cpp), inside float's rounding of about 3e-7 but far outside
/// double's.
using Real = double;

/// A 2048^2 mask from NPY, float32 or float64, checked to lie in [0, 1].
Field<Real, Host> read_mask(const std::string& path, const Grid& grid) {
  // The header says the dtype; any other dtype, and a truncated or Fortran-ordered file, get
  // read_npy's own message.
  const std::string descr = io::read_npy_header(path).descr;
  if (descr != "<f4" && descr != "<f8")
    throw io_error("fabtwin iccad13: '" + path + "': found dtype '" + descr +
                   "'; expected a float32 ('<f4') or float64 ('<f8') mask");
  Field<Real, Host> mask(grid);
  if (descr == "<f4") {
    const Field<float, Host> narrow = io::read_npy_field<float>(path, grid);
    for (index_t i = 0; i < grid.size(); ++i) mask.view()[i] = Real(narrow.view()[i]);
  } else {
    mask = io::read_npy_field<Real>(path, grid);
  }
  for (index_t i = 0; i < grid.size(); ++i) {
    const Real v = mask.view()[i];
    if (!(v >= 0 && v <= 1)) {
      char value[32];
      std::snprintf(value, sizeof value, "%g", double(v));
      throw invalid_argument("fabtwin iccad13: '" + path + "': mask[" + std::to_string(i) +
                             "] = " + value + "; expected a transmission in [0, 1]");
    }
  }
  return mask;
}

template <class Space>
int run(const Options& o) {
  if (!o.out.empty()) examples::start_outputs(o.out);
  if (!examples::iccad_kernels_present(o.kernels)) return 77;  // 77: "skipped" for ctest
  const auto start = std::chrono::steady_clock::now();
  const Grid canvas = optics::iccad2013_grid();
  const std::vector<optics::KernelSet> sets = examples::read_iccad_kernel_sets(o.kernels, o.layout);

  const layout::PolygonSet target_polygons =
      layout::place_on_iccad2013_canvas(layout::read_glp(o.clip));
  Context<Space> ctx;
  const Field<Real, Space> target = layout::rasterize_binary<Real>(ctx, target_polygons, canvas);
  const Field<Real, Space> mask =
      o.mask.empty() ? to<Space>(target) : to<Space>(read_mask(o.mask, canvas));

  // The three corners imaged once, then scored (metrology::evaluate_iccad2013 does both; the
  // pictures below want the images too).
  optics::SocsImager<Real, Space> imager(ctx, canvas, sets);
  const Field<Real, Space> images = optics::image_iccad2013(ctx, imager, mask);
  const metrology::Iccad2013Score score =
      metrology::score_iccad2013(ctx, images, target_polygons, target);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  io::json::Value result = io::json::Value::object();
  examples::add_scores(result, score);
  result["clip"] = o.clip;
  result["mask"] = o.mask.empty() ? std::string("target") : o.mask;
  result["kernel_layout"] = optics::describe(o.layout);
  result["seconds"] = seconds;
  result["space"] = std::string(Space::name);

  if (!o.out.empty()) {
    // Pictures and arrays are host work.
    const std::string out = o.out + "/";
    std::vector<Field<Real, Host>> corner_images;
    for (index_t c = 0; c < images.batch(); ++c) {
      corner_images.emplace_back(canvas);
      copy(View<const Real, Space>(images.view().member(c)), corner_images.back().view());
    }
    const double threshold = metrology::iccad2013_print_threshold;
    io::Image nominal =
        io::render_field(corner_images[0], {.range = std::nullopt,
                                            .colormap = io::Colormap::viridis,
                                            .scale_bar = true,
                                            .length_bar = true,
                                            .title = "nominal image, red: 0.225 contour",
                                            .value_label = "intensity"});
    for (const auto& contour : layout::extract_contours(corner_images[0], threshold))
      io::draw_polyline(nominal, canvas, contour.points, io::Color{255, 40, 40});
    result["out"] = o.out;

    // The files only once everything is computed, the summary last: a run that fails leaves none.
    static const char* names[] = {"nominal", "outer", "inner"};
    for (std::size_t c = 0; c < corner_images.size(); ++c)
      io::write_npy(out + names[c] + ".npy", corner_images[c]);
    io::write_png(out + "nominal.png", nominal);
    io::write_png(out + "target.png", to<Host>(target),
                  {.range = io::ValueRange{0, 1},
                   .scale_bar = true,
                   .length_bar = true,
                   .title = "target",
                   .value_label = "inside the target"});
  }
  result["completed"] = true;
  examples::finish_outputs(o.out, result);  // stdout, then DIR/summary.json when --out is given
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("iccad13", [&] {
    if (argc > 1 && std::string_view(argv[1]) == "ilt") {
      examples::IltOptions options;
      examples::Cli cli = examples::ilt_command_line(options);
      if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
      examples::apply_resist_defaults(cli, options);
      return examples::run_ilt(options);
    }
    Options options;
    examples::Cli cli = command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    return examples::on_best_space([&](auto space) { return run<decltype(space)>(options); });
  });
}
