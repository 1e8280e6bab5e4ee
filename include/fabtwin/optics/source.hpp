#pragma once
// Illumination sources in sigma units (sigma = n sin(theta_ill) / NA, physics.md §1): conventional
// disc, annular, dipole, quadrupole (quasar) and freeform pixel maps, and their sampling on a square
// grid of source points for TCC assembly and Abbe imaging.
//
// Sampling rule: points sit at (i * step, j * step) for integers i, j, so that the grid shares every
// symmetry of the square (x -> -x, y -> -y, x <-> y) and a symmetric source gives exactly
// symmetric (hence degenerate) TCC eigenvalues. A point takes the source's intensity there; a point
// on a shape's boundary (to 1e-9 sigma) counts as inside. Weights are normalised to sum to 1, so a
// clear mask images to intensity sum_s w_s |P(f_s)|^2 (1 without aberration or radiometric gain).

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"

namespace fabtwin::optics {

struct SourcePoint {
  double sx = 0, sy = 0;  ///< position in sigma units
  double weight = 0;      ///< share of the source intensity (the weights of a sample sum to 1)
};

class Source {
 public:
  enum class Shape { disc, annular, dipole, quasar, freeform };

  /// Conventional illumination: a disc of radius sigma (0 <= sigma <= 1; 0 is a single on-axis point).
  static Source disc(double sigma) {
    check_sigma("Source::disc", "sigma", sigma);
    return Source(Shape::disc, 0, sigma, 360, 0);
  }

  static Source annular(double sigma_in, double sigma_out) {
    check_ring("Source::annular", sigma_in, sigma_out);
    return Source(Shape::annular, sigma_in, sigma_out, 360, 0);
  }

  /// Two poles of the annulus [sigma_in, sigma_out], each `opening_deg` wide in azimuth, centred on
  /// the directions rotation_deg and rotation_deg + 180 (rotation 0: poles on the x axis).
  static Source dipole(double sigma_in, double sigma_out, double opening_deg, double rotation_deg) {
    check_ring("Source::dipole", sigma_in, sigma_out);
    check_opening("Source::dipole", opening_deg, 180, rotation_deg);
    return Source(Shape::dipole, sigma_in, sigma_out, opening_deg, rotation_deg);
  }

  /// Four poles like dipole(), the first centred on rotation_deg, then every 90 degrees
  /// (rotation 45: the classic quasar on the diagonals).
  static Source quasar(double sigma_in, double sigma_out, double opening_deg, double rotation_deg) {
    check_ring("Source::quasar", sigma_in, sigma_out);
    check_opening("Source::quasar", opening_deg, 90, rotation_deg);
    return Source(Shape::quasar, sigma_in, sigma_out, opening_deg, rotation_deg);
  }

  /// A pixel map of `n` x `n` non-negative intensities covering sigma in [-1, 1]^2, row-major with
  /// x fastest (row 0 at sigma_y = -1); pixel (i, j) is centred at sigma = -1 + (i + 1/2) 2/n.
  /// Light is refused in a pixel whose square lies wholly outside the disc |sigma| <= 1 (its
  /// nearest point beyond 1 + 1e-9, the boundary tolerance of intensity()): no source point is
  /// ever sampled there, at any step, so that light would be dropped without a word. Pixels the
  /// circle crosses keep their light (a disc drawn on pixels lights them), and the samples inside
  /// the circle take it.
  static Source freeform(std::vector<double> map, index_t n) {
    require(n > 0, "Source::freeform", "n", n, "a positive map size");
    require(index_t(map.size()) == n * n, "Source::freeform", "map.size()", map.size(),
            [&] { return "n * n = " + std::to_string(n * n) + " intensities"; });
    double total = 0;
    for (std::size_t i = 0; i < map.size(); ++i) {
      require(
          std::isfinite(map[i]) && map[i] >= 0, "Source::freeform",
          [&] { return "map[" + std::to_string(i) + "]"; }, map[i],
          "a finite, non-negative intensity");
      total += map[i];
    }
    require(total > 0 && std::isfinite(total), "Source::freeform", "sum(map)", total,
            "some positive intensity, finite in total");
    const double half = 1.0 / double(n);  // half a pixel side in sigma
    for (index_t j = 0; j < n; ++j)
      for (index_t i = 0; i < n; ++i) {
        const double value = map[std::size_t(j * n + i)];
        if (value == 0) continue;
        const double cx = pixel_centre(i, n), cy = pixel_centre(j, n);
        const double nearest =
            std::hypot(std::max(std::fabs(cx) - half, 0.0), std::max(std::fabs(cy) - half, 0.0));
        if (nearest > 1 + 1e-9)
          throw invalid_argument(argument_message(
              "Source::freeform",
              "map[" + std::to_string(j * n + i) + "] (pixel i = " + std::to_string(i) +
                  ", j = " + std::to_string(j) + ", centred at sigma (" + ::fabtwin::describe(cx) +
                  ", " + ::fabtwin::describe(cy) + "))",
              value,
              "0: the pixel lies wholly outside |sigma| <= 1 (its nearest point at |sigma| = " +
                  ::fabtwin::describe(nearest) + "), where no light reaches the pupil"));
      }
    Source source(Shape::freeform, 0, 1, 360, 0);
    source.map_ = std::move(map);
    source.map_n_ = n;
    return source;
  }

  Shape shape() const { return shape_; }
  double sigma_in() const { return sigma_in_; }
  double sigma_out() const { return sigma_out_; }
  double opening_deg() const { return opening_deg_; }
  double rotation_deg() const { return rotation_deg_; }

