// From the aerial image to the developed resist profile: a line/space mask imaged through SOCS
// kernels generated from the optics, Dill exposure through the resist depth, the post-exposure bake
// (acid-quencher reaction-diffusion with deprotection, the Sentaurus parameter set of physics.md),
// Mack development as the arrival time of the developer from the top, and the profile's CDs and
// sidewall angle.
//
// Usage: peb [--pattern lines:PITCH:CD] [--field NM] [--pitch NM] [--thickness NM] [--dz NM]
//            [--dose MJ_CM2] [--bake-s S] [--temperature C] [--step S] [--develop-s S]
//            [--plate-tilt K] [--out DIR]   (--help lists what each accepts)
// Defaults: clear 45 nm lines on a 90 nm pitch, 180 nm field, 2 nm pixels, 80 nm of resist in 1 nm
// layers (the Sentaurus grid 2 x 2 x 1 nm); 193 nm, NA 1.35, water, annular 0.6-0.9, up to 24 kernels;
// dose 30 mJ/cm^2, Dill C 0.043 cm^2/mJ, B 1.1 /um; bake 90 s at 110 C in steps of 1 s; Mack
// R_max 40 nm/s, R_min 0.0003 nm/s, M_th 0.5, n 30, developed 60 s; out/peb.
// --plate-tilt K bakes on a hotplate whose temperature rises linearly by K across x (from -K/2 to
// +K/2 about --temperature) with the temperature-map bake (implicit diffusion, no-flux walls:
// the pattern is mirror-symmetric about the field's edges).
// The Sentaurus set holds at 110 C; --temperature and the tilt move every diffusivity and rate
// from there by Arrhenius (resist::sentaurus_peb_model: 19.65 kcal/mol for both diffusivities and
// the neutralisation, 21 kcal/mol for the deprotection, about 7 % per K each).
//
// Output: aerial.png (top view), acid_xz.png, inhibitor_xz.png, profile_xz.png (x-z cross-sections
// through the field centre, the developed region dark and the resist light), resist_xz.npy (that
// developed section for examples/etch_resist, the litho-to-etch hand-off), resist.npy (the whole
// developed film, layer 0 its bottom, for a 3D etch_resist), peb.vti (exposed
// acid, acid after the bake, inhibitor, development arrival time; open in ParaView), summary.json
// (CD of the developed opening at the top, middle and bottom of the film and of the latent one,
// where the inhibitor falls below 0.5; sidewall angle; the top CD of every feature across the
// field; both openings' sensitivity to the bake temperature in nm/K from two more bakes at
// --temperature -1 K and +1 K, and their CDs; the space; timings).
// Progress of the bake goes to stderr. The imaging, exposure, bake and development rate run on the
// GPU when compiled by nvcc and one is present, else on the host; kernel generation (Eigen), the
// development front (fast marching) and the measurements are host work either way.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/io.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/metrology/profile.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/resist.hpp"
#include "fabtwin/thermal.hpp"
#include "support/cli.hpp"
#include "support/host_kernels.hpp"
#include "support/outputs.hpp"
#include "support/patterns.hpp"
#include "support/space.hpp"

namespace {

using namespace fabtwin;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string pattern = "lines:90:45", out = "out/peb";
  double field_nm = 180, pitch_nm = 2, thickness_nm = 80, dz_nm = 1, dose = 30, bake_s = 90,
         celsius = 110, step_s = 1, develop_s = 60, plate_tilt_k = 0;
};

examples::Cli command_line(Options& o) {
  examples::Cli cli(
      "peb",
      "A line/space mask imaged through SOCS kernels, Dill exposure through the film, the post-exposure\n"
      "bake (Sentaurus set), Mack development and the profile's CDs and sidewall angle. Writes\n"
      "aerial.png, acid_xz.png, inhibitor_xz.png, profile_xz.png, peb.vti and, last, summary.json.");
  cli.text("--pattern", "SPEC", "clear lines on a pitch", o.pattern,
           "lines:PITCH:CD, PITCH > CD > 0 nm",
           [](const std::string& text) {
             const auto p = examples::read_pattern(text);
             return p && p->kind == "lines";
           })
      .number("--field", "NM", "side of the periodic field", o.field_nm,
              {.what = "a field side", .unit = "nm", .above = 0})
      .number("--pitch", "NM", "pixel pitch", o.pitch_nm,
              {.what = "a pixel pitch", .unit = "nm", .above = 0})
      .number("--thickness", "NM", "resist thickness", o.thickness_nm,
              {.what = "a resist thickness", .unit = "nm", .above = 0})
      .number("--dz", "NM", "layer thickness through the film", o.dz_nm,
              {.what = "a layer thickness", .unit = "nm", .above = 0})
      .number("--dose", "MJ_CM2", "exposure dose", o.dose,
              {.what = "a dose", .unit = "mJ/cm^2", .above = 0})
      .number("--bake-s", "S", "bake time", o.bake_s,
              {.what = "a bake time", .unit = "s", .above = 0})
      .number("--temperature", "C", "hotplate temperature", o.celsius,
              {.what = "a hotplate temperature", .unit = "C", .above = -273.15})
      .number("--step", "S", "the longest bake step", o.step_s,
              {.what = "a bake step", .unit = "s", .above = 0})
      .number("--develop-s", "S", "development time", o.develop_s,
              {.what = "a development time", .unit = "s", .above = 0})
      .number("--plate-tilt", "K",
              "hotplate temperature rise across x, baked with the temperature map", o.plate_tilt_k,
              {.what = "a temperature rise", .unit = "K"})
      .path("--out", "DIR", "output folder", o.out, examples::PathKind::output);
  return cli;
}

