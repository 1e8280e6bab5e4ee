#pragma once
// Arrhenius rates and their time integral over a bake's temperature history.
//
//   rate(T) = exp(ln A - Ea / (R T)),   R = 1.98720425864083e-3 kcal/(mol K), T in kelvin.
//
// A diffusivity D(T) in nm^2/s diffuses a point source to a Gaussian of variance
// sigma^2 = 2 * integral D(T(t)) dt per axis (sigma the diffusion length in nm). For ArF AR165J,
// Ea = 19.65 kcal/mol and ln A = 27.12 with A in nm^2/s give D(383.15 K) = 3.71 nm^2/s and so
// sigma = sqrt(2 D 60 s) = 21.1 nm after 60 s at 110 C, rising by 0.71 nm per kelvin.

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"

namespace fabtwin::thermal {

/// Molar gas constant in kcal/(mol K) (CODATA 2018: 8.314462618 J/(mol K) / 4184 J/kcal).
inline constexpr double gas_constant_kcal = 1.98720425864083e-3;

inline double celsius_to_kelvin(double celsius) { return celsius + 273.15; }

/// One knot of a temperature history: time in s, temperature in K.
struct Knot {
  double t_s;
  double kelvin;
};

/// A piecewise-linear temperature history T(t) through knots with strictly increasing times.
class TemperatureHistory {
 public:
  explicit TemperatureHistory(std::vector<Knot> knots) : knots_(std::move(knots)) {
    require(knots_.size() >= 2, "TemperatureHistory", "knots.size()", knots_.size(),
            "at least two knots");
    for (std::size_t i = 0; i < knots_.size(); ++i) {
      const auto& k = knots_[i];
      const auto name = [i](const char* member) {
        return "knots[" + std::to_string(i) + "]." + member;
      };
      require(
          std::isfinite(k.kelvin) && k.kelvin > 0, "TemperatureHistory",
          [&] { return name("kelvin"); }, k.kelvin, "a positive, finite temperature in K");
      require(
          std::isfinite(k.t_s), "TemperatureHistory", [&] { return name("t_s"); }, k.t_s,
          "a finite time in s");
      if (i > 0)
        require(
            k.t_s > knots_[i - 1].t_s, "TemperatureHistory", [&] { return name("t_s"); }, k.t_s,
            [&] {
              return "a time after the previous knot's " + ::fabtwin::describe(knots_[i - 1].t_s) +
                     " s";
            });
    }
  }

  /// A constant temperature for `duration_s` seconds from t = 0.
  static TemperatureHistory constant(double kelvin, double duration_s) {
    return TemperatureHistory({{0.0, kelvin}, {duration_s, kelvin}});
  }

  /// Ramp from `start_k` to `hold_k` in `ramp_s`, hold for `hold_s`, cool back to `start_k` in
  /// `cool_s`; a zero-length ramp or cool is left out (the history then starts or ends at `hold_k`).
  static TemperatureHistory bake(double start_k, double hold_k, double ramp_s, double hold_s,
                                 double cool_s) {
    require(ramp_s >= 0, "TemperatureHistory::bake", "ramp_s", ramp_s, "a duration >= 0 s");
    require(cool_s >= 0, "TemperatureHistory::bake", "cool_s", cool_s, "a duration >= 0 s");
    std::vector<Knot> knots;
    if (ramp_s > 0) knots.push_back({0.0, start_k});
    knots.push_back({ramp_s, hold_k});
    knots.push_back({ramp_s + hold_s, hold_k});
    if (cool_s > 0) knots.push_back({ramp_s + hold_s + cool_s, start_k});
    return TemperatureHistory(std::move(knots));
  }

  /// The history between t0 and t1 (start() <= t0 < t1 <= end()), its ends interpolated: the
  /// piece of a bake that one time step of a PEB integrator sees.
  TemperatureHistory window(double t0, double t1) const {
    require(t0 >= start() && t0 < end(), "TemperatureHistory::window", "t0", t0, [&] {
      return "a time in [" + ::fabtwin::describe(start()) + ", " + ::fabtwin::describe(end()) +
             ") s";
    });
    require(t1 > t0 && t1 <= end(), "TemperatureHistory::window", "t1", t1, [&] {
      return "a time in (t0 = " + ::fabtwin::describe(t0) + ", " + ::fabtwin::describe(end()) +
             "] s";
    });
    std::vector<Knot> inside{{t0, at(t0)}};
    for (const Knot& k : knots_)
      if (k.t_s > t0 && k.t_s < t1) inside.push_back(k);
    inside.push_back({t1, at(t1)});
    return TemperatureHistory(std::move(inside));
  }

  const std::vector<Knot>& knots() const { return knots_; }
  double start() const { return knots_.front().t_s; }
  double end() const { return knots_.back().t_s; }

  /// T(t) by linear interpolation; held at the end values outside [start, end].
  double at(double t_s) const {
    if (t_s <= start()) return knots_.front().kelvin;
    if (t_s >= end()) return knots_.back().kelvin;
    const auto next = std::upper_bound(knots_.begin(), knots_.end(), t_s,
                                       [](double t, const Knot& k) { return t < k.t_s; });
    const Knot& a = *(next - 1);
    const Knot& b = *next;
    return a.kelvin + (b.kelvin - a.kelvin) * (t_s - a.t_s) / (b.t_s - a.t_s);
  }

