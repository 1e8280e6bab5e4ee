#pragma once
// The SF6/O2 feature examples (etch_trench, etch_hole): one feature etched through a tapered hard
// mask with its pictures and figures, and the ARDE curve, the depth other openings reach at the
// same pitch in the same time. Each program gives its feature and defaults.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "etch_run.hpp"
#include "outputs.hpp"

namespace examples {

struct FeatureDefaults {
  fabtwin::etch::Feature feature = fabtwin::etch::Feature::trench;
  int dimension = 2;
  double opening = 100, pitch = 300, mask_thickness = 100, taper_deg = 10, grid = 3, time_s = 6;
  int rays = 1000;
  std::string arde = "50,75,150,200", out = "out/etch_trench";
};

namespace detail {

struct FeatureOptions {
  double opening, pitch, mask_thickness, taper_deg, grid, time_s;
  int rays, threads = 0;
  std::string arde, out;
  std::vector<std::string> parameters;
  bool whole_pitch = false;
};

/// The widths "NM,NM,..." spells, or none if any is not a number > 0.
inline std::vector<double> widths(const std::string& text) {
  std::vector<double> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const auto w = parse_number(text.substr(start, comma - start));
    if (!w || !(*w > 0)) return {};
    out.push_back(*w);
    start = comma + 1;
  }
  return out;
}

}  // namespace detail

/// The whole program: parses argv, runs the feature and the sweep, writes the outputs.
inline int run_feature_program(int argc, char** argv, const char* program, const std::string& about,
                               const FeatureDefaults& d) {
  return exit_status(program, [&] {
    using namespace fabtwin;
    const bool hole = d.feature == etch::Feature::hole;
    detail::FeatureOptions o{d.opening, d.pitch, d.mask_thickness, d.taper_deg, d.grid, d.time_s,
                             d.rays,    0,       d.arde,           d.out,       {}};
    Cli cli(program, about);
    cli.number("--opening", "NM",
               hole ? "the main hole's diameter at the mask's bottom"
                    : "the main trench's width at the mask's bottom",
               o.opening, {.what = "a width", .unit = "nm", .above = 0})
        .number("--pitch", "NM", "period across the reflective sides", o.pitch,
                {.what = "a pitch", .unit = "nm", .above = 0})
        .number("--mask-thickness", "NM", "hard mask thickness", o.mask_thickness,
                {.what = "a thickness", .unit = "nm", .at_least = 0})
        .number("--mask-taper-deg", "D", "mask sidewall taper", o.taper_deg,
                {.what = "a taper", .unit = "deg", .above = -45, .below = 45})
        .number("--grid", "NM", "cell size", o.grid,
                {.what = "a cell size", .unit = "nm", .above = 0})
        .number("--time", "S", "etch time", o.time_s,
                {.what = "an etch time", .unit = "s", .above = 0})
        .count("--rays-per-point", "N", "Monte Carlo rays per surface point", o.rays, "a ray count")
        .text("--arde-openings", "NM,...", "other openings for the ARDE curve", o.arde,
              "widths > 0 nm separated by commas",
              [](const std::string& text) { return !detail::widths(text).empty(); })
        .texts("--param", "NAME=VALUE", "an SF6/O2 parameter (etch_profile --help lists them)",
               o.parameters, "NAME=VALUE")
        .count("--threads", "N", "OpenMP threads of a run on the host", o.threads, "a thread count")
        .shown_default("all")
        .flag("--whole-pitch",
              "simulate the whole pitch (by default a pitch of an even number of cells is "
              "simulated on one side of the mirror-symmetric feature's axis: half the rays)",
              o.whole_pitch)
        .path("--out", "DIR", "folder for the outputs", o.out, PathKind::output);
    if (cli.parse(argc, argv) == Cli::Parsed::help) return 0;
    const auto run_for = [&](double opening) {
      EtchRun run;
      run.spec.feature = d.feature;
      run.spec.dimension = d.dimension;
      run.spec.opening_nm = opening;
      run.spec.pitch_nm = o.pitch;
      run.spec.mask_thickness_nm = o.mask_thickness;
      run.spec.mask_taper_deg = o.taper_deg;
      run.spec.grid_nm = o.grid;
      run.model = "sf6o2";
      run.parameters = o.parameters;
      run.time_s = o.time_s;
      run.rays_per_point = o.rays;
      run.threads = o.threads;
      run.mirror = !o.whole_pitch;
      return run;
    };
    std::vector<EtchRun> runs{run_for(o.opening)};
    for (double w : detail::widths(o.arde)) runs.push_back(run_for(w));
    for (const auto& run : runs) etch::check(run.spec);  // every width before any work
    make_etch_model(runs.front());
    start_outputs(o.out);
    EtchResult result = run_feature_example(runs.front(), o.out, program);
    io::json::Value arde = io::json::Value::array();
    const auto point = [](double opening, const metrology::EtchProfile& p) {
      io::json::Value v = io::json::Value::object();
      v["opening_nm"] = opening;
      v["depth_nm"] = p.depth_nm;
      v["mid_cd_nm"] = p.mid_cd_nm;
      v["sidewall_angle_deg"] = p.sidewall_angle_deg;
      return v;
    };
    arde.push_back(point(o.opening, result.profile));
    for (std::size_t k = 1; k < runs.size(); ++k) {
      std::fprintf(stderr, "%s: ARDE, opening %g nm\n", program, runs[k].spec.opening_nm);
      arde.push_back(point(runs[k].spec.opening_nm, measure_feature(runs[k])));
    }
    result.summary["arde"] = arde;
    result.summary["opening_nm"] = o.opening;
    result.summary["pitch_nm"] = o.pitch;
    result.summary["time_s"] = o.time_s;
    result.summary["completed"] = true;
    finish_outputs(o.out, result.summary);
    std::fprintf(stderr, "%s: pictures and files in %s (profile.png, etch.vti)\n", program,
                 o.out.c_str());
    return 0;
  });
}

}  // namespace examples
