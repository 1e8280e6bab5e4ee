#pragma once
// GDSII placement transforms: how an SREF/AREF puts a structure into its parent.
//
// The GDSII stream format (Calma GDSII Stream Format Manual, release 6.0, records STRANS, MAG,
// ANGLE) applies, in this order: reflection about the x axis (before anything else), magnification,
// counter-clockwise rotation by ANGLE degrees, then translation to the reference point:
//   p' = t + m · R(θ) · M · p,   M = diag(1, -1) when reflected, else the identity.
//
// Exactness: for rotations by multiples of 90° the rotation entries are exactly 0 and ±1, so with an
// integer magnification every result is an exact integer (all arithmetic is on integers below 2^53
// held in doubles). Any other angle, or a magnification that maps integer points off the integer
// lattice, gives a result that is ROUNDED to the nearest database unit (halves away from zero), the
// way layout tools flatten such placements; it is not refused. A result beyond ±max_coordinate is
// an error.

#include <array>
#include <cmath>
#include <optional>
#include <ostream>
#include <sstream>
#include <string_view>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/layout/geometry.hpp"

namespace fabtwin::layout {

class Transform {
 public:
  /// The identity.
  Transform() = default;

  /// Reflect about x (when `mirror_x`), magnify by `magnification` (> 0), rotate counter-clockwise by
  /// `angle_degrees`, translate by `translation` (doubles, so that composed translations stay exact).
  Transform(bool mirror_x, double magnification, double angle_degrees,
            std::array<double, 2> translation = {0, 0})
      : mirror_(mirror_x), magnification_(magnification), translation_(translation) {
    require(std::isfinite(magnification) && magnification > 0, "layout::Transform", "magnification",
            magnification, "a finite positive factor");
    require(std::isfinite(angle_degrees), "layout::Transform", "angle_degrees", angle_degrees,
            "a finite angle");
    require(
        std::isfinite(translation[0]) && std::isfinite(translation[1]) &&
            std::fabs(translation[0]) <= exact_limit && std::fabs(translation[1]) <= exact_limit,
        "layout::Transform", "translation", [&] { return describe_pair(translation); },
        "finite components of magnitude at most 2^52 (exact integers in a double)");
    set_angle(angle_degrees);
  }

  static Transform translation(Point t) {
    return Transform(false, 1, 0, {double(t.x), double(t.y)});
  }

  bool mirror_x() const { return mirror_; }
  double magnification() const { return magnification_; }
  /// Angle in degrees, reduced to [0, 360).
  double angle_degrees() const { return angle_; }
  std::array<double, 2> offset() const { return translation_; }

  /// True when every integer point maps to an integer point without rounding.
  bool exact() const {
    return quarter_turns_.has_value() && magnification_ == std::floor(magnification_);
  }

  /// The point this transform maps `p` to, before rounding.
  std::array<double, 2> apply_unrounded(Point p) const {
    return apply_unrounded(std::array<double, 2>{double(p.x), double(p.y)});
  }

  /// The image of a point given in floating point (a vertex already mapped by an inner transform).
  std::array<double, 2> apply_unrounded(std::array<double, 2> p) const {
    const double x = p[0], y = mirror_ ? -p[1] : p[1];
    return {translation_[0] + magnification_ * (cos_ * x - sin_ * y),
            translation_[1] + magnification_ * (sin_ * x + cos_ * y)};
  }

  /// The transformed point rounded to the nearest database unit, or nothing when it lies beyond
  /// ±max_coordinate (or beyond what a double holds exactly, which is far beyond that).
  std::optional<Point> try_apply(Point p) const {
    const auto [x, y] = apply_unrounded(p);
    const double limit = double(max_coordinate) + 0.5;
    if (!(std::fabs(x) < limit && std::fabs(y) < limit)) return std::nullopt;
    return Point{coord_t(std::round(x)), coord_t(std::round(y))};
  }