 private:
  std::vector<Knot> knots_;
};

/// One node of a quadrature over a history: integral f(T(t)) dt ~ sum of weight * f(kelvin); t_s
/// for whatever else varies in time (a hotplate's offset gain, rate_map.hpp).
struct QuadratureNode {
  double t_s, weight, kelvin;
};

/// The nodes on which Arrhenius::integral sums exp(-b / T) over `history`, b = Ea / R in K: each
/// linear segment is cut where the exponent b / T changes by at most 1 and each piece integrated by
/// 8-point Gauss-Legendre, whose error on exp over an exponent range of 1 is below 1e-15 relative.
/// One list serves the integral, its derivatives (peb_adjoint.hpp) and the per-sample integrals of
/// a temperature map, so all three are the same sum.
inline std::vector<QuadratureNode> arrhenius_quadrature(const TemperatureHistory& history,
                                                        double activation_k) {
  // Positive nodes and weights of the 8-point Gauss-Legendre rule on [-1, 1].
  static constexpr std::array<double, 4> nodes{0.1834346424956498, 0.5255324099163290,
                                               0.7966664774136267, 0.9602898564975363};
  static constexpr std::array<double, 4> weights{0.3626837833783620, 0.3137066458778873,
                                                 0.2223810344533745, 0.1012285362903763};
  std::vector<QuadratureNode> out;
  const auto& knots = history.knots();
  for (std::size_t s = 0; s + 1 < knots.size(); ++s) {
    const Knot k0 = knots[s], k1 = knots[s + 1];
    const int pieces =
        1 + int(std::floor(std::abs(activation_k / k0.kelvin - activation_k / k1.kelvin)));
    const double h = (k1.t_s - k0.t_s) / pieces,
                 slope = (k1.kelvin - k0.kelvin) / (k1.t_s - k0.t_s);
    for (int p = 0; p < pieces; ++p)
      for (int q = 0; q < 4; ++q)
        for (const double sign : {-1.0, 1.0}) {
          const double dt = (p + 0.5) * h + sign * 0.5 * h * nodes[q];
          out.push_back({k0.t_s + dt, 0.5 * h * weights[q], k0.kelvin + slope * dt});
        }
  }
  return out;
}

/// rate(T) = exp(ln_prefactor - activation / (R T)); the rate has the prefactor's units.
class Arrhenius {
 public:
  Arrhenius(double ln_prefactor, double activation_kcal_per_mol)
      : ln_prefactor_(ln_prefactor), activation_(activation_kcal_per_mol) {
    require(std::isfinite(ln_prefactor), "Arrhenius", "ln_prefactor", ln_prefactor,
            "a finite log of the prefactor");
    require(std::isfinite(activation_kcal_per_mol) && activation_kcal_per_mol >= 0, "Arrhenius",
            "activation_kcal_per_mol", activation_kcal_per_mol,
            "a finite activation energy >= 0 kcal/mol");
  }

  /// The Arrhenius law through rate(reference_kelvin) = rate_at_reference: how process data are
  /// usually quoted (a rate at the bake temperature and an activation energy).
  static Arrhenius from_reference(double rate_at_reference, double reference_kelvin,
                                  double activation_kcal_per_mol) {
    require(std::isfinite(rate_at_reference) && rate_at_reference > 0, "Arrhenius::from_reference",
            "rate_at_reference", rate_at_reference, "a positive, finite rate");
    require(std::isfinite(reference_kelvin) && reference_kelvin > 0, "Arrhenius::from_reference",
            "reference_kelvin", reference_kelvin, "a positive, finite temperature in K");
    return Arrhenius(std::log(rate_at_reference) +
                         activation_kcal_per_mol / (gas_constant_kcal * reference_kelvin),
                     activation_kcal_per_mol);
  }

  double ln_prefactor() const { return ln_prefactor_; }
  double activation_kcal_per_mol() const { return activation_; }

  double rate(double kelvin) const {
    require(std::isfinite(kelvin) && kelvin > 0, "Arrhenius::rate", "kelvin", kelvin,
            "a positive, finite temperature in K");
    return std::exp(ln_prefactor_ - activation_ / (gas_constant_kcal * kelvin));
  }

  /// integral of rate(T(t)) dt over the history, by arrhenius_quadrature.
  double integral(const TemperatureHistory& history) const {
    const double b = activation_ / gas_constant_kcal;  // K
    double total = 0;
    for (const QuadratureNode& node : arrhenius_quadrature(history, b))
      total += node.weight * std::exp(ln_prefactor_ - b / node.kelvin);
    return total;
  }

 private:
  double ln_prefactor_;
  double activation_;
};

/// Diffusion length sqrt(2 integral D dt) in nm of a diffusivity D (nm^2/s) over a history.
inline double diffusion_length(const Arrhenius& diffusivity, const TemperatureHistory& history) {
  return std::sqrt(2.0 * diffusivity.integral(history));
}

}  // namespace fabtwin::thermal
