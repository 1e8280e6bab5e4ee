// SOCS kernels from the optics: builds the transmission cross-coefficient of a scanner's source and
// pupil over the frequencies one periodic field can hold, keeps its strongest eigenpairs and prints
// one JSON object (the fixed interface scripts drive):
//   {"weights": [w_1 >= w_2 >= ...], "energy": kept share of the TCC trace, "count": K, "radius": R,
//    "period_nm": L, "pitch_nm": ..., "source": "...", "seconds": generation time, ...}
//
// Usage: socs_kernels --wavelength NM --na X --index N --source SPEC [--source-step S]
//                     [--defocus NM] --field NM --pitch NM --count K [--energy E]
//                     [--radiometric two-sided|wafer-side|off] [--out DIR]
// SPEC: disc:S | annular:SIN:SOUT | dipole:SIN:SOUT:OPENING_DEG:ROTATION_DEG |
//       quasar:SIN:SOUT:OPENING_DEG:ROTATION_DEG | FILE.npy (freeform map over sigma in [-1, 1]^2).
// --energy E (0 < E <= 1) keeps the fewest kernels, at most --count, that hold that share.
// --radiometric names the pupil's radiometric factor (optics/pupil.hpp): two-sided (default, the
// textbook ((1 - sin^2 theta_mask) / (1 - sin^2 theta_wafer))^(1/4)), wafer-side
// ((1 - sin^2 theta_wafer)^(-1/4)) or off.
// --out DIR writes DIR/iccad/{scales.txt, fh<k>.bin} (the ICCAD-2013 files in the contest layout,
// read correctly by the contest's evaluators and by `iccad13 eval`), DIR/kernels.{npy,json} + weights.npy (lossless,
// optics::load_kernels), DIR/kernel_<k>.png: |h_k| in space, the central 256 x 256 pixels, and
// last DIR/summary.json (the JSON); the folder is checked before the work, the files written after.
// Progress goes to stderr; stdout carries only the JSON, which ends with "completed": true.
// --help lists every option with what it accepts.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/exec/context.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/io/json.hpp"
#include "fabtwin/io/png.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/kernel_io.hpp"
#include "fabtwin/optics/socs_options.hpp"
#include "fabtwin/optics/source_spec.hpp"
#include "support/cli.hpp"
#include "support/host_kernels.hpp"
#include "support/outputs.hpp"
#include "support/source_option.hpp"

namespace {

using namespace fabtwin;

struct Options {
  optics::OpticalSystem system;
  std::string source_spec;
  std::optional<optics::Source> source;  ///< read from source_spec
  optics::SocsOptions socs;
  double pitch_nm = 0;
  std::string out;
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "socs_kernels",
      "Builds the TCC of a scanner's source and pupil over the frequencies one periodic field holds,\n"
      "keeps its strongest eigenpairs and prints one JSON object (weights, energy, count, ...) on\n"
      "stdout; progress goes to stderr. --out DIR also writes DIR/iccad/{scales.txt, fh<k>.bin},\n"
      "DIR/kernels.{npy,json}, weights.npy, kernel_<k>.png and, last, summary.json (the JSON).");
  o.socs.count = 0;  // required: scripts never get a default
  cli.number("--wavelength", "NM", "exposure wavelength", o.system.wavelength_nm,
             {.what = "a wavelength", .unit = "nm", .above = 0})
      .required()
      .number("--na", "X", "numerical aperture, below --index", o.system.na,
              {.what = "an NA", .above = 0})
      .required()
      .number("--index", "N", "immersion index", o.system.immersion_index,
              {.what = "a refractive index", .at_least = 1})
      .required()
      .text(
          "--source", "SPEC",
          "disc:S, annular:SIN:SOUT, dipole:SIN:SOUT:OPENING_DEG:ROTATION_DEG, "
          "quasar:SIN:SOUT:OPENING_DEG:ROTATION_DEG or a freeform map FILE.npy over sigma in [-1, 1]^2",
          o.source_spec, "a source spec")
      .required()
      .number("--source-step", "S", "source sampling step", o.socs.source_step,
              {.what = "a source step", .unit = "sigma", .at_least = 0.001, .at_most = 1})
      .number("--defocus", "NM", "defocus", o.system.defocus_nm,
              {.what = "a defocus", .unit = "nm"})
      .number("--field", "NM", "side of the periodic field the kernels are made for",
              o.socs.period_nm, {.what = "a field side", .unit = "nm", .above = 0})
      .required()
      .number("--pitch", "NM", "pixel pitch of the kernel pictures", o.pitch_nm,
              {.what = "a pixel pitch", .unit = "nm", .above = 0})
      .required()
      .count("--count", "K", "the most kernels kept", o.socs.count, "a kernel count")
      .required()
      .number("--energy", "E",
              "keep the fewest kernels, at most --count, that hold this share of the TCC trace",
              o.socs.energy, {.what = "a kept energy share", .above = 0, .at_most = 1})
      .shown_default("keep --count")
      .choice("--radiometric", "the pupil's radiometric (obliquity) factor", o.system.radiometric,
              {{"two-sided", optics::Radiometric::two_sided},
               {"wafer-side", optics::Radiometric::wafer_side},
               {"off", optics::Radiometric::off}})
      .path("--out", "DIR", "write the kernels and their pictures into DIR", o.out,
            examples::PathKind::output)
      .shown_default("none: stdout only");
  return cli;
}

