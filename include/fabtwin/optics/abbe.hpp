#pragma once
// Abbe imaging (physics.md §1): the aerial image as a sum over source points of coherent images,
//   I(x) = sum_s w_s | sum_f P(f + f_s) M(f) exp(2 pi i f . x) |^2,
// with (sx, sy, w_s) the points of Source::sample(step), f_s = (sx, sy) NA / lambda their
// illumination frequency, M = FFT(m) / (nx ny) the mask's Fourier coefficients on the field's bins
// f = (p / L, q / L), L = nx * pitch, and an unnormalised inverse FFT: the conventions of
// kernel_set.hpp, so a clear mask images to sum_s w_s |P(f_s)|^2.
//
// This is the same physics as TCC/SOCS summed the other way round (the source sum outside the
// modulus instead of inside the TCC), and it shares only pupil.hpp and source.hpp with that code:
// it is the independent reference the SOCS kernels are checked against. It costs one inverse FFT
// per source point and mask, so it is a reference, not a production path.
//
// The mask is the complex amplitude transmission (a real field is taken as a real amplitude: a
// binary pattern with clear 1, dark 0). An amplitude factor (optics::Condition::amplitude,
// the ICCAD-2013 "dose") is the caller's to apply to the mask: the intensity scales as its square.
//
// Pupil samples are tabulated on the host for each source point (only the bins inside the shifted
// pupil, a disc of NA L / lambda bins), uploaded once, and scattered into a batch of spectra that is
// inverted by one batched FFT; the weighted |field|^2 of the batch is then added to the image.

#include <algorithm>
#include <cmath>
#include <complex>
#include <string>
#include <type_traits>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/optics/optical_system.hpp"
#include "fabtwin/optics/pupil.hpp"
#include "fabtwin/optics/source.hpp"

