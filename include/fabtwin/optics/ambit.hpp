#pragma once
// SOCS kernels of finite range (the optical ambit, or "optical diameter" of production OPC): each
// kernel of a set made for period L is taken to space, multiplied by a smooth disc of radius a and
// kept as its samples; a kernel set for any other field period L' >= 2a is their exact transform
// there. The image of a point then depends on the mask within a only, so a layout cut into tiles
// with halos >= a images in the tile cores exactly as one large domain does (dist/), to the
// rounding of the FFTs. With the periodic kernels it cannot: their band limit gives them tails that
// fall like r^-3/2, and a 512 nm halo still leaves an error of ~1 % of the clear-field intensity
// (measured on random 8 nm-pixel patterns under the default optics, Abbe at 1024 and 2048 nm).
//
// The model. With h_k(x) the spatial kernel of the set (period L, pitch p: the field of a unit
// impulse), the ambit kernel is g_k(x) = w(|x|) h_k(x) with
//   w(r) = erfc((r - (a - e)) / (sqrt(2) s)) / 2  for r <= a,  0 beyond,   s = e / 6,
// a disc of radius a - e with a Gaussian edge of standard deviation s; at r = a, w = 1e-9, so
// cutting it there moves nothing. Its spectrum on an N' = L' / p grid is the DFT of the samples,
// which a smooth edge confines: the bins beyond the smallest radius R' holding all but
// `dropped_energy` of the kernels' weighted energy are left out (their share is reported), so the
// set is band-limited again and images on the small grid of aerial_image.hpp.
//
// Choosing a: the windowed kernels differ from the periodic ones by their tails; the image of the
// default optics changes by 4 % of the clear field at a = 640 nm, e = 240 nm. A model is
// calibrated with its ambit, as production OPC models are.

#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/optics/kernel_set.hpp"

namespace fabtwin::optics {

struct AmbitOptions {
  double radius_nm = 640;  ///< a: nothing beyond it reaches a point's image
  double edge_nm = 240;    ///< e: width of the window's edge, from its half-way point to a
};

/// A kernel set's kernels of finite range, as spatial samples (see the header comment).
class AmbitKernels {
 public:
  /// The kernels of `set` windowed to `options.radius_nm`, sampled at `pitch_nm` (the pitch of the
  /// fields they will image: L / pitch must be a whole number N > 2R, and 2a < L so that the disc
  /// lies within one period).
  AmbitKernels(const KernelSet& set, double pitch_nm, AmbitOptions options = {})
      : pitch_nm_(pitch_nm), options_(options), weights_(set.weights), energy_(set.energy) {
    constexpr const char* where = "optics::AmbitKernels";
    set.validate(where);
    require(std::isfinite(pitch_nm) && pitch_nm > 0, where, "pitch_nm", pitch_nm,
            "a positive pixel pitch in nm");
    const double cells = set.period_nm / pitch_nm;
    const index_t n = index_t(std::llround(cells));
    require(std::fabs(cells - double(n)) <= 1e-9 * cells && n > 2 * set.radius, where, "pitch_nm",
            pitch_nm, [&] {
              return "a pitch dividing the kernels' period " + ::fabtwin::describe(set.period_nm) +
                     " nm into N > 2R = " + std::to_string(2 * set.radius) + " pixels";
            });
    require(
        std::isfinite(options.radius_nm) && options.radius_nm >= 2 * pitch_nm &&
            2 * options.radius_nm < set.period_nm,
        where, "options.radius_nm", options.radius_nm, [&] {
          return "an ambit of at least two pixels whose diameter is below the kernels' period " +
                 ::fabtwin::describe(set.period_nm) + " nm";
        });
    require(std::isfinite(options.edge_nm) && options.edge_nm >= pitch_nm &&
                options.edge_nm < options.radius_nm,
            where, "options.edge_nm", options.edge_nm,
            "an edge of at least one pixel, narrower than the ambit radius");
    radius_px_ = index_t(std::floor(options.radius_nm / pitch_nm));
    const index_t side = 2 * radius_px_ + 1, count = set.count();

    // h_k on the N x N period: the inverse DFT of the spectrum, scaled by 1 / N^2 so that
    // convolving it with the mask gives the field of the KernelSet convention.
    Context<Host> ctx;
    Field<complex<double>, Host> spatial(Grid(n, n, pitch_nm), count);
    auto s = spatial.view();
    for (index_t k = 0; k < count; ++k)
      for (index_t q = -set.radius; q <= set.radius; ++q)
        for (index_t p = -set.radius; p <= set.radius; ++p) {
          const std::complex<double> v = set.at(k, p, q);
          s[k * n * n + wrap(q, n) * n + wrap(p, n)] = complex<double>(v.real(), v.imag());
        }
    fft::Plan<double, Host> plan(ctx, fft::Kind::c2c, {n, n, 1, count});
    plan.inverse(spatial.view(), spatial.view());

    const double centre = options.radius_nm - options.edge_nm, sigma = options.edge_nm / 6;
    samples_.assign(std::size_t(count * side * side), {});
    for (index_t k = 0; k < count; ++k)
      for (index_t j = -radius_px_; j <= radius_px_; ++j)
        for (index_t i = -radius_px_; i <= radius_px_; ++i) {
          const double r = std::hypot(double(i), double(j)) * pitch_nm;
          if (r > options.radius_nm) continue;
          const double w = 0.5 * std::erfc((r - centre) / (std::sqrt(2.0) * sigma));
          const complex<double> h = s[k * n * n + wrap(j, n) * n + wrap(i, n)];
          samples_[std::size_t(k * side * side + (j + radius_px_) * side + (i + radius_px_))] =
              std::complex<double>(h.real(), h.imag()) * (w / double(n * n));
        }
  }

