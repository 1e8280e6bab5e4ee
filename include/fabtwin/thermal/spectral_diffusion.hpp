#pragma once
// Exact solution operator of constant-coefficient, anisotropic diffusion
//
//   du/dt = Dx d2u/dx2 + Dy d2u/dy2 + Dz d2u/dz2   over a time t,
//
// given as diffusion lengths sigma_a = sqrt(2 integral D_a dt) per axis (so a time-varying bake is
// one call with sigma from thermal::diffusion_length). Diffusion is a Gaussian blur of variance
// sigma_a^2 per axis, in Fourier space the multiplication of each frequency f by
//
//   G(f) = exp(-2 pi^2 (sigma_x^2 fx^2 + sigma_y^2 fy^2 + sigma_z^2 fz^2)),
//
// exact for the band-limited interpolant of the samples. Boundaries per axis:
//  - periodic: the plain FFT of the n samples;
//  - mirror (no flux): the n samples reflected about the cell faces (x = -h/2 and x = (n - 1/2) h)
//    to a 2n-periodic even sequence, transformed, multiplied and cut back to n. The even extension
//    stays even under the blur, which is the method of images for a zero-flux wall at each face.
// G(0) = 1, so the total of the samples (the mass) is conserved to rounding on either boundary.
//
// Kernel. The Gaussian above, cut at the grid's Nyquist frequency, rings: its samples in space
// fall like 1 / r, not like a Gaussian (a unit sample diffused by sigma = 1 pixel: 0.16 at its
// centre, -2.7e-5 ten pixels out, where the Gaussian is 3e-23), and a
// bake's pointwise reactions between steps excite the ringing again at every step. That makes a
// point's result depend, weakly, on the whole field, which no tile with a halo can reproduce.
// DiffusionKernel::lattice uses instead the exact heat kernel of the samples' nearest-neighbour
// Laplacian (u_{i-1} - 2 u_i + u_{i+1}) / h^2 over D t = sigma^2 / 2, per axis
//   G(k) = exp(-(2 sigma^2 / h^2) sin^2(pi k / N)),
// which agrees with the Gaussian to second order in h sigma f and in space is the Skellam
// distribution e^(-2a) I_n(2a), a = sigma^2 / (2 h^2): variance sigma^2 and tails that fall faster
// than exponentially (lattice_range_nm), so diffusion stays local and tiles are exact.

#include <cmath>
#include <numbers>
#include <vector>

#include <cuda/std/cmath>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/fft/plan.hpp"

namespace fabtwin::thermal {

enum class Boundary { periodic, mirror };

/// The diffusion's kernel on the samples (see the header comment).
enum class DiffusionKernel { gaussian, lattice };

/// How the diffusion treats the grid: the boundary condition of each axis, and the kernel.
struct Boundaries {
  Boundary x = Boundary::mirror, y = Boundary::mirror, z = Boundary::mirror;
  DiffusionKernel kernel = DiffusionKernel::gaussian;
};

/// The distance beyond which the lattice kernel of diffusion length `sigma_nm` on a grid of pitch
/// `pitch_nm` holds at most `tolerance` of its weight along an axis: the Skellam distribution of
/// a = sigma^2 / (2 h^2), the difference of two Poisson(a) counts, summed from its far tail in.
inline double lattice_range_nm(double sigma_nm, double pitch_nm, double tolerance) {
  require(std::isfinite(sigma_nm) && sigma_nm >= 0, "thermal::lattice_range_nm", "sigma_nm",
          sigma_nm, "a finite diffusion length >= 0 nm");
  require(std::isfinite(pitch_nm) && pitch_nm > 0, "thermal::lattice_range_nm", "pitch_nm",
          pitch_nm, "a positive pitch");
  require(std::isfinite(tolerance) && tolerance > 0 && tolerance < 1, "thermal::lattice_range_nm",
          "tolerance", tolerance, "a share in (0, 1)");
  const double a = sigma_nm * sigma_nm / (2 * pitch_nm * pitch_nm);
  if (a == 0) return 0;
  // Poisson(a) probabilities up to where they underflow below 1e-300 of the largest.
  std::vector<double> poisson{std::exp(-a)};
  for (index_t k = 1; k < 100000; ++k) {
    poisson.push_back(poisson.back() * a / double(k));
    if (double(k) > a && poisson.back() < 1e-300) break;
  }
  const index_t kmax = index_t(poisson.size());
  // Skellam P(n) = sum_k Poisson(k + n) Poisson(k); the two tails together hold 2 sum_{m>n} P(m).
  std::vector<double> skellam(std::size_t(kmax), 0.0);
  for (index_t n = 0; n < kmax; ++n)
    for (index_t k = 0; k + n < kmax; ++k)
      skellam[std::size_t(n)] += poisson[std::size_t(k + n)] * poisson[std::size_t(k)];
  double beyond = 0;
  index_t n = kmax - 1;
  while (n > 0 && beyond + 2 * skellam[std::size_t(n)] <= tolerance)
    beyond += 2 * skellam[std::size_t(n--)];
  return double(n) * pitch_nm;
}

namespace detail {

/// Index of sample i of the even extension (length 2n, mirrored about the cell face at n - 1/2).
FABTWIN_HD inline index_t reflect(index_t i, index_t n) { return i < n ? i : 2 * n - 1 - i; }
FABTWIN_HD inline index_t signed_frequency(index_t u, index_t n) { return 2 * u < n ? u : u - n; }

/// ext(x, y, z, b) = in(reflect(x), reflect(y), reflect(z), b) over the extended extents
/// (ex, ey, ez * batch); an axis with e == n is copied as is.
template <class T, class Space>
struct ExtendEven {
  View<const T, Space> in;
  View<T, Space> ext;
  index_t ex, ey, ez;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t zb) const {
    const index_t z = zb % ez, b = zb / ez;
    ext[x + ex * (y + ey * zb)] =
        in(reflect(x, in.nx()), reflect(y, in.ny()), reflect(z, in.nz()), b);
  }
};

/// Half spectrum bin (u, v, w) *= G(f) / N_ext. Gaussian: the exponent is sum_a c_a k_a^2 for the
/// signed bin k_a of axis a (c_a = -2 pi^2 sigma_a^2 / L_a^2, L_a the extended period); lattice:
/// sum_a c_a sin^2(pi k_a / e_a) (c_a = -2 sigma_a^2 / h_a^2, e_a the extended extent).
template <class T, class Space>
struct GaussianMultiply {
  View<complex<T>, Space> spectrum;  // (ex/2 + 1) x ey x ez, batch folded into z
  index_t ex, ey, ez;
  T cx, cy, cz, scale;
  bool lattice;
  FABTWIN_HD T term(T c, index_t k, index_t e) const {
    if (!lattice) return c * T(k) * T(k);
    const T s = cuda::std::sin(T(3.14159265358979323846) * T(k) / T(e));
    return c * s * s;
  }
  FABTWIN_HD void operator()(index_t u, index_t v, index_t wb) const {
    const index_t kx = u, ky = signed_frequency(v, ey), kz = signed_frequency(wb % ez, ez);
    const T factor = scale * cuda::std::exp(term(cx, kx, ex) + term(cy, ky, ey) + term(cz, kz, ez));
    spectrum[u + spectrum.nx() * (v + ey * wb)] *= factor;
  }
};

/// out(x, y, z, b) = ext(x, y, z, b): the first n samples of each extended axis.
template <class T, class Space>
struct KeepFirst {
  View<const T, Space> ext;
  View<T, Space> out;
  index_t ex, ey, ez;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t zb) const {
    const index_t z = zb % out.nz(), b = zb / out.nz();
    out[x + out.nx() * (y + out.ny() * zb)] = ext[x + ex * (y + ey * (z + ez * b))];
  }
};

}  // namespace detail

