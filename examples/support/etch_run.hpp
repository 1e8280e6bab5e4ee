#pragma once
// One feature-scale etch run as the etch examples make it: the domain of a FeatureSpec, a model
// chosen by name with parameters set by name, the run with its progress on stderr, the profile's
// figures, and the outputs: profile.png (an x-z cross-section through the feature's axis, materials
// coloured, the initial surface in red, the final one in black), phi.npy and material.npy (that
// cross-section), etch.vti (the volume: phi and material), surface.vtp (the surface points with
// their rates and fluxes), profile.vtp (2D: the final surface as a polyline).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/etch.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/io.hpp"
#include "fabtwin/layout/contour.hpp"
#include "fabtwin/metrology/etch_profile.hpp"

namespace examples {

using EtchModel = std::variant<fabtwin::etch::IsotropicEtch, fabtwin::etch::DirectionalEtch,
                               fabtwin::etch::Sf6o2Etch>;

struct EtchRun {
  fabtwin::etch::FeatureSpec spec;
  std::string model = "sf6o2";          ///< isotropic | directional | sf6o2
  std::vector<std::string> parameters;  ///< NAME=VALUE
  bool resist_mask = false;             ///< sf6o2: a resist (polymer) mask instead of a hard mask
  double time_s = 1;
  int rays_per_point = 1000;
  unsigned long long seed = 1;
  int ion_bounces = 1;  ///< etch::FluxOptions::ion_bounces
  int threads = 0;      ///< 0: all
  /// Simulate the half (quarter in 3D) on one side of the feature's axis where the pitch allows
  /// (etch::mirrorable): the same periodic array for half the rays; the files show the whole pitch.
  bool mirror = true;
};

/// run.spec as the programs simulate it: mirrored where run.mirror asks and the pitch allows.
inline fabtwin::etch::FeatureSpec simulated_spec(const EtchRun& run) {
  fabtwin::etch::FeatureSpec spec = run.spec;
  spec.mirrored = run.mirror && fabtwin::etch::mirrorable(spec);
  return spec;
}

/// The model `run` names, with its defaults and then run.parameters applied.
inline EtchModel make_etch_model(const EtchRun& run) {
  using namespace fabtwin::etch;
  EtchModel model;
  if (run.model == "isotropic")
    model = IsotropicEtch{};
  else if (run.model == "directional")
    model = DirectionalEtch{};
  else if (run.model == "sf6o2") {
    Sf6o2Etch sf6o2;
    model = run.resist_mask ? sf6o2.resist_mask() : sf6o2.prepare();
  } else
    fabtwin::require(false, "make_etch_model", "model", run.model,
                     "isotropic, directional or sf6o2");
  std::visit(
      [&](auto& m) {
        const auto table = parameters(m);
        for (const std::string& assignment : run.parameters) set_parameter(table, assignment);
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, Sf6o2Etch>) m.prepare();
      },
      model);
  return model;
}

/// "--param NAME=VALUE" help: every parameter of every model with its unit and default.
inline std::string etch_parameter_help() {
  using namespace fabtwin::etch;
  std::string text;
  EtchModel models[] = {IsotropicEtch{}, DirectionalEtch{}, Sf6o2Etch{}};
  const char* names[] = {"isotropic", "directional", "sf6o2"};
  for (int k = 0; k < 3; ++k)
    std::visit(
        [&](auto& m) {
          text += std::string(k ? "; " : "") + names[k] + ": ";
          bool first = true;
          for (const NamedParameter& p : parameters(m)) {
            text += (first ? "" : ", ") + p.name + " = " + fabtwin::describe(*p.value) +
                    (p.unit.empty() ? "" : " " + p.unit);
            first = false;
          }
        },
        models[k]);
  return text;
}

