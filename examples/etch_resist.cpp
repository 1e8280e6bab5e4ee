// The litho-to-etch hand-off: the developed resist profile that examples/peb writes becomes the
// mask of an etch into silicon (SF6/O2 with the resist mask's sputter set by default), and the
// etched profile's figures are measured at the widest opening. Either the x-z cross-section
// through the field's centre (resist_xz.npy: rows x columns, 1 where resist is left, row 0 the
// film's bottom, square pixels), etched as a 2D cross-section, or the whole developed film
// (resist.npy: layers x rows x columns, layer 0 the film's bottom), etched in 3D and measured at
// the largest opening.
//
// Usage: etch_resist --profile FILE.npy [--pitch NM] [--layer NM] [--grid NM] --time S
//                    [--model isotropic|directional|sf6o2] [--param NAME=VALUE ...]
//                    [--rays-per-point N] [--seed N] [--threads N] --out DIR
// Output: as etch_profile (summary.json, profile.png, phi.npy, material.npy, etch.vti,
// surface.vtp, profile.vtp), the opening's position in the summary.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "fabtwin/io/npy.hpp"
#include "support/cli.hpp"
#include "support/etch_run.hpp"
#include "support/outputs.hpp"

namespace {

struct Options {
  std::string profile, out;
  double pitch = 1, layer = 0, grid = 2;
  examples::EtchRun run = [] {  // the model, its parameters, the time and the rays
    examples::EtchRun defaults;
    defaults.time_s = 0;          // required
    defaults.resist_mask = true;  // the mask is the resist film
    return defaults;
  }();
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "etch_resist",
      "The developed resist profile of examples/peb etched into silicon: the litho-to-etch\n"
      "hand-off, a cross-section in 2D (resist_xz.npy) or the whole film in 3D (resist.npy).\n"
      "Writes what etch_profile writes and, last, summary.json.");
  cli.path("--profile", "FILE",
           "resist_xz.npy from peb (rows x columns) or resist.npy (layers x rows x columns), 1 "
           "where resist is left, the first row or layer the film's bottom",
           o.profile, examples::PathKind::file)
      .required()
      .number("--pitch", "NM", "the profile's lateral pixel pitch", o.pitch,
              {.what = "a pixel pitch", .unit = "nm", .above = 0})
      .number("--layer", "NM", "the pitch of a 3D profile's layers (peb's --dz)", o.layer,
              {.what = "a layer pitch", .unit = "nm", .above = 0})
      .shown_default("--pitch")
      .number("--grid", "NM", "etch cell size", o.grid,
              {.what = "a cell size", .unit = "nm", .above = 0})
      .number("--time", "S", "etch time", o.run.time_s,
              {.what = "an etch time", .unit = "s", .above = 0})
      .required()
      .choice("--model", "the surface kinetics", o.run.model,
              {{"isotropic", std::string("isotropic")},
               {"directional", std::string("directional")},
               {"sf6o2", std::string("sf6o2")}})
      .texts("--param", "NAME=VALUE", "a model parameter (etch_profile --help lists them)",
             o.run.parameters, "NAME=VALUE")
      .count("--rays-per-point", "N", "Monte Carlo rays per surface point", o.run.rays_per_point,
             "a ray count")
      .count("--seed", "N", "seed of the counter-based random streams", o.run.seed, "a seed")
      .count("--threads", "N", "OpenMP threads of a run on the host", o.run.threads,
             "a thread count")
      .shown_default("all")
      .path("--out", "DIR", "folder for the outputs", o.out, examples::PathKind::output)
      .required();
  return cli;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("etch_resist", [&] {
    using namespace fabtwin;
    Options o;
    examples::Cli cli = command_line(o);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    const examples::EtchRun& run = o.run;
    const examples::EtchModel model =
        examples::make_etch_model(run);  // refuse bad parameters first
    const io::NpyArray<float> array = io::read_npy<float>(o.profile);
    const std::size_t rank = array.shape.size();
    require(rank == 2 || rank == 3, "etch_resist", "--profile shape", rank,
            "a 2D array (rows x columns) or a 3D one (layers x rows x columns)");
    etch::ResistProfile profile{std::vector<double>(array.data.begin(), array.data.end()),
                                array.shape[rank - 1],
                                array.shape[0],
                                o.pitch,
                                rank == 3 ? array.shape[1] : 1,
                                rank == 3 ? o.layer : 0.0};
    Context<Host> ctx;
    const double depth = examples::fastest_rate_nm_s(model) * run.time_s + 10 * o.grid;
    examples::require_memory(etch::resist_lattice(profile, o.grid, depth), false, "etch_resist");
    auto domain = etch::make_resist_domain<double>(ctx, profile, o.grid, depth);
    examples::start_outputs(o.out);
    // The mask is measured at the middle of the widest run of resist at the film's bottom, along
    // the row through the opening.
    const index_t row = std::clamp<index_t>(
        index_t(std::floor((domain.centre_y_nm + 0.5 * double(profile.ny) * o.pitch) / o.pitch)), 0,
        profile.ny - 1);
    const double* bottom = profile.resist.data() + row * profile.nx;
    index_t best_start = 0, best_length = 0;
    for (index_t i = 0; i < profile.nx;) {
      index_t j = i;
      while (j < profile.nx && bottom[j] >= 0.5) ++j;
      if (j - i > best_length) best_length = j - i, best_start = i;
      i = j + 1;
    }
    const double mask_x = (double(best_start) + 0.5 * double(best_length)) * o.pitch -
                          0.5 * double(profile.nx) * o.pitch;
    examples::EtchResult result =
        examples::run_etch_example(run, domain, mask_x, o.out, "etch_resist");
    result.summary["profile"] = o.profile;
    result.summary["opening_x_nm"] = domain.centre_x_nm;
    result.summary["opening_y_nm"] = domain.centre_y_nm;
    result.summary["dimension"] = rank == 3 ? 3 : 2;
    result.summary["film_nm"] = double(profile.rows) * profile.layer();
    result.summary["time_s"] = run.time_s;
    result.summary["completed"] = true;
    examples::finish_outputs(o.out, result.summary);
    std::fprintf(stderr, "etch_resist: pictures and files in %s (profile.png, etch.vti)\n",
                 o.out.c_str());
    return 0;
  });
}
