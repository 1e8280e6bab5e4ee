// The ICCAD-2013 mask-optimisation evaluation (physics.md §1) as a command:
//   iccad13 eval --kernels DIR --clip FILE.glp [--mask FILE.npy] [--kernel-layout contest|header24]
//                [--out DIR]
// DIR holds the contest's two kernel sets, DIR/M1OPC (focus) and DIR/M1OPC_def (defocus), each
// scales.txt + fh<k>.bin, read as the contest reads them (--kernel-layout contest, the default:
// samples from byte 20, float32 weights, the model behind the published L2/PVB figures) or in the
// physically consistent 24-byte reading (header24; optics/iccad2013_kernels.hpp says why both). The clip is placed on the 2048 x 2048 canvas (+512, +512) and drawn with
// the centre rule. The mask (a 2048 x 2048 float32 or float64 NPY, 1 = clear, values in [0, 1])
// defaults to the target itself: the uncorrected baseline. Prints one JSON object:
//   {"l2", "pvb", "epe", "target_px", "nominal_px", "clip", "mask", "kernel_layout", "seconds", "completed"}
// (L2: nominal print vs target; PVB: outer vs inner corner prints; EPE: violations at 15 nm).
// --out DIR (checked before the work) also writes target.png, nominal.png (intensity with the
// printed contour), the three corner intensities as NPY and, last, summary.json (the JSON).
// Exit status 77 (skipped) when DIR/M1OPC/scales.txt is absent; --help lists the options.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/fabtwin.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/metrology/iccad2013_score.hpp"
#include "fabtwin/optics/iccad2013_protocol.hpp"
#include "support/cli.hpp"
#include "support/outputs.hpp"

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
      "summary.json (the JSON).",
      "eval");
  cli.path("--kernels", "DIR", "the contest's kernels: DIR/M1OPC and DIR/M1OPC_def", o.kernels,
           examples::PathKind::folder)
      .required()
      .path("--clip", "FILE.glp", "the clip, placed on the 2048 nm canvas", o.clip, examples::PathKind::file)
      .required()
      .path("--mask", "FILE.npy", "a 2048 x 2048 float32 or float64 transmission in [0, 1]", o.mask,
            examples::PathKind::file)
      .shown_default("the target")
      .choice("--kernel-layout",
              "how the kernel files are read: as the contest and the published figures read them, or "
              "from byte 24 (symmetric, unit-norm kernels)",
              o.layout, {{"contest", optics::IccadKernelLayout::contest}, {"header24", optics::IccadKernelLayout::header24}})
      .path("--out", "DIR", "also write pictures and corner images into DIR", o.out, examples::PathKind::output)
      .shown_default("none: stdout only")
      .skips("no ICCAD-2013 kernels under --kernels");
  return cli;
}

/// A 2048^2 mask from NPY, float32 or float64, checked to lie in [0, 1].
Field<float, Host> read_mask(const std::string& path, const Grid& grid) {
  Field<float, Host> mask(grid);
  // The header says the dtype; float64 masks are read as they are and rounded to the imager's float.
  // Any other dtype, and a truncated or Fortran-ordered file, get read_npy's own message.
  const std::string descr = io::read_npy_header(path).descr;
  if (descr != "<f4" && descr != "<f8")
    throw io_error("fabtwin iccad13: '" + path + "': found dtype '" + descr +
                   "'; expected a float32 ('<f4') or float64 ('<f8') mask");
  if (descr == "<f8") {
    const Field<double, Host> wide = io::read_npy_field<double>(path, grid);
    for (index_t i = 0; i < grid.size(); ++i) mask.view()[i] = float(wide.view()[i]);
  } else {
    mask = io::read_npy_field<float>(path, grid);
  }
  for (index_t i = 0; i < grid.size(); ++i) {
    const float v = mask.view()[i];
    if (!(v >= 0 && v <= 1))
      throw invalid_argument(::fabtwin::detail::argument_message(
          "iccad13", "mask[" + std::to_string(i) + "] of '" + path + "'", v, "a transmission in [0, 1]"));
  }
  return mask;
}

