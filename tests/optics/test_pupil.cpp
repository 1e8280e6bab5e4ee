// The pupil function (optics/pupil.hpp) and OpticalSystem::validate, against closed forms written
// here: the cut-off NA / lambda, the exact defocus phase 2 pi z (sqrt(n^2/lambda^2 - f^2) - n/lambda),
// the radiometric factor in each form (two-sided ((1 - (lambda f / R)^2) / (1 - (lambda f / n)^2))^(1/4),
// wafer-side (1 - (lambda f / n)^2)^(-1/4), off 1), and the phase of a single Zernike term.

#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <string>

#include "fabtwin/optics/pupil.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;
using Catch::Contains;

namespace {

using std::numbers::pi;

OpticalSystem plain_system() {
  OpticalSystem system;  // 193 nm, NA 1.35, water
  system.radiometric = Radiometric::off;
  return system;
}

/// |a - b| for complex numbers.
double distance(std::complex<double> a, std::complex<double> b) { return std::abs(a - b); }

}  // namespace

TEST_CASE("The pupil passes |f| <= NA / lambda and nothing beyond", "[optics][pupil]") {
  for (const Radiometric radiometric :
       {Radiometric::off, Radiometric::two_sided, Radiometric::wafer_side}) {
    OpticalSystem system;
    system.radiometric = radiometric;
    system.defocus_nm = 40;
    system.zernike_waves[6] = 0.03;
    const double cutoff = 1.35 / 193.0;
    CHECK(system.cutoff() == Approx(cutoff).epsilon(1e-15));
    for (double angle : {0.0, 0.7, 2.0, 3.1, 4.4}) {
      const double c = std::cos(angle), s = std::sin(angle);
      for (double r : {0.0, 0.2, 0.5, 0.9, 0.999999}) {
        INFO("radius " << r << " of the cut-off, angle " << angle);
        CHECK(std::abs(pupil(system, r * cutoff * c, r * cutoff * s)) > 0.5);
      }
      for (double r : {1.000001, 1.1, 2.0, 10.0}) {
        INFO("radius " << r << " of the cut-off, angle " << angle);
        CHECK(pupil(system, r * cutoff * c, r * cutoff * s) == std::complex<double>(0));
      }
    }
  }
}

TEST_CASE("An ideal pupil is 1 inside the cut-off", "[optics][pupil]") {
  const OpticalSystem system = plain_system();
  for (double fx : {0.0, 0.002, -0.004})
    for (double fy : {0.0, 0.003, -0.001}) CHECK(distance(pupil(system, fx, fy), 1.0) < 1e-15);
}

TEST_CASE("Defocus adds the exact (non-paraxial) phase", "[optics][pupil]") {
  OpticalSystem system = plain_system();
  const double n = system.immersion_index, lambda = system.wavelength_nm;
  for (double z : {50.0, -120.0, 300.0}) {
    system.defocus_nm = z;
    for (double share : {0.0, 0.3, 0.6, 0.95, 1.0}) {
      const double f = share * system.na / lambda;
      const double phase = 2 * pi * z * (std::sqrt(n * n / (lambda * lambda) - f * f) - n / lambda);
      // Split f over both axes: the defocus phase only depends on |f|.
      const double fx = f * 0.6, fy = -f * 0.8;
      INFO("defocus " << z << " nm at |f| = " << share << " NA / lambda");
      CHECK(distance(pupil(system, fx, fy), std::polar(1.0, phase)) < 1e-12);
    }
  }
  // Paraxially the phase is -pi z lambda f^2 / n: the exact form agrees near the axis and departs
  // from it by half at the edge of an NA 1.35 pupil (sin theta = 0.94). z = 20 nm keeps |phase| < pi.
  system.defocus_nm = 20;
  const auto paraxial = [&](double f) { return -pi * 20 * lambda * f * f / n; };
  const double small = 0.05 * system.na / lambda, edge = system.na / lambda;
  CHECK(std::arg(pupil(system, small, 0)) == Approx(paraxial(small)).epsilon(1e-3));
  const double exact_edge =
      2 * pi * 20 * (std::sqrt(n * n / (lambda * lambda) - edge * edge) - n / lambda);
  CHECK(std::arg(pupil(system, edge, 0)) == Approx(exact_edge).epsilon(1e-12));
  CHECK(std::fabs(std::arg(pupil(system, edge, 0)) - paraxial(edge)) > 0.1);
}

