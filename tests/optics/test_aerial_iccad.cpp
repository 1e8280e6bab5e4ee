// The band-limited SOCS image on the ten ICCAD-2013 clips with the contest's own kernels (M1OPC
// focus and M1OPC_def defocus sets, 24 kernels of 35 x 35 on the 2048 nm canvas), against the
// model's sums evaluated directly: no FFT, no small grid, no Fourier interpolation, in double.
// Skipped, with a warning, when the shared data is absent.

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>
#include <vector>

#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "optics/aerial_support.hpp"
#include "support/data.hpp"

using namespace fabtwin;
using optics::Condition;
using optics::KernelSet;

namespace {

/// e^{sign 2 pi i k / n} for k = 0 .. n - 1: every phase the sums below need, read by (p x) mod n.
std::vector<std::complex<double>> unit_roots(index_t n, double sign) {
  std::vector<std::complex<double>> roots(static_cast<std::size_t>(n));
  for (index_t k = 0; k < n; ++k)
    roots[std::size_t(k)] = std::polar(1.0, sign * 2 * std::numbers::pi * double(k) / double(n));
  return roots;
}

/// The image model of aerial_image.hpp summed term by term at the pixels of the chosen rows of an
/// n x n binary pattern (pixel (x, y) at pattern[x + n y]):
///   A(p, q) = (1 / n^2) sum_{x, y} s pattern(x, y) e^{-2 pi i (p x + q y) / n},  |p|, |q| <= R,
///   I(x, y) = sum_k w_k |sum_{p, q} S_k(p, q) A(p, q) e^{2 pi i (p x + q y) / n}|^2.
/// Returns the rows one after the other.
std::vector<double> direct_image_rows(const std::vector<double>& pattern, index_t n,
                                      const KernelSet& kernels, double amplitude,
                                      const std::vector<index_t>& rows) {
  const index_t radius = kernels.radius, side = kernels.side();
  const auto forward = unit_roots(n, -1), inverse = unit_roots(n, 1);
  const auto phase = [n](const std::vector<std::complex<double>>& roots, index_t p, index_t x) {
    return roots[std::size_t(((p * x) % n + n) % n)];
  };
  // The mask's bins, rows first: by_row[y][p] = sum_x pattern(x, y) e^{-2 pi i p x / n}.
  std::vector<std::complex<double>> spectrum(static_cast<std::size_t>(side * side));
  std::vector<std::complex<double>> by_row(static_cast<std::size_t>(side));
  for (index_t y = 0; y < n; ++y) {
    std::fill(by_row.begin(), by_row.end(), std::complex<double>());
    for (index_t x = 0; x < n; ++x) {
      if (pattern[std::size_t(x + n * y)] == 0) continue;
      for (index_t p = -radius; p <= radius; ++p)
        by_row[std::size_t(p + radius)] += pattern[std::size_t(x + n * y)] * phase(forward, p, x);
    }
    for (index_t q = -radius; q <= radius; ++q)
      for (index_t p = -radius; p <= radius; ++p)
        spectrum[std::size_t((q + radius) * side + p + radius)] +=
            by_row[std::size_t(p + radius)] * phase(forward, q, y);
  }
  for (auto& bin : spectrum) bin *= amplitude / double(n * n);

  std::vector<double> image;
  image.reserve(rows.size() * std::size_t(n));
  std::vector<double> row(static_cast<std::size_t>(n));
  std::vector<std::complex<double>> column_sums(static_cast<std::size_t>(side));
  for (const index_t y : rows) {
    std::fill(row.begin(), row.end(), 0.0);
    for (index_t k = 0; k < kernels.count(); ++k) {
      // column_sums[p] = sum_q S_k(p, q) A(p, q) e^{2 pi i q y / n}; the field is then one sum over p.
      for (index_t p = -radius; p <= radius; ++p) {
        std::complex<double> sum;
        for (index_t q = -radius; q <= radius; ++q)
          sum += kernels.at(k, p, q) * spectrum[std::size_t((q + radius) * side + p + radius)] *
                 phase(inverse, q, y);
        column_sums[std::size_t(p + radius)] = sum;
      }
      for (index_t x = 0; x < n; ++x) {
        double re = 0, im = 0;  // written out: std::complex's product checks for NaN per term
        for (index_t p = -radius; p <= radius; ++p) {
          const std::complex<double> a = column_sums[std::size_t(p + radius)],
                                     b = phase(inverse, p, x);
          re += a.real() * b.real() - a.imag() * b.imag();
          im += a.real() * b.imag() + a.imag() * b.real();
        }
        row[std::size_t(x)] += kernels.weights[std::size_t(k)] * (re * re + im * im);
      }
    }
    image.insert(image.end(), row.begin(), row.end());
  }
  return image;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE(
    "ICCAD-2013: band-limited images equal the model summed directly on all ten clips",
    "[optics][aerial][iccad]", test::Cases) {
  // The nominal corner (focus set) on every clip, the inner one (defocus set, dose 0.98) on the
  // first, compared on every 32nd row (64 whole rows of 2048 pixels per image: the direct sums cost
  // 35 x 24 terms a pixel).
  using T = typename TestType::real;
  using S = typename TestType::space;
  const auto focus_dir = test::data_file("iccad2013/kernels/M1OPC");
  const auto defocus_dir = test::data_file("iccad2013/kernels/M1OPC_def");
  if (!focus_dir || !defocus_dir) return;
  Context<S> ctx;
  const index_t n = layout::iccad2013_canvas_size;
  const Grid canvas(n, n, 1.0);
  const std::vector<KernelSet> sets{optics::read_iccad_kernels(focus_dir->string()),
                                    optics::read_iccad_kernels(defocus_dir->string())};
  optics::SocsImager<T, S> imager(ctx, canvas, sets);
  REQUIRE(imager.max_radius() == 17);
  REQUIRE(imager.small_size() == 70);
  std::vector<index_t> rows;
  for (index_t y = 16; y < n; y += 32) rows.push_back(y);
  const std::vector<Condition> nominal{{1.0, 0}}, both{{1.0, 0}, {0.98, 1}};
  for (int clip = 1; clip <= 10; ++clip) {
    const auto file = test::data_file("iccad2013/clips/M1_test" + std::to_string(clip) + ".glp");
    if (!file) continue;
    INFO("clip " << clip);
    Field<T, S> pattern(canvas);
    layout::rasterize_binary(ctx, layout::place_on_iccad2013_canvas(layout::read_glp(*file)),
                             pattern.view(), canvas);
    const auto& corners = clip == 1 ? both : nominal;
    const auto fast = to_vector(imager.image(ctx, pattern, corners));
    const auto drawn = to_vector(pattern);
    const std::vector<double> mask(drawn.begin(), drawn.end());
    for (std::size_t c = 0; c < corners.size(); ++c) {
      INFO("corner " << c);
      const auto reference = direct_image_rows(mask, n, sets[std::size_t(corners[c].focus)],
                                               corners[c].amplitude, rows);
      std::vector<T> fast_rows;
      for (const index_t y : rows)
        fast_rows.insert(fast_rows.end(), fast.begin() + std::ptrdiff_t(c * n * n + y * n),
                         fast.begin() + std::ptrdiff_t(c * n * n + (y + 1) * n));
      // A real image, not zeros (the ICCAD print threshold is 0.225; clip 4 peaks just below it).
      CHECK(*std::max_element(reference.begin(), reference.end()) > 0.1);
      CHECK(test::relative_error(fast_rows, reference) <= test::image_tolerance<T>);
    }
  }
}