int run(const Options& o) {
  if (!o.out.empty()) examples::start_outputs(o.out);
  if (!std::filesystem::exists(o.kernels + "/M1OPC/scales.txt")) {  // 77: "skipped" for ctest
    std::fprintf(stderr, "iccad13: no ICCAD-2013 kernels under '%s' (expected M1OPC/ and M1OPC_def/)\n",
                 o.kernels.c_str());
    return 77;
  }
  const auto start = std::chrono::steady_clock::now();
  const Grid canvas(layout::iccad2013_canvas_size, layout::iccad2013_canvas_size, 1.0);
  std::vector<optics::KernelSet> sets;
  sets.push_back(optics::read_iccad_kernels(o.kernels + "/M1OPC", 2048, o.layout));
  sets.push_back(optics::read_iccad_kernels(o.kernels + "/M1OPC_def", 2048, o.layout));

  const layout::PolygonSet target_polygons = layout::place_on_iccad2013_canvas(layout::read_glp(o.clip));
  Context<Host> ctx;
  const Field<float, Host> target = layout::rasterize_binary<float>(ctx, target_polygons, canvas);
  const Field<float, Host> mask = o.mask.empty() ? to<Host>(target) : read_mask(o.mask, canvas);

  optics::SocsImager<float, Host> imager(ctx, canvas, sets);
  const metrology::Iccad2013Score score = metrology::evaluate_iccad2013(ctx, imager, target_polygons, target, mask);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  io::json::Value result = io::json::Value::object();
  result["l2"] = std::int64_t(score.l2);
  result["pvb"] = std::int64_t(score.pvb);
  result["epe"] = std::int64_t(score.epe);
  result["target_px"] = std::int64_t(score.target_px);
  result["nominal_px"] = std::int64_t(score.nominal_px);
  result["clip"] = o.clip;
  result["mask"] = o.mask.empty() ? std::string("target") : o.mask;
  result["kernel_layout"] = optics::describe(o.layout);
  result["seconds"] = seconds;

  if (!o.out.empty()) {
    const std::string out = o.out + "/";
    const auto corners = optics::iccad2013_conditions();
    const Field<float, Host> images = imager.image(ctx, mask, corners);
    std::vector<Field<float, Host>> corner_images;
    for (index_t c = 0; c < index_t(corners.size()); ++c) {
      corner_images.emplace_back(canvas);
      copy(View<const float, Host>(images.view().member(c)), corner_images.back().view());
    }
    io::Image nominal = io::render_field(corner_images[0], {.range = std::nullopt, .colormap = io::Colormap::viridis,
                                                            .scale_bar = true, .length_bar = true,
                                                            .title = "nominal image, red: 0.225 contour",
                                                            .value_label = "intensity"});
    for (const auto& contour : layout::extract_contours(corner_images[0], 0.225))
      io::draw_polyline(nominal, canvas, contour.points, io::Color{255, 40, 40});
    result["out"] = o.out;

    // The files only once everything is computed, the summary last: a run that fails leaves none.
    static const char* names[] = {"nominal", "outer", "inner"};
    for (std::size_t c = 0; c < corner_images.size(); ++c) io::write_npy(out + names[c] + ".npy", corner_images[c]);
    io::write_png(out + "nominal.png", nominal);
    io::write_png(out + "target.png", target, {.range = io::ValueRange{0, 1}, .scale_bar = true, .length_bar = true,
                                               .title = "target", .value_label = "inside the target"});
  }
  result["completed"] = true;
  examples::finish_outputs(o.out, result);  // stdout, then DIR/summary.json when --out is given
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("iccad13", [&] {
    Options options;
    examples::Cli cli = command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    return run(options);
  });
}
