// Calibration of the twin's default chain to measured CDs, from the command line:
//   twin_calibrate simulate --truth TRUTH.json --sites SITES.json [--noise-nm S] [--seed N] > MEAS.json
//   twin_calibrate fit --measurements MEAS.json --free NAME,NAME,... [--start START.json] > FIT.json
// `simulate` prints the CDs the chain makes at the sites with the parameters of TRUTH (plus
// Gaussian noise); `fit` finds the free parameters that best reproduce measured CDs
// (twin::fit_cds: Levenberg-Marquardt, Jacobians from the chain's backward), with standard
// errors, correlations and warnings where the CDs cannot tell parameters apart. The chain is
// examples::DefaultTwin (support/default_twin.hpp; --help describes it). Each prints one JSON
// object on stdout, at the end, and progress on stderr; a failed run prints no JSON.
//
// TRUTH and START: {"name": value, ...} over the chain's named parameters (the rest at defaults).
// SITES: {"layout": FILE, "cell": NAME, "layer": "L/D", "window": [X0, Y0, X1, Y1], "pitch_nm": P,
//         "sites": [{"x0", "y0", "x1", "y1", "dose", "focus_nm"}, ...]}
// in the layout's own nm coordinates. FILE is a .gds (cell: the top cell by default; layer: 11/0
// by default) or an ICCAD-2013 .glp clip (window: the contest's 2048 nm canvas by default, in the
// clip's coordinates [-512, 1536]); a relative FILE is taken from the JSON file's folder. The
// window must be square (its side is the optics' period) and a whole number of pixels of
// pitch_nm (default 4). dose (default 1) is a factor on the dose, focus_nm (default 0) an offset
// from the chain's focus. MEAS is SITES with "cd_nm" added to each site, the layout's path made
// absolute, and what made it ("truth", "noise_nm", "seed").

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/io/json.hpp"
#include "fabtwin/io/json_read.hpp"
#include "fabtwin/layout/gdsii_reader.hpp"
#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/twin/cd_calibration.hpp"
#include "support/cli.hpp"
#include "support/default_twin.hpp"
#include "support/outputs.hpp"
#include "support/space.hpp"

