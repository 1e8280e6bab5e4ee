#pragma once
// Fluxes at the surface points (etch/surface.hpp), per unit area, for a kinetics model
// (etch/kinetics.hpp):
// - ions and neutrals straight from the source, by quadrature over the visible sky
//   (etch/directions.hpp): deterministic, no Monte Carlo noise;
// - neutrals re-emitted by the surface, by Monte Carlo. What does not stick is re-emitted with a
//   cosine distribution, so the flux G arriving at p (in units of the source flux) obeys the
//   radiosity equation G(p) = G_direct(p) + E[(1 - s(q)) G(q)], the expectation over directions
//   drawn from p's cosine distribution that hit the surface at q (reverse tracing: for a cosine
//   emitter, the flux at p is the mean of the emitted flux density at the points p sees). Each
//   point traces its rays once per step; the bounces are then Jacobi iterations of that equation
//   over the recorded hits until they change nothing (or max_bounces). The Monte Carlo error of a
//   point is the standard error of its rays' terms.
// Rays are drawn from counter-based streams keyed by (seed, step, surface cell, ray), so the result
// is bit-identical on the host at any thread count, and gathered per point (no atomics), so the
// GPU computes the same sums in the same order.
// Ions reflect where the model says they do (docs/etch.md), up to FluxOptions::ion_bounces times:
// specularly (DirectIons traces the mirrored direction back, mirror by mirror, to the sky:
// deterministic), or into a coned-cosine lobe about the specular direction (IonEmission: what each
// point reflects and where to; ReflectedIons gathers it along the Monte Carlo rays the neutrals
// trace anyway, and each generation of reflected ions that a point receives makes its emission of
// the next).

#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <type_traits>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/dual.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/etch/directions.hpp"
#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/kinetics.hpp"
#include "fabtwin/etch/normal_transport.hpp"
#include "fabtwin/etch/random.hpp"
#include "fabtwin/etch/surface.hpp"
#include "fabtwin/etch/trace.hpp"
#include "fabtwin/etch/visibility.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/reduce.hpp"