/// The fastest a substrate can etch under `model` (flat ground, all the sky), with a margin: what
/// sizes the substrate below the surface.
inline double fastest_rate_nm_s(const EtchModel& model) {
  using namespace fabtwin::etch;
  return std::visit(
      [](const auto& m) {
        // Flat ground: every direction of the sky, at normal incidence for the ions.
        SurfaceFluxes<> f;
        f.ion_moment[0] = f.ion_moment[1] = 1;
        for (int s = 0; s < m.neutral_species(); ++s)
          f.neutral[s] = m.sticking(s, int(Material::substrate)) * m.neutral_flux(s);
        // Without oxygen, and 1.3 for the yields' angular peak (at most 1.1 for B_ie <= 0.8).
        f.neutral[1] = 0;
        return 1.3 * m.rate(int(Material::substrate), f, Point3{0, 0, 1});
      },
      model);
}

struct EtchResult {
  fabtwin::metrology::EtchProfile profile;
  fabtwin::etch::EtchReport report;
  fabtwin::io::json::Value summary;
};

namespace detail {

/// The x-z plane through the axis (y = 0) of a domain's field as a 2D field on the host.
inline fabtwin::Field<double, fabtwin::Host> section(const fabtwin::etch::Lattice& l,
                                                     const std::vector<double>& values) {
  using namespace fabtwin;
  Field<double, Host> out(Grid(l.nx, l.nz, l.h, {l.x0, l.z0, 0}));
  const index_t j = l.ny / 2;
  for (index_t k = 0; k < l.nz; ++k)
    for (index_t i = 0; i < l.nx; ++i)
      out.data()[i + l.nx * k] = values[std::size_t(l.index(i, j, k))];
  return out;
}

inline std::vector<double> material_codes(const fabtwin::etch::Domain<double, fabtwin::Host>& d) {
  std::vector<double> codes(std::size_t(d.lattice.size()));
  for (fabtwin::index_t i = 0; i < d.lattice.size(); ++i)
    codes[std::size_t(i)] =
        d.phi.data()[i] < 0 ? 1.0 + fabtwin::etch::material_at(d.materials.cview(), i) : 0.0;
  return codes;
}

}  // namespace detail

