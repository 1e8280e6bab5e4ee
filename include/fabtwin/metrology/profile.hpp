#pragma once
// The resist profile that development leaves (resist/development_front.hpp: developed where the
// developer's arrival time t < t_dev, resist where t >= t_dev), measured: its CD at a depth and its
// sidewall angle. Host only, like the arrival times.

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/resist/development_front.hpp"

namespace fabtwin::metrology {

/// CD of the resist profile at `depth_nm` along `line`: Tone::line measures the resist feature
/// (t >= t_dev) holding the line's midpoint, Tone::space the developed opening (t < t_dev).
inline CdResult profile_cd(const Field<double, Host>& arrival, double t_dev, const CutLine& line,
                           double depth_nm, Tone tone = Tone::line) {
  require(std::isfinite(t_dev) && t_dev > 0, "metrology::profile_cd", "t_dev", t_dev,
          "a positive, finite development time in s");
  const Field<double, Host> slice = resist::arrival_at_depth(arrival, depth_nm);
  return measure_cd(slice.cview(), slice.grid(), line, t_dev, tone);
}

/// Sidewall angle between the substrate plane and the resist wall, measured inside the resist:
/// 90 degrees vertical, below 90 a foot (the resist widens downward), above 90 an undercut.
struct SidewallAngle {
  double degrees = std::numeric_limits<double>::quiet_NaN();  ///< mean of the two walls
  double first_degrees = degrees,
         second_degrees = degrees;  ///< the wall at the line's lower / higher s
  CdResult upper, lower;            ///< the CDs at the two depths
  bool ok() const { return upper.ok() && lower.ok(); }
};

/// Sidewall angle of the feature of `tone` at the line's midpoint, from its edges at two depths
/// (upper_nm < lower_nm): a wall whose resist widens by w over the depth step dz stands at
/// atan2(dz, w) to the substrate. NaN angles unless both CDs are ok.
inline SidewallAngle sidewall_angle(const Field<double, Host>& arrival, double t_dev,
                                    const CutLine& line, double upper_nm, double lower_nm,
                                    Tone tone = Tone::line) {
  require(lower_nm > upper_nm, "metrology::sidewall_angle", "lower_nm", lower_nm,
          [&] { return "a depth below upper_nm = " + std::to_string(upper_nm); });
  SidewallAngle result;
  result.upper = profile_cd(arrival, t_dev, line, upper_nm, tone);
  result.lower = profile_cd(arrival, t_dev, line, lower_nm, tone);
  if (!result.ok()) return result;
  constexpr double degrees = 180 / std::numbers::pi;
  const double dz = lower_nm - upper_nm;
  // Going down, the resist advances by how much its wall moves away from the resist's inside: for a
  // resist line the first wall moves to lower s, for an opening (resist outside) to higher s.
  const double sign = tone == Tone::line ? 1.0 : -1.0;
  const double first = sign * (result.upper.first.s_nm - result.lower.first.s_nm);
  const double second = sign * (result.lower.second.s_nm - result.upper.second.s_nm);
  result.first_degrees = degrees * std::atan2(dz, first);
  result.second_degrees = degrees * std::atan2(dz, second);
  result.degrees = 0.5 * (result.first_degrees + result.second_degrees);
  return result;
}

}  // namespace fabtwin::metrology