namespace fabtwin::etch {

struct FluxOptions {
  int rays_per_point = 1000;  ///< Monte Carlo rays per surface point for re-emitted neutrals
  std::uint64_t seed = 1;
  int max_bounces = 30;            ///< Jacobi iterations of the re-emission at most
  double bounce_tolerance = 1e-7;  ///< stop when no flux changes by more than this (source units)
  index_t ion_directions = 0;      ///< quadrature directions for ions; 0: 96 (2D), 512 (3D)
  index_t neutral_directions = 0;  ///< ... for neutrals; 0: 256 (2D), 1024 (3D)
  /// The reflections an ion may make before it lands, each with the model's probability at its
  /// incidence: 1 counts the ions reflected once. Ions reflect at grazing incidence only, so each
  /// bounce keeps a fraction of the last (docs/etch.md).
  int ion_bounces = 1;
};

struct FluxReport {
  double ray_segments = 0;                ///< distance-field samples taken by all rays
  double monte_carlo_relative_error = 0;  ///< mean over points of the re-emitted flux's standard
                                          ///< error over the total neutral flux (species 0)
  int bounces = 0;
};

namespace detail {

/// Upper bound on a ray's path: 64 domain heights (nearly horizontal rays between sides are lost).
FABTWIN_HD inline double max_ray_length(const Lattice& l) {
  return 64.0 * double(l.nz + l.nx) * l.h;
}

/// The plane a ray reaches the sky at: the lattice's top cell, or `clear_z` where lower. Above
/// the highest solid nothing can stop a ray that climbs, so compute_fluxes passes the height two
/// cells above the highest surface point: rays stop marching through the gas kept above the mask
/// (a quarter of the benchmark trench's segments went there).
FABTWIN_HD inline double sky_plane(const Lattice& l, double clear_z) {
  return fmin(l.z_top() - l.h, clear_z);
}

/// The height of each surface point (for the highest).
template <class Space>
struct PointHeight {
  View<const SurfacePoint, Space> points;
  FABTWIN_HD double operator()(index_t s) const { return points[s].position.z; }
};

/// A surface point's normal in phi's scalar T: the value is the point's (central differences of
/// phi at its sample, as find_surface takes it) and a dual carries the normal's derivative,
/// (grad phi' - n (n . grad phi')) / |grad phi|. The direct fluxes weigh each direction by its
/// cosine from the normal, so where the surface tilts as a parameter moves (a wall under grazing
/// ions, a rounding corner) the fluxes change continuously with it, unlike the shadowing's whole
/// directions; without this derivative the CDs' duals missed it. grad phi' is differenced
/// centrally here; compute_fluxes then moves it to the upwind differences that the transport it
/// makes asks for (etch/normal_transport.hpp).
template <class T>
struct NormalIn {
  T x, y, z;
  /// The cosine from the normal to u in the model's scalar S: c (the point's double cosine,
  /// unchanged) with the derivative of n . u where T and S are duals.
  template <class S>
  FABTWIN_HD S cosine(double c, const Point3& u) const {
    if constexpr (std::is_same_v<T, double> || std::is_same_v<S, double>) {
      return S(c);
    } else {
      const T along = x * u.x + y * u.y + z * u.z;
      return S(c) + (S(along) - S(value_of(along)));
    }
  }
};

template <class T, class Space>
FABTWIN_HD NormalIn<std::remove_cv_t<T>> normal_in_scalar(const Lattice& l, View<T, Space> phi,
                                                          const SurfacePoint& p) {
  using V = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<V, double>) {
    return {p.normal.x, p.normal.y, p.normal.z};
  } else {
    using std::sqrt;
    const auto [i, j, k] = l.indices(p.cell);
    V g[3];
    l.gradient_in(phi, i, j, k, g);
    const V norm = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    if (!(value_of(norm) > 1e-12)) return {V(p.normal.x), V(p.normal.y), V(p.normal.z)};
    return {g[0] / norm, g[1] / norm, g[2] / norm};
  }
}

/// Traces rays from surface point p along each of the quadrature's directions that leaves its
/// surface and hands them to visit(k, c, ray), c the direction's cosine from p's normal; returns
/// the distance-field samples the rays took. The direct fluxes of ions and neutrals both sum over
/// it.
template <class T, class Space, class Visit>
FABTWIN_HD double trace_quadrature(const Lattice& l, View<const T, Space> phi,
                                   const SurfacePoint& p, View<const Point3, Space> direction,
                                   index_t count, double clear_z, Visit&& visit) {
  const double z_source = sky_plane(l, clear_z), length = max_ray_length(l);
  double traced = 0;
  for (index_t k = 0; k < count; ++k) {
    const double c = p.normal.dot(direction[k]);
    if (c <= 0) continue;
    const RayResult ray = trace_ray(l, phi, p.position, direction[k], z_source, length,
                                    !std::is_same_v<std::remove_cv_t<T>, double>);
    traced += ray.segments;
    visit(k, c, ray);
  }
  return traced;
}

/// Adds a flux w arriving at cosine c to the angular moments m (etch/kinetics.hpp): w, w c and
/// w c (1 - c^2).
FABTWIN_HD inline void add_moments(double (&m)[3], double w, double c) {
  m[0] += w;
  m[1] += w * c;
  m[2] += w * (c * (1 - c * c));
}

/// Adds a reflected flux w arriving at cosine c, its ions keeping the energy share `kept`, to the
/// moments on the two energy nodes around `kept`.
FABTWIN_HD inline void add_reflected(double (&m)[reflected_energy_nodes][3], double w, double c,
                                     double kept) {
  double upper = 0;
  const int j = energy_node(kept, upper);
  add_moments(m[j], w * (1 - upper), c);
  add_moments(m[j + 1], w * upper, c);
}

/// Adds a flux w of ions keeping the energy share `kept` to the per-node totals `on_nodes`.
FABTWIN_HD inline void add_on_nodes(double (&on_nodes)[reflected_energy_nodes], double w,
                                    double kept) {
  double upper = 0;
  const int j = energy_node(kept, upper);
  on_nodes[j] += w * (1 - upper);
  on_nodes[j + 1] += w * upper;
}

/// What a surface point reflects of the ions it receives straight from the source, in a
/// coned-cosine lobe: the reflected flux (per unit area, in source units), the lobe's axis (the
/// flux-weighted mean of the specular directions: the source is narrow, so they differ by a few
/// degrees) and half-angle (the model's, at the flux-weighted mean incidence), the lobe's
/// normalisation over the directions above the surface, and the energy shares its ions kept (each
/// at its own incidence).
struct IonEmission {
  double flux = 0;
  Point3 axis;
  double cone = 0;
  double norm = 1;
  /// How the reflected flux spreads over the energy shares j / 8 its ions kept (fractions that sum
  /// to 1; etch/kinetics.hpp, reflected_energy_nodes).
  double share[reflected_energy_nodes] = {};

  /// The coned-cosine lobe's density (before normalisation) at angle a from its axis:
  /// cos(pi a / (2 cone)) inside the cone, 0 outside.
  FABTWIN_HD double lobe(double a) const {
    return a < cone ? cos(0.5 * std::numbers::pi * a / cone) : 0.0;
  }