/// Runs `run` on `domain` (run.spec is not used), writes the pictures and files into `out` (a
/// folder, ready) and returns the figures; `mask_x` is where the mask's thickness is measured.
inline EtchResult run_etch_example(const EtchRun& run,
                                   fabtwin::etch::Domain<double, fabtwin::Host>& domain,
                                   double mask_x, const std::string& out, const char* program) {
  using namespace fabtwin;
  using namespace fabtwin::etch;
  const EtchModel model = make_etch_model(run);
  Context<Host> ctx(HostOptions{run.threads});
  const bool mirrored = domain.mirrored;
  // What the files show: the whole pitch, a mirrored domain unfolded after its run.
  const std::vector<double> initial_phi = to_vector(whole_pitch(domain).phi);

  EtchOptions options;
  options.time_s = run.time_s;
  options.flux.rays_per_point = run.rays_per_point;
  options.flux.seed = run.seed;
  options.flux.ion_bounces = run.ion_bounces;
  double last_report = 0;
  const auto progress = [&](const EtchProgress& p) {
    if (p.seconds - last_report < 2 && p.time_s < run.time_s) return;
    last_report = p.seconds;
    std::fprintf(
        stderr,
        "%s: step %d, %.3g of %.3g s etched, fastest %.3g nm/s, %lld surface points, %.1f s\n",
        program, p.step, p.time_s, run.time_s, p.max_rate_nm_s, (long long)p.surface_points,
        p.seconds);
  };
  EtchResult result;
  std::visit(
      [&](const auto& m) {
        result.report = run_etch(ctx, domain, m, options, progress);
        if (domain.mirrored) domain = whole_pitch(domain);
        const Lattice& l = domain.lattice;
        // The surface and its rates at the end, for surface.vtp.
        const auto ions =
            make_source_directions<Host>(m.ion_exponent(), l.dimension(), l.planar() ? 96 : 512);
        const auto neutrals =
            make_source_directions<Host>(1.0, l.dimension(), l.planar() ? 256 : 1024);
        auto snapshot = surface_rates(ctx, domain, m, ions, neutrals, options.flux, 1u << 20);
        std::vector<Vec3> points;
        std::vector<double> rate, ion, reflected_ion, etchant, oxygen, material;
        for (index_t s = 0; s < snapshot.surface.count; ++s) {
          const SurfacePoint& p = snapshot.surface.points.data()[s];
          const SurfaceFluxes<>& f = snapshot.fluxes.data()[s];
          points.push_back({p.position.x, p.position.y, p.position.z});
          rate.push_back(snapshot.rate.data()[s]);
          ion.push_back(f.ion_moment[0] * value_of(m.ion_flux()));
          reflected_ion.push_back(f.reflected(0) * value_of(m.ion_flux()));
          etchant.push_back(f.neutral[0]);
          oxygen.push_back(f.neutral[1]);
          material.push_back(p.material);
        }
        io::VtpFile(points)
            .add("rate_nm_s", rate)
            .add("ion_flux", ion)
            .add("reflected_ion_flux", reflected_ion)
            .add("etchant_absorbed", etchant)
            .add("oxygen_absorbed", oxygen)
            .add("material", material)
            .write(out + "/surface.vtp");
      },
      model);
  result.profile = metrology::measure_etch_profile(domain, mask_x);
  const Lattice l = domain.lattice;

  // Pictures and arrays of the cross-section through the axis.
  const std::vector<double> phi = to_vector(domain.phi), codes = detail::material_codes(domain);
  const Field<double, Host> phi_xz = detail::section(l, phi), codes_xz = detail::section(l, codes),
                            initial_xz = detail::section(l, initial_phi);
  io::write_npy(out + "/phi.npy", phi_xz.data(), {l.nz, l.nx});
  io::write_npy(out + "/material.npy", codes_xz.data(), {l.nz, l.nx});
  io::RenderOptions section{.colormap = io::Colormap::viridis,
                            .scale_bar = true,
                            .length_bar = true,
                            .title =
                                "x-z section through the axis; surface: red at the start, "
                                "black at the end",
                            .value_label = "material",
                            .magnify = io::magnification_for(codes_xz.grid(), 900),
                            .text_scale = 2};  // the automatic scale is 1 below 960 px
  section.categories = {"gas", "substrate", "mask", "stop"};
  io::Image picture = io::render_field(codes_xz, section);
  for (const auto& c : layout::extract_contours(initial_xz, 0.0))
    io::draw_polyline(picture, codes_xz.grid(), c.points, io::Color{220, 30, 30});
  const auto final_contours = layout::extract_contours(phi_xz, 0.0);
  for (const auto& c : final_contours)
    io::draw_polyline(picture, codes_xz.grid(), c.points, io::Color{0, 0, 0});
  io::write_png(out + "/profile.png", picture);
  if (l.planar()) {  // the final surface as polylines in the x-z plane
    std::vector<Vec3> points;
    std::vector<double> height;
    std::vector<std::vector<std::int64_t>> lines;
    for (const auto& contour : final_contours) {
      std::vector<std::int64_t> line;
      for (const auto& q : contour.points) {
        line.push_back(std::int64_t(points.size()));
        points.push_back({q.x, 0, q.y});
        height.push_back(q.y);
      }
      if (!line.empty()) line.push_back(line.front());
      lines.push_back(line);
    }
    io::VtpFile polyline(points);
    polyline.add("z_nm", height);
    for (const auto& line : lines) polyline.add_line(line);
    polyline.write(out + "/profile.vtp");
  }
  {
    Field<double, Host> phi_field(domain.phi.grid()), code_field(domain.phi.grid());
    std::copy(phi.begin(), phi.end(), phi_field.data());
    std::copy(codes.begin(), codes.end(), code_field.data());
    io::VtiFile(phi_field.grid())
        .add("phi_nm", phi_field)
        .add("material", code_field)
        .write(out + "/etch.vti");
  }

  io::json::Value& s = result.summary;
  s = io::json::Value::object();
  const metrology::EtchProfile& p = result.profile;
  s["depth_nm"] = p.depth_nm;
  s["top_cd_nm"] = p.top_cd_nm;
  s["mid_cd_nm"] = p.mid_cd_nm;
  s["bottom_cd_nm"] = p.bottom_cd_nm;
  s["sidewall_angle_deg"] = p.sidewall_angle_deg;
  s["bowing_nm"] = p.bowing_nm;
  s["mask_remaining_nm"] = p.mask_remaining_nm;
  s["steps"] = result.report.steps;
  s["seconds"] = result.report.seconds;
  s["flux_seconds"] = result.report.flux_seconds;
  s["ray_segments"] = result.report.ray_segments;
  s["ray_segments_per_s"] = result.report.flux_seconds > 0
                                ? result.report.ray_segments / result.report.flux_seconds
                                : 0.0;
  s["threads"] = ctx.threads();
  s["monte_carlo_relative_error"] = result.report.monte_carlo_relative_error;
  s["mirrored"] = mirrored;
  s["rays_per_point"] = run.rays_per_point;
  s["seed"] = double(run.seed);
  s["ion_bounces"] = run.ion_bounces;
  s["model"] = run.model;
  io::json::Value parameters = io::json::Value::object();
  std::visit(
      [&](auto m) {
        for (const NamedParameter& q : etch::parameters(m)) parameters[q.name] = *q.value;
      },
      model);
  s["parameters"] = parameters;
  s["grid_nm"] = l.h;
  s["samples"] = io::json::Value::array();
  s["samples"].push_back(double(l.nx));
  s["samples"].push_back(double(l.ny));
  s["samples"].push_back(double(l.nz));
  s["files"] = io::json::Value::array();
  for (const char* f : {"profile.png", "phi.npy", "material.npy", "etch.vti", "surface.vtp"})
    s["files"].push_back(std::string(f));
  if (l.planar()) s["files"].push_back(std::string("profile.vtp"));
  return result;
}