namespace fabtwin::optics {

struct AbbeOptions {
  /// Source grid step in sigma units (Source::sample). Use the same step as the SOCS kernels
  /// (SocsOptions::source_step) for a comparison that is exact up to kernel truncation.
  double source_step = 0.02;
  /// Source points per batched inverse FFT; 0 picks as many as fit in 2^22 samples (at least one).
  index_t batch = 0;
};

namespace detail {

/// Pupil samples of every source point as scatter targets into a batch of `slots` spectra of
/// `n2` bins each: entries [offsets[s], offsets[s + 1]) belong to source point s, which goes to
/// slot s % slots; target = slot * n2 + bin.
struct AbbeTables {
  std::vector<index_t> targets;
  std::vector<std::complex<double>> values;
  std::vector<index_t> offsets;
  std::vector<double> weights;
};

inline AbbeTables abbe_tables(const OpticalSystem& system, const std::vector<SourcePoint>& points,
                              index_t n, double period_nm, index_t slots) {
  AbbeTables tables;
  tables.offsets.reserve(points.size() + 1);
  tables.offsets.push_back(0);
  const double cutoff = system.cutoff();
  for (std::size_t s = 0; s < points.size(); ++s) {
    const double fsx = points[s].sx * cutoff, fsy = points[s].sy * cutoff;
    const index_t slot = index_t(s) % slots;
    // Mask frequencies p / L that the shifted pupil passes: |p / L + fs| <= cutoff.
    const index_t p_lo = index_t(std::floor((-fsx - cutoff) * period_nm));
    const index_t p_hi = index_t(std::ceil((-fsx + cutoff) * period_nm));
    const index_t q_lo = index_t(std::floor((-fsy - cutoff) * period_nm));
    const index_t q_hi = index_t(std::ceil((-fsy + cutoff) * period_nm));
    for (index_t q = q_lo; q <= q_hi; ++q)
      for (index_t p = p_lo; p <= p_hi; ++p) {
        const std::complex<double> value = pupil(system, p / period_nm + fsx, q / period_nm + fsy);
        if (value == 0.0) continue;
        // Bin of signed frequency index p on an n-point axis (the caller checked |p| < n / 2).
        const index_t u = (p % n + n) % n, v = (q % n + n) % n;
        tables.targets.push_back(slot * n * n + v * n + u);
        tables.values.push_back(value);
      }
    tables.offsets.push_back(index_t(tables.targets.size()));
    tables.weights.push_back(points[s].weight);
  }
  return tables;
}

/// `values` in a Field of Space (at least one element, so that an empty list still has storage).
template <class Space, class U>
Field<U, Space> abbe_upload(const std::vector<U>& values) {
  Field<U, Space> field(Grid(values.empty() ? 1 : index_t(values.size()), 1, 1.0));
  ::fabtwin::detail::copy_bytes<Space, Host>(field.data(), values.data(),
                                             sizeof(U) * values.size());
  return field;
}

/// 1 for a sample that is NaN or infinite, else 0: v - v is 0 exactly when v is finite.
template <class V>
struct CountNonFinite {
  V mask;
  FABTWIN_HD index_t operator()(index_t i) const {
    const auto value = mask[i];
    if constexpr (is_complex_v<typename V::value_type>) {
      const auto re = value.real(), im = value.imag();
      return (re - re == 0 && im - im == 0) ? 0 : 1;
    } else {
      return value - value == 0 ? 0 : 1;
    }
  }
};

/// The mask amplitude as complex samples divided by n^2: after a forward FFT, M = FFT(m) / n^2.
template <class T>
struct ScaledAmplitude {
  T scale;
  template <class Sample>
  FABTWIN_HD complex<T> operator()(const Sample& value) const {
    return complex<T>(value) * scale;
  }
};

/// spectra[target] = pupil value * M(bin of target) for the entries of one batch of source points.
template <class T, class Space>
struct ScatterPupil {
  View<complex<T>, Space> spectra;
  View<const complex<T>, Space> mask_spectrum;  // one mask, n^2 bins
  View<const index_t, Space> targets;
  View<const complex<T>, Space> values;
  index_t first;  // first entry of the batch
  FABTWIN_HD void operator()(index_t e) const {
    const index_t target = targets[first + e];
    spectra[target] = values[first + e] * mask_spectrum[target % mask_spectrum.size()];
  }
};

/// intensity[i] += sum over the batch's fields b of w_b |field_b(i)|^2, summed in double: a batch
/// holds thousands of source points, whose float sum would lose 1e-4 of the image.
template <class T, class Space>
struct AccumulateIntensity {
  View<const complex<T>, Space> fields;  // `count` members of intensity.size() samples
  View<const double, Space> weights;
  index_t first;  // source point of member 0
  index_t count;
  View<T, Space> intensity;
  FABTWIN_HD void operator()(index_t i) const {
    const index_t n2 = intensity.size();
    double sum = 0;
    for (index_t b = 0; b < count; ++b) {
      const complex<T> c = fields[b * n2 + i];
      sum += weights[first + b] * double(c.real() * c.real() + c.imag() * c.imag());
    }
    intensity[i] = T(double(intensity[i]) + sum);
  }
};

}  // namespace detail

/// Aerial image of each member of the mask batch (complex amplitude, or a real amplitude) on a
/// square periodic field: `mask.grid()` nx == ny, period L = nx * pitch. The result has the mask's
/// grid and batch. Throws invalid_argument for an invalid system or source step, a non-square or
/// 3D grid, a pitch too coarse to hold every frequency the optics pass, or a non-finite mask sample.
template <class Sample, class Space>
Field<real_type_t<Sample>, Space> abbe_image(Context<Space>& ctx, const OpticalSystem& system,
                                             const Source& source, const Field<Sample, Space>& mask,
                                             const AbbeOptions& options = {}) {
  using T = real_type_t<Sample>;
  static_assert(Real<T> && (std::is_same_v<Sample, T> || std::is_same_v<Sample, complex<T>>),
                "fabtwin::optics::abbe_image takes a mask of T or complex<T>, T float or double");
  constexpr const char* where = "optics::abbe_image";
  system.validate(where);
  require(std::isfinite(options.source_step) && options.source_step > 0 && options.source_step <= 1,
          where, "options.source_step", options.source_step,
          "a source grid step in (0, 1] sigma units");
  require(options.batch >= 0, where, "options.batch", options.batch,
          "0 (automatic) or a positive number of source points per FFT batch");
  const Grid& grid = mask.grid();
  require(grid.rank() == 2 && grid.nx() == grid.ny(), where, "mask.grid", grid,
          "a square 2D grid (nx == ny): the field period L = nx * pitch is one number");
  const index_t n = grid.nx(), n2 = n * n;
  const double period_nm = double(n) * grid.pitch().x;
  // Every frequency that can pass, |f| <= (1 + sigma_max) NA / lambda, must be a distinct bin of
  // the grid (|p| < n / 2), or it would alias onto another one.
  const double reach = (1 + source.sigma_max() + 1e-9) * system.cutoff() * period_nm;
  require(reach < 0.5 * double(n), where, "mask.grid", grid, [&] {
    return "a pitch fine enough to hold every frequency the optics pass: (1 + sigma_max) NA / lambda * L = " +
           ::fabtwin::describe(reach) +
           " bins must stay below nx / 2 = " + ::fabtwin::describe(0.5 * double(n));
  });
  const index_t bad =
      transform_reduce(ctx, mask.size(), index_t(0), reduce_op::Plus{},
                       detail::CountNonFinite<View<const Sample, Space>>{mask.view()});
  require(
      bad == 0, where, "mask", [&] { return std::to_string(bad) + " non-finite samples"; },
      "finite amplitudes only");

  const std::vector<SourcePoint> points = source.sample(options.source_step);
  const index_t count = index_t(points.size());
  const index_t automatic = std::max<index_t>(1, (index_t{1} << 22) / n2);
  const index_t slots = std::min(count, options.batch > 0 ? options.batch : automatic);

  const detail::AbbeTables tables = detail::abbe_tables(system, points, n, period_nm, slots);
  std::vector<complex<T>> values(tables.values.size());
  for (std::size_t e = 0; e < values.size(); ++e)
    values[e] = complex<T>(T(tables.values[e].real()), T(tables.values[e].imag()));
  const Field<index_t, Space> targets = detail::abbe_upload<Space>(tables.targets);
  const Field<complex<T>, Space> pupil_values = detail::abbe_upload<Space>(values);
  const Field<double, Space> point_weights = detail::abbe_upload<Space>(tables.weights);

  // M = FFT(m) / n^2 for every mask of the batch.
  Field<complex<T>, Space> spectrum(grid, mask.batch());
  transform(ctx, mask.view(), spectrum.view(), detail::ScaledAmplitude<T>{T(1.0 / double(n2))});
  fft::forward(ctx, spectrum.view(), spectrum.view());

  Field<T, Space> image(grid, mask.batch());
  Field<complex<T>, Space> fields(grid, slots);
  for (index_t b = 0; b < mask.batch(); ++b) {
    const View<const complex<T>, Space> mask_spectrum = spectrum.cview().member(b);
    const View<T, Space> intensity = image.view().member(b);
    for (index_t first = 0; first < count; first += slots) {
      const index_t members = std::min(slots, count - first);
      const View<complex<T>, Space> batch(fields.data(), n, n, 1, members);
      fill(ctx, batch, complex<T>(0));
      const index_t begin = tables.offsets[std::size_t(first)];
      const index_t end = tables.offsets[std::size_t(first + members)];
      for_each(ctx, Range1{end - begin},
               detail::ScatterPupil<T, Space>{batch, mask_spectrum, targets.cview(),
                                              pupil_values.cview(), begin});
      fft::inverse(ctx, batch, batch);
      for_each(ctx, Range1{n2},
               detail::AccumulateIntensity<T, Space>{batch, point_weights.cview(), first, members,
                                                     intensity});
    }
  }
  ctx.synchronize();  // the uploaded tables and the work fields are freed when this returns
  return image;
}

}  // namespace fabtwin::optics