  /// Sets `norm` to the integral of the lobe over the directions above the surface of normal n
  /// (the reflected ions leave above it): midpoint rule over 32 rings x 64 sectors of the cone,
  /// the sectors' sines and cosines by rotation (one pair of calls per point, not 2048).
  FABTWIN_HD void normalise(Point3 n) {
    const Point3 a = axis, t1 = perpendicular(a), t2 = a.cross(t1);
    // The direction at ring angle r and sector angle f is a cos r + (t1 cos f + t2 sin f) sin r:
    // above the surface where cos r (n . a) + sin r (n1 cos f + n2 sin f) > 0.
    const double along = n.dot(a), n1 = n.dot(t1), n2 = n.dot(t2);
    const int rings = 32, sectors = 64;
    const double da = cone / rings, dphi = 2 * std::numbers::pi / sectors;
    const double turn_c = cos(dphi), turn_s = sin(dphi);
    double sum = 0;
    for (int i = 0; i < rings; ++i) {
      const double angle = (i + 0.5) * da, ring = lobe(angle) * sin(angle) * da * dphi;
      const double c = cos(angle), s = sin(angle);
      double cf = cos(0.5 * dphi), sf = sin(0.5 * dphi);  // the first sector's midpoint
      int above = 0;
      for (int j = 0; j < sectors; ++j) {
        if (c * along + s * (n1 * cf + n2 * sf) > 0) ++above;
        const double next = cf * turn_c - sf * turn_s;
        sf = sf * turn_c + cf * turn_s;
        cf = next;
      }
      sum += ring * above;
    }
    norm = sum > 0 ? sum : 1.0;
  }
};

/// The ions' angular moments at each surface point (etch/kinetics.hpp): sum w c, sum w c^2 and
/// sum w c^2 (1 - c^2) over the directions that see the sky, and over those that see a surface
/// which reflected ions into them: an ion arriving along -u from surface point q was reflected
/// there specularly, so it came from the sky direction u' = u mirrored about q's normal (when q
/// sees the sky that way), with the model's probability at q's incidence angle. Specular
/// reflection keeps radiance, so the direction's weight is scaled by the source's radiance ratio
/// L(u') / L(u) = (cos u' / cos u)^(n - 1) (cosines from the vertical; in a cross-section, of the
/// in-plane angle): the quadrature of the direct flux integrates the once-reflected flux too, as
/// well as its nodes resolve the mirrored source (vertical walls mirror it unchanged). One
/// reflection, counted apart (reflected_moment) so that the model gives it the energy it kept.
/// A model whose reflection is coned reflects nothing here: each point records instead what it
/// reflects (`emission`, IonEmission above).
template <class T, class Space, class S, class Model>
struct DirectIons {
  Lattice l;
  View<const T, Space> phi;
  View<const SurfacePoint, Space> points;
  View<const Point3, Space> direction;
  View<const double, Space> weight;
  index_t count;
  Model model;
  View<SurfaceFluxes<S>, Space> out;
  View<double, Space> segments;
  bool coned = false;
  View<IonEmission, Space> emission = {};       ///< where coned: one per point
  double clear_z = 1e300;                       ///< sky_plane's
  int bounces = 1;                              ///< specular reflections an ion may make
  View<NormalGradients, Space> gradients = {};  ///< dual etches (normal_transport.hpp)

  /// The share of the source's radiance along -u that reaches p after specular reflections at the
  /// ray's hit and, up to `bounces` in all, wherever the mirrored directions lead before the sky (0
  /// where none does); `kept` gets the energy share the ions keep (the product of each
  /// reflection's), `traced` the segments traced to find them.
  FABTWIN_HD double reflected(RayResult ray, Point3 u, double z_source, double length,
                              double& traced, double& kept) const {
    if (u.z <= 0) return 0;
    double probability = 1;
    kept = 1;
    Point3 towards = u;  // from the point the ion reaches to the reflection before it
    for (int bounce = 0; bounce < bounces; ++bounce) {
      const Point3 q = ray.hit;
      Point3 n = l.gradient_at(phi, q, 0.5 * l.h);
      const double norm = n.norm();
      if (!(norm > 0)) return 0;
      n = n * (1 / norm);
      // The ion travelled q -> (the next point) along -towards; before q it travelled along
      // -source, source the mirror of `towards`.
      const Point3 source = towards - n * (2 * towards.dot(n));
      const double c = source.dot(n);  // its incidence at q
      if (c <= 0) return 0;
      probability *= model.ion_reflection(c);
      if (probability <= 0) return 0;
      kept *= model.ion_reflected_share(c);
      const RayResult back = trace_ray(l, phi, q + n * (0.5 * l.h), source, z_source, length);
      traced += back.segments;
      if (back.end == RayEnd::sky) {
        if (source.z <= 0) return 0;
        const double exponent = model.ion_exponent() - 1;
        const double cos_source =
            l.planar() ? source.z / sqrt(source.x * source.x + source.z * source.z) : source.z;
        const double cos_u = l.planar() ? u.z / sqrt(u.x * u.x + u.z * u.z) : u.z;
        return probability * pow(cos_source / cos_u, exponent);
      }
      if (back.end != RayEnd::surface) return 0;
      ray = back;
      towards = source;
    }
    return 0;
  }

