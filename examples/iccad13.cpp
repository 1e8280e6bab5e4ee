// The ICCAD-2013 mask-optimisation evaluation (physics.md §1) as a command:
//   iccad13 eval --kernels DIR --clip FILE.glp [--mask FILE.npy] [--out DIR]
// DIR holds the contest's two kernel sets, DIR/M1OPC (focus) and DIR/M1OPC_def (defocus), each
// scales.txt + fh<k>.bin. The clip is placed on the 2048 x 2048 canvas (+512, +512) and drawn with
// the centre rule. The mask (a 2048 x 2048 float32 or float64 NPY, 1 = clear, values in [0, 1])
// defaults to the target itself: the uncorrected baseline. Prints one JSON object:
//   {"l2", "pvb", "epe", "target_px", "nominal_px", "clip", "mask", "seconds"}
// (L2: nominal print vs target; PVB: outer vs inner corner prints; EPE: violations at 15 nm).
// --out DIR also writes target.png, nominal.png (intensity with the printed contour) and the three
// corner intensities as NPY.

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
#include "fabtwin/optics/iccad2013_protocol.hpp"
#include "support/cli.hpp"

namespace {

using namespace fabtwin;

struct Options {
  std::string kernels, clip, mask, out;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "iccad13: %s\nusage: iccad13 eval --kernels DIR --clip FILE.glp [--mask FILE.npy] [--out DIR]\n",
               problem.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != "eval") usage("the first argument must be the command 'eval'");
  Options o;
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--kernels") o.kernels = value;
    else if (flag == "--clip") o.clip = value;
    else if (flag == "--mask") o.mask = value;
    else if (flag == "--out") o.out = value;
    else usage("unknown option " + flag);
  }
  if (o.kernels.empty()) usage("missing --kernels");
  if (o.clip.empty()) usage("missing --clip");
  return o;
}

/// A 2048^2 mask from NPY, float32 or float64, checked to lie in [0, 1].
Field<float, Host> read_mask(const std::string& path, const Grid& grid) {
  Field<float, Host> mask(grid);
  const std::string descr = [&] {  // peek at the dtype so either precision is accepted
    try {
      (void)io::read_npy<float>(path);
      return std::string("<f4");
    } catch (const io_error&) {
      return std::string("<f8");
    }
  }();
  if (descr == "<f4") {
    mask = io::read_npy_field<float>(path, grid);
  } else {
    const Field<double, Host> wide = io::read_npy_field<double>(path, grid);
    for (index_t i = 0; i < grid.size(); ++i) mask.view()[i] = float(wide.view()[i]);
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
  if (!std::filesystem::exists(o.kernels + "/M1OPC/scales.txt")) {  // 77: "skipped" for ctest
    std::fprintf(stderr, "iccad13: no ICCAD-2013 kernels under '%s' (expected M1OPC/ and M1OPC_def/)\n",
                 o.kernels.c_str());
    return 77;
  }
  const auto start = std::chrono::steady_clock::now();
  const Grid canvas(layout::iccad2013_canvas_size, layout::iccad2013_canvas_size, 1.0);
  std::vector<optics::KernelSet> sets;
  sets.push_back(optics::read_iccad_kernels(o.kernels + "/M1OPC"));
  sets.push_back(optics::read_iccad_kernels(o.kernels + "/M1OPC_def"));

  const layout::PolygonSet target_polygons = layout::place_on_iccad2013_canvas(layout::read_glp(o.clip));
  Context<Host> ctx;
  const Field<float, Host> target = layout::rasterize_binary<float>(ctx, target_polygons, canvas);
  const Field<float, Host> mask = o.mask.empty() ? to<Host>(target) : read_mask(o.mask, canvas);

  optics::SocsImager<float, Host> imager(ctx, canvas, sets);
  const optics::Iccad2013Score score = optics::evaluate_iccad2013(ctx, imager, target_polygons, target, mask);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  io::json::Value result = io::json::Value::object();
  result["l2"] = std::int64_t(score.l2);
  result["pvb"] = std::int64_t(score.pvb);
  result["epe"] = std::int64_t(score.epe);
  result["target_px"] = std::int64_t(score.target_px);
  result["nominal_px"] = std::int64_t(score.nominal_px);
  result["clip"] = o.clip;
  result["mask"] = o.mask.empty() ? std::string("target") : o.mask;
  result["seconds"] = seconds;

  if (!o.out.empty()) {
    std::filesystem::create_directories(o.out);
    const std::string out = o.out + "/";
    const auto corners = optics::iccad2013_conditions();
    const Field<float, Host> images = imager.image(ctx, mask, corners);
    static const char* names[] = {"nominal", "outer", "inner"};
    for (index_t c = 0; c < index_t(corners.size()); ++c) {
      Field<float, Host> one(canvas);
      copy(View<const float, Host>(images.view().member(c)), one.view());
      io::write_npy(out + names[c] + ".npy", one);
      if (c == 0) {
        io::Image picture = io::render_field(one, {.range = std::nullopt, .colormap = io::Colormap::viridis, .scale_bar = true});
        for (const auto& contour : layout::extract_contours(one, 0.225))
      io::draw_polyline(picture, canvas, contour.points, io::Color{255, 40, 40});
        io::write_png(out + "nominal.png", picture);
      }
    }
    io::write_png(out + "target.png", target, {.range = io::ValueRange{0, 1}});
    result["out"] = o.out;
  }
  std::printf("%s\n", result.dump(2).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  return examples::exit_status("iccad13", [&] { return run(options); });
}
