// Mask in, aerial image out: draws a mask (an ICCAD-2013 clip or a built-in line/space or contact
// pattern), images it through SOCS kernels (generated from the optics given on the command line, or
// read from an ICCAD kernel folder) and writes what a lithographer looks at first.
//
// Usage: aerial_image [--clip FILE.glp | --pattern lines:PITCH:CD | --pattern contacts:PITCH:SIZE]
//                     [--field NM] [--pitch NM] [--kernels DIR [--kernel-layout contest|header24]]
//                     [--wavelength NM] [--na X] [--index N] [--source SPEC] [--source-step S]
//                     [--defocus NM] [--count K] [--dose D] [--threshold I] [--out DIR]
// Defaults: lines:90:45 (clear 45 nm lines, the mask's open areas, on a 90 nm pitch) on a 1080 nm
// field at 2 nm pixels; 193 nm, NA 1.35, water (1.43664), annular:0.6:0.9 sampled every 0.05 sigma,
// 24 kernels; out/aerial_image. The print threshold defaults to 0.225 for a clip (the ICCAD-2013
// rule, in the contest kernels' normalisation: generated kernels image a clear field to about 0.9,
// so pass --threshold to compare prints between the two) and, for a pattern, to the intensity at
// the drawn edge of the central feature: the constant threshold model anchored so that this feature
// prints at its drawn size.
// A clip is drawn on the 2048 x 2048 nm ICCAD canvas at 1 nm pixels (so --clip refuses --pattern,
// --field and --pitch). --kernels DIR reads DIR/scales.txt + DIR/fh<k>.bin (e.g.
// ../shared/data/iccad2013/kernels/M1OPC), made for a field of --field nm (so it refuses the options
// of the optics), read as the contest reads them (--kernel-layout contest, the default) or from
// byte 24 (header24; optics/iccad2013_kernels.hpp). --help lists every option with what it accepts.
//
// Runs on the GPU when compiled by nvcc and one is present (the "space" in the summary), else on the
// host; kernels are generated on the host either way (support/kernels.cpp).
//
// Output: mask.png, aerial.png (intensity, viridis, printed contour in red), intensity.npy, then
// summary.json (optics, kernel energy, intensity range, printed area, CD and NILS across the centre
// for line patterns, the space, "completed": true), all written after the computing.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/io.hpp"
#include "fabtwin/layout.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/metrology/nils.hpp"
#include "fabtwin/metrology/pixel_counts.hpp"
#include "fabtwin/metrology/sampling.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/source_spec.hpp"
#include "support/cli.hpp"
#include "support/host_kernels.hpp"
#include "support/outputs.hpp"
#include "support/patterns.hpp"
#include "support/source_option.hpp"
#include "support/space.hpp"

