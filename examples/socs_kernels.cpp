// SOCS kernels from the optics: builds the transmission cross-coefficient of a scanner's source and
// pupil over the frequencies one periodic field can hold, keeps its strongest eigenpairs and prints
// one JSON object (the fixed interface scripts drive):
//   {"weights": [w_1 >= w_2 >= ...], "energy": kept share of the TCC trace, "count": K, "radius": R,
//    "period_nm": L, "pitch_nm": ..., "source": "...", "seconds": generation time, ...}
//
// Usage: socs_kernels --wavelength NM --na X --index N --source SPEC [--source-step S]
//                     [--defocus NM] --field NM --pitch NM --count K [--energy E]
//                     [--no-radiometric] [--out DIR]
// SPEC: disc:S | annular:SIN:SOUT | dipole:SIN:SOUT:OPENING_DEG:ROTATION_DEG |
//       quasar:SIN:SOUT:OPENING_DEG:ROTATION_DEG | FILE.npy (freeform map over sigma in [-1, 1]^2).
// --energy E (0 < E <= 1) keeps the fewest kernels, at most --count, that hold that share.
// --out DIR writes DIR/iccad/{scales.txt, fh<k>.bin} (the ICCAD-2013 layout, readable by the
// contest's evaluators and by `iccad13 eval`), DIR/kernels.{npy,json} + weights.npy (lossless,
// optics::load_kernels), and DIR/kernel_<k>.png: |h_k| in space, the central 256 x 256 pixels.
// Progress goes to stderr; stdout carries only the JSON.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "fabtwin/fabtwin.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/kernel_io.hpp"
#include "fabtwin/optics/socs_kernels.hpp"
#include "fabtwin/optics/source_spec.hpp"
#include "support/cli.hpp"

namespace {

using namespace fabtwin;

struct Options {
  optics::OpticalSystem system;
  std::string source;
  optics::SocsOptions socs;
  double pitch_nm = 0;
  std::string out;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "socs_kernels: %s\nusage: socs_kernels --wavelength NM --na X --index N --source SPEC "
               "[--source-step S] [--defocus NM] --field NM --pitch NM --count K [--energy E] "
               "[--no-radiometric] [--out DIR]\n",
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
  bool have[5] = {};  // wavelength, na, index, field, count: required, so scripts never get defaults
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-radiometric") {
      o.system.radiometric_correction = false;
      continue;
    }
    if (i + 1 >= argc) usage("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--wavelength") o.system.wavelength_nm = number(flag, value), have[0] = true;
    else if (flag == "--na") o.system.na = number(flag, value), have[1] = true;
    else if (flag == "--index") o.system.immersion_index = number(flag, value), have[2] = true;
    else if (flag == "--source") o.source = value;
    else if (flag == "--source-step") o.socs.source_step = number(flag, value);
    else if (flag == "--defocus") o.system.defocus_nm = number(flag, value);
    else if (flag == "--field") o.socs.period_nm = number(flag, value), have[3] = true;
    else if (flag == "--pitch") o.pitch_nm = number(flag, value);
    else if (flag == "--count") {
      const double k = number(flag, value);
      if (k < 1 || k != std::floor(k)) usage("bad --count " + value + " (a positive integer)");
      o.socs.count = index_t(k), have[4] = true;
    } else if (flag == "--energy") o.socs.energy = number(flag, value);
    else if (flag == "--out") o.out = value;
    else usage("unknown option " + flag);
  }
  static const char* names[] = {"--wavelength", "--na", "--index", "--field", "--count"};
  for (int k = 0; k < 5; ++k)
    if (!have[k]) usage(std::string("missing ") + names[k]);
  if (o.source.empty()) usage("missing --source");
  if (!(o.pitch_nm > 0)) usage("missing or bad --pitch");
  const double pixels = o.socs.period_nm / o.pitch_nm;
  if (std::fabs(pixels - std::round(pixels)) > 1e-9 * pixels)
    usage("--field must be a whole number of --pitch pixels");
  return o;
}

/// |h_k(x)| on the field's pixel grid, the central `window` pixels around the kernel's origin: the
/// spectrum is placed on the n x n FFT grid and inverse transformed (the origin lands on pixel 0 and
/// is rolled to the middle).
Field<float, Host> kernel_magnitude(Context<Host>& ctx, const optics::KernelSet& set, index_t k, index_t n,
                                    index_t window) {
  Field<complex<double>, Host> spectrum(Grid(n, n, 1.0));
  auto s = spectrum.view();
  const index_t r = set.radius;
  for (index_t q = -r; q <= r; ++q)
    for (index_t p = -r; p <= r; ++p) {
      const auto v = set.at(k, p, q);
      s((p + n) % n, (q + n) % n) = complex<double>(v.real(), v.imag());
    }
  Field<complex<double>, Host> space(Grid(n, n, 1.0));
  fft::inverse(ctx, View<const complex<double>, Host>(spectrum.view()), space.view());
  Field<float, Host> picture(Grid(window, window, 1.0));
  for (index_t y = 0; y < window; ++y)
    for (index_t x = 0; x < window; ++x) {
      const index_t sx = (x - window / 2 + n) % n, sy = (y - window / 2 + n) % n;
      picture.view()(x, y) = float(abs(space.view()(sx, sy)));
    }
  return picture;
}

int run(const Options& o) {
  const optics::Source source = optics::parse_source_spec(o.source);
  std::fprintf(stderr, "socs_kernels: %s, NA %g, n %g, lambda %g nm, field %g nm: building the TCC...\n",
               source.describe().c_str(), o.system.na, o.system.immersion_index, o.system.wavelength_nm,
               o.socs.period_nm);
  const auto start = std::chrono::steady_clock::now();
  const optics::KernelSet set = optics::socs_kernels(o.system, source, o.socs);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
  result["radiometric_correction"] = o.system.radiometric_correction;
  result["seconds"] = seconds;

  if (!o.out.empty()) {
    std::filesystem::create_directories(o.out);
    optics::write_iccad_kernels(o.out + "/iccad", set);
    optics::save_kernels(o.out, set);
    Context<Host> ctx;
    const index_t n = index_t(std::llround(set.period_nm / o.pitch_nm));
    const index_t window = n < 256 ? n : 256;
    io::json::Value pictures = io::json::Value::array();
    for (index_t k = 0; k < set.count(); ++k) {
      const std::string name = "kernel_" + std::to_string(k) + ".png";
      io::write_png(o.out + "/" + name, io::render_field(kernel_magnitude(ctx, set, k, n, window),
                                                        {.range = std::nullopt, .colormap = io::Colormap::viridis, .scale_bar = true}));
      pictures.push_back(name);
    }
    result["out"] = o.out;
    result["pictures"] = pictures;
    std::fprintf(stderr, "socs_kernels: wrote %s/iccad/, %s/kernels.npy and %lld PNGs\n", o.out.c_str(),
                 o.out.c_str(), (long long)set.count());
  }
  std::printf("%s\n", result.dump(2).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  return examples::exit_status("socs_kernels", [&] { return run(options); });
}