  FABTWIN_HD void operator()(index_t s) const;
};

template <class T, class Space, class S, class Model>
FABTWIN_HD void DirectIons<T, Space, S, Model>::operator()(index_t s) const {
  const SurfacePoint p = points[s];
  const auto normal = normal_in_scalar(l, phi, p);
  const double z_source = sky_plane(l, clear_z), length = max_ray_length(l);
  S m0 = S(0), m1 = S(0), m2 = S(0);
  double reflected_moments[reflected_energy_nodes][3] = {};
  double shares[reflected_energy_nodes] = {};
  double traced_back = 0, emitted = 0, incidence = 0;  // traced_back: the specular rays' segments
  Point3 axis{0, 0, 0};
  NormalGradients in_normal;
  const double traced = trace_quadrature(
      l, phi, p, direction, count, clear_z, [&](index_t k, double c, const RayResult& ray) {
        const S v = soft_visibility<S>(l, phi, p, ray);
        if (gradients.data() && ray.end == RayEnd::sky)
          in_normal.add_ion(direction[k], weight[k], c);
        if (counts(v)) {
          const S cosine = normal.template cosine<S>(c, direction[k]);
          const S w = weight[k] * cosine * v;
          m0 += w;
          m1 += w * cosine;
          m2 += w * (cosine * (1 - cosine * cosine));
          if (coned && ray.end == RayEnd::sky) {
            const double bounced = weight[k] * c * model.ion_reflection(c);
            emitted += bounced;
            incidence += bounced * c;
            add_on_nodes(shares, bounced, model.ion_reflected_share(c));
            // The specular direction leaving p: the arriving direction -u mirrored, u - 2 (u.n) n
            // reversed.
            axis = axis + (p.normal * (2 * c) - direction[k]) * bounced;
          }
        }
        if (!coned && ray.end == RayEnd::surface) {
          double kept = 1;
          const double r = reflected(ray, direction[k], z_source, length, traced_back, kept);
          if (r > 0) add_reflected(reflected_moments, weight[k] * c * r, c, kept);
        }
      });
  out[s].ion_moment[0] = m0;
  out[s].ion_moment[1] = m1;
  out[s].ion_moment[2] = m2;
  if (gradients.data())
    for (int m = 0; m < 3; ++m) gradients[s].ion_moment[m] = in_normal.ion_moment[m];
  for (int j = 0; j < reflected_energy_nodes; ++j)
    for (int m = 0; m < 3; ++m) out[s].reflected_moment[j][m] = S(reflected_moments[j][m]);
  segments[s] += traced + traced_back;
  if (coned) {
    IonEmission e;
    const double length_of_axis = axis.norm();
    if (emitted > 0 && length_of_axis > 0) {
      e.flux = emitted;
      e.axis = axis * (1 / length_of_axis);
      e.cone = model.ion_reflection_cone(incidence / emitted);
      e.normalise(p.normal);
      for (int j = 0; j < reflected_energy_nodes; ++j) e.share[j] = shares[j] / emitted;
    }
    emission[s] = e;
  }
}

/// The fraction of a cosine source's flux each surface point receives straight from the sky.
template <class T, class Space, class S = double>
struct DirectNeutrals {
  Lattice l;
  View<const T, Space> phi;
  View<const SurfacePoint, Space> points;
  View<const Point3, Space> direction;
  View<const double, Space> weight;
  index_t count;
  View<S, Space> out;
  View<double, Space> segments;
  double clear_z = 1e300;                       ///< sky_plane's
  View<NormalGradients, Space> gradients = {};  ///< dual etches (normal_transport.hpp)
  FABTWIN_HD void operator()(index_t s) const {
    const SurfacePoint p = points[s];
    const auto normal = normal_in_scalar(l, phi, p);
    S sum = S(0);
    Point3 in_normal{0, 0, 0};
    const double traced = trace_quadrature(
        l, phi, p, direction, count, clear_z, [&](index_t k, double c, const RayResult& ray) {
          const S v = soft_visibility<S>(l, phi, p, ray);
          if (gradients.data() && ray.end == RayEnd::sky)
            in_normal = in_normal + direction[k] * weight[k];
          if (counts(v)) sum += (weight[k] * normal.template cosine<S>(c, direction[k])) * v;
        });
    if (gradients.data()) gradients[s].neutral = in_normal;
    out[s] = sum;
    segments[s] += traced;
  }
};

/// The r-th Monte Carlo direction of surface point p at `step`: cosine-distributed about its normal
/// (Malley's method: a uniform point of the disc lifted up), drawn from the counter-based stream of
/// (step, p's cell), so a kernel that needs it again draws it again. In three dimensions also in a
/// cross-section, where the tracing follows its projection on the plane.
FABTWIN_HD inline Point3 cosine_direction(const SurfacePoint& p, const CounterRandom& random,
                                          std::uint64_t step, int r, bool planar) {
  const Point3 m = p.normal;
  // In a cross-section t1 lies in the plane and t2 = m x t1 is y, out of it.
  const Point3 in_plane{m.z, 0, -m.x};
  const Point3 t1 = planar ? in_plane * (1.0 / in_plane.norm()) : perpendicular(m);
  const Point3 t2 = m.cross(t1);
  const std::uint64_t stream = (step << 40) ^ std::uint64_t(p.cell);
  const double u1 = random.uniform(stream, std::uint64_t(r), 0);
  const double u2 = random.uniform(stream, std::uint64_t(r), 1);
  const double sin_t = sqrt(u1), cos_t = sqrt(1 - u1), a = 2 * std::numbers::pi * u2;
  return m * cos_t + t1 * (sin_t * cos(a)) + t2 * (sin_t * sin(a));
}

/// Traces the Monte Carlo rays (cosine about the normal) of surface point first + s and records the
/// surface point each one hits, or -1, in hits[r + rays * s], and where `mirrors` is given, the
/// mirror_bits of the hit (etch/lattice.hpp: a ray that crossed a reflective side an odd number of
/// times meets the surface inside the grid travelling mirrored).
template <class T, class Space>
struct NeutralHits {
  Lattice l;
  View<const T, Space> phi;
  View<const SurfacePoint, Space> points;
  View<const int, Space> point_of_cell;
  CounterRandom random;
  std::uint64_t step;
  int rays;
  View<int, Space> hits;  // rays x points
  View<double, Space> segments;
  index_t first = 0;
  View<unsigned char, Space> mirrors = {};  // rays x points, or empty
  View<Point3, Space> drawn = {};  // rays x points: each ray's direction as drawn, or empty
  double clear_z = 1e300;          ///< sky_plane's
  FABTWIN_HD void operator()(index_t s) const {
    const SurfacePoint p = points[first + s];
    const double z_source = sky_plane(l, clear_z), length = max_ray_length(l);
    double traced = 0;
    for (int r = 0; r < rays; ++r) {
      Point3 d = cosine_direction(p, random, step, r, l.planar());
      if (drawn.data()) drawn[index_t(r) + rays * s] = d;
      if (l.planar()) {  // only the projection on the plane decides what the ray meets
        d.y = 0;
        const double n = d.norm();
        if (n < 1e-12) {
          hits[index_t(r) + rays * s] = -1;
          continue;
        }
        d = d * (1.0 / n);
      }
      const RayResult ray = trace_ray(l, phi, p.position, d, z_source, length);
      traced += ray.segments;
      hits[index_t(r) + rays * s] = ray.end == RayEnd::surface
                                        ? nearest_surface_point(l, points, point_of_cell, ray.hit)
                                        : -1;
      if (mirrors.data())
        mirrors[index_t(r) + rays * s] =
            ray.end == RayEnd::surface ? (unsigned char)l.mirror_bits(ray.hit) : 0;
    }
    segments[s] += traced;
  }
};

/// The ions that reach point s after a coned reflection: along each of its Monte Carlo rays u
/// (cosine-distributed: the mean of pi L(u) estimates the integral of L cos over the hemisphere)
/// the radiance that the point q the ray hit reflects towards s,
///   L = F_q lobe_q(angle(-u, axis_q)) / (norm_q cos_q(-u)),
/// F_q its reflected flux and cos_q the cosine of -u from q's normal (radiance is flux per
/// projected area). In a cross-section u is the ray's three-dimensional direction: the lobe is a
/// cone about an axis in the plane, the geometry the same along y. A ray that met q in a mirror
/// image arrives there mirrored. The moments are added to s's (one generation of reflected ions
/// after another). Where `next` is given, s also makes its emission of the next generation from
/// what it receives, as DirectIons does from the sky: the flux it reflects at each ray's incidence,
/// the flux-weighted specular axis and incidence, and each ion's energy share times the one it
/// keeps. The rays' directions are NeutralHits' own, kept (drawing them again cost a tenth of a
/// trench's run in sines and frames).
template <class Space, class S, class Model>
struct ReflectedIons {
  View<const SurfacePoint, Space> points;
  View<const int, Space> hits;
  View<const unsigned char, Space> mirrors;
  View<const Point3, Space> drawn;
  View<const IonEmission, Space> emission;
  int rays;
  View<SurfaceFluxes<S>, Space> out;
  Model model;
  View<IonEmission, Space> next = {};  ///< the next generation's emission, or empty
  FABTWIN_HD void operator()(index_t s) const {
    const SurfacePoint p = points[s];
    double m[reflected_energy_nodes][3] = {};
    double shares[reflected_energy_nodes] = {};
    double emitted = 0, incidence = 0;
    Point3 axis{0, 0, 0};
    for (int r = 0; r < rays; ++r) {
      const int q = hits[index_t(r) + rays * s];
      if (q < 0) continue;
      const IonEmission& e = emission[q];
      if (!(e.flux > 0)) continue;
      const Point3 u = drawn[index_t(r) + rays * s];
      const Point3 at_q = Lattice::unmirror(u, mirrors[index_t(r) + rays * s]);
      const double leaving = -at_q.dot(points[q].normal), along = -at_q.dot(e.axis);
      if (leaving <= 0) continue;
      const double lobe = e.lobe(acos(along < 1 ? (along > -1 ? along : -1.0) : 1.0));
      if (lobe <= 0) continue;
      const double c = u.dot(p.normal);
      const double term = std::numbers::pi * e.flux * lobe / (e.norm * leaving);
      for (int j = 0; j < reflected_energy_nodes; ++j)
        if (e.share[j] > 0) add_moments(m[j], term * e.share[j], c);
      if (next.data() && c > 0) {
        const double bounced = term * model.ion_reflection(c);
        if (bounced > 0) {
          emitted += bounced;
          incidence += bounced * c;
          const double kept = model.ion_reflected_share(c);
          for (int j = 0; j < reflected_energy_nodes; ++j)
            if (e.share[j] > 0)
              add_on_nodes(shares, bounced * e.share[j],
                           kept * double(j) / double(reflected_energy_nodes - 1));
          axis = axis + (p.normal * (2 * c) - u) * bounced;
        }
      }
    }
    for (int j = 0; j < reflected_energy_nodes; ++j)
      for (int k = 0; k < 3; ++k) out[s].reflected_moment[j][k] += S(m[j][k] / rays);
    if (!next.data()) return;
    IonEmission e;
    const double length_of_axis = axis.norm();
    if (emitted > 0 && length_of_axis > 0) {
      e.flux = emitted / rays;
      e.axis = axis * (1 / length_of_axis);
      e.cone = model.ion_reflection_cone(incidence / emitted);
      e.normalise(p.normal);
      for (int j = 0; j < reflected_energy_nodes; ++j) e.share[j] = shares[j] / emitted;
    }
    next[s] = e;
  }
};

/// What each point re-emits of the neutrals of `species` it receives, 1 - s, in the model's
/// scalar S (the sticking may carry derivatives): once per species, not at every hit of every
/// iteration.
template <class Space, class Model, class S>
struct Reemitted {
  View<const SurfacePoint, Space> points;
  Model model;
  int species;
  View<S, Space> out;
  FABTWIN_HD void operator()(index_t q) const {
    out[q] = 1 - model.sticking(species, points[q].material);
  }
};

/// One Jacobi iteration of G = G_direct + mean over rays of (1 - s(q)) G(q).
template <class Space, class S>
struct ReemissionStep {
  View<const int, Space> hits;
  View<const S, Space> reemitted;
  View<const S, Space> direct;
  View<const S, Space> in;
  View<S, Space> out;
  int rays;
  FABTWIN_HD void operator()(index_t s) const {
    S sum = S(0);
    for (int r = 0; r < rays; ++r) {
      const int q = hits[index_t(r) + rays * s];
      if (q >= 0) sum += reemitted[q] * in[q];
    }
    out[s] = direct[s] + sum / double(rays);
  }
};

/// The standard error of a point's re-emitted flux relative to its total flux.
template <class Space, class S>
struct ReemissionError {
  View<const int, Space> hits;
  View<const S, Space> reemitted;
  View<const S, Space> total;
  int rays;
  View<double, Space> out;
  FABTWIN_HD void operator()(index_t s) const {
    double sum = 0, squares = 0;
    for (int r = 0; r < rays; ++r) {
      const int q = hits[index_t(r) + rays * s];
      const double x = q >= 0 ? value_of(reemitted[q]) * value_of(total[q]) : 0.0;
      sum += x;
      squares += x * x;
    }
    const double mean = sum / rays, all = value_of(total[s]);
    const double variance = rays > 1 ? (squares - rays * mean * mean) / (rays - 1) : 0.0;
    out[s] = all > 0 ? sqrt(fmax(variance, 0.0) / rays) / all : 0.0;
  }
};

template <class Space, class Model, class S>
struct StoreNeutral {
  View<const SurfacePoint, Space> points;
  View<const S, Space> total;
  Model model;
  int species;
  View<SurfaceFluxes<S>, Space> out;
  FABTWIN_HD void operator()(index_t s) const {
    out[s].neutral[species] =
        model.sticking(species, points[s].material) * model.neutral_flux(species) * total[s];
  }
};

template <class Space, class S>
struct AbsoluteDifference {
  View<const S, Space> a, b;
  FABTWIN_HD double operator()(index_t i) const { return fabs(value_of(a[i]) - value_of(b[i])); }
};

}  // namespace detail

