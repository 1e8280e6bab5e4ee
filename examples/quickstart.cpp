// fabtwin quick start: the coherent image of a line/space grating through an ideal immersion
// pupil, computed with fabtwin's fields, kernels and FFTs, and checked against the closed form.
//
// A grating of period P passes only the diffraction orders m with |m| / P <= NA / lambda. At
// P = 160 nm, NA = 1.35 and lambda = 193 nm that is m = 0 and m = +-1: the image is the
// interference of three beams, I(x) = |c0 + c1 e^{2 pi i x/P} + c-1 e^{-2 pi i x/P}|^2, with c_m the
// Fourier coefficients of the sampled mask (a geometric series, summed in closed form below).
//
// Usage: quickstart [--out DIR]   (default DIR: out/quickstart; --help describes it)
// Runs on the GPU when compiled by nvcc and one is present, else on the host ("space" in the
// summary). Output: mask.npy, intensity.npy, then summary.json ("completed": true) when the check
// passes.

#include <cmath>
#include <complex>
#include <cstdio>
#include <numbers>
#include <string>

#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/fft.hpp"
#include "fabtwin/io/json.hpp"
#include "fabtwin/io/npy.hpp"
#include "support/cli.hpp"
#include "support/outputs.hpp"
#include "support/space.hpp"

namespace {

using namespace fabtwin;
using Complex = complex<float>;

constexpr double wavelength_nm = 193.0, numerical_aperture = 1.35;
constexpr double pixel_nm = 2.0;
constexpr index_t period_px = 80, line_px = 40, periods = 10, rows = 32;

/// Binary mask: open (1) for the first `open` pixels of every period, dark (0) elsewhere.
template <class Space>
struct GratingMask {
  View<Complex, Space> mask;
  index_t period, open;
  FABTWIN_HD void operator()(index_t x, index_t y) const {
    mask(x, y) = Complex(x % period < open ? 1.0f : 0.0f, 0.0f);
  }
};

/// Ideal pupil: keeps the spatial frequencies with |f| <= NA / lambda, and divides by the sample
/// count so that the inverse FFT returns the field itself.
template <class Space>
struct IdealPupil {
  View<Complex, Space> spectrum;
  double cutoff, dfx, dfy;
  float normalisation;
  FABTWIN_HD void operator()(index_t kx, index_t ky) const {
    const index_t nx = spectrum.nx(), ny = spectrum.ny();
    const double fx = (kx <= nx / 2 ? kx : kx - nx) * dfx, fy = (ky <= ny / 2 ? ky : ky - ny) * dfy;
    const bool passes = fx * fx + fy * fy <= cutoff * cutoff;
    spectrum(kx, ky) = passes ? spectrum(kx, ky) * normalisation : Complex(0, 0);
  }
};

struct Intensity {
  FABTWIN_HD float operator()(Complex field) const { return cuda::std::norm(field); }
};

/// The image in closed form: the sum over passing orders of c_m e^{2 pi i m x / P}, squared.
double closed_form_intensity(index_t x) {
  std::complex<double> field = 0;
  const double cutoff = numerical_aperture / wavelength_nm;
  for (index_t m = -period_px / 2; m <= period_px / 2; ++m) {
    if (std::abs(double(m)) / (period_px * pixel_nm) > cutoff) continue;
    // c_m = (1/P) sum_{k<W} e^{-2 pi i m k / P} = (1/P) (1 - r^W) / (1 - r), r = e^{-2 pi i m / P}
    const std::complex<double> r = std::polar(1.0, -2 * std::numbers::pi * double(m) / period_px);
    const std::complex<double> c =
        m == 0 ? std::complex<double>(double(line_px) / period_px)
               : (1.0 - std::pow(r, double(line_px))) / (1.0 - r) / double(period_px);
    field += c * std::polar(1.0, 2 * std::numbers::pi * double(m) * double(x) / period_px);
  }
  return std::norm(field);
}

/// The image, its check against the closed form, and the files: intensity.npy and mask.npy, then
/// summary.json ("completed": true) only when the check passes.
template <class Space>
int run(const std::string& out_dir) {
  examples::start_outputs(out_dir);
  const std::string out = out_dir + "/";

  Context<Space> ctx;
  const Grid grid(period_px * periods, rows, pixel_nm);
  Field<Complex, Space> mask(grid), field(grid);
  for_each(ctx, Range2{grid.nx(), grid.ny()}, GratingMask<Space>{mask.view(), period_px, line_px});

  fft::forward(ctx, mask.view(), field.view());
  const Vec3 extent = grid.extent();
  for_each(ctx, Range2{grid.nx(), grid.ny()},
           IdealPupil<Space>{field.view(), numerical_aperture / wavelength_nm, 1.0 / extent.x,
                             1.0 / extent.y, 1.0f / float(grid.size())});
  fft::inverse(ctx, field.view(), field.view());

  Field<float, Space> intensity(grid), mask_amplitude(grid);
  transform(ctx, field.cview(), intensity.view(), Intensity{});
  transform(ctx, mask.cview(), mask_amplitude.view(), Intensity{});
  const double i_max = max(ctx, intensity.cview()), i_min = min(ctx, intensity.cview());

  // The check and the files on the host.
  const Field<float, Host> host_intensity = to<Host>(intensity),
                           host_mask = to<Host>(mask_amplitude);
  double worst = 0;
  for (index_t y = 0; y < grid.ny(); ++y)
    for (index_t x = 0; x < grid.nx(); ++x)
      worst =
          std::max(worst, std::abs(double(host_intensity.view()(x, y)) - closed_form_intensity(x)));

  io::json::Value summary = io::json::Value::object();
  summary["wavelength_nm"] = wavelength_nm;
  summary["na"] = numerical_aperture;
  summary["period_nm"] = period_px * pixel_nm;
  summary["grid"] = io::json::Value::array();
  summary["grid"].push_back(grid.nx());
  summary["grid"].push_back(grid.ny());
  summary["pixel_nm"] = pixel_nm;
  summary["intensity_max"] = i_max;
  summary["intensity_min"] = i_min;
  summary["contrast"] = (i_max - i_min) / (i_max + i_min);
  summary["max_error_vs_closed_form"] = worst;
  summary["space"] = std::string(Space::name);
  summary["completed"] = true;

  io::write_npy(out + "mask.npy", host_mask);
  io::write_npy(out + "intensity.npy", host_intensity);
  // Single precision through two FFTs of 25,600 samples: 1e-5 is a generous bound on rounding.
  constexpr double tolerance = 1e-5;
  if (!(worst < tolerance)) {
    std::fprintf(
        stderr,
        "quickstart: the image differs from the closed form by %.3e (more than %.0e); no summary written\n",
        worst, tolerance);
    return 1;
  }
  examples::finish_outputs(out_dir, summary);
  std::fprintf(stderr, "quickstart: wrote %s{mask.npy, intensity.npy, summary.json}\n",
               out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("quickstart", [&] {
    std::string out = "out/quickstart";
    examples::Cli cli(
        "quickstart",
        "The coherent image of a 160 nm line/space grating through an ideal NA 1.35 immersion pupil at\n"
        "193 nm, checked against its three-beam closed form; writes mask.npy, intensity.npy and, when\n"
        "the check passes, summary.json.");
    cli.path("--out", "DIR", "output folder", out, examples::PathKind::output);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    return examples::on_best_space([&](auto space) { return run<decltype(space)>(out); });
  });
}