  double pitch_nm() const { return pitch_nm_; }
  const AmbitOptions& options() const { return options_; }
  /// The range of the kernels: a point's image depends on the mask within this distance only.
  double radius_nm() const { return options_.radius_nm; }
  index_t count() const { return index_t(weights_.size()); }

  /// The kernels as a set for a periodic field of `period_nm` (a whole number N of pitches with
  /// N > 2 radius_px, so that a kernel does not overlap its own periodic copy): the DFT of the
  /// samples, keeping the bins within the smallest radius R that holds all but `dropped_energy`
  /// of the weighted energy sum_k w_k |S_k|^2. The set's support_nm is the ambit radius.
  KernelSet at_period(double period_nm, double dropped_energy = 1e-20) const {
    constexpr const char* where = "optics::AmbitKernels::at_period";
    const double cells = period_nm / pitch_nm_;
    const index_t n = std::isfinite(cells) ? index_t(std::llround(cells)) : 0;
    require(n > 2 * radius_px_ && std::fabs(cells - double(n)) <= 1e-9 * cells, where, "period_nm",
            period_nm, [&] {
              return "a whole number of " + ::fabtwin::describe(pitch_nm_) + " nm pixels above " +
                     std::to_string(2 * radius_px_) + " (the ambit's diameter)";
            });
    require(std::isfinite(dropped_energy) && dropped_energy > 0 && dropped_energy < 1, where,
            "dropped_energy", dropped_energy, "a share in (0, 1)");
    const index_t side = 2 * radius_px_ + 1, count = this->count();
    Context<Host> ctx;
    Field<complex<double>, Host> spectra(Grid(n, n, pitch_nm_), count);
    auto s = spectra.view();
    for (index_t k = 0; k < count; ++k)
      for (index_t j = -radius_px_; j <= radius_px_; ++j)
        for (index_t i = -radius_px_; i <= radius_px_; ++i) {
          const std::complex<double> v =
              samples_[std::size_t(k * side * side + (j + radius_px_) * side + (i + radius_px_))];
          s[k * n * n + wrap(j, n) * n + wrap(i, n)] = complex<double>(v.real(), v.imag());
        }
    fft::Plan<double, Host> plan(ctx, fft::Kind::c2c, {n, n, 1, count});
    plan.forward(spectra.view(), spectra.view());

    // Energy per square ring max(|p|, |q|) = r, summed from the outside in so that the small
    // outer shares are not lost to the rounding of the large inner ones.
    const index_t half = n / 2;
    std::vector<double> ring(std::size_t(half + 1), 0.0);
    for (index_t k = 0; k < count; ++k)
      for (index_t y = 0; y < n; ++y)
        for (index_t x = 0; x < n; ++x) {
          const index_t p = unwrap(x, n), q = unwrap(y, n);
          const index_t r = std::min(std::max(std::abs(p), std::abs(q)), half);
          ring[std::size_t(r)] += weights_[std::size_t(k)] * norm(s[k * n * n + y * n + x]);
        }
    double total = 0;
    for (double e : ring) total += e;
    double outside = 0;
    index_t radius = half;
    while (radius > 0 && outside + ring[std::size_t(radius)] <= dropped_energy * total)
      outside += ring[std::size_t(radius--)];
    require(2 * radius < n, where, "period_nm", period_nm, [&] {
      return "a pixel fine enough for the ambit's edge (" + ::fabtwin::describe(options_.edge_nm) +
             " nm): its spectrum reaches the grid's Nyquist bins at this pitch";
    });

    KernelSet set;
    set.radius = radius;
    set.period_nm = double(n) * pitch_nm_;
    set.weights = weights_;
    set.energy = energy_;
    set.support_nm = options_.radius_nm;
    set.spectra.resize(std::size_t(count * set.bins()));
    for (index_t k = 0; k < count; ++k)
      for (index_t q = -radius; q <= radius; ++q)
        for (index_t p = -radius; p <= radius; ++p) {
          const complex<double> v = s[k * n * n + wrap(q, n) * n + wrap(p, n)];
          set.at(k, p, q) = {v.real(), v.imag()};
        }
    return set;
  }

 private:
  static index_t wrap(index_t i, index_t n) { return ((i % n) + n) % n; }
  static index_t unwrap(index_t i, index_t n) { return i <= n / 2 ? i : i - n; }

  double pitch_nm_;
  AmbitOptions options_;
  std::vector<double> weights_;
  double energy_;
  index_t radius_px_ = 0;
  std::vector<std::complex<double>> samples_;  ///< K blocks of (2A+1)^2, [k][j][i]
};

}  // namespace fabtwin::optics