namespace {

using namespace fabtwin;

struct Options {
  std::string clip, pattern = "lines:90:45", kernels, source_spec = "annular:0.6:0.9",
                    out = "out/aerial_image";
  double field_nm = 1080, pitch_nm = 2, dose = 1;
  std::optional<double> threshold;  ///< unset: see the defaults above
  optics::OpticalSystem system;
  support::KernelRequest socs{.period_nm = 0, .count = 24, .source_step = 0.05};
  optics::IccadKernelLayout layout = optics::IccadKernelLayout::contest;
  std::optional<optics::Source> source;  ///< read from source_spec when kernels are generated
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "aerial_image",
      "Draws a mask (an ICCAD-2013 clip or a built-in pattern), images it through SOCS kernels generated\n"
      "from the optics or read from an ICCAD kernel folder, and writes mask.png, aerial.png,\n"
      "intensity.npy and, last, summary.json. The print threshold defaults to 0.225 for a clip (the\n"
      "contest rule) and to the intensity at the drawn edge of a pattern's central feature.");
  cli.path("--clip", "FILE.glp", "an ICCAD-2013 clip, drawn on the 2048 nm canvas at 1 nm pixels",
           o.clip, examples::PathKind::file)
      .shown_default("none: --pattern")
      .text("--pattern", "SPEC", "a built-in pattern of clear lines or square contacts", o.pattern,
            examples::pattern_forms,
            [](const std::string& text) { return examples::read_pattern(text).has_value(); })
      .number("--field", "NM", "side of the periodic field", o.field_nm,
              {.what = "a field side", .unit = "nm", .above = 0})
      .number("--pitch", "NM", "pixel pitch", o.pitch_nm,
              {.what = "a pixel pitch", .unit = "nm", .above = 0})
      .path("--kernels", "DIR",
            "read the kernels from DIR/scales.txt and DIR/fh<k>.bin, made for --field", o.kernels,
            examples::PathKind::folder)
      .shown_default("none: generate them")
      .choice("--kernel-layout",
              "how --kernels are read: as the ICCAD-2013 contest reads them, or from byte 24",
              o.layout,
              {{"contest", optics::IccadKernelLayout::contest},
               {"header24", optics::IccadKernelLayout::header24}})
      .number("--wavelength", "NM", "exposure wavelength", o.system.wavelength_nm,
              {.what = "a wavelength", .unit = "nm", .above = 0})
      .number("--na", "X", "numerical aperture, below --index", o.system.na,
              {.what = "an NA", .above = 0})
      .number("--index", "N", "immersion index", o.system.immersion_index,
              {.what = "a refractive index", .at_least = 1})
      .text(
          "--source", "SPEC",
          "disc:S, annular:SIN:SOUT, dipole:SIN:SOUT:OPENING_DEG:ROTATION_DEG, quasar:... or a map FILE.npy",
          o.source_spec, "a source spec")
      .number("--source-step", "S", "source sampling step", o.socs.source_step,
              {.what = "a source step", .unit = "sigma", .at_least = 0.001, .at_most = 1})
      .number("--defocus", "NM", "defocus", o.system.defocus_nm,
              {.what = "a defocus", .unit = "nm"})
      .count("--count", "K", "kernels to generate", o.socs.count, "a kernel count")
      .number("--dose", "D",
              "the ICCAD-2013 dose: a factor on the mask amplitude (intensity x D^2)", o.dose,
              {.what = "a dose factor", .above = 0})
      .number("--threshold", "I", "print threshold", o.threshold,
              {.what = "a print threshold", .above = 0})
      .shown_default("0.225 for a clip, anchored at the drawn edge for a pattern")
      .path("--out", "DIR", "output folder", o.out, examples::PathKind::output);
  return cli;
}

/// What each option accepts given the others (the single options were checked by the parser).
void check(const examples::Cli& cli, Options& o) {
  cli.exclusive("--clip", "--pattern", "one mask at a time");
  for (const char* grid : {"--field", "--pitch"})
    cli.exclusive("--clip", grid, "a clip is drawn on the 2048 nm ICCAD canvas at 1 nm pixels");
  for (const char* optics :
       {"--wavelength", "--na", "--index", "--source", "--source-step", "--defocus", "--count"})
    cli.exclusive("--kernels", optics, "the kernels are read, not generated from the optics");
  if (cli.given("--kernel-layout") && o.kernels.empty())
    cli.refuse("--kernel-layout", "--kernels DIR too (generated kernels are not read from files)");
  if (!o.clip.empty()) o.field_nm = double(layout::iccad2013_canvas_size), o.pitch_nm = 1;
  const double pixels = o.field_nm / o.pitch_nm;
  if (std::fabs(pixels - std::round(pixels)) > 1e-9 * pixels)
    cli.refuse("--field",
               "a whole number of --pitch " + fabtwin::describe(o.pitch_nm) + " nm pixels");
  if (o.clip.empty() && !examples::fits(examples::parse_pattern(o.pattern), o.field_nm))
    cli.refuse("--field", "a whole number of the periods of --pattern " + o.pattern);
  if (o.kernels.empty()) {
    if (!(o.system.na < o.system.immersion_index))
      cli.refuse("--na", "an NA below --index " + fabtwin::describe(o.system.immersion_index));
    o.source = examples::read_source_option(cli, o.source_spec);
  }
}

