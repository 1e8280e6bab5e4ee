// Mask in, aerial image out: draws a mask (an ICCAD-2013 clip or a built-in line/space or contact
// pattern), images it through SOCS kernels (generated from the optics given on the command line, or
// read from an ICCAD kernel folder) and writes what a lithographer looks at first.
//
// Usage: aerial_image [--clip FILE.glp | --pattern lines:PITCH:CD | --pattern contacts:PITCH:SIZE]
//                     [--field NM] [--pitch NM] [--kernels DIR]
//                     [--wavelength NM] [--na X] [--index N] [--source SPEC] [--source-step S]
//                     [--defocus NM] [--count K] [--dose D] [--threshold I] [--out DIR]
// Defaults: lines:90:45 (clear 45 nm lines, the mask's open areas, on a 90 nm pitch) on a 1080 nm
// field at 2 nm pixels; 193 nm, NA 1.35, water (1.43664), annular:0.6:0.9 sampled every 0.05 sigma,
// 24 kernels; out/aerial_image. The print threshold defaults to 0.225 for a clip (the ICCAD-2013
// rule, in the contest kernels' normalisation: generated kernels image a clear field to about 0.9,
// so pass --threshold to compare prints between the two) and, for a pattern, to the intensity at
// the drawn edge of the central feature: the constant threshold model anchored so that this feature
// prints at its drawn size.
// A clip is drawn on the 2048 x 2048 nm ICCAD canvas at 1 nm pixels (--field and --pitch ignored).
// --kernels DIR reads DIR/scales.txt + DIR/fh<k>.bin (e.g. ../shared/data/iccad2013/kernels/M1OPC),
// made for a field of --field nm.
//
// Output: mask.png, aerial.png (intensity, viridis, printed contour in red), intensity.npy,
// summary.json (optics, kernel energy, intensity range, printed area, CD and NILS across the centre
// for line patterns).

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/fabtwin.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/socs_kernels.hpp"
#include "fabtwin/optics/source_spec.hpp"
#include "support/cli.hpp"
#include "support/patterns.hpp"

namespace {

using namespace fabtwin;

struct Options {
  std::string clip, pattern = "lines:90:45", kernels, source = "annular:0.6:0.9", out = "out/aerial_image";
  double field_nm = 1080, pitch_nm = 2, dose = 1;
  std::optional<double> threshold;  ///< unset: see the defaults above
  optics::OpticalSystem system;
  optics::SocsOptions socs;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "aerial_image: %s\nusage: aerial_image [--clip FILE.glp | --pattern lines:PITCH:CD | "
               "--pattern contacts:PITCH:SIZE] [--field NM] [--pitch NM] [--kernels DIR] [--wavelength NM] "
               "[--na X] [--index N] [--source SPEC] [--source-step S] [--defocus NM] [--count K] "
               "[--dose D] [--threshold I] [--out DIR]\n",
               problem.c_str());
  std::exit(2);
}

double number(const std::string& flag, const std::string& value) {
  const auto v = examples::parse_number(value);
  if (!v) usage("bad number for " + flag + ": '" + value + "'");
  return *v;
}

Options parse(int argc, char** argv) {
  Options o;
  o.socs.source_step = 0.05;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--clip") o.clip = value;
    else if (flag == "--pattern") o.pattern = value;
    else if (flag == "--field") o.field_nm = number(flag, value);
    else if (flag == "--pitch") o.pitch_nm = number(flag, value);
    else if (flag == "--kernels") o.kernels = value;
    else if (flag == "--wavelength") o.system.wavelength_nm = number(flag, value);
    else if (flag == "--na") o.system.na = number(flag, value);
    else if (flag == "--index") o.system.immersion_index = number(flag, value);
    else if (flag == "--source") o.source = value;
    else if (flag == "--source-step") o.socs.source_step = number(flag, value);
    else if (flag == "--defocus") o.system.defocus_nm = number(flag, value);
    else if (flag == "--count") o.socs.count = index_t(number(flag, value));
    else if (flag == "--dose") o.dose = number(flag, value);
    else if (flag == "--threshold") o.threshold = number(flag, value);
    else if (flag == "--out") o.out = value;
    else usage("unknown option " + flag);
  }
  if (!o.clip.empty()) o.field_nm = double(layout::iccad2013_canvas_size), o.pitch_nm = 1;
  if (!(o.pitch_nm > 0) || !(o.field_nm > 0)) usage("--field and --pitch must be positive");
  const double pixels = o.field_nm / o.pitch_nm;
  if (std::fabs(pixels - std::round(pixels)) > 1e-9 * pixels) usage("--field must be a whole number of --pitch pixels");
  return o;
}