namespace {

using namespace fabtwin;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using io::json::Value;

const char* const about =
    "Calibrates the twin's default chain to CDs.\n"
    "  twin_calibrate simulate --truth TRUTH.json --sites SITES.json [--noise-nm S] [--seed N]\n"
    "      prints MEAS.json: the sites with the CDs the chain prints under TRUTH, plus noise.\n"
    "  twin_calibrate fit --measurements MEAS.json --free NAME,NAME,... [--start START.json]\n"
    "      prints FIT.json: \"values\", \"std_errors\", \"correlation\", \"cd_rms_nm\" (after),\n"
    "      \"cd_rms_start_nm\", \"iterations\", \"warnings\" and each site's fitted CD; for\n"
    "      measurements from simulate, the fit's distance from the truth in standard errors.\n"
    "TRUTH/START: {\"name\": value, ...} over the chain's named parameters, the rest at defaults.\n"
    "SITES: {\"layout\": FILE (.gds or .glp; relative to the JSON's folder), \"cell\" (.gds: the top\n"
    "cell), \"layer\" (.gds: \"11/0\"), \"window\": [X0, Y0, X1, Y1] nm (square; .glp: the 2048 nm\n"
    "contest canvas, [-512, 1536] in clip coordinates), \"pitch_nm\" (4), \"sites\": [{\"x0\", \"y0\",\n"
    "\"x1\", \"y1\" (a cut line across a drawn line, layout nm), \"dose\" (factor, 1), \"focus_nm\"\n"
    "(offset, 0)}, ...]}. MEAS adds \"cd_nm\" per site.\n"
    "Focus: without aberrations CDs are even in focus, so focus_nm's derivative vanishes at 0 and a\n"
    "fit that frees it must start off 0, on the side expected (START.json).\n";

// ---- JSON inputs -----------------------------------------------------------------------------

/// The member `key` of `object`, which must be there ("FILE: key").
const Value& member(const Value& object, const std::string& key, const std::string& where) {
  const Value* v = object.find(key, where);
  if (!v)
    throw invalid_argument(argument_message("twin_calibrate", where + " " + key, "(missing)",
                                            "a member \"" + key + "\""));
  return *v;
}
double number_or(const Value& object, const std::string& key, double fallback,
                 const std::string& where) {
  const Value* v = object.find(key, where);
  return v ? v->number(where + " " + key) : fallback;
}

/// {"name": value, ...}
std::map<std::string, double> read_values(const std::string& path) {
  const Value doc = io::read_json(path);
  std::map<std::string, double> values;
  for (const std::string& key : doc.keys(path))
    values[key] = doc.find(key)->number(path + " " + key);
  return values;
}

struct Layout {
  std::string file;  // absolute
  std::string cell;
  layout::gdsii::LayerKey layer{11, 0};
  std::array<double, 4> window{};
  double pitch_nm = 4;
  bool glp = false;
};

struct Sites {
  Layout layout;
  std::vector<twin::CdSite> sites;
  std::vector<double> cd_nm;  // measured, when read from MEAS
  Value document;             // as read
};

Sites read_sites(const std::string& path, bool with_cds) {
  Sites out;
  out.document = io::read_json(path);
  const Value& doc = out.document;
  Layout& l = out.layout;
  fs::path file = member(doc, "layout", path).string(path + " layout");
  if (file.is_relative()) file = fs::path(path).parent_path() / file;
  l.file = fs::absolute(file).lexically_normal().string();
  l.glp = file.extension() == ".glp";
  if (const Value* cell = doc.find("cell")) l.cell = cell->string(path + " cell");
  if (const Value* layer = doc.find("layer")) {
    const std::string text = layer->string(path + " layer");
    const std::size_t slash = text.find('/');
    const auto a = examples::parse_whole(std::string_view(text).substr(0, slash), 65535);
    const auto b = slash == std::string::npos
                       ? std::nullopt
                       : examples::parse_whole(std::string_view(text).substr(slash + 1), 65535);
    if (!a || !b)
      throw invalid_argument(argument_message("twin_calibrate", path + " layer", text,
                                              "\"L/D\", each a whole number in 0..65535"));
    l.layer = {std::uint16_t(*a), std::uint16_t(*b)};
  }
  if (const Value* window = doc.find("window")) {
    std::size_t i = 0;
    for (const Value& v : window->items(path + " window")) {
      if (i < 4) l.window[i] = v.number(path + " window[" + std::to_string(i) + "]");
      ++i;
    }
    if (i != 4)
      throw invalid_argument(argument_message("twin_calibrate", path + " window",
                                              std::to_string(i) + " numbers",
                                              "[X0, Y0, X1, Y1] in nm"));
  } else if (l.glp) {
    l.window = {-512, -512, 1536, 1536};  // the contest canvas in clip coordinates
  } else {
    throw invalid_argument(argument_message("twin_calibrate", path + " window", "(missing)",
                                            "[X0, Y0, X1, Y1] in nm for a .gds layout"));
  }
  l.pitch_nm = number_or(doc, "pitch_nm", 4, path);
  const double side = l.window[2] - l.window[0];
  const auto refuse_window = [&](const std::string& expected) {
    throw invalid_argument(argument_message(
        "twin_calibrate", path + " window",
        "[" + describe(l.window[0]) + ", " + describe(l.window[1]) + ", " + describe(l.window[2]) +
            ", " + describe(l.window[3]) + "] at pitch_nm " + describe(l.pitch_nm),
        expected));
  };
  if (!(l.pitch_nm >= 0.5 && l.pitch_nm <= 32)) refuse_window("a pitch_nm from 0.5 to 32");
  if (!(side > 0) || l.window[3] - l.window[1] != side)
    refuse_window("a square window (the optics' period is its side)");
  const double pixels = side / l.pitch_nm;
  if (std::fabs(pixels - std::round(pixels)) > 1e-9 * pixels || pixels < 16 || pixels > 4096)
    refuse_window("a side of a whole number of pixels, 16 to 4096");

  std::size_t index = 0;
  for (const Value& site : member(doc, "sites", path).items(path + " sites")) {
    const std::string where = path + " sites[" + std::to_string(index++) + "]";
    const auto coordinate = [&](const char* key) {
      return member(site, key, where).number(where + " " + key);
    };
    twin::CdSite s;
    s.line = {{coordinate("x0"), coordinate("y0")}, {coordinate("x1"), coordinate("y1")}};
    s.condition.dose = number_or(site, "dose", 1, where);
    s.condition.focus_nm = number_or(site, "focus_nm", 0, where);
    if (!(s.condition.dose > 0))
      throw invalid_argument(argument_message("twin_calibrate", where + " dose", s.condition.dose,
                                              "a positive dose factor"));
    out.sites.push_back(s);
    if (with_cds) out.cd_nm.push_back(coordinate("cd_nm"));
  }
  if (out.sites.empty())
    throw invalid_argument(
        argument_message("twin_calibrate", path + " sites", "[]", "at least one site"));
  return out;
}

/// The window's pixel grid: pixel centres half a pitch inside it, so the pixels tile it.
Grid window_grid(const Layout& l) {
  const index_t n = index_t(std::llround((l.window[2] - l.window[0]) / l.pitch_nm));
  return Grid(n, n, l.pitch_nm, {l.window[0] + l.pitch_nm / 2, l.window[1] + l.pitch_nm / 2, 0});
}

/// The window's drawn shapes, area coverage on its pixel grid.
template <class Space>
Field<double, Space> layout_mask(Context<Space>& ctx, const Layout& l, const Grid& grid) {
  const index_t n = grid.nx();
  layout::PolygonSet shapes;
  if (l.glp) {
    shapes = layout::read_glp(l.file);
  } else {
    const layout::gdsii::Library library = layout::gdsii::read_library(l.file);
    const double unit = library.unit_nm();
    const auto units = [&](double nm) { return layout::coord_t(std::llround(nm / unit)); };
    shapes = library.read_window(
        {units(l.window[0]), units(l.window[1]), units(l.window[2]), units(l.window[3])}, {l.layer},
        l.cell);
  }
  std::fprintf(stderr, "twin_calibrate: %zu shapes in the window of %s (%lld x %lld pixels)\n",
               shapes.polygons.size(), l.file.c_str(), static_cast<long long>(n),
               static_cast<long long>(n));
  return layout::rasterize_area<double>(ctx, shapes, grid);
}

// ---- commands ----------------------------------------------------------------------------------

struct Options {
  std::string command, truth, sites, measurements, start, free;
  double noise_nm = 0;
  unsigned long long seed = 1;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <class Twin>
void set_values(Twin& twin, const std::map<std::string, double>& values) {
  const twin::ParameterList list = twin.chain.parameter_list();
  for (const auto& [name, value] : values) list.set(name, value);
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::size_t from = 0;
  while (from <= text.size()) {
    const std::size_t comma = std::min(text.find(',', from), text.size());
    names.push_back(text.substr(from, comma - from));
    from = comma + 1;
  }
  return names;
}

Value values_json(const std::map<std::string, double>& values) {
  Value out = Value::object();
  for (const auto& [name, value] : values) out[name] = value;
  return out;
}

/// The sites as read, each with `key` set to cds[s] (and the rest kept).
Value sites_with(const Sites& sites,
                 const std::vector<std::pair<std::string, std::vector<double>>>& columns) {
  Value out = Value::array();
  std::size_t s = 0;
  for (const Value& site : sites.document.find("sites")->items()) {
    Value copy = site;
    for (const auto& [key, values] : columns) copy[key] = values[s];
    out.push_back(copy);
    ++s;
  }
  return out;
}

std::vector<double> measured_cds(const twin::ChainCds& cds, const char* why) {
  std::vector<double> out;
  for (std::size_t s = 0; s < cds.results.size(); ++s) {
    if (!cds.results[s].ok())
      throw invalid_argument(
          argument_message("twin_calibrate", "sites[" + std::to_string(s) + "]",
                           metrology::describe(cds.results[s].status),
                           std::string("a cut line across a line the chain prints ") + why));
    out.push_back(cds.results[s].cd_nm);
  }
  return out;
}

template <class Space>
int simulate(const Options& o) {
  const auto start = Clock::now();
  Context<Space> ctx;
  const Sites sites = read_sites(o.sites, false);
  const std::map<std::string, double> truth = read_values(o.truth);
  const Grid grid = window_grid(sites.layout);
  const Field<double, Space> mask = layout_mask(ctx, sites.layout, grid);
  std::fprintf(stderr, "twin_calibrate: generating kernels at five focus values...\n");
  examples::DefaultTwin<Space> twin(ctx, grid);
  set_values(twin, truth);
  std::fprintf(stderr, "twin_calibrate: printing %zu sites...\n", sites.sites.size());
  std::vector<double> cds =
      measured_cds(twin::chain_cds(ctx, twin.chain, mask, sites.sites), "under TRUTH");
  std::mt19937_64 random(o.seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  for (double& cd : cds) cd += o.noise_nm * noise(random);

  Value out = sites.document;
  out["layout"] = sites.layout.file;
  out["sites"] = sites_with(sites, {{"cd_nm", cds}});
  out["truth"] = values_json(truth);
  out["noise_nm"] = o.noise_nm;
  out["seed"] = o.seed;
  out["seconds"] = seconds_since(start);
  examples::finish_outputs("", out);
  return 0;
}

template <class Space>
int fit(const Options& o) {
  const auto start = Clock::now();
  Context<Space> ctx;
  const Sites sites = read_sites(o.measurements, true);
  const std::vector<std::string> free = split_names(o.free);
  const std::map<std::string, double> start_values =
      o.start.empty() ? std::map<std::string, double>{} : read_values(o.start);
  const Grid grid = window_grid(sites.layout);
  const Field<double, Space> mask = layout_mask(ctx, sites.layout, grid);
  std::fprintf(stderr, "twin_calibrate: generating kernels at five focus values...\n");
  examples::DefaultTwin<Space> twin(ctx, grid);
  set_values(twin, start_values);
  const twin::ParameterList list = twin.chain.parameter_list();
  for (const std::string& name : free) (void)list.at(name);  // unknown names, before the work
  std::map<std::string, double> started;
  for (const std::string& name : free) started[name] = list.value(name);

  std::fprintf(stderr, "twin_calibrate: fitting %zu parameters to %zu CDs...\n", free.size(),
               sites.sites.size());
  const double sites_count = double(sites.sites.size());
  const twin::FitReport report = twin::fit_cds(
      ctx, twin.chain, mask, sites.sites, sites.cd_nm, free, {}, [&](const twin::FitIteration& it) {
        std::fprintf(stderr, "twin_calibrate: iteration %d: CD RMS %.4f nm (%s, damping %.3g)\n",
                     it.iteration, std::sqrt(2 * it.cost / sites_count),
                     it.accepted ? "step taken" : "step refused", it.damping);
      });
  const std::vector<double> fitted =
      measured_cds(twin::chain_cds(ctx, twin.chain, mask, sites.sites), "at the fitted values");

  Value out = Value::object();
  Value values = Value::object(), errors = Value::object(), correlation = Value::array();
  for (std::size_t k = 0; k < free.size(); ++k) {
    values[free[k]] = report.values[k];
    errors[free[k]] = std::isfinite(report.std_errors[k]) ? Value(report.std_errors[k]) : Value();
    Value row = Value::array();
    for (const double c : report.correlation[k]) row.push_back(c);
    correlation.push_back(row);
  }
  Value names = Value::array(), warnings = Value::array();
  for (const std::string& name : free) names.push_back(name);
  for (const std::string& warning : report.warnings) warnings.push_back(warning);
  std::vector<double> residuals;
  for (std::size_t s = 0; s < fitted.size(); ++s) residuals.push_back(fitted[s] - sites.cd_nm[s]);
  out["values"] = values;
  out["std_errors"] = errors;
  out["free"] = names;
  out["correlation"] = correlation;
  out["cd_rms_nm"] = report.rms_after;
  out["cd_rms_start_nm"] = report.rms_before;
  out["iterations"] = report.iterations;
  out["evaluations"] = report.evaluations;
  out["converged"] = report.converged;
  out["warnings"] = warnings;
  out["start"] = values_json(started);
  // Synthetic measurements carry their truth: how far the fit landed from it, in standard errors.
  if (const Value* truth = sites.document.find("truth")) {
    out["truth"] = *truth;
    Value deviation = Value::object();
    bool within = true;
    for (std::size_t k = 0; k < free.size(); ++k) {
      const Value* t = truth->find(free[k]);
      const double se = report.std_errors[k];
      if (!t || !std::isfinite(se)) continue;
      const double sigmas = (report.values[k] - t->number()) / se;
      deviation[free[k]] = sigmas;
      within = within && std::fabs(sigmas) < 2;
    }
    out["truth_deviation_sigmas"] = deviation;
    out["truth_within_2_std_errors"] = within;
  }
  out["sites"] = sites_with(sites, {{"fit_cd_nm", fitted}, {"residual_nm", residuals}});
  out["measurements"] = o.measurements;
  out["seconds"] = seconds_since(start);
  examples::finish_outputs("", out);
  return 0;
}

examples::Cli simulate_command_line(Options& o) {
  examples::Cli cli("twin_calibrate", about + std::string(examples::default_twin_description()),
                    "simulate");
  cli.path("--truth", "TRUTH.json", "the chain's parameters that make the CDs", o.truth,
           examples::PathKind::file)
      .required()
      .path("--sites", "SITES.json", "the layout and the sites", o.sites, examples::PathKind::file)
      .required()
      .number("--noise-nm", "S", "standard deviation of the Gaussian noise added to each CD",
              o.noise_nm, {.what = "a noise", .unit = "nm", .at_least = 0, .at_most = 100})
      .count("--seed", "N", "seed of the noise (std::mt19937_64)", o.seed, "a seed");
  return cli;
}

examples::Cli fit_command_line(Options& o) {
  examples::Cli cli("twin_calibrate", about + std::string(examples::default_twin_description()),
                    "fit");
  cli.path("--measurements", "MEAS.json", "the sites with their measured \"cd_nm\"", o.measurements,
           examples::PathKind::file)
      .required()
      .text("--free", "NAME,NAME,...", "the named parameters to fit", o.free,
            "names separated by commas")
      .required()
      .path("--start", "START.json", "start values (the rest at the chain's defaults)", o.start,
            examples::PathKind::file)
      .shown_default("the chain's defaults");
  return cli;
}

}  // namespace

int main(int argc, char** argv) {
  return examples::exit_status("twin_calibrate", [&] {
    Options options;
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "fit") {
      examples::Cli cli = fit_command_line(options);
      if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
      return examples::on_best_space([&](auto space) { return fit<decltype(space)>(options); });
    }
    examples::Cli cli = simulate_command_line(options);
    if (cli.parse(argc, argv) == examples::Cli::Parsed::help) return 0;
    return examples::on_best_space([&](auto space) { return simulate<decltype(space)>(options); });
  });
}
