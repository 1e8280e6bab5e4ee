// The etch examples' runs (support/etch_run.hpp), compiled once for the six programs that make
// them (etch_profile, etch_resist, etch_trench, etch_hole, etch_layout, twin_demo): the pictures,
// arrays and figures of a run. The etch itself and the surface's rates at its end, on the GPU
// where there is one, are support/etch_on_space.hpp's, a file per model; CUDA builds compile those
// with nvcc.

#include "support/etch_run.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>

#include "support/etch_on_space.hpp"

namespace examples {

namespace detail {

/// The x-z plane of the samples nearest y (the opening's axis) of a field on a domain's lattice,
/// as a 2D field.
fabtwin::Field<double, fabtwin::Host> section(const fabtwin::etch::Lattice& l, double y,
                                              const fabtwin::Field<double, fabtwin::Host>& values) {
  using namespace fabtwin;
  Field<double, Host> out(Grid(l.nx, l.nz, l.h, {l.x0, l.z0, 0}));
  // Half-way between two rows (a pitch of an even number of cells about its axis) the upper.
  const index_t j = std::clamp<index_t>(index_t(std::floor((y - l.y0) / l.h + 0.5)), 0, l.ny - 1);
  for (index_t k = 0; k < l.nz; ++k)
    for (index_t i = 0; i < l.nx; ++i) out.data()[i + l.nx * k] = values.data()[l.index(i, j, k)];
  return out;
}

/// Each sample's material as a number: 0 gas, 1 + its material in the solid.
fabtwin::Field<double, fabtwin::Host> material_codes(
    const fabtwin::etch::Domain<double, fabtwin::Host>& d) {
  fabtwin::Field<double, fabtwin::Host> codes(d.phi.grid());
  for (fabtwin::index_t i = 0; i < d.lattice.size(); ++i)
    codes.data()[i] =
        d.phi.data()[i] < 0 ? 1.0 + fabtwin::etch::material_at(d.materials.cview(), i) : 0.0;
  return codes;
}

/// Bytes the machine has available now (/proc/meminfo's MemAvailable), or 0 where unknown.
double available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  double kilobytes = 0;
  while (meminfo >> key >> kilobytes) {
    std::getline(meminfo, unit);
    if (key == "MemAvailable:") return kilobytes * 1024;
  }
  return 0;
}

}  // namespace detail

namespace {

/// The profile of `domain` as metrology reads it across `across` (a reflection across y).
fabtwin::metrology::EtchProfile measure(const fabtwin::etch::Domain<double, fabtwin::Host>& domain,
                                        double mask_at, Across across) {
  if (across == Across::y)
    return fabtwin::metrology::measure_etch_profile(fabtwin::etch::swapped_xy(domain), mask_at);
  return fabtwin::metrology::measure_etch_profile(domain, mask_at);
}

/// d figure / d parameter for each of run.sensitivities by central differences (as
/// metrology::profile_differences, on the space the run takes): the parameter moved to (1 +- s) of
/// its value, the etch run again from `start` with steps of the nominal run's mean step at most
/// and the same random streams, so that the Monte Carlo noise is common to the two runs.
fabtwin::io::json::Value central_differences(
    const EtchRun& run, const fabtwin::etch::Domain<double, fabtwin::Host>& start,
    int nominal_steps, double mask_at, Across across, const char* program) {
  using namespace fabtwin;
  EtchRun fixed = run;
  fixed.sensitivities.clear();
  fixed.step_s = run.time_s / double(std::max(nominal_steps, 1));
  io::json::Value out = io::json::Value::object();
  const EtchModel nominal = make_etch_model(fixed);
  int done = 0;
  for (const std::string& name : run.sensitivities) {
    double value = 0;
    std::visit(
        [&](auto m) {
          value = *etch::find_parameter(etch::parameters(m), name, program, "--sensitivity").value;
        },
        nominal);
    metrology::EtchProfile moved[2];
    for (int side = 0; side < 2; ++side) {
      std::fprintf(stderr, "%s: sensitivity to %s, run %d of %zu\n", program, name.c_str(), ++done,
                   2 * run.sensitivities.size());
      EtchRun changed = fixed;
      char assignment[64];
      std::snprintf(assignment, sizeof assignment, "=%.17g",
                    value * (1 + (side ? -1 : 1) * run.sensitivity_step));
      changed.parameters.push_back(name + assignment);
      auto domain = etch::to<Host>(start);
      std::visit([&](const auto& m) { etch_on_best_space(changed, m, domain, {}, false); },
                 make_etch_model(changed));
      moved[side] = measure(domain, mask_at, across);
    }
    const double h = 2 * run.sensitivity_step * value;
    const metrology::EtchProfile &up = moved[0], &down = moved[1];
    io::json::Value d = io::json::Value::object();
    d["depth_nm"] = (up.depth_nm - down.depth_nm) / h;
    d["top_cd_nm"] = (up.top_cd_nm - down.top_cd_nm) / h;
    d["mid_cd_nm"] = (up.mid_cd_nm - down.mid_cd_nm) / h;
    d["bottom_cd_nm"] = (up.bottom_cd_nm - down.bottom_cd_nm) / h;
    d["sidewall_angle_deg"] = (up.sidewall_angle_deg - down.sidewall_angle_deg) / h;
    d["bowing_nm"] = (up.bowing_nm - down.bowing_nm) / h;
    d["mask_remaining_nm"] = (up.mask_remaining_nm - down.mask_remaining_nm) / h;
    out[name] = d;
  }
  return out;
}

}  // namespace

