// The TCC (tcc.hpp) against its defining sum, its support, its algebraic properties (Hermitian,
// positive semidefinite, trace) and the closed forms of the coherent limit and of defocus.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <map>
#include <utility>
#include <vector>

#include <Eigen/Eigenvalues>

#include "fabtwin/optics/pupil.hpp"
#include "fabtwin/optics/socs_kernels.hpp"
#include "fabtwin/optics/tcc.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;
using Catch::Contains;

namespace {

using cd = std::complex<double>;

/// An aberrated, defocused immersion system: every entry of its TCC is complex.
OpticalSystem aberrated_tcc_system() {
  OpticalSystem system;
  system.defocus_nm = 40;
  system.zernike_waves[7 - 1] = 0.05;  // x coma
  system.zernike_waves[9 - 1] = 0.03;  // spherical
  system.zernike_waves[6 - 1] = 0.02;  // 45-degree astigmatism
  return system;
}

/// Position of each support bin, keyed by (p, q).
std::map<std::pair<index_t, index_t>, index_t> bin_positions(const TccSupport& support) {
  std::map<std::pair<index_t, index_t>, index_t> positions;
  for (index_t n = 0; n < support.size(); ++n)
    positions[{support.p[std::size_t(n)], support.q[std::size_t(n)]}] = n;
  return positions;
}

/// P(p / L + sigma_x NA / lambda, q / L + sigma_y NA / lambda), written out from the definitions.
cd shifted_pupil(const OpticalSystem& system, double period, index_t p, index_t q,
                 const SourcePoint& s) {
  const double na_over_lambda = system.na / system.wavelength_nm;
  return pupil(system, p / period + s.sx * na_over_lambda, q / period + s.sy * na_over_lambda);
}

}  // namespace

TEST_CASE("The TCC support is the disc |f| <= NA/lambda (1 + sigma_max) of field bins",
          "[optics][tcc]") {
  const OpticalSystem system;  // 193 nm, NA 1.35, water
  // 2048 nm field, sigma_max 0.9: 2048 * 1.35 / 193 * 1.9 = 27.218 bins, so R = 27.
  const TccSupport support = tcc_support(system, Source::annular(0.6, 0.9), 2048);
  CHECK(support.radius == 27);
  CHECK(support.period_nm == 2048);
  const auto positions = bin_positions(support);
  // Hand-checked bins: |(26, 8)| = 27.203 and |(19, 19)| = 26.870 are inside 27.218; |(26, 9)| = 27.514,
  // |(27, 5)| = 27.459 and |(24, 13)| = 27.295 are outside.
  for (auto [p, q] : {std::pair<index_t, index_t>{0, 0},
                      {27, 0},
                      {0, -27},
                      {26, 8},
                      {-8, 26},
                      {19, 19},
                      {-19, -19}})
    CHECK(positions.count({p, q}) == 1);
  for (auto [p, q] : {std::pair<index_t, index_t>{26, 9}, {27, 5}, {-24, 13}, {28, 0}, {27, 27}})
    CHECK(positions.count({p, q}) == 0);
  // KernelSet order: q slowest, p fastest, so flat() increases along the list.
  for (index_t n = 1; n < support.size(); ++n) REQUIRE(support.flat(n) > support.flat(n - 1));
  CHECK(support.flat(positions.at({0, 0})) == 27 * 55 + 27);  // the centre of the 55 x 55 block
  CHECK(support.flat(positions.at({-3, 27})) == 54 * 55 + 24);

  // Coherent light, 1000 nm: 1000 * 1.35 / 193 = 6.995 bins, R = 6.
  CHECK(tcc_support(system, Source::disc(0), 1000).radius == 6);
  // A dry 248 nm system at NA 0.8 with sigma 0.5, 1240 nm: 1240 * 0.8 / 248 * 1.5 = 6 bins exactly,
  // so (6, 0) belongs to the support and R = 6.
  OpticalSystem dry;
  dry.wavelength_nm = 248;
  dry.na = 0.8;
  dry.immersion_index = 1;
  const TccSupport exact = tcc_support(dry, Source::disc(0.5), 1240);
  CHECK(exact.radius == 6);
  CHECK(bin_positions(exact).count({6, 0}) == 1);
  CHECK(bin_positions(exact).count({6, 1}) == 0);
}