/// What the options accept together (the single options were checked by the parser).
void check(const examples::Cli& cli, const Options& o) {
  using fabtwin::describe;
  const double pixels = o.field_nm / o.pitch_nm, layers = o.thickness_nm / o.dz_nm;
  if (pixels < 8 || std::fabs(pixels - std::round(pixels)) > 1e-9 * pixels)
    cli.refuse("--field", "at least 8 whole --pitch " + describe(o.pitch_nm) + " nm pixels");
  if (!examples::fits(examples::parse_pattern(o.pattern), o.field_nm))
    cli.refuse("--field", "a whole number of the periods of --pattern " + o.pattern);
  if (layers < 2 || std::fabs(layers - std::round(layers)) > 1e-9 * layers)
    cli.refuse("--thickness", "at least 2 whole --dz " + describe(o.dz_nm) + " nm layers");
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The x-z plane through y = ny / 2 of a 3D field, each sample repeated to square pixels of the
/// finer of the two pitches so that the picture keeps the film's proportions.
template <class T>
Field<float, Host> cross_section(const Field<T, Host>& volume) {
  const Grid& g = volume.grid();
  const double fine = std::min(g.pitch().x, g.pitch().z);
  const index_t rx = index_t(std::lround(g.pitch().x / fine)),
                rz = index_t(std::lround(g.pitch().z / fine));
  Field<float, Host> picture(Grid(g.nx() * rx, g.nz() * rz, fine));
  const index_t y = g.ny() / 2, width = g.nx() * rx, height = g.nz() * rz;
  for (index_t row = 0; row < height; ++row)
    for (index_t col = 0; col < width; ++col) {
      // Picture rows run upward (y up in PNGs), depth downward: row 0 is the bottom of the film.
      const index_t z = g.nz() - 1 - row / rz, x = col / rx;
      picture.data()[col + width * row] = float(volume.data()[x + g.nx() * (y + g.ny() * z)]);
    }
  return picture;
}

/// A cross-section magnified to at least 400 pixels across, so that the film's 80 nm can be read.
void write_section(const std::string& path, const Field<float, Host>& section,
                   std::optional<io::ValueRange> range, const std::string& title,
                   const std::string& value_label) {
  io::write_png(path,
                io::render_field(section, {.range = range,
                                           .colormap = io::Colormap::viridis,
                                           .scale_bar = true,
                                           .length_bar = true,
                                           .title = title,
                                           .value_label = value_label,
                                           .magnify = io::magnification_for(section.grid(), 400)}));
}

template <class Space>
int run(const Options& o) {
  const auto start = Clock::now();
  examples::start_outputs(o.out);
  const std::string out = o.out + "/";
  const index_t n = index_t(std::llround(o.field_nm / o.pitch_nm));
  const index_t nz = index_t(std::llround(o.thickness_nm / o.dz_nm));
  Context<Space> ctx;
  io::json::Value summary = io::json::Value::object();

  // 1. Aerial image of the mask (anti-aliased area coverage, pixel centres at (i + 1/2) pitch).
  const examples::Pattern pattern = examples::parse_pattern(o.pattern);
  const Grid image_grid(n, n, o.pitch_nm, {o.pitch_nm / 2, o.pitch_nm / 2, 0});
  const Field<float, Space> mask =
      layout::rasterize_area<float>(ctx, examples::draw_pattern(pattern, o.field_nm), image_grid);
  const optics::OpticalSystem scanner;
  const optics::Source source = optics::Source::annular(0.6, 0.9);
  // 24 kernels, or all of them when a small field holds fewer frequencies (180 nm holds 21).
  const support::KernelRequest socs{
      .period_nm = o.field_nm,
      .count = std::min<index_t>(24, support::tcc_frequencies(scanner, source, o.field_nm)),
      .source_step = 0.05};
  const optics::KernelSet kernels = support::generate_kernels(scanner, source, socs);
  optics::SocsImager<float, Space> imager(ctx, image_grid, {kernels});
  const optics::Condition nominal{};
  const Field<float, Space> image = imager.image(ctx, mask, std::span(&nominal, 1));
  summary["image_seconds"] = seconds_since(start);

  // 2. Exposure through the film: layer k at depth (k + 1/2) dz below the top.
  const Grid film = Grid::volume(n, n, nz, {o.pitch_nm, o.pitch_nm, o.dz_nm},
                                 {o.pitch_nm / 2, o.pitch_nm / 2, o.dz_nm / 2});
  Field<float, Space> acid(film);
  resist::DillParameters dill{o.dose, 0.043, resist::DillParameters::alpha_from_dill_b(1.1)};
  resist::expose(ctx, image, dill, acid);

  // 3. Post-exposure bake: periodic across the lines (or no flux under a tilted plate), no flux at
  // the top and the substrate. The Sentaurus set holds at 110 C; a bake at --temperature moves
  // every diffusivity and rate from there by Arrhenius.
  const auto bake_start = Clock::now();
  const resist::PebModel model = resist::sentaurus_peb_model();
  const auto progress = [](index_t done, index_t all) {
    if (done % 10 == 0 || done == all)
      std::fprintf(stderr, "peb: bake step %lld of %lld\n", (long long)done, (long long)all);
  };
  Field<float, Host> host_tilt(image_grid);
  for (index_t j = 0; j < n; ++j)
    for (index_t i = 0; i < n; ++i)
      host_tilt.data()[i + n * j] = float(o.plate_tilt_k * ((double(i) + 0.5) / double(n) - 0.5));
  const Field<float, Space> tilt = to<Space>(host_tilt);
  const thermal::Boundaries walls{thermal::Boundary::periodic, thermal::Boundary::periodic,
                                  thermal::Boundary::mirror};
  const auto bake_at = [&](double celsius, const resist::PebProgress& report) {
    const auto history =
        thermal::TemperatureHistory::constant(thermal::celsius_to_kelvin(celsius), o.bake_s);
    return o.plate_tilt_k == 0
               ? resist::bake(ctx, acid, model, history, o.step_s, walls, report)
               : resist::bake(ctx, acid, model, history, resist::TemperatureMap<float, Space>{tilt},
                              o.step_s, {.progress = report});
  };
  const auto baked = bake_at(o.celsius, progress);
  const Field<float, Space> inhibitor = resist::inhibitor(ctx, baked);
  summary["bake_seconds"] = seconds_since(bake_start);

  // 4. Development: Mack rate, then the developer's arrival time from the top (fast marching,
  // sequential: on the host).
  const auto develop_start = Clock::now();
  const resist::MackParameters mack{40, 0.0003, 0.5, 30};
  const auto develop = [&](const Field<float, Space>& protected_fraction) {
    Field<float, Space> rate(film);
    resist::development_rate(ctx, protected_fraction, mack.rate<float>(), rate);
    return resist::arrival_time_from_top(to<Host>(rate));
  };
  const Field<double, Host> arrival = develop(inhibitor);
  summary["develop_seconds"] = seconds_since(develop_start);

  // 5. The developed opening of the central line at three depths, and its sidewall angle between
  // a quarter and three quarters of the film.
  // The cut spans the period less a pixel at each end, so that it stays inside the sampled hull
  // even for a feature next to the field's edge.
  const double centre = pattern.centre(o.field_nm), y = o.field_nm / 2,
               half = pattern.period / 2 - o.pitch_nm;
  const metrology::CutLine cut{{centre - half, y}, {centre + half, y}};
  const std::array<double, 3> fractions{0.0, 0.5, 1.0};  // top, middle, bottom of the film
  const std::array<const char*, 3> level{"top", "middle", "bottom"};
  const auto depth_at = [&](double fraction) {
    return o.dz_nm / 2 + fraction * (o.thickness_nm - o.dz_nm);
  };
  // At each depth the developed opening (arrival before --develop-s) and the latent one (the
  // inhibitor below Mack's M_th). With n = 30 the development rate falls by orders of magnitude
  // from one 2 nm pixel to the next at the wall, so the arrival time jumps there (0.2 s to 1600 s
  // at the top) and the developed edge stays by a pixel centre, moving in pixel steps as the bake
  // changes; the latent edge moves continuously.
  struct OpeningCds {
    std::array<metrology::CdResult, 3> developed, latent;
  };
  const auto opening_cds = [&](const Field<double, Host>& times,
                               const Field<float, Host>& protected_fraction) {
    Field<double, Host> m(film);
    std::copy(protected_fraction.data(), protected_fraction.data() + film.size(), m.data());
    OpeningCds result;
    for (std::size_t k = 0; k < fractions.size(); ++k) {
      result.developed[k] = metrology::profile_cd(times, o.develop_s, cut, depth_at(fractions[k]),
                                                  metrology::Tone::space);
      const Field<double, Host> slice =
          resist::arrival_at_depth(m, depth_at(fractions[k]));  // any field by depth
      result.latent[k] = metrology::measure_cd(slice.cview(), slice.grid(), cut, mack.m_th,
                                               metrology::Tone::space);
    }
    return result;
  };
  const Field<float, Host> host_inhibitor = to<Host>(inhibitor);
  const OpeningCds nominal_cds = opening_cds(arrival, host_inhibitor);
  io::json::Value cds = io::json::Value::array();
  for (std::size_t k = 0; k < fractions.size(); ++k) {
    io::json::Value entry = io::json::Value::object();
    entry["depth_nm"] = depth_at(fractions[k]);
    entry["status"] = std::string(metrology::describe(nominal_cds.developed[k].status));
    if (nominal_cds.developed[k].ok()) entry["cd_nm"] = nominal_cds.developed[k].cd_nm;
    if (nominal_cds.latent[k].ok()) entry["latent_cd_nm"] = nominal_cds.latent[k].cd_nm;
    cds.push_back(entry);
  }
  summary["opening_cd"] = cds;
  // The top CD of every feature across the field (a tilted plate makes them differ).
  io::json::Value per_feature = io::json::Value::array();
  for (double x = pattern.period / 2; x < o.field_nm; x += pattern.period) {
    const metrology::CutLine across{{x - half, y}, {x + half, y}};
    const metrology::CdResult cd =
        metrology::profile_cd(arrival, o.develop_s, across, o.dz_nm / 2, metrology::Tone::space);
    io::json::Value entry = io::json::Value::object();
    entry["centre_nm"] = x;
    if (cd.ok())
      entry["top_cd_nm"] = cd.cd_nm;
    else
      entry["status"] = std::string(metrology::describe(cd.status));
    per_feature.push_back(entry);
  }
  summary["top_cd_per_feature"] = per_feature;
  const metrology::SidewallAngle angle =
      metrology::sidewall_angle(arrival, o.develop_s, cut, o.thickness_nm / 4,
                                3 * o.thickness_nm / 4, metrology::Tone::space);
  if (angle.ok()) summary["sidewall_angle_deg"] = angle.degrees;

  // The opening CDs' sensitivity to the bake temperature: the same bake and development at
  // T ± 1 K, dCD/dT by the central difference (error O(1 K^2) times the third derivative). A hotter
  // bake deprotects more, so the openings grow: positive values. The developed CDs' difference is
  // that of pixel-stepped edges (above): near zero, or a pixel step spread over 2 K; the latent
  // CDs' is the bake's own.
  const auto sweep_start = Clock::now();
  constexpr double step_k = 1.0;
  const std::array<double, 2> sweep{o.celsius - step_k, o.celsius + step_k};
  std::array<OpeningCds, 2> swept;
  io::json::Value at_temperature = io::json::Value::array();
  const auto cd_or_status = [](const metrology::CdResult& cd) {
    return cd.ok() ? io::json::Value(cd.cd_nm)
                   : io::json::Value(std::string(metrology::describe(cd.status)));
  };
  for (std::size_t s = 0; s < sweep.size(); ++s) {
    std::fprintf(stderr, "peb: bake at %g C for the temperature sensitivity\n", sweep[s]);
    const Field<float, Space> m = resist::inhibitor(ctx, bake_at(sweep[s], {}));
    swept[s] = opening_cds(develop(m), to<Host>(m));
    io::json::Value entry = io::json::Value::object();
    entry["celsius"] = sweep[s];
    for (std::size_t k = 0; k < fractions.size(); ++k) {
      entry["cd_nm"].push_back(cd_or_status(swept[s].developed[k]));
      entry["latent_cd_nm"].push_back(cd_or_status(swept[s].latent[k]));
    }
    at_temperature.push_back(entry);
  }
  const auto per_kelvin = [&](auto member) {
    io::json::Value out_k = io::json::Value::object();
    for (std::size_t k = 0; k < fractions.size(); ++k) {
      const metrology::CdResult &cold = (swept[0].*member)[k], &hot = (swept[1].*member)[k];
      if (cold.ok() && hot.ok())
        out_k[level[k]] = (hot.cd_nm - cold.cd_nm) / (2 * step_k);
      else
        out_k[level[k]] = cd_or_status(cold.ok() ? hot : cold);
    }
    return out_k;
  };
  summary["cd_per_kelvin_nm"] = per_kelvin(&OpeningCds::developed);
  summary["latent_cd_per_kelvin_nm"] = per_kelvin(&OpeningCds::latent);
  summary["cd_at_temperature"] = at_temperature;
  summary["sensitivity_seconds"] = seconds_since(sweep_start);
  summary["pattern"] = o.pattern;
  summary["dose_mj_cm2"] = o.dose;
  summary["bake"] = std::to_string(o.bake_s) + " s at " + std::to_string(o.celsius) +
                    " C, steps of " + std::to_string(o.step_s) + " s";
  summary["plate_tilt_k"] = o.plate_tilt_k;
  summary["develop_s"] = o.develop_s;
  summary["space"] = std::string(Space::name);

  // 6. Pictures, the volume and the figures, on the host.
  const Field<float, Host> host_image = to<Host>(image), host_acid = to<Host>(acid),
                           host_baked_acid = to<Host>(baked.acid);
  io::write_png(
      out + "aerial.png",
      io::render_field(host_image, {.range = std::nullopt,
                                    .colormap = io::Colormap::viridis,
                                    .scale_bar = true,
                                    .length_bar = true,
                                    .title = "aerial image",
                                    .value_label = "intensity",
                                    .magnify = io::magnification_for(image.grid(), 400)}));
  write_section(out + "acid_xz.png", cross_section(host_acid), io::ValueRange{0, 1},
                "exposed acid, x-z section", "acid A0");
  write_section(out + "inhibitor_xz.png", cross_section(host_inhibitor), io::ValueRange{0, 1},
                "inhibitor after the bake, x-z section", "inhibitor M");
  Field<double, Host> resist_left(film);
  for (index_t i = 0; i < film.size(); ++i)
    resist_left.data()[i] = arrival.data()[i] < o.develop_s ? 0.0 : 1.0;
  const Field<float, Host> resist_xz = cross_section(resist_left);
  write_section(out + "profile_xz.png", resist_xz, io::ValueRange{0, 1},
                "developed profile, x-z section", "resist left");
  // The hand-off to the etch (examples/etch_resist): that section, row 0 the film's bottom.
  io::write_npy(out + "resist_xz.npy", resist_xz.data(),
                {resist_xz.grid().ny(), resist_xz.grid().nx()});
  summary["resist_xz_pitch_nm"] = resist_xz.grid().pitch().x;
  // ... and the whole developed film (layers x ny x nx, layer 0 the film's bottom) for a 3D etch.
  {
    const Grid& g = resist_left.grid();
    std::vector<float> film_bottom_up(std::size_t(g.size()));
    for (index_t z = 0; z < g.nz(); ++z)
      for (index_t i = 0; i < g.nx() * g.ny(); ++i)
        film_bottom_up[std::size_t(i + g.nx() * g.ny() * (g.nz() - 1 - z))] =
            float(resist_left.data()[i + g.nx() * g.ny() * z]);
    io::write_npy(out + "resist.npy", film_bottom_up.data(), {g.nz(), g.ny(), g.nx()});
    summary["resist_pitch_nm"] = g.pitch().x;
    summary["resist_layer_nm"] = g.pitch().z;
  }
  io::VtiFile(film)
      .add("exposed_acid", host_acid)
      .add("acid_after_bake", host_baked_acid)
      .add("inhibitor", host_inhibitor)
      .add("arrival_s", arrival)
      .write(out + "peb.vti");
  summary["seconds"] = seconds_since(start);
  summary["completed"] = true;
  examples::finish_outputs(o.out,
                           summary);  // stdout, then summary.json last: a failed run leaves none
  std::fprintf(
      stderr,
      "peb: pictures in %s (aerial.png, acid_xz.png, inhibitor_xz.png, profile_xz.png), peb.vti\n",
      o.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("peb", [&] {
    Options options;
    examples::Cli cli = command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    check(cli, options);
    return examples::on_best_space([&](auto space) { return run<decltype(space)>(options); });
  });
}