/// The fraction of a source of angular density `directions` (made for its exponent) that reaches
/// each of `points` (normals and positions on the surface of `phi`) straight from the sky: for a
/// cosine source, the view factor of the sky.
template <class T, class Space>
Field<double, Space> sky_view_fraction(Context<Space>& ctx, const Lattice& l,
                                       const Field<T, Space>& phi,
                                       const Field<SurfacePoint, Space>& points,
                                       const SourceDirections<Space>& directions) {
  const index_t n = points.size();
  Field<double, Space> fraction(Grid(n, 1, 1.0)), segments(Grid(n, 1, 1.0));
  for_each(ctx, Range1{n},
           detail::DirectNeutrals<T, Space>{l, phi.cview(), points.cview(),
                                            directions.direction.cview(), directions.weight.cview(),
                                            directions.count, fraction.view(), segments.view()});
  return fraction;
}

/// The fluxes of `model` at every point of `surface` into `out` (surface.count of them), in the
/// model's scalar S (etch/kinetics.hpp).
template <class T, class Space, class Model, class S = model_scalar_t<Model>>
FluxReport compute_fluxes(Context<Space>& ctx, const Domain<T, Space>& domain,
                          const Surface<Space>& surface, const Model& model,
                          const SourceDirections<Space>& ion_directions,
                          const SourceDirections<Space>& neutral_directions,
                          const FluxOptions& options, std::uint64_t step,
                          Field<SurfaceFluxes<S>, Space>& out) {
  FluxReport report;
  require(options.ion_bounces >= 1, "etch::compute_fluxes", "ion_bounces", options.ion_bounces,
          "at least one reflection (1: the ions reflected once)");
  const index_t n = surface.count;
  if (n == 0) return report;
  const Lattice& l = domain.lattice;
  const Grid points_grid(n, 1, 1.0);
  fill(ctx, out.view(), SurfaceFluxes<S>{});
  Field<double, Space> segments(points_grid);
  const bool ions = value_of(model.ion_flux()) > 0;
  // Coned reflection where the model's lobe is open at grazing incidence (etch/kinetics.hpp).
  const bool coned = ions && model.ion_reflection_cone(0.0) > 0 && model.ion_reflection(0.0) > 0;
  Field<detail::IonEmission, Space> emission(coned ? points_grid : Grid(1, 1, 1.0));
  // A dual etch's fluxes take the normal's derivative upwind (etch/normal_transport.hpp).
  constexpr bool dual = !std::is_same_v<std::remove_cv_t<T>, double> && !std::is_same_v<S, double>;
  Field<detail::NormalGradients, Space> gradients(dual ? points_grid : Grid(1, 1, 1.0));
  const View<detail::NormalGradients, Space> gathered =
      dual ? gradients.view() : View<detail::NormalGradients, Space>{};
  const auto upwind_normal = [&] {
    if constexpr (dual)
      for_each(ctx, Range1{n},
               detail::UpwindNormal<T, Space, S, Model>{
                   l, domain.phi.cview(), surface.points.cview(), gradients.cview(), model, ions,
                   model.neutral_species(), out.view()});
  };
  const double clear_z =
      transform_reduce(ctx, n, -std::numeric_limits<double>::infinity(), reduce_op::Max{},
                       detail::PointHeight<Space>{surface.points.cview()}) +
      2 * l.h;
  if (ions)
    for_each(ctx, Range1{n},
             detail::DirectIons<T, Space, S, Model>{
                 l, domain.phi.cview(), surface.points.cview(), ion_directions.direction.cview(),
                 ion_directions.weight.cview(), ion_directions.count, model, out.view(),
                 segments.view(), coned, emission.view(), clear_z, options.ion_bounces, gathered});
  if (model.neutral_species() == 0 && !coned) {
    upwind_normal();
    report.ray_segments = sum(ctx, segments.cview());
    return report;
  }
  // The Monte Carlo rays: the neutrals' re-emission and the coned reflection of ions gather along
  // the same rays.
  require(options.rays_per_point >= 1, "etch::compute_fluxes", "rays_per_point",
          options.rays_per_point, "at least one ray per surface point");
  const int rays = options.rays_per_point;
  const CounterRandom random{options.seed};
  Field<int, Space> hits(Grid(rays, n, 1.0));
  const Grid per_ray = coned ? Grid(rays, n, 1.0) : Grid(1, 1, 1.0);
  Field<unsigned char, Space> mirrors(per_ray);
  Field<Point3, Space> drawn(per_ray);
  for_each(ctx, Range1{n},
           detail::NeutralHits<T, Space>{l, domain.phi.cview(), surface.points.cview(),
                                         surface.point_of_cell.cview(), random, step, rays,
                                         hits.view(), segments.view(), 0,
                                         coned ? mirrors.view() : View<unsigned char, Space>{},
                                         coned ? drawn.view() : View<Point3, Space>{}, clear_z});
  if (coned) {
    // One generation of reflected ions after another, each emitted by what the last delivered.
    Field<detail::IonEmission, Space> next(options.ion_bounces > 1 ? points_grid : Grid(1, 1, 1.0));
    for (int bounce = 1; bounce <= options.ion_bounces; ++bounce) {
      const bool last = bounce == options.ion_bounces;
      for_each(ctx, Range1{n},
               detail::ReflectedIons<Space, S, Model>{
                   surface.points.cview(), hits.cview(), mirrors.cview(), drawn.cview(),
                   emission.cview(), rays, out.view(), model,
                   last ? View<detail::IonEmission, Space>{} : next.view()});
      if (!last) std::swap(emission, next);
    }
  }
  if (model.neutral_species() > 0) {
    Field<S, Space> direct(points_grid), total(points_grid), next(points_grid);
    Field<S, Space> reemitted(points_grid);
    for_each(ctx, Range1{n},
             detail::DirectNeutrals<T, Space, S>{
                 l, domain.phi.cview(), surface.points.cview(),
                 neutral_directions.direction.cview(), neutral_directions.weight.cview(),
                 neutral_directions.count, direct.view(), segments.view(), clear_z, gathered});
    for (int species = 0; species < model.neutral_species(); ++species) {
      for_each(ctx, Range1{n},
               detail::Reemitted<Space, Model, S>{surface.points.cview(), model, species,
                                                  reemitted.view()});
      copy(direct.cview(), total.view());
      int bounce = 0;
      while (bounce < options.max_bounces) {
        ++bounce;
        for_each(ctx, Range1{n},
                 detail::ReemissionStep<Space, S>{hits.cview(), reemitted.cview(), direct.cview(),
                                                  total.cview(), next.view(), rays});
        const double change =
            transform_reduce(ctx, n, 0.0, reduce_op::Max{},
                             detail::AbsoluteDifference<Space, S>{next.cview(), total.cview()});
        std::swap(total, next);
        if (change <= options.bounce_tolerance) break;
      }
      if (species == 0) {
        report.bounces = bounce;
        Field<double, Space> error(points_grid);
        for_each(ctx, Range1{n},
                 detail::ReemissionError<Space, S>{hits.cview(), reemitted.cview(), total.cview(),
                                                   rays, error.view()});
        report.monte_carlo_relative_error = sum(ctx, error.cview()) / double(n);
      }
      for_each(ctx, Range1{n},
               detail::StoreNeutral<Space, Model, S>{surface.points.cview(), total.cview(), model,
                                                     species, out.view()});
    }
  }
  upwind_normal();
  report.ray_segments = sum(ctx, segments.cview());
  return report;
}

}  // namespace fabtwin::etch