TEST_CASE("TCC entries equal the defining sum over source points", "[optics][tcc]") {
  const OpticalSystem system = aberrated_tcc_system();
  const Source source = Source::annular(0.4, 0.8);
  const double period = 500;
  const TccFactor tcc = tcc_factor(system, source, period, 0.1);
  const Eigen::MatrixXcd t = tcc.matrix();
  const index_t n = tcc.support.size();
  REQUIRE(t.rows() == n);
  const std::vector<SourcePoint> points = source.sample(0.1);
  REQUIRE(points.size() == tcc.points.size());

  // TCC(f1, f2) = sum_s w_s P(f1 + f_s) P*(f2 + f_s), on every pair of frequencies.
  std::vector<cd> table(std::size_t(n) * points.size());
  for (std::size_t s = 0; s < points.size(); ++s)
    for (index_t k = 0; k < n; ++k)
      table[s * std::size_t(n) + std::size_t(k)] = shifted_pupil(
          system, period, tcc.support.p[std::size_t(k)], tcc.support.q[std::size_t(k)], points[s]);
  double worst = 0, largest = 0, imaginary = 0;
  for (index_t i = 0; i < n; ++i)
    for (index_t j = 0; j < n; ++j) {
      cd expected = 0;
      for (std::size_t s = 0; s < points.size(); ++s)
        expected += points[s].weight * table[s * std::size_t(n) + std::size_t(i)] *
                    std::conj(table[s * std::size_t(n) + std::size_t(j)]);
      worst = std::max(worst, std::abs(t(i, j) - expected));
      largest = std::max(largest, std::abs(expected));
      imaginary = std::max(imaginary, std::abs(expected.imag()));
    }
  CHECK(worst <= 1e-13 * largest);
  CHECK(imaginary > 1e-3 * largest);  // the aberrations make the test meaningful for phases

  SECTION("Hermitian and positive semidefinite") {
    CHECK((t - t.adjoint()).cwiseAbs().maxCoeff() <= 1e-14 * largest);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> solver(t);
    REQUIRE(solver.info() == Eigen::Success);
    const double top = solver.eigenvalues().maxCoeff();
    CHECK(solver.eigenvalues().minCoeff() >= -1e-13 * top);
    // The rank is at most the number of source points.
    index_t rank = 0;
    for (index_t k = 0; k < n; ++k) rank += solver.eigenvalues()(k) > 1e-10 * top;
    CHECK(rank <= index_t(points.size()));
    CHECK(rank > 1);
  }
  SECTION("the trace is the direct sum of |P|^2") {
    double direct = 0;
    for (std::size_t s = 0; s < points.size(); ++s)
      for (index_t k = 0; k < n; ++k)
        direct += points[s].weight * std::norm(table[s * std::size_t(n) + std::size_t(k)]);
    CHECK(tcc.trace() == Approx(direct).epsilon(1e-13));
    CHECK(t.trace().real() == Approx(direct).epsilon(1e-13));
  }
}

TEST_CASE("No light reaches a bin outside the TCC support", "[optics][tcc]") {
  // Any source point shifts the pupil by at most sigma_max NA/lambda: every bin of a wider box that the
  // support leaves out must see P(f + f_s) = 0 for every source point, and the trace summed over the
  // box must equal the support's.
  const OpticalSystem system;
  for (const Source& source :
       {Source::disc(0.9), Source::annular(0.7, 1.0), Source::quasar(0.5, 0.95, 40, 20)}) {
    const double period = 700;
    const TccFactor tcc = tcc_factor(system, source, period, 0.05);
    const auto positions = bin_positions(tcc.support);
    const index_t box = tcc.support.radius + 3;
    double outside = 0, total = 0;
    for (const SourcePoint& s : tcc.points)
      for (index_t q = -box; q <= box; ++q)
        for (index_t p = -box; p <= box; ++p) {
          const double light = s.weight * std::norm(shifted_pupil(system, period, p, q, s));
          total += light;
          if (!positions.count({p, q})) outside += light;
        }
    INFO(source.describe());
    CHECK(outside == 0);
    CHECK(tcc.trace() == Approx(total).epsilon(1e-13));
    // The support is not padded beyond one bin: its radius is the floor of L NA/lambda (1 + sigma_max).
    CHECK(tcc.support.radius == index_t(std::floor(period * system.na / system.wavelength_nm *
                                                   (1 + source.sigma_max()))));
  }
}