/// Runs `run` on `domain` (run.spec is not used), writes the pictures and files into `out` (a
/// folder, ready) and returns the figures (support/etch_run.hpp).
EtchResult run_etch_example(const EtchRun& run,
                            fabtwin::etch::Domain<double, fabtwin::Host>& domain, double mask_at,
                            const std::string& out, const char* program, Across across) {
  using namespace fabtwin;
  using namespace fabtwin::etch;
  const EtchModel model = make_etch_model(run);
  const bool mirrored = domain.mirrored;
  // Central differences run again from the start: kept before the run changes it.
  std::optional<Domain<double, Host>> unetched;
  if (!run.sensitivities.empty()) unetched.emplace(to<Host>(domain));
  // What the files show: the whole pitch, a mirrored domain unfolded after its run. Of the start
  // only the section through the axis is kept: the run's peak of memory is its own. Metrology and
  // the sections read x-z planes: across y, they read the domain reflected through x = y.
  const auto measured_frame = [&](const Domain<double, Host>& d) {
    return across == Across::y ? swapped_xy(d) : whole_pitch(d);
  };
  const Field<double, Host> initial_xz = [&] {
    const Domain<double, Host> start = measured_frame(domain);
    return detail::section(start.lattice, start.centre_y_nm, start.phi);
  }();

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
  const SpaceRun etched = std::visit(
      [&](const auto& m) { return etch_on_best_space(run, m, domain, progress, true); }, model);
  result.report = etched.report;
  const SurfaceSample& surface = etched.surface;
  io::VtpFile(surface.points)
      .add("rate_nm_s", surface.rate)
      .add("ion_flux", surface.ion)
      .add("reflected_ion_flux", surface.reflected_ion)
      .add("etchant_absorbed", surface.etchant)
      .add("oxygen_absorbed", surface.oxygen)
      .add("material", surface.material)
      .write(out + "/surface.vtp");
  const Lattice l = domain.lattice;
  const Field<double, Host> codes = detail::material_codes(domain);

  // The profile, and pictures and arrays of the cross-section through the axis (the run has
  // unfolded a mirrored domain: only a reflection is copied).
  std::optional<Domain<double, Host>> reflected;
  if (across == Across::y) reflected.emplace(swapped_xy(domain));
  const Domain<double, Host>& seen = reflected ? *reflected : domain;
  result.profile = metrology::measure_etch_profile(seen, mask_at);
  const Field<double, Host> phi_xz = detail::section(seen.lattice, seen.centre_y_nm, seen.phi);
  const Field<double, Host> codes_xz = [&] {
    if (!reflected) return detail::section(l, domain.centre_y_nm, codes);
    return detail::section(seen.lattice, seen.centre_y_nm, detail::material_codes(seen));
  }();
  const index_t across_samples = phi_xz.grid().nx();
  io::write_npy(out + "/phi.npy", phi_xz.data(), {l.nz, across_samples});
  io::write_npy(out + "/material.npy", codes_xz.data(), {l.nz, across_samples});
  io::RenderOptions section{.colormap = io::Colormap::viridis,
                            .scale_bar = true,
                            .length_bar = true,
                            .title = std::string(across == Across::y ? "y" : "x") +
                                     "-z section through the opening; surface: red at the "
                                     "start, white at the end",
                            .value_label = "material",
                            .magnify = io::magnification_for(codes_xz.grid(), 900),
                            .text_scale = 2};  // the automatic scale is 1 below 960 px
  section.categories = {"gas", "substrate", "mask", "stop"};
  io::Image picture = io::render_field(codes_xz, section);
  for (const auto& c : layout::extract_contours(initial_xz, 0.0))
    io::draw_polyline(picture, codes_xz.grid(), c.points, io::Color{220, 30, 30});
  const auto final_contours = layout::extract_contours(phi_xz, 0.0);
  for (const auto& c : final_contours)
    // White: black was lost on the gas, the colour map's darkest end.
    io::draw_polyline(picture, codes_xz.grid(), c.points, io::Color{255, 255, 255});
  io::write_png(out + "/profile.png", picture);
  if (l.planar()) {  // the final surface as polylines in the x-z plane
    std::vector<Vec3> points;
    std::vector<double> height;
    std::vector<std::vector<std::int64_t>> lines;
    for (const auto& contour : final_contours) {
      std::vector<std::int64_t> line;
      for (const auto& q : contour.points) {
        line.push_back(std::int64_t(points.size()));
        points.push_back(across == Across::y ? Vec3{0, q.x, q.y} : Vec3{q.x, 0, q.y});
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
  io::VtiFile(domain.phi.grid())
      .add("phi_nm", domain.phi)
      .add("material", codes)
      .write(out + "/etch.vti");

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
  s["space"] = etched.space;
  s["threads"] = etched.threads;
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
  if (unetched) {
    s["sensitivities"] =
        central_differences(run, *unetched, result.report.steps, mask_at, across, program);
    s["sensitivity_method"] =
        "central differences: each parameter moved by +-" + describe(100 * run.sensitivity_step) +
        " % of its value, the same steps (the nominal run's mean) and random streams; d figure / "
        "d parameter in the parameter's units";
  }
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

void require_memory(const fabtwin::etch::Lattice& simulated, bool mirrored, const char* program) {
  const double samples = double(simulated.size());
  const double whole_pitch = mirrored ? samples * (simulated.planar() ? 2 : 4) : samples;
  const double estimate = std::max(83 * samples, 56 * whole_pitch);
  const double available = detail::available_memory_bytes();
  if (available <= 0) return;
  fabtwin::require<fabtwin::out_of_memory>(
      estimate <= available, program, "the run's memory (bytes, estimated)", estimate, [&] {
        return "at most the " + fabtwin::describe(available) +
               " bytes this machine has available (MemAvailable): " + std::to_string(simulated.nx) +
               " x " + std::to_string(simulated.ny) + " x " + std::to_string(simulated.nz) +
               " samples at 56 to 83 bytes each is too many; a coarser --grid or a smaller domain";
      });
}

/// The feature of run.spec (simulated_spec), run and written as above; the mask is measured at the
/// domain's side.
EtchResult run_feature_example(const EtchRun& run, const std::string& out, const char* program) {
  const fabtwin::etch::FeatureSpec spec = simulated_spec(run);
  require_memory(fabtwin::etch::feature_lattice(spec), spec.mirrored, program);
  auto domain = fabtwin::etch::make_feature_domain<double>(spec);
  const double mask_x = domain.lattice.x0 + double(domain.lattice.nx - 1) * domain.lattice.h;
  return run_etch_example(run, domain, mask_x, out, program);
}

/// The feature of run.spec etched as run_feature_example does, measured, nothing written: a point of
/// a sweep (an ARDE curve).
fabtwin::metrology::EtchProfile measure_feature(const EtchRun& run) {
  using namespace fabtwin;
  const EtchModel model = make_etch_model(run);
  const etch::FeatureSpec spec = simulated_spec(run);
  require_memory(etch::feature_lattice(spec), spec.mirrored, "measure_feature");
  auto domain = etch::make_feature_domain<double>(spec);
  std::visit([&](const auto& m) { etch_on_best_space(run, m, domain, {}, false); }, model);
  return metrology::measure_etch_profile(
      domain, domain.lattice.x0 + double(domain.lattice.nx - 1) * domain.lattice.h);
}

}  // namespace examples