  Point apply(Point p) const {
    const std::optional<Point> q = try_apply(p);
    if (!q) {
      const auto [x, y] = apply_unrounded(p);
      throw invalid_argument(argument_message(
          "layout::Transform::apply", "point", p,
          "a point mapped within ±max_coordinate (2^31 - 1), not to " + describe_pair({x, y})));
    }
    return *q;
  }

  /// Maps every vertex. A reflection reverses the ring's orientation; normalise_orientation
  /// restores counter-clockwise rings where the region rule needs them.
  Polygon apply(const Polygon& polygon) const {
    Polygon out;
    out.points.reserve(polygon.points.size());
    for (const Point& p : polygon.points) out.points.push_back(apply(p));
    return out;
  }

  /// The bounding box of the transformed box: exact for multiples of 90°, otherwise the box around
  /// the rounded images of the corners, which still holds every rounded image of a point inside
  /// (rounding is monotone). Throws when a corner leaves the coordinate range.
  Box apply(const Box& box) const {
    Box out;
    if (box.empty()) return out;
    for (const Point& corner : {Point{box.x0, box.y0}, Point{box.x1, box.y0}, Point{box.x0, box.y1},
                                Point{box.x1, box.y1}})
      out.include(apply(corner));
    return out;
  }

  /// outer ∘ inner: applying the result equals applying `inner` and then `outer` (up to the single
  /// rounding at the end, which is none when both are exact).
  friend Transform compose(const Transform& outer, const Transform& inner) {
    // outer(inner(p)) = t_o + m_o R_o M_o (t_i + m_i R_i M_i p), and M R(θ) = R(-θ) M, so the
    // linear part is m_o m_i R(θ_o ± θ_i) M_o M_i and the translation is outer applied to t_i.
    const double angle = outer.mirror_ ? outer.angle_ - inner.angle_ : outer.angle_ + inner.angle_;
    const double tx = inner.translation_[0],
                 ty = outer.mirror_ ? -inner.translation_[1] : inner.translation_[1];
    const std::array<double, 2> t = {
        outer.translation_[0] + outer.magnification_ * (outer.cos_ * tx - outer.sin_ * ty),
        outer.translation_[1] + outer.magnification_ * (outer.sin_ * tx + outer.cos_ * ty)};
    return Transform(outer.mirror_ != inner.mirror_, outer.magnification_ * inner.magnification_,
                     angle, t);
  }

  friend std::ostream& operator<<(std::ostream& out, const Transform& t) {
    return out << "{mirror_x " << t.mirror_ << ", magnification " << t.magnification_ << ", angle "
               << t.angle_ << ", translation " << describe_pair(t.translation_) << '}';
  }

 private:
  static constexpr double exact_limit = 4503599627370496.0;  // 2^52

  static std::string describe_pair(std::array<double, 2> v) {
    std::ostringstream out;
    out.precision(17);
    out << '(' << v[0] << ", " << v[1] << ')';
    return out.str();
  }

  void set_angle(double degrees) {
    angle_ = std::fmod(degrees, 360.0);
    if (angle_ < 0) angle_ += 360.0;
    if (angle_ >= 360.0) angle_ = 0;  // fmod of a tiny negative angle plus 360 can round to 360
    const double quarters = angle_ / 90.0;
    if (quarters == std::floor(quarters)) {
      // Exact entries for the lattice rotations: cos(90°) is not 0 in floating point.
      static constexpr double cosines[4] = {1, 0, -1, 0}, sines[4] = {0, 1, 0, -1};
      quarter_turns_ = int(quarters);
      cos_ = cosines[*quarter_turns_];
      sin_ = sines[*quarter_turns_];
    } else {
      quarter_turns_.reset();
      const double radians = angle_ * (3.14159265358979323846 / 180.0);
      cos_ = std::cos(radians);
      sin_ = std::sin(radians);
    }
  }

  bool mirror_ = false;
  double magnification_ = 1;
  double angle_ = 0;
  std::optional<int> quarter_turns_ = 0;
  double cos_ = 1, sin_ = 0;
  std::array<double, 2> translation_ = {0, 0};
};

}  // namespace fabtwin::layout
