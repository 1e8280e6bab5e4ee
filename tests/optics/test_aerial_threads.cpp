// Host images give the same bits on any thread count: with fixed kernels (both paths, the adjoint,
// float and double) and end to end from kernels generated on 1 or 2 threads. The 253 x 253 grid is
// one where FFTW's threaded planner picks another algorithm for 2 threads than for 1
// (test_fft_threads.cpp).

#include <omp.h>

#include <array>
#include <cstring>
#include <vector>

#include "fabtwin/optics/socs_options.hpp"
#include "optics/aerial_support.hpp"
#include "support/host_kernels.hpp"

using namespace fabtwin;
using optics::Condition;
using optics::ImagingPath;
using optics::MaskModel;
using optics::SocsImager;

namespace {

/// The images and the pattern gradient of `pattern` under `kernels`, computed with `threads`
/// threads, concatenated.
template <class T>
std::vector<T> image_and_gradient(int threads, const Grid& grid,
                                  const std::vector<optics::KernelSet>& kernels,
                                  const std::vector<double>& pattern, ImagingPath path) {
  Context<Host> ctx({.threads = threads});
  SocsImager<T, Host> imager(ctx, grid, kernels, MaskModel::attenuated_psm(0.06, 180));
  const std::vector<Condition> conditions{{1.0, 0}, {0.97, index_t(kernels.size()) - 1}};
  const auto field = make_host_field(grid, test::as<T>(pattern));
  std::vector<T> out = to_vector(imager.image(ctx, field, conditions, path));
  const auto g =
      make_host_field(grid, test::as<T>(test::random_values<double>(2 * grid.size(), 7)), 2);
  Field<T, Host> gradient(grid);
  std::vector<double> dose_gradient(2);
  imager.backward(ctx, field, conditions, g, gradient, dose_gradient, path);
  const auto values = to_vector(gradient);
  out.insert(out.end(), values.begin(), values.end());
  for (double d : dose_gradient) out.push_back(T(d));
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("Images of fixed kernels are the same bits on 1 to 4 threads",
                   "[optics][aerial][threads]", float, double) {
  using T = TestType;
  const Grid grid(253, 253, 4.0);
  const std::vector<optics::KernelSet> kernels{test::random_kernels(9, 6, 1012.0, 41),
                                               test::random_kernels(8, 4, 1012.0, 42)};
  const auto pattern = test::structured_pattern(grid);
  for (const ImagingPath path : {ImagingPath::band_limited, ImagingPath::full_grid}) {
    INFO((path == ImagingPath::band_limited ? "band-limited" : "full grid"));
    const auto one = image_and_gradient<T>(1, grid, kernels, pattern, path);
    for (int threads : {2, 3, 4}) {
      INFO(threads << " threads");
      CHECK(test::same_bits(one, image_and_gradient<T>(threads, grid, kernels, pattern, path)));
    }
  }
}

TEMPLATE_TEST_CASE("Kernels generated and imaged on 1 or 2 threads give the same image bits",
                   "[optics][aerial][socs][threads]", float, double) {
  using T = TestType;
  // 253 pixels of 5 nm: a 1265 nm period, some 890 TCC frequencies, so the block Krylov solver; a
  // symmetric source, so exact degenerate pairs.
  const Grid grid(253, 253, 5.0);
  optics::OpticalSystem system;
  system.defocus_nm = 30;
  const optics::SocsOptions options{.period_nm = 1265, .count = 16, .source_step = 0.1};
  const auto generate = [&](int threads) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    auto set = support::socs_kernels(system, optics::Source::quasar(0.6, 0.9, 30, 45), options);
    omp_set_num_threads(saved);
    return set;
  };
  const auto pattern = test::structured_pattern(grid);
  std::vector<T> reference;
  for (int threads : {1, 2}) {
    const std::vector<optics::KernelSet> kernels{generate(threads)};
    for (int image_threads : {1, 2}) {
      INFO("kernels on " << threads << " threads, image on " << image_threads);
      const auto out =
          image_and_gradient<T>(image_threads, grid, kernels, pattern, ImagingPath::band_limited);
      if (reference.empty())
        reference = out;
      else
        CHECK(test::same_bits(reference, out));
    }
  }
}