TEST_CASE("The radiometric factor is 1 on axis and its closed form at the edge",
          "[optics][pupil]") {
  OpticalSystem system;  // two-sided by default
  CHECK(system.radiometric == Radiometric::two_sided);
  CHECK(distance(pupil(system, 0, 0), 1.0) < 1e-15);
  CHECK(radiometric_factor(system, 0) == 1.0);

  const double na = system.na, n = system.immersion_index, reduction = system.reduction;
  const double edge = ((1 - (na / reduction) * (na / reduction)) / (1 - (na / n) * (na / n)));
  const double expected_edge = std::sqrt(std::sqrt(edge));
  CHECK(expected_edge > 1.6);  // 1.35 / 1.43664: a large gain at the edge of an immersion pupil
  CHECK(std::abs(pupil(system, system.cutoff(), 0)) == Approx(expected_edge).epsilon(1e-12));
  CHECK(std::abs(pupil(system, 0, -system.cutoff())) == Approx(expected_edge).epsilon(1e-12));

  // Half-way out: sin_wafer = NA / (2 n), sin_mask = NA / (2 R).
  const double sw = na / (2 * n), sm = na / (2 * reduction);
  const double half = std::pow((1 - sm * sm) / (1 - sw * sw), 0.25);
  CHECK(radiometric_factor(system, system.cutoff() / 2) == Approx(half).epsilon(1e-14));
  CHECK(std::abs(pupil(system, 0.3 * system.cutoff(), 0.4 * system.cutoff())) ==
        Approx(half).epsilon(1e-12));

  // The factor only scales the amplitude: the defocus phase is unchanged.
  system.defocus_nm = 80;
  OpticalSystem without = system;
  without.radiometric = Radiometric::off;
  const double fx = 0.7 * system.cutoff();
  CHECK(std::arg(pupil(system, fx, 0)) == Approx(std::arg(pupil(without, fx, 0))).margin(1e-14));
  CHECK(std::abs(pupil(without, fx, 0)) == Approx(1).epsilon(1e-14));
  CHECK(std::abs(pupil(system, fx, 0)) > 1.1);
}

TEST_CASE("Each radiometric form against its closed form", "[optics][pupil]") {
  // At |f| = share * NA / lambda: sin_wafer = share NA / n, sin_mask = share NA / R.
  OpticalSystem two;  // 193 nm, NA 1.35, water, 4x
  OpticalSystem wafer = two, off = two;
  wafer.radiometric = Radiometric::wafer_side;
  off.radiometric = Radiometric::off;
  const double na = two.na, n = two.immersion_index, r = two.reduction;
  for (double share : {0.0, 0.25, 0.5, 0.8, 1.0}) {
    INFO("|f| = " << share << " NA / lambda");
    const double f = share * two.cutoff(), sw = share * na / n, sm = share * na / r;
    const double expected_two = std::pow((1 - sm * sm) / (1 - sw * sw), 0.25);
    const double expected_wafer = 1 / std::sqrt(std::sqrt(1 - sw * sw));
    CHECK(radiometric_factor(two, f) == Approx(expected_two).epsilon(1e-14));
    CHECK(radiometric_factor(wafer, f) == Approx(expected_wafer).epsilon(1e-14));
    CHECK(radiometric_factor(off, f) == 1.0);
    CHECK(std::abs(pupil(wafer, 0.6 * f, -0.8 * f)) == Approx(expected_wafer).epsilon(1e-12));
    CHECK(std::abs(pupil(off, 0.6 * f, -0.8 * f)) == Approx(1).epsilon(1e-14));
    // wafer-side = two-sided / (1 - sin^2 theta_mask)^(1/4): 3.1 % more at the edge.
    CHECK(radiometric_factor(wafer, f) / radiometric_factor(two, f) ==
          Approx(std::pow(1 - sm * sm, -0.25)).epsilon(1e-14));
  }
  CHECK(radiometric_factor(wafer, wafer.cutoff()) / radiometric_factor(two, two.cutoff()) ==
        Approx(1.0307).epsilon(1e-4));
  // The reduction acts on two-sided only; the immersion index on both.
  OpticalSystem two5 = two, wafer5 = wafer;
  two5.reduction = wafer5.reduction = 5;
  const double f = 0.9 * two.cutoff();
  CHECK(radiometric_factor(two5, f) > radiometric_factor(two, f) * 1.002);
  CHECK(radiometric_factor(wafer5, f) == radiometric_factor(wafer, f));
  OpticalSystem wafer_index = wafer;
  wafer_index.immersion_index = 1.5;
  CHECK(radiometric_factor(wafer_index, f) < radiometric_factor(wafer, f) * 0.99);
  CHECK(std::string(describe(Radiometric::two_sided)) == "two-sided");
  CHECK(std::string(describe(Radiometric::wafer_side)) == "wafer-side");
  CHECK(std::string(describe(Radiometric::off)) == "off");
}