int run(const Options& o) {
  const auto start = std::chrono::steady_clock::now();
  std::filesystem::create_directories(o.out);
  const std::string out = o.out + "/";
  const index_t n = index_t(std::llround(o.field_nm / o.pitch_nm));
  Context<Host> ctx;

  // The mask: pixel centres at (i + 1/2) pitch for patterns (area coverage: an anti-aliased mask);
  // an ICCAD clip uses the contest's canvas and centre rule.
  layout::PolygonSet shapes;
  Field<float, Host> mask(Grid(n, n, o.pitch_nm));
  io::json::Value summary = io::json::Value::object();
  if (!o.clip.empty()) {
    shapes = layout::place_on_iccad2013_canvas(layout::read_glp(o.clip));
    mask = layout::rasterize_binary<float>(ctx, shapes, Grid(n, n, 1.0));
    summary["clip"] = o.clip;
  } else {
    shapes = examples::draw_pattern(examples::parse_pattern(o.pattern), o.field_nm);
    mask = layout::rasterize_area<float>(ctx, shapes, Grid(n, n, o.pitch_nm, {o.pitch_nm / 2, o.pitch_nm / 2, 0}));
    summary["pattern"] = o.pattern;
  }
  const Grid grid = mask.grid();

  optics::KernelSet kernels;
  if (!o.kernels.empty()) {
    kernels = optics::read_iccad_kernels(o.kernels, o.field_nm);
    summary["kernels"] = o.kernels;
  } else {
    const optics::Source source = optics::parse_source_spec(o.source);
    optics::SocsOptions socs = o.socs;
    socs.period_nm = o.field_nm;
    std::fprintf(stderr, "aerial_image: generating %lld kernels for %s, NA %g...\n", (long long)socs.count,
                 source.describe().c_str(), o.system.na);
    kernels = optics::socs_kernels(o.system, source, socs);
    summary["source"] = source.describe();
    summary["na"] = o.system.na;
    summary["wavelength_nm"] = o.system.wavelength_nm;
    summary["defocus_nm"] = o.system.defocus_nm;
  }
  summary["kernel_count"] = std::int64_t(kernels.count());
  summary["kernel_energy"] = kernels.energy;

  optics::SocsImager<float, Host> imager(ctx, grid, {kernels});
  const optics::Condition condition{o.dose, 0};
  const Field<float, Host> intensity = imager.image(ctx, mask, std::span(&condition, 1));

  // The central feature of a pattern: its centre, and the cut line across it (through the field
  // centre, one period long).
  const bool is_pattern = o.clip.empty();
  const examples::Pattern p = is_pattern ? examples::parse_pattern(o.pattern) : examples::Pattern{};
  const double centre = is_pattern ? p.centre(o.field_nm) : 0;
  const double centre_y = p.kind == "lines" ? o.field_nm / 2 : centre;
  double threshold = 0.225;
  if (o.threshold) {
    threshold = *o.threshold;
  } else if (is_pattern) {
    // Pixel centres sit at (i + 1/2) pitch, so the drawn edge lies inside the sampled hull.
    const metrology::BilinearSampler<float> sample(intensity.cview(), grid, 0, "aerial_image");
    threshold = sample({centre - p.size / 2, centre_y});
  }

  io::write_png(out + "mask.png", mask, {.range = io::ValueRange{0, 1}});
  io::Image picture =
      io::render_field(intensity, {.range = std::nullopt, .colormap = io::Colormap::viridis, .scale_bar = true});
  for (const auto& contour : layout::extract_contours(intensity, threshold))
    io::draw_polyline(picture, grid, contour.points, io::Color{255, 40, 40});
  io::write_png(out + "aerial.png", picture);
  io::write_npy(out + "intensity.npy", intensity);

  summary["field_nm"] = o.field_nm;
  summary["pitch_nm"] = o.pitch_nm;
  summary["dose"] = o.dose;
  summary["threshold"] = threshold;
  summary["threshold_rule"] = std::string(o.threshold  ? "given"
                                          : is_pattern ? "anchored: the drawn edge of the central feature"
                                                       : "ICCAD-2013 (0.225)");
  summary["intensity_min"] = double(min(ctx, intensity.view()));
  summary["intensity_max"] = double(max(ctx, intensity.view()));
  summary["printed_px"] = std::int64_t(metrology::printed_pixels(ctx, intensity.view(), threshold));
  if (is_pattern) {
    // Across the central feature: its printed width and the normalised edge slope there.
    const metrology::CutLine cut{{centre - p.period / 2, centre_y}, {centre + p.period / 2, centre_y}};
    const metrology::CdResult cd =
        metrology::measure_cd(intensity.view(), grid, cut, threshold, metrology::Tone::line);
    summary["cd_status"] = std::string(metrology::describe(cd.status));
    if (cd.ok()) {
      summary["cd_nm"] = cd.cd_nm;
      summary["nils"] = metrology::nils(cd, p.size).mean;
    }
  }
  summary["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary["pictures"] = io::json::Value::array();
  summary["pictures"].push_back(out + "mask.png");
  summary["pictures"].push_back(out + "aerial.png");
  io::write_json(out + "summary.json", summary);
  std::printf("%s\n", summary.dump(2).c_str());
  std::fprintf(stderr, "aerial_image: pictures in %s (mask.png, aerial.png), intensity.npy, summary.json\n",
               o.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  return examples::exit_status("aerial_image", [&] { return run(options); });
}