/// The feature of run.spec, its substrate as deep as the fastest rate etches in run.time_s (and ten
/// cells more), run and written as above; the mask is measured at the domain's side.
inline EtchResult run_feature_example(const EtchRun& run, const std::string& out,
                                      const char* program) {
  fabtwin::etch::FeatureSpec spec = simulated_spec(run);
  spec.substrate_depth_nm =
      fastest_rate_nm_s(make_etch_model(run)) * run.time_s + 10 * spec.grid_nm;
  auto domain = fabtwin::etch::make_feature_domain<double>(spec);
  const double mask_x = domain.lattice.x0 + double(domain.lattice.nx - 1) * domain.lattice.h;
  return run_etch_example(run, domain, mask_x, out, program);
}

/// The feature of run.spec etched as run_feature_example does, measured, nothing written: a point of
/// a sweep (an ARDE curve).
inline fabtwin::metrology::EtchProfile measure_feature(const EtchRun& run) {
  using namespace fabtwin;
  const EtchModel model = make_etch_model(run);
  etch::FeatureSpec spec = simulated_spec(run);
  spec.substrate_depth_nm = fastest_rate_nm_s(model) * run.time_s + 10 * spec.grid_nm;
  auto domain = etch::make_feature_domain<double>(spec);
  Context<Host> ctx(HostOptions{run.threads});
  etch::EtchOptions options;
  options.time_s = run.time_s;
  options.flux.rays_per_point = run.rays_per_point;
  options.flux.seed = run.seed;
  options.flux.ion_bounces = run.ion_bounces;
  std::visit([&](const auto& m) { etch::run_etch(ctx, domain, m, options); }, model);
  return metrology::measure_etch_profile(
      domain, domain.lattice.x0 + double(domain.lattice.nx - 1) * domain.lattice.h);
}

}  // namespace examples