/// What the options accept together (the single options were checked by the parser).
void check(const examples::Cli& cli, Options& o) {
  if (!(o.system.na < o.system.immersion_index))
    cli.refuse("--na", "an NA below --index " + fabtwin::describe(o.system.immersion_index));
  const double pixels = o.socs.period_nm / o.pitch_nm;
  if (pixels < 1 || std::fabs(pixels - std::round(pixels)) > 1e-9 * pixels)
    cli.refuse("--field",
               "a whole number of --pitch " + fabtwin::describe(o.pitch_nm) + " nm pixels");
  o.source = examples::read_source_option(cli, o.source_spec);
}

/// |h_k(x)| on the field's pixel grid, the central `window` pixels around the kernel's origin: the
/// spectrum is placed on the n x n FFT grid and inverse transformed (the origin lands on pixel 0 and
/// is rolled to the middle). `spectrum` and `space` are the n x n work fields, made before the
/// kernels so that a field too large for memory fails at once; every kernel writes the same bins of
/// `spectrum`, the others stay 0.
Field<float, Host> kernel_magnitude(Context<Host>& ctx, const optics::KernelSet& set, index_t k,
                                    Field<complex<double>, Host>& spectrum,
                                    Field<complex<double>, Host>& space, index_t window,
                                    double pitch_nm) {
  const index_t n = spectrum.grid().nx();
  auto s = spectrum.view();
  const index_t r = set.radius;
  for (index_t q = -r; q <= r; ++q)
    for (index_t p = -r; p <= r; ++p) {
      const auto v = set.at(k, p, q);
      s((p + n) % n, (q + n) % n) = complex<double>(v.real(), v.imag());
    }
  fft::inverse(ctx, View<const complex<double>, Host>(spectrum.view()), space.view());
  Field<float, Host> picture(Grid(window, window, pitch_nm));
  for (index_t y = 0; y < window; ++y)
    for (index_t x = 0; x < window; ++x) {
      const index_t sx = (x - window / 2 + n) % n, sy = (y - window / 2 + n) % n;
      picture.view()(x, y) = float(abs(space.view()(sx, sy)));
    }
  return picture;
}

int run(const Options& o) {
  std::optional<Field<complex<double>, Host>> spectrum, space;
  const index_t n = index_t(std::llround(o.socs.period_nm / o.pitch_nm));
  if (!o.out.empty()) {
    examples::start_outputs(o.out);
    spectrum.emplace(Grid(n, n, 1.0));
    space.emplace(Grid(n, n, 1.0));
  }
  const optics::Source& source = *o.source;
  std::fprintf(stderr,
               "socs_kernels: %s, NA %g, n %g, lambda %g nm, field %g nm: building the TCC...\n",
               source.describe().c_str(), o.system.na, o.system.immersion_index,
               o.system.wavelength_nm, o.socs.period_nm);
  const auto start = std::chrono::steady_clock::now();
  const optics::KernelSet set = support::socs_kernels(o.system, source, o.socs);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "socs_kernels: %lld kernels, radius %lld bins, energy %.6f, %.3f s\n",
               (long long)set.count(), (long long)set.radius, set.energy, seconds);

  io::json::Value result = io::json::Value::object();
  io::json::Value weights = io::json::Value::array();
  for (double w : set.weights) weights.push_back(w);
  result["weights"] = weights;
  result["energy"] = set.energy;
  result["count"] = std::int64_t(set.count());
  result["radius"] = std::int64_t(set.radius);
  result["period_nm"] = set.period_nm;
  result["pitch_nm"] = o.pitch_nm;
  result["source"] = source.describe();
  result["source_step"] = o.socs.source_step;
  result["wavelength_nm"] = o.system.wavelength_nm;
  result["na"] = o.system.na;
  result["index"] = o.system.immersion_index;
  result["defocus_nm"] = o.system.defocus_nm;
  result["radiometric"] = optics::describe(o.system.radiometric);
  result["seconds"] = seconds;

  if (!o.out.empty()) {
    Context<Host> ctx;
    const index_t window = n < 256 ? n : 256;
    std::vector<io::Image> images;
    io::json::Value pictures = io::json::Value::array();
    for (index_t k = 0; k < set.count(); ++k) {
      const Field<float, Host> magnitude =
          kernel_magnitude(ctx, set, k, *spectrum, *space, window, o.pitch_nm);
      images.push_back(
          io::render_field(magnitude, {.range = std::nullopt,
                                       .colormap = io::Colormap::viridis,
                                       .scale_bar = true,
                                       .length_bar = true,
                                       .title = "kernel " + std::to_string(k) + ", magnitude",
                                       .value_label = "magnitude",
                                       .magnify = io::magnification_for(magnitude.grid(), 512)}));
      pictures.push_back("kernel_" + std::to_string(k) + ".png");
    }
    result["out"] = o.out;
    result["pictures"] = pictures;

    // The files only once everything is computed, the summary last: a run that fails leaves none.
    optics::write_iccad_kernels(o.out + "/iccad", set);
    optics::save_kernels(o.out, set);
    for (index_t k = 0; k < set.count(); ++k)
      io::write_png(o.out + "/kernel_" + std::to_string(k) + ".png", images[std::size_t(k)]);
  }
  result["completed"] = true;
  examples::finish_outputs(o.out, result);  // stdout, then DIR/summary.json when --out is given
  if (!o.out.empty())
    std::fprintf(stderr,
                 "socs_kernels: wrote %s/iccad/, %s/kernels.npy, %lld PNGs and summary.json\n",
                 o.out.c_str(), o.out.c_str(), (long long)set.count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("socs_kernels", [&] {
    Options options;
    examples::Cli cli = command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    check(cli, options);
    return run(options);
  });
}