TEST_CASE("A single Zernike term adds 2 pi c Z_j(rho, theta) of phase", "[optics][pupil]") {
  OpticalSystem system = plain_system();
  const double cutoff = system.cutoff();
  SECTION("spherical Z9") {
    system.zernike_waves[8] = 0.05;
    for (double rho : {0.0, 0.4, 0.8, 1.0}) {
      const double phase = 2 * pi * 0.05 * (6 * std::pow(rho, 4) - 6 * rho * rho + 1);
      CHECK(distance(pupil(system, 0, rho * cutoff), std::polar(1.0, phase)) < 1e-12);
    }
  }
  SECTION("coma Z7: theta is the angle of f from the x axis") {
    system.zernike_waves[6] = -0.04;
    for (double rho : {0.3, 0.9})
      for (double theta : {0.0, pi / 3, 2.5, -1.0}) {
        const double phase = 2 * pi * -0.04 * (3 * std::pow(rho, 3) - 2 * rho) * std::cos(theta);
        const auto p =
            pupil(system, rho * cutoff * std::cos(theta), rho * cutoff * std::sin(theta));
        CHECK(distance(p, std::polar(1.0, phase)) < 1e-12);
      }
  }
  SECTION("astigmatism Z6 together with defocus") {
    system.zernike_waves[5] = 0.1;
    system.defocus_nm = 30;
    const double n = system.immersion_index, lambda = system.wavelength_nm;
    const double rho = 0.7, theta = 0.3;
    const double f = rho * cutoff;
    const double phase = 2 * pi * 0.1 * rho * rho * std::sin(2 * theta) +
                         2 * pi * 30 * (std::sqrt(n * n / (lambda * lambda) - f * f) - n / lambda);
    CHECK(distance(pupil(system, f * std::cos(theta), f * std::sin(theta)),
                   std::polar(1.0, phase)) < 1e-12);
  }
}

TEST_CASE("OpticalSystem::validate accepts physical systems", "[optics][pupil]") {
  CHECK_NOTHROW(OpticalSystem{}.validate());
  OpticalSystem dry;
  dry.immersion_index = 1;
  dry.na = 0.93;
  dry.wavelength_nm = 248;
  dry.defocus_nm = -500;
  dry.zernike_waves[36] = 0.2;
  CHECK_NOTHROW(dry.validate());
}

TEST_CASE("OpticalSystem::validate refuses non-physical systems", "[optics][pupil][errors]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  OpticalSystem system;
  SECTION("NA at or above the immersion index") {
    system.na = 1.5;
    REQUIRE_THROWS_AS(system.validate(), invalid_argument);
    REQUIRE_THROWS_WITH(system.validate("Imager"), Contains("fabtwin::Imager") &&
                                                       Contains("'na' = 1.5") &&
                                                       Contains("1.43664"));
    system.na = system.immersion_index;
    REQUIRE_THROWS_WITH(system.validate(), Contains("'na' = 1.43664"));
    system.na = 0.95;
    system.immersion_index = 1;
    CHECK_NOTHROW(system.validate());
    system.na = 1.0;
    REQUIRE_THROWS_WITH(system.validate(), Contains("'na' = 1"));
  }
  SECTION("non-positive or non-finite NA") {
    for (double na : {0.0, -0.5, nan}) {
      system.na = na;
      REQUIRE_THROWS_WITH(system.validate(), Contains("'na'"));
    }
  }
  SECTION("wavelength") {
    system.wavelength_nm = -193;
    REQUIRE_THROWS_WITH(system.validate(),
                        Contains("'wavelength_nm' = -193") && Contains("positive"));
    system.wavelength_nm = 0;
    REQUIRE_THROWS_WITH(system.validate(), Contains("'wavelength_nm' = 0"));
    system.wavelength_nm = inf;
    REQUIRE_THROWS_WITH(system.validate(), Contains("'wavelength_nm' = inf"));
  }
  SECTION("immersion index below 1") {
    system.immersion_index = 0.9;
    system.na = 0.5;
    REQUIRE_THROWS_WITH(system.validate(), Contains("'immersion_index' = 0.9"));
  }
  SECTION("reduction") {
    system.reduction = 1;
    REQUIRE_THROWS_WITH(system.validate(), Contains("'reduction' = 1") && Contains("> 1"));
    system.reduction = nan;
    REQUIRE_THROWS_WITH(system.validate(), Contains("'reduction' = nan"));
  }
  SECTION("defocus") {
    system.defocus_nm = -inf;
    REQUIRE_THROWS_WITH(system.validate(), Contains("'defocus_nm' = -inf"));
  }
  SECTION("radiometric form") {
    system.radiometric = Radiometric(3);
    REQUIRE_THROWS_WITH(system.validate(), Contains("'radiometric' = 3") && Contains("wafer_side"));
  }
  SECTION("Zernike coefficients") {
    system.zernike_waves[8] = nan;
    REQUIRE_THROWS_WITH(system.validate(),
                        Contains("'zernike_waves[8]' = nan") && Contains("waves"));
    system.zernike_waves[8] = 0;
    system.zernike_waves[36] = inf;
    REQUIRE_THROWS_WITH(system.validate(), Contains("'zernike_waves[36]' = inf"));
  }
}
