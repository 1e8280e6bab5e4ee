// Abbe imaging (optics/abbe.hpp) against SOCS (socs_kernels.hpp + aerial_image.hpp), the two ways
// of summing the same partially coherent image: with the same source sampling step they agree up
// to the truncation of the kernel expansion. The truncation error I_Abbe - I_K = sum_{k > K} w_k
// |h_k * m|^2 is non-negative at every pixel and shrinks as kernels are added (w_k >= 0), so the
// relative L2 error must fall monotonically with K, reach 1e-3 with enough kernels, and vanish to
// rounding with all of them. K values are taken at gaps of the eigenvalue spectrum: a symmetric
// source has degenerate pairs, and a K that splits one keeps one member of it (the first of its
// canonical basis, leading_eigenpairs.hpp), which breaks the symmetry the pair shares.

#include "support/test_cases.hpp"

#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/optics/abbe.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/socs_kernels.hpp"
#include "fabtwin/optics/tcc.hpp"
#include "support/data.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;

namespace {

/// Rounding floor of an image comparison in T.
template <class T>
constexpr double floor_of = std::is_same_v<T, float> ? 2e-6 : 1e-12;

struct Setup {
  OpticalSystem system;
  Source source;
  double step;
  double period_nm;
};

/// The leading K kernels of a full set (what socs_kernels returns for count K: the same eigenpairs).
KernelSet leading(const KernelSet& all, index_t k) {
  KernelSet set = all;
  set.weights.resize(std::size_t(k));
  set.spectra.resize(std::size_t(k * all.bins()));
  return set;
}

/// Kernel sets of the setup for K = 1, 2, 4, ... 64, then every 16 up to all of them, each moved
/// up to the next eigenvalue gap; made once per setup from one decomposition (the kernels are
/// double whatever the image type).
const std::vector<KernelSet>& kernel_ladder(const std::string& name, const Setup& setup) {
  static std::map<std::string, std::vector<KernelSet>> cache;
  auto found = cache.find(name);
  if (found != cache.end()) return found->second;
  const index_t frequencies = tcc_support(setup.system, setup.source, setup.period_nm).size();
  const KernelSet all =
      socs_kernels(setup.system, setup.source, {setup.period_nm, frequencies, 0, setup.step});
  REQUIRE(all.count() == frequencies);
  const auto& w = all.weights;
  std::vector<KernelSet> ladder;
  index_t last = 0;
  for (index_t target = 1; target < frequencies; target = target < 64 ? 2 * target : target + 16) {
    index_t k = std::max(target, last + 1);
    // Move up to a gap: w_k clearly above w_{k+1} (relative to the largest weight).
    while (k < frequencies && w[std::size_t(k - 1)] - w[std::size_t(k)] < 1e-8 * w[0]) ++k;
    if (k >= frequencies) break;
    ladder.push_back(leading(all, k));
    last = k;
  }
  ladder.push_back(all);
  return cache.emplace(name, std::move(ladder)).first->second;
}

double relative_l2(const std::vector<double>& image, const std::vector<double>& reference) {
  double difference = 0, norm = 0;
  for (std::size_t i = 0; i < image.size(); ++i) {
    difference += (image[i] - reference[i]) * (image[i] - reference[i]);
    norm += reference[i] * reference[i];
  }
  return std::sqrt(difference / norm);
}

/// Abbe vs SOCS over the kernel ladder of `setup` for one pattern; checks the monotone fall, the
/// 1e-3 bar and the all-kernel agreement, and returns (K, error) pairs.
template <class T, class S>
std::vector<std::pair<index_t, double>> compare(Context<S>& ctx, const std::string& name, const Setup& setup,
                                                const Field<T, S>& pattern) {
  const auto abbe = test::to_double(to_vector(abbe_image(ctx, setup.system, setup.source, pattern, {setup.step})));
  const std::vector<KernelSet>& ladder = kernel_ladder(name, setup);
  REQUIRE(ladder.size() >= 4);
  std::vector<std::pair<index_t, double>> errors;
  const std::vector<Condition> nominal{{1.0, 0}};
  for (const KernelSet& set : ladder) {
    SocsImager<T, S> imager(ctx, pattern.grid(), {set});
    const auto socs = test::to_double(to_vector(imager.image(ctx, pattern, nominal)));
    errors.emplace_back(set.count(), relative_l2(socs, abbe));
  }
  for (std::size_t i = 0; i < errors.size(); ++i) {
    INFO(name << ": K = " << errors[i].first << ", relative L2 error " << errors[i].second);
    if (i > 0) CHECK(errors[i].second <= errors[i - 1].second + floor_of<T>);
  }
  INFO(name << ": errors from " << errors.front().second << " (K = " << errors.front().first << ") to "
            << errors.back().second << " (all " << errors.back().first << ")");
  CHECK(errors.front().second > 1e-2);  // one kernel is far from the image
  CHECK(errors.back().second <= 10 * floor_of<T>);
  // Enough kernels reach the 1e-3 bar before all of them.
  std::size_t reached = errors.size();
  for (std::size_t i = 0; i < errors.size(); ++i)
    if (errors[i].second <= 1e-3) {
      reached = i;
      break;
    }
  CHECK(reached + 1 < errors.size());
  return errors;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("Abbe and SOCS agree on a contact array, the error falling with K",
                        "[optics][abbe][socs]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  // 4 x 4 contacts of 64 nm at 128 nm pitch, one missing, on a 512 nm field of 8 nm pixels; an
  // annular source and a defocused, comatic pupil so that the kernels are complex and asymmetric.
  const index_t n = 64;
  const Grid grid(n, n, 8.0);
  std::vector<T> values(std::size_t(n * n), T(0));
  for (index_t cy = 0; cy < 4; ++cy)
    for (index_t cx = 0; cx < 4; ++cx) {
      if (cx == 2 && cy == 1) continue;
      for (index_t y = 0; y < 8; ++y)
        for (index_t x = 0; x < 8; ++x) values[std::size_t((cy * 16 + 4 + y) * n + cx * 16 + 4 + x)] = 1;
    }
  Setup setup{OpticalSystem{}, Source::annular(0.5, 0.9), 0.05, 512};
  setup.system.defocus_nm = 30;
  setup.system.zernike_waves[6] = 0.03;
  compare(ctx, "contacts", setup, test::field_with<S>(grid, values));
}

TEMPLATE_LIST_TEST_CASE("Abbe and SOCS agree on an ICCAD-2013 clip window, the error falling with K",
                        "[optics][abbe][socs][iccad]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  const auto file = test::data_file("iccad2013/clips/M1_test1.glp");
  if (!file) return;
  Context<S> ctx;
  // The central 512 nm of M1_test1 (clip coordinates 200..712 nm) at 4 nm pixels, area-sampled;
  // a quasar source.
  const index_t n = 128;
  const Grid grid(n, n, 4.0, Vec3{200, 200, 0});
  const Field<T, S> pattern = layout::rasterize_area<T, S>(ctx, layout::read_glp(*file), grid);
  const auto values = to_vector(pattern);
  double clear = 0;
  for (T v : values) clear += double(v);
  REQUIRE(clear > 0.2 * double(n * n));  // the window holds real features
  REQUIRE(clear < 0.8 * double(n * n));
  const Setup setup{OpticalSystem{}, Source::quasar(0.6, 0.9, 30, 45), 0.05, 512};
  compare(ctx, "M1_test1", setup, pattern);
}