template <class Space>
int run(const Options& o) {
  const auto start = std::chrono::steady_clock::now();
  examples::start_outputs(o.out);
  const std::string out = o.out + "/";
  const index_t n = index_t(std::llround(o.field_nm / o.pitch_nm));
  Context<Space> ctx;

  // The mask: pixel centres at (i + 1/2) pitch for patterns (area coverage: an anti-aliased mask);
  // an ICCAD clip uses the contest's canvas and centre rule.
  layout::PolygonSet shapes;
  Field<float, Space> mask(Grid(n, n, o.pitch_nm));
  io::json::Value summary = io::json::Value::object();
  if (!o.clip.empty()) {
    shapes = layout::place_on_iccad2013_canvas(layout::read_glp(o.clip));
    mask = layout::rasterize_binary<float>(ctx, shapes, Grid(n, n, 1.0));
    summary["clip"] = o.clip;
  } else {
    shapes = examples::draw_pattern(examples::parse_pattern(o.pattern), o.field_nm);
    mask = layout::rasterize_area<float>(
        ctx, shapes, Grid(n, n, o.pitch_nm, {o.pitch_nm / 2, o.pitch_nm / 2, 0}));
    summary["pattern"] = o.pattern;
  }
  const Grid grid = mask.grid();

  optics::KernelSet kernels;
  if (!o.kernels.empty()) {
    kernels = optics::read_iccad_kernels(o.kernels, o.field_nm, o.layout);
    summary["kernels"] = o.kernels;
    summary["kernel_layout"] = optics::describe(o.layout);
  } else {
    const optics::Source& source = *o.source;
    support::KernelRequest socs = o.socs;
    socs.period_nm = o.field_nm;
    std::fprintf(stderr, "aerial_image: generating %lld kernels for %s, NA %g...\n",
                 (long long)socs.count, source.describe().c_str(), o.system.na);
    kernels = support::generate_kernels(o.system, source, socs);
    summary["source"] = source.describe();
    summary["na"] = o.system.na;
    summary["wavelength_nm"] = o.system.wavelength_nm;
    summary["defocus_nm"] = o.system.defocus_nm;
  }
  summary["kernel_count"] = std::int64_t(kernels.count());
  summary["kernel_energy"] = kernels.energy;

  optics::SocsImager<float, Space> imager(ctx, grid, {kernels});
  const optics::Condition condition{o.dose, 0};
  const Field<float, Space> intensity = imager.image(ctx, mask, std::span(&condition, 1));
  // The measurements along a line, the contours and the pictures are host work.
  const Field<float, Host> host_intensity = to<Host>(intensity), host_mask = to<Host>(mask);

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
    const metrology::BilinearSampler<float> sample(host_intensity.cview(), grid, 0, "aerial_image");
    threshold = sample({centre - p.size / 2, centre_y});
  }

  const index_t magnify = io::magnification_for(grid, 512);
  io::Image picture = io::render_field(
      host_intensity, {.range = std::nullopt,
                       .colormap = io::Colormap::viridis,
                       .scale_bar = true,
                       .length_bar = true,
                       .title = "aerial image, red: threshold " + io::tick_label(threshold),
                       .value_label = "intensity",
                       .magnify = magnify});
  for (const auto& contour : layout::extract_contours(host_intensity, threshold))
    io::draw_polyline(picture, grid, contour.points, io::Color{255, 40, 40});

  summary["field_nm"] = o.field_nm;
  summary["pitch_nm"] = o.pitch_nm;
  summary["dose"] = o.dose;
  summary["threshold"] = threshold;
  summary["threshold_rule"] =
      std::string(o.threshold  ? "given"
                  : is_pattern ? "anchored: the drawn edge of the central feature"
                               : "ICCAD-2013 (0.225)");
  summary["intensity_min"] = double(min(ctx, intensity.view()));
  summary["intensity_max"] = double(max(ctx, intensity.view()));
  summary["printed_px"] = std::int64_t(metrology::printed_pixels(ctx, intensity.view(), threshold));
  if (is_pattern) {
    // Across the central feature: its printed width and the normalised edge slope there.
    const metrology::CutLine cut{{centre - p.period / 2, centre_y},
                                 {centre + p.period / 2, centre_y}};
    const metrology::CdResult cd =
        metrology::measure_cd(host_intensity.view(), grid, cut, threshold, metrology::Tone::line);
    summary["cd_status"] = std::string(metrology::describe(cd.status));
    if (cd.ok()) {
      summary["cd_nm"] = cd.cd_nm;
      summary["nils"] = metrology::nils(cd, p.size).mean;
    }
  }
  summary["space"] = std::string(Space::name);
  summary["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary["pictures"] = io::json::Value::array();
  summary["pictures"].push_back(out + "mask.png");
  summary["pictures"].push_back(out + "aerial.png");
  summary["completed"] = true;

  // The files only once everything is computed, the summary last: a run that fails leaves none.
  io::write_png(out + "mask.png", host_mask,
                {.range = io::ValueRange{0, 1},
                 .scale_bar = true,
                 .length_bar = true,
                 .title = "mask",
                 .value_label = "transmission",
                 .magnify = magnify});
  io::write_png(out + "aerial.png", picture);
  io::write_npy(out + "intensity.npy", host_intensity);
  examples::finish_outputs(o.out, summary);
  std::fprintf(stderr,
               "aerial_image: pictures in %s (mask.png, aerial.png), intensity.npy, summary.json\n",
               o.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("aerial_image", [&] {
    Options options;
    examples::Cli cli = command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    check(cli, options);
    return examples::on_best_space([&](auto space) { return run<decltype(space)>(options); });
  });
}