TEST_CASE("TCC(0, 0) is the clear-field intensity", "[optics][tcc]") {
  // A clear mask has M = delta(f): its image is TCC(0, 0) = sum_s w_s |P(f_s)|^2, which is 1 for an
  // unaberrated pupil without radiometric gain (every source point inside the pupil, weights summing
  // to 1) and the source average of the radiometric factor squared with it, written out here at
  // f_s = sigma NA / lambda: two-sided sqrt((1 - (NA sigma / R)^2) / (1 - (NA sigma / n)^2)),
  // wafer-side 1 / sqrt(1 - (NA sigma / n)^2).
  OpticalSystem system;
  system.defocus_nm = 75;  // a pure phase: no effect on the clear field
  const Source source = Source::annular(0.5, 0.9);
  const double a = system.na / system.reduction, b = system.na / system.immersion_index;
  double two_sided = 0, wafer_side = 0;
  for (const SourcePoint& s : source.sample(0.05)) {
    const double s2 = s.sx * s.sx + s.sy * s.sy;
    two_sided += s.weight * std::sqrt((1 - a * a * s2) / (1 - b * b * s2));
    wafer_side += s.weight / std::sqrt(1 - b * b * s2);
  }
  CHECK(two_sided > 1.05);  // the gain at sigma 0.5-0.9 and NA 1.35 is several per cent
  CHECK(wafer_side > two_sided * 1.01);
  for (const auto& [form, expected] :
       {std::pair{Radiometric::off, 1.0}, std::pair{Radiometric::two_sided, two_sided},
        std::pair{Radiometric::wafer_side, wafer_side}}) {
    INFO(describe(form));
    system.radiometric = form;
    const TccFactor tcc = tcc_factor(system, source, 900, 0.05);
    const auto positions = bin_positions(tcc.support);
    const index_t zero = positions.at({0, 0});
    CHECK(tcc.a.row(zero).squaredNorm() == Approx(expected).epsilon(1e-13));
  }
}

TEST_CASE("A coherent source gives a rank-one TCC whose kernel is the pupil",
          "[optics][tcc][socs]") {
  // Disc sigma 0 is one source point at f_s = 0 with weight 1: TCC = P P^H, a single eigenvalue
  // sum_f |P(f)|^2 with eigenvector P / |P|.
  OpticalSystem system;
  system.radiometric = Radiometric::two_sided;
  const double period = 1000;
  const Source coherent = Source::disc(0);
  SECTION("rank one") {
    const TccFactor tcc = tcc_factor(system, coherent, period, 0.02);
    REQUIRE(tcc.a.cols() == 1);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> solver(tcc.matrix());
    const Eigen::VectorXd values = solver.eigenvalues();
    const double top = values(values.size() - 1);
    double norm2 = 0;
    for (index_t k = 0; k < tcc.support.size(); ++k)
      norm2 += std::norm(pupil(system, tcc.support.p[std::size_t(k)] / period,
                               tcc.support.q[std::size_t(k)] / period));
    CHECK(top == Approx(norm2).epsilon(1e-12));
    CHECK(values.head(values.size() - 1).cwiseAbs().maxCoeff() <= 1e-12 * top);
  }
  SECTION("the single kernel is the normalised pupil (in focus: real and positive)") {
    const KernelSet set = socs_kernels(system, coherent, {.period_nm = period, .count = 1});
    REQUIRE(set.count() == 1);
    CHECK(set.radius == 6);
    double norm2 = 0;
    for (index_t q = -6; q <= 6; ++q)
      for (index_t p = -6; p <= 6; ++p) norm2 += std::norm(pupil(system, p / period, q / period));
    CHECK(set.weights[0] == Approx(norm2).epsilon(1e-12));
    CHECK(set.energy == Approx(1).epsilon(1e-12));
    for (index_t q = -6; q <= 6; ++q)
      for (index_t p = -6; p <= 6; ++p) {
        const cd expected = pupil(system, p / period, q / period) / std::sqrt(norm2);
        REQUIRE(std::abs(set.at(0, p, q) - expected) <= 1e-12);
      }
  }
  SECTION("defocused: the pupil up to the phase that makes the largest component real") {
    system.defocus_nm = 120;
    const KernelSet set = socs_kernels(system, coherent, {.period_nm = period, .count = 1});
    cd overlap = 0;
    double norm2 = 0, largest = 0;
    for (index_t q = -6; q <= 6; ++q)
      for (index_t p = -6; p <= 6; ++p) {
        const cd value = pupil(system, p / period, q / period);
        overlap += std::conj(set.at(0, p, q)) * value;
        norm2 += std::norm(value);
        largest = std::max(largest, std::abs(set.at(0, p, q)));
      }
    CHECK(std::abs(overlap) == Approx(std::sqrt(norm2)).epsilon(1e-12));  // |<k, P / |P|>| = 1
    // The phase convention: the first (lowest-index) largest component is real and positive.
    bool found = false;
    for (index_t q = -6; q <= 6 && !found; ++q)
      for (index_t p = -6; p <= 6 && !found; ++p)
        if (std::abs(set.at(0, p, q)) >= largest * (1 - 1e-6)) {
          found = true;
          CHECK(std::abs(set.at(0, p, q).imag()) <= 1e-14);
          CHECK(set.at(0, p, q).real() > 0);
        }
    CHECK(found);
  }
}

