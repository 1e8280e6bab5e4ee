// A feature-scale plasma etch through a mask, from the command line scripts drive: a trench (2D
// cross-section or 3D) or a hole (3D) opened in a resist or hard mask on silicon, etched by an
// isotropic, a directional or the SF6/O2 ion-enhanced model (Belen et al. 2005, physics.md's
// default set; --param sets any parameter by name), and the profile's figures.
//
// Usage: etch_profile --geometry trench|hole --opening NM --pitch NM --mask-thickness NM
//                     [--mask-taper-deg D] [--mask-material resist|hard] [--dim 2|3] [--grid NM]
//                     --time S --model isotropic|directional|sf6o2 [--param NAME=VALUE ...]
//                     [--rays-per-point N] [--seed N] [--ion-bounces N] [--whole-pitch] [--threads N]
//                     [--sensitivity NAME ...] [--sensitivity-step S] --out DIR
// The opening is the width (trench) or diameter (hole) at the mask's bottom; the pitch is the
// period across the domain's reflective sides. A pitch of an even number of cells is simulated on
// one side of the feature's axis, a mirror (etch::FeatureSpec::mirrored): the same array for half
// the rays (a quarter in 3D); --whole-pitch simulates all of it. The files show the whole pitch.
//
// Output: one JSON object on stdout (also DIR/summary.json, written last): depth_nm at the axis
// from the substrate's original top, top/mid/bottom CD (at 10, 50 and 90 % of the depth), sidewall
// angle, bowing, mask remaining, steps, seconds, ray_segments_per_s, the Monte Carlo error of the
// neutral flux, every parameter's value, the figures' derivatives with respect to each --sensitivity
// parameter by central differences; DIR/profile.png, phi.npy, material.npy, etch.vti,
// surface.vtp (and profile.vtp in 2D). Progress goes to stderr. Built by a CUDA preset, the run
// goes to the GPU where there is one ("space" in the JSON: host or cuda; --threads is the host's).

#include <cstdio>
#include <string>
#include <vector>

#include "support/cli.hpp"
#include "support/etch_run.hpp"
#include "support/outputs.hpp"

namespace {

struct Options {
  examples::EtchRun run = [] {  // the feature, the model, its parameters, the time and the rays
    examples::EtchRun defaults;
    defaults.time_s = 0;  // required
    defaults.model.clear();
    return defaults;
  }();
  bool whole_pitch = false;
  std::string out;
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "etch_profile",
      "A trench or hole etched through a mask into silicon by an isotropic, a directional or the\n"
      "SF6/O2 ion-enhanced model (fluxes ray-traced through the level set), and the profile's\n"
      "figures. Writes profile.png, phi.npy, material.npy, etch.vti, surface.vtp (and profile.vtp\n"
      "in 2D) and, last, summary.json.");
  const auto positive = [](const char* what, const char* unit) {
    return examples::NumberRule{.what = what, .unit = unit, .above = 0};
  };
  using fabtwin::etch::Feature;
  examples::EtchRun& run = o.run;
  fabtwin::etch::FeatureSpec& spec = run.spec;
  cli.choice("--geometry", "the feature opened in the mask", spec.feature,
             {{"trench", Feature::trench}, {"hole", Feature::hole}})
      .number("--opening", "NM", "width (trench) or diameter (hole) at the mask's bottom",
              spec.opening_nm, positive("a width", "nm"))
      .required()
      .number("--pitch", "NM", "period across the reflective sides", spec.pitch_nm,
              positive("a pitch", "nm"))
      .required()
      .number("--mask-thickness", "NM", "mask thickness", spec.mask_thickness_nm,
              examples::NumberRule{.what = "a thickness", .unit = "nm", .at_least = 0})
      .required()
      .number("--mask-taper-deg", "D", "mask sidewall taper (the opening widens upwards)",
              spec.mask_taper_deg,
              examples::NumberRule{.what = "a taper", .unit = "deg", .above = -45, .below = 45})
      .choice("--mask-material", "resist (polymer) or hard mask (sf6o2: their sputter sets)",
              run.resist_mask, {{"resist", true}, {"hard", false}})
      .number("--stop-depth", "NM",
              "a stop layer from this depth below the substrate's top down (the isotropic "
              "model's stop_rate_nm_s; the others do not etch it)",
              spec.stop_depth_nm, positive("a depth", "nm"))
      .shown_default("none")
      .choice("--dim", "2: an x-z cross-section; 3: a volume", spec.dimension, {{"2", 2}, {"3", 3}})
      .number("--grid", "NM", "cell size", spec.grid_nm, positive("a cell size", "nm"))
      .number("--time", "S", "etch time", run.time_s, positive("an etch time", "s"))
      .required()
      .choice("--model", "the surface kinetics", run.model,
              {{"isotropic", std::string("isotropic")},
               {"directional", std::string("directional")},
               {"sf6o2", std::string("sf6o2")}})
      .required()
      .texts("--param", "NAME=VALUE", "a model parameter: " + examples::etch_parameter_help(),
             run.parameters, "NAME=VALUE")
      .count("--rays-per-point", "N", "Monte Carlo rays per surface point (re-emitted neutrals)",
             run.rays_per_point, "a ray count")
      .count("--seed", "N", "seed of the counter-based random streams", run.seed, "a seed")
      .count("--ion-bounces", "N",
             "reflections an ion may make before it lands (1: the ions reflected once)",
             run.ion_bounces, "a reflection count")
      .flag("--whole-pitch",
            "simulate the whole pitch (by default a pitch of an even number of cells is simulated "
            "on one side of the mirror-symmetric feature's axis: half the rays, a quarter in 3D; "
            "the files show the whole pitch either way)",
            o.whole_pitch)
      .count("--threads", "N", "OpenMP threads of a run on the host", run.threads, "a thread count")
      .shown_default("all");
  examples::sensitivity_options(cli, run.sensitivities, run.sensitivity_step)
      .path("--out", "DIR", "folder for the outputs", o.out, examples::PathKind::output)
      .required();
  return cli;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("etch_profile", [&] {
    Options o;
    examples::Cli cli = command_line(o);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    examples::EtchRun& run = o.run;
    run.mirror = !o.whole_pitch;
    fabtwin::etch::check(run.spec);  // refuse a bad geometry before touching the folder
    examples::make_etch_model(run);  // ... and unknown parameters
    examples::start_outputs(o.out);
    examples::EtchResult result = examples::run_feature_example(run, o.out, "etch_profile");
    const fabtwin::etch::FeatureSpec& spec = run.spec;
    result.summary["geometry"] = spec.feature == fabtwin::etch::Feature::hole ? "hole" : "trench";
    result.summary["opening_nm"] = spec.opening_nm;
    result.summary["pitch_nm"] = spec.pitch_nm;
    result.summary["mask_thickness_nm"] = spec.mask_thickness_nm;
    result.summary["mask_taper_deg"] = spec.mask_taper_deg;
    result.summary["mask_material"] = run.resist_mask ? "resist" : "hard";
    result.summary["dim"] = spec.dimension;
    if (spec.stop_depth_nm > 0) result.summary["stop_depth_nm"] = spec.stop_depth_nm;
    result.summary["time_s"] = run.time_s;
    result.summary["completed"] = true;
    examples::finish_outputs(o.out, result.summary);
    std::fprintf(stderr,
                 "etch_profile: pictures and files in %s (profile.png, etch.vti, surface.vtp)\n",
                 o.out.c_str());
    return 0;
  });
}
