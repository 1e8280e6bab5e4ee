#pragma once
// Wafer temperature on a proximity hotplate. The wafer (density rho, heat capacity c, thickness d)
// is heated through an air gap of conductance k_air / gap, so with losses neglected
//
//   rho c d dT/dt = (k_air / gap) (T_plate(t) - T)   =>   dT/dt = (T_plate(t) - T) / tau,
//   tau = rho c d gap / k_air   (2-8 s for silicon over 0.1-0.3 mm of air).
//
// For a plate temperature linear on a segment, P(t) = P0 + s (t - t0), the exact solution from
// T(t0) = W0 is
//
//   T(t) = P(t) - s tau + (W0 - P0 + s tau) exp(-(t - t0) / tau),
//
// so the wafer history is exact at every time, segment by segment.

#include <cmath>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/thermal/arrhenius.hpp"

namespace fabtwin::thermal {

/// tau = rho c d gap / k_air in s, from SI inputs (kg/m^3, J/(kg K), m, m, W/(m K)).
inline double wafer_time_constant(double density_kg_m3, double heat_capacity_j_kg_k,
                                  double thickness_m, double gap_m, double k_air_w_m_k) {
  const double values[] = {density_kg_m3, heat_capacity_j_kg_k, thickness_m, gap_m, k_air_w_m_k};
  static constexpr const char* names[] = {"density_kg_m3", "heat_capacity_j_kg_k", "thickness_m",
                                          "gap_m", "k_air_w_m_k"};
  for (int i = 0; i < 5; ++i)
    require(std::isfinite(values[i]) && values[i] > 0, "wafer_time_constant", names[i], values[i],
            "a positive, finite value");
  return density_kg_m3 * heat_capacity_j_kg_k * thickness_m * gap_m / k_air_w_m_k;
}

/// The wafer's temperature lagging a piecewise-linear plate history with time constant tau. The
/// wafer is at `initial_kelvin` at the plate history's first knot; after the last knot the plate
/// holds its last temperature.
class WaferResponse {
 public:
  WaferResponse(TemperatureHistory plate, double tau_s, double initial_kelvin)
      : plate_(std::move(plate)), tau_(tau_s) {
    require(std::isfinite(tau_s) && tau_s > 0, "WaferResponse", "tau_s", tau_s,
            "a positive, finite time constant in s");
    require(std::isfinite(initial_kelvin) && initial_kelvin > 0, "WaferResponse", "initial_kelvin",
            initial_kelvin, "a positive, finite temperature in K");
    const auto& knots = plate_.knots();
    wafer_.reserve(knots.size());
    wafer_.push_back(initial_kelvin);
    for (std::size_t s = 0; s + 1 < knots.size(); ++s)
      wafer_.push_back(on_segment(s, knots[s + 1].t_s));
  }

  double tau() const { return tau_; }
  const TemperatureHistory& plate() const { return plate_; }

  /// The exact wafer temperature at time t (>= the plate's first knot).
  double at(double t_s) const {
    const auto& knots = plate_.knots();
    require(t_s >= knots.front().t_s, "WaferResponse::at", "t_s", t_s,
            "a time at or after the plate history's start");
    if (t_s >= knots.back().t_s) {
      const double plate = knots.back().kelvin;
      return plate + (wafer_.back() - plate) * std::exp(-(t_s - knots.back().t_s) / tau_);
    }
    std::size_t s = 0;
    while (knots[s + 1].t_s < t_s) ++s;
    return on_segment(s, t_s);
  }

  /// The wafer temperature sampled at the plate's knots and between them at most `max_step_s`
  /// apart, as a piecewise-linear history. Linear interpolation of the exponential adds at most
  /// |W0 - P0 + s tau| max_step^2 / (8 tau^2) between samples.
  TemperatureHistory history(double max_step_s) const {
    require(std::isfinite(max_step_s) && max_step_s > 0, "WaferResponse::history", "max_step_s",
            max_step_s, "a positive, finite step in s");
    const auto& knots = plate_.knots();
    std::vector<Knot> samples{{knots.front().t_s, wafer_.front()}};
    for (std::size_t s = 0; s + 1 < knots.size(); ++s) {
      const double t0 = knots[s].t_s, t1 = knots[s + 1].t_s;
      const auto steps = static_cast<long>(std::ceil((t1 - t0) / max_step_s));
      for (long i = 1; i < steps; ++i) {
        const double t = t0 + (t1 - t0) * double(i) / double(steps);
        samples.push_back({t, on_segment(s, t)});
      }
      samples.push_back({t1, wafer_[s + 1]});
    }
    return TemperatureHistory(std::move(samples));
  }

 private:
  /// The exact solution on plate segment s at time t in [t_s, t_{s+1}].
  double on_segment(std::size_t s, double t) const {
    const Knot a = plate_.knots()[s], b = plate_.knots()[s + 1];
    const double slope = (b.kelvin - a.kelvin) / (b.t_s - a.t_s);
    const double plate = a.kelvin + slope * (t - a.t_s);
    return plate - slope * tau_ +
           (wafer_[s] - a.kelvin + slope * tau_) * std::exp(-(t - a.t_s) / tau_);
  }

  TemperatureHistory plate_;
  double tau_;
  std::vector<double> wafer_;  // the wafer temperature at each plate knot
};

}  // namespace fabtwin::thermal