TEST_CASE("Opposite defocus conjugates the TCC of an unaberrated system", "[optics][tcc]") {
  // Without aberration the pupil's amplitude is real and its phase is odd in z, so
  // P_{-z} = conj(P_z) and TCC_{-z} = conj(TCC_z) = TCC_z^T: the same eigenvalues, conjugated
  // eigenvectors. An even aberration (spherical, Z9) adds a phase that does not change sign with z, and
  // breaks the equality (the Bossung curves of a lens with spherical aberration tilt).
  OpticalSystem plus, minus;
  plus.defocus_nm = 50;
  minus.defocus_nm = -50;
  const Source source = Source::annular(0.6, 0.9);
  const TccFactor tcc_plus = tcc_factor(plus, source, 600, 0.1);
  const TccFactor tcc_minus = tcc_factor(minus, source, 600, 0.1);
  const Eigen::MatrixXcd t_plus = tcc_plus.matrix(), t_minus = tcc_minus.matrix();
  const double scale = t_plus.cwiseAbs().maxCoeff();
  CHECK((t_minus - t_plus.conjugate()).cwiseAbs().maxCoeff() <= 1e-14 * scale);
  CHECK(t_plus.imag().cwiseAbs().maxCoeff() > 1e-3 * scale);  // defocus does make the TCC complex

  const auto eigenvalues = [](const Eigen::MatrixXcd& t) {
    return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd>(t, Eigen::EigenvaluesOnly).eigenvalues();
  };
  const Eigen::VectorXd e_plus = eigenvalues(t_plus), e_minus = eigenvalues(t_minus);
  CHECK((e_plus - e_minus).cwiseAbs().maxCoeff() <= 1e-12 * e_plus.maxCoeff());

  plus.zernike_waves[9 - 1] = minus.zernike_waves[9 - 1] = 0.05;
  const Eigen::VectorXd s_plus = eigenvalues(tcc_factor(plus, source, 600, 0.1).matrix());
  const Eigen::VectorXd s_minus = eigenvalues(tcc_factor(minus, source, 600, 0.1).matrix());
  CHECK((s_plus - s_minus).cwiseAbs().maxCoeff() > 1e-4 * s_plus.maxCoeff());
}

TEST_CASE("TCC functions refuse bad arguments with clear messages", "[optics][tcc][errors]") {
  const OpticalSystem system;
  const Source source = Source::disc(0.5);
  REQUIRE_THROWS_AS(tcc_support(system, source, 0), invalid_argument);
  REQUIRE_THROWS_WITH(tcc_support(system, source, 0), Contains("optics::tcc_support") &&
                                                          Contains("'period_nm' = 0") &&
                                                          Contains("field period"));
  REQUIRE_THROWS_WITH(tcc_factor(system, source, std::nan(""), 0.1), Contains("'period_nm' = nan"));
  REQUIRE_THROWS_WITH(tcc_factor(system, source, 500, 0), Contains("optics::tcc_factor") &&
                                                              Contains("'source_step' = 0") &&
                                                              Contains("[0.001, 1]"));
  REQUIRE_THROWS_WITH(tcc_factor(system, source, 500, 1.5), Contains("'source_step' = 1.5"));
  REQUIRE_THROWS_WITH(tcc_factor(system, source, 500, 1e-4), Contains("'source_step' = 0.0001"));
  OpticalSystem bad = system;
  bad.na = 1.5;  // beyond the water's index
  REQUIRE_THROWS_WITH(tcc_factor(bad, source, 500, 0.1), Contains("optics::tcc_factor") &&
                                                             Contains("'na' = 1.5") &&
                                                             Contains("immersion_index"));
  // A period far beyond any imaging field would need a factor of terabytes: refused, not attempted.
  REQUIRE_THROWS_AS(tcc_factor(system, source, 1e6, 0.01), out_of_memory);
  REQUIRE_THROWS_WITH(tcc_factor(system, source, 1e6, 0.01),
                      Contains("source points") && Contains("8 GiB"));
}