/// Diffuses every batch member of `field` (2D or 3D) in place by the diffusion lengths `sigma_nm`
/// (nm per axis; sigma_nm.z is ignored for a 2D field), with `boundaries` per axis.
template <class T, class Space>
void diffuse_spectral(Context<Space>& ctx, Field<T, Space>& field, Vec3 sigma_nm,
                      Boundaries boundaries = {}) {
  const double sigmas[] = {sigma_nm.x, sigma_nm.y, sigma_nm.z};
  static constexpr const char* names[] = {"sigma_nm.x", "sigma_nm.y", "sigma_nm.z"};
  for (int a = 0; a < field.grid().rank(); ++a)
    require(std::isfinite(sigmas[a]) && sigmas[a] >= 0, "diffuse_spectral", names[a], sigmas[a],
            "a finite diffusion length >= 0 nm");
  const Grid& grid = field.grid();
  const bool three_d = grid.rank() == 3;
  const auto extended = [](index_t n, Boundary b) {
    return b == Boundary::mirror && n > 1 ? 2 * n : n;
  };
  const index_t ex = extended(grid.nx(), boundaries.x), ey = extended(grid.ny(), boundaries.y),
                ez = extended(grid.nz(), boundaries.z), batch = field.batch();
  const index_t hx = ex / 2 + 1;

  auto ext_block = ctx.scratch().acquire(sizeof(T) * std::size_t(ex * ey * ez * batch));
  auto spectrum_block =
      ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(hx * ey * ez * batch));
  const auto ext = ext_block.template view<T>(ex, ey, ez, batch);
  const auto spectrum = spectrum_block.template view<complex<T>>(hx, ey, ez, batch);

  for_each(ctx, Range3{ex, ey, ez * batch},
           detail::ExtendEven<T, Space>{field.cview(), ext, ex, ey, ez});
  fft::forward(ctx, View<const T, Space>(ext), spectrum);
  const double pi2 = 2 * std::numbers::pi * std::numbers::pi;
  const bool lattice = boundaries.kernel == DiffusionKernel::lattice;
  const auto coefficient = [&](double sigma, index_t extent, double pitch) {
    return lattice ? T(-2 * sigma * sigma / (pitch * pitch))
                   : T(-pi2 * sigma * sigma / (double(extent) * pitch * double(extent) * pitch));
  };
  const Vec3& h = grid.pitch();
  for_each(ctx, Range3{hx, ey, ez * batch},
           detail::GaussianMultiply<T, Space>{
               spectrum, ex, ey, ez, coefficient(sigma_nm.x, ex, h.x),
               coefficient(sigma_nm.y, ey, h.y), three_d ? coefficient(sigma_nm.z, ez, h.z) : T(0),
               T(1.0 / double(ex * ey * ez)), lattice});
  fft::inverse(ctx, spectrum, ext);
  for_each(ctx, Range3{grid.nx(), grid.ny(), grid.nz() * batch},
           detail::KeepFirst<T, Space>{View<const T, Space>(ext), field.view(), ex, ey, ez});
}

}  // namespace fabtwin::thermal