  /// Largest |sigma| that carries light: sets how far the source shifts the pupil (the TCC support).
  double sigma_max() const {
    if (shape_ != Shape::freeform) return sigma_out_;
    double largest = 0;
    for (index_t j = 0; j < map_n_; ++j)
      for (index_t i = 0; i < map_n_; ++i)
        if (map_[j * map_n_ + i] > 0) {
          // The farthest corner of a lit pixel bounds every sample that can land in it.
          const double h = 1.0 / map_n_;
          const double x = std::fabs(pixel_centre(i, map_n_)) + h,
                       y = std::fabs(pixel_centre(j, map_n_)) + h;
          largest = std::max(largest, std::min(1.0, std::sqrt(x * x + y * y)));
        }
    return largest;
  }

  /// Relative intensity at (sx, sy): 1 inside a parametric shape (boundary included), 0 outside; the
  /// map value of the pixel holding the point for a freeform source (0 outside |sigma| <= 1).
  double intensity(double sx, double sy) const {
    constexpr double eps = 1e-9;
    const double r = std::sqrt(sx * sx + sy * sy);
    if (r > 1 + eps) return 0;
    if (shape_ == Shape::freeform) {
      const auto cell = [&](double s) {
        const index_t k = index_t(std::floor((s + 1) * 0.5 * map_n_));
        return std::clamp<index_t>(k, 0, map_n_ - 1);
      };
      return map_[cell(sy) * map_n_ + cell(sx)];
    }
    if (r > sigma_out_ + eps || r < sigma_in_ - eps) return 0;
    if (shape_ == Shape::disc || shape_ == Shape::annular) return 1;
    if (r < eps) return 0;  // the poles never contain the centre (opening < period)
    // Azimuthal distance to the nearest pole centre; poles repeat every 180 (dipole) or 90 degrees.
    const double period = shape_ == Shape::dipole ? 180.0 : 90.0;
    const double angle = std::atan2(sy, sx) * 180 / std::numbers::pi - rotation_deg_;
    double offset = std::fmod(angle, period);
    if (offset < 0) offset += period;
    offset = std::min(offset, period - offset);
    return offset <= opening_deg_ / 2 + 1e-7 ? 1 : 0;
  }

  /// Source points on the grid (i * step, j * step) inside |sigma| <= 1 with non-zero intensity,
  /// weights normalised to sum 1. Throws when the step is not in (0, 1] or finds no lit point.
  std::vector<SourcePoint> sample(double step) const {
    require(std::isfinite(step) && step > 0 && step <= 1, "Source::sample", "step", step,
            "a source grid step in (0, 1] sigma units");
    const index_t half = index_t(std::floor(1 / step + 1e-9));
    std::vector<SourcePoint> points;
    double total = 0;
    for (index_t j = -half; j <= half; ++j)
      for (index_t i = -half; i <= half; ++i) {
        const double sx = i * step, sy = j * step;
        const double w = intensity(sx, sy);
        if (w > 0) {
          points.push_back({sx, sy, w});
          total += w;
        }
      }
    require(total > 0, "Source::sample", "step", step,
            [&] { return "a step fine enough to put a source point inside " + describe(); });
    for (auto& p : points) p.weight /= total;
    return points;
  }

  /// "annular 0.6-0.9" and the like, for messages and JSON output.
  std::string describe() const {
    const auto num = [](double v) { return ::fabtwin::describe(v); };
    switch (shape_) {
      case Shape::disc:
        return "disc sigma " + num(sigma_out_);
      case Shape::annular:
        return "annular " + num(sigma_in_) + "-" + num(sigma_out_);
      case Shape::dipole:
      case Shape::quasar:
        return std::string(shape_ == Shape::dipole ? "dipole " : "quasar ") + num(sigma_in_) + "-" +
               num(sigma_out_) + " opening " + num(opening_deg_) + " deg rotation " +
               num(rotation_deg_) + " deg";
      case Shape::freeform:
        return "freeform " + std::to_string(map_n_) + "x" + std::to_string(map_n_);
    }
    return {};
  }

 private:
  Source(Shape shape, double sigma_in, double sigma_out, double opening_deg, double rotation_deg)
      : shape_(shape),
        sigma_in_(sigma_in),
        sigma_out_(sigma_out),
        opening_deg_(opening_deg),
        rotation_deg_(rotation_deg) {}

  static double pixel_centre(index_t i, index_t n) {
    return -1 + (double(i) + 0.5) * 2.0 / double(n);
  }

  static void check_sigma(const char* where, const char* name, double sigma) {
    require(std::isfinite(sigma) && sigma >= 0 && sigma <= 1, where, name, sigma,
            "a partial coherence factor sigma in [0, 1]");
  }
  static void check_ring(const char* where, double sigma_in, double sigma_out) {
    check_sigma(where, "sigma_in", sigma_in);
    check_sigma(where, "sigma_out", sigma_out);
    require(sigma_out > sigma_in, where, "sigma_out", sigma_out,
            [&] { return "sigma_out > sigma_in (" + ::fabtwin::describe(sigma_in) + ")"; });
  }
  static void check_opening(const char* where, double opening_deg, double period_deg,
                            double rotation_deg) {
    require(std::isfinite(opening_deg) && opening_deg > 0 && opening_deg < period_deg, where,
            "opening_deg", opening_deg, [&] {
              return "a pole opening in (0, " + ::fabtwin::describe(period_deg) +
                     ") degrees, so that the poles stay apart";
            });
    require(std::isfinite(rotation_deg), where, "rotation_deg", rotation_deg,
            "a finite rotation in degrees");
  }

  Shape shape_;
  double sigma_in_, sigma_out_, opening_deg_, rotation_deg_;
  std::vector<double> map_;
  index_t map_n_ = 0;
};

}  // namespace fabtwin::optics
