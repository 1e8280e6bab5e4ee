// Tiles with halos against one large domain: an ICCAD-2013 clip and a window of the gcd_45nm
// layout through optics-only, resist and etch chains, cut into 1, 2 and 4 tiles; a halo smaller
// than the chain's range and the error it leaves; several contexts against one; ambit-limited
// kernels against the periodic kernels they come from; a loss's gradient over tiles. The [large]
// cases (the comparisons with one domain) repeat the tile loop that the contexts' case runs: the
// sanitizer preset leaves them to the host preset.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/dist.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/layout.hpp"
#include "fabtwin/optics.hpp"
#include "fabtwin/resist.hpp"
#include "fabtwin/thermal.hpp"
#include "fabtwin/twin.hpp"
#include "support/data.hpp"
#include "support/host_kernels.hpp"
#include "support/test_cases.hpp"
#include "support/tiled_twin.hpp"

namespace {

using namespace fabtwin;
constexpr double pitch = 8;

/// Kernels of the default optics at a 1024 nm period, limited to a 320 nm ambit: made once.
const optics::AmbitKernels& tiling_kernels() {
  static const optics::AmbitKernels kernels(
      support::generate_kernels(optics::OpticalSystem{}, optics::Source::annular(0.6, 0.9),
                                {1024, 12, 0.05}),
      pitch, {.radius_nm = 320, .edge_nm = 120});
  return kernels;
}

using support::TiledStages;
using Stages = support::TiledStages;

/// The tiled twin of support/tiled_twin.hpp, with a 60 s bake in 6 s steps and density kernels of
/// 20 and 40 nm.
const support::TiledTwinSettings settings{
    .bake_s = 60,
    .bake_step_s = 6,
    .blur_nm = 2,
    .etch = {.bias_nm = 1, .radii_nm = {20, 40}, .density_bias_nm = {2, -3}}};
using TileTwin = support::TiledTwin<Host>;

auto factory(Stages stages) {
  return [stages](Context<Host>& ctx, const Grid& grid) {
    return std::make_unique<TileTwin>(ctx, grid, tiling_kernels(), stages, settings);
  };
}

/// The mask around a window: the area coverage of `shapes` rasterised once over the window and a
/// margin, from which every tile's window is cut (so tiled and single-domain runs see the same
/// pixels).
struct MaskRaster {
  MaskRaster(const layout::PolygonSet& shapes, const Grid& window, index_t margin)
      : margin_px(margin),
        field(Grid(window.nx() + 2 * margin, window.ny() + 2 * margin, window.pitch().x,
                   {window.origin().x - double(margin) * window.pitch().x,
                    window.origin().y - double(margin) * window.pitch().y, 0})) {
    Context<Host> ctx;
    layout::rasterize_area(ctx, shapes, field.view(), field.grid());
  }
  dist::TileSource<double> source(const Grid& window) const {
    return [this, window](const Grid& tile, Field<double, Host>& input) {
      const index_t x0 =
          index_t(std::llround((tile.origin().x - window.origin().x) / pitch)) + margin_px;
      const index_t y0 =
          index_t(std::llround((tile.origin().y - window.origin().y) / pitch)) + margin_px;
      REQUIRE(x0 >= 0);
      REQUIRE(y0 >= 0);
      REQUIRE(x0 + tile.nx() <= field.grid().nx());
      REQUIRE(y0 + tile.ny() <= field.grid().ny());
      for (index_t j = 0; j < tile.ny(); ++j)
        for (index_t i = 0; i < tile.nx(); ++i)
          input.data()[j * tile.nx() + i] = field.data()[(y0 + j) * field.grid().nx() + x0 + i];
    };
  }
  index_t margin_px;
  Field<double, Host> field;
};

Field<double, Host> run(const dist::TilePlan& plan, Stages stages,
                        const dist::TileSource<double>& source, int contexts = 1) {
  std::vector<std::unique_ptr<Context<Host>>> owned;
  std::vector<Context<Host>*> pointers;
  for (int c = 0; c < contexts; ++c) {
    owned.push_back(std::make_unique<Context<Host>>(HostOptions{.threads = contexts == 1 ? 0 : 1}));
    pointers.push_back(owned.back().get());
  }
  return dist::run_tiles<double>(std::span<Context<Host>* const>(pointers), plan, factory(stages),
                                 source);
}

double max_difference(const Field<double, Host>& a, const Field<double, Host>& b) {
  REQUIRE(a.size() == b.size());
  double largest = 0;
  for (index_t i = 0; i < a.size(); ++i)
    largest = std::max(largest, std::fabs(a.data()[i] - b.data()[i]));
  return largest;
}

/// Metal 1 of gcd_45nm.gds around (12, 12) um, or nothing (with a warning) without the data.
std::optional<layout::PolygonSet> gcd_metal1() {
  const auto gds = test::data_file("layouts/gcd_45nm.gds");
  if (!gds) return std::nullopt;
  const layout::gdsii::Library library = layout::gdsii::read_library(gds->string());
  const auto u = [&](double nm) { return layout::coord_t(std::llround(nm / library.unit_nm())); };
  return library.read_window({u(9000), u(9000), u(16000), u(16000)}, {{11, 0}});
}

/// The halo a chain's range asks for (tolerance 1e-12 of a stage's weighting).
index_t chain_halo(Stages stages, const Grid& window) {
  Context<Host> ctx;
  const TileTwin probe(ctx, Grid(128, 128, pitch, window.origin()), tiling_kernels(), stages,
                       settings);
  return dist::halo_for_range(probe.interaction_range_nm(1e-12), pitch);
}

/// A 1024 nm window of gcd_45nm metal 1 and its layout around, rasterised with room for the resist
/// chain's halo (the cases that compare a window's tiles share it).
struct GcdWindow {
  explicit GcdWindow(const layout::PolygonSet& shapes)
      : halo(chain_halo(Stages::resist, window)), raster(shapes, window, 2 * halo) {}
  GcdWindow(const GcdWindow&) = delete;  // source reads raster in place
  Grid window{128, 128, pitch, {12004, 12004, 0}};
  index_t halo;
  MaskRaster raster;
  dist::TileSource<double> source = raster.source(window);
};

}  // namespace

TEST_CASE("tile plans partition the window and give every tile its halo", "[dist]") {
  const Grid window(100, 37, 4.0, {10, 20, 0});
  const dist::TilePlan plan(window, 40, 9);
  CHECK(plan.tiles_x() == 3);
  CHECK(plan.tiles_y() == 1);
  // The largest core is 37 pixels (y); 37 + 2 x 9 = 55 rounds up to 56 = 2^3 x 7.
  CHECK(plan.tile_side_px() == 56);
  std::vector<int> written(std::size_t(window.size()), 0);
  for (const dist::Tile& t : plan.tiles()) {
    CHECK(t.window.nx == plan.tile_side_px());
    CHECK(t.window.ny == plan.tile_side_px());
    for (index_t j = 0; j < t.core.ny; ++j)
      for (index_t i = 0; i < t.core.nx; ++i)
        ++written[std::size_t((t.core.y0 + j) * window.nx() + t.core.x0 + i)];
    const Grid g = plan.tile_grid(t);
    CHECK(g.origin().x == Approx(10 + 4.0 * double(t.window.x0)));
  }
  CHECK(std::all_of(written.begin(), written.end(), [](int w) { return w == 1; }));
  CHECK(plan.min_halo_px() >= 9);
  CHECK(plan.work_ratio() == Approx(3.0 * 56 * 56 / (100 * 37)));

  CHECK(dist::smooth_size(97) == 98);
  CHECK(dist::smooth_size(121) == 125);
  CHECK(dist::halo_for_range(80, 8) == 11);
  CHECK(dist::halo_for_range(0, 8) == 1);
  CHECK_THROWS_WITH(dist::halo_for_range(twin::unbounded_range, 8),
                    Catch::Contains("range_nm") && Catch::Contains("ambit"));
  CHECK_THROWS_WITH(dist::TilePlan(window, 0, 4), Catch::Contains("core_px"));
  CHECK_THROWS_WITH(dist::TilePlan(window, 8, -1), Catch::Contains("halo_px"));
  CHECK_THROWS_WITH(dist::TilePlan(Grid::volume(4, 4, 4, {1, 1, 1}), 8, 1),
                    Catch::Contains("window"));
}

TEST_CASE(
    "ambit-limited kernels keep the periodic kernels' image near a point and nothing beyond "
    "the ambit",
    "[dist][optics]") {
  // The image of one clear pixel is sum_k w_k |h_k|^2 around it: with the ambit kernels, w^2 times
  // that of the kernels they come from, so equal within a - 2e (w = 1 - 1e-9) and 0 beyond a.
  const optics::KernelSet periodic = support::generate_kernels(
      optics::OpticalSystem{}, optics::Source::annular(0.6, 0.9), {1024, 12, 0.05});
  const optics::AmbitKernels ambit(periodic, pitch, {.radius_nm = 320, .edge_nm = 120});
  const optics::KernelSet limited = ambit.at_period(1024);
  CHECK(limited.support_nm == 320);
  CHECK(limited.radius > periodic.radius);  // the window's edge widens the spectrum
  Context<Host> ctx;
  const index_t n = 128;
  Field<double, Host> point(Grid(n, n, pitch));
  point.data()[64 * n + 64] = 1;
  const std::vector<optics::Condition> nominal(1);
  const auto image = [&](const optics::KernelSet& set) {
    optics::SocsImager<double, Host> imager(ctx, point.grid(), {set});
    return imager.image(ctx, point, nominal, optics::ImagingPath::full_grid);
  };
  const Field<double, Host> a = image(periodic), b = image(limited);
  const double peak = a.data()[64 * n + 64];
  double inside = 0, outside = 0, beyond_periodic = 0;
  for (index_t j = 0; j < n; ++j)
    for (index_t i = 0; i < n; ++i) {
      const double r = std::hypot(double(i - 64), double(j - 64)) * pitch;
      const double x = a.data()[j * n + i], y = b.data()[j * n + i];
      if (r <= 320 - 2 * 120) inside = std::max(inside, std::fabs(x - y));
      if (r > 320 + pitch) {
        outside = std::max(outside, y);
        beyond_periodic = std::max(beyond_periodic, x);
      }
    }
  CHECK(inside <= 1e-7 * peak);
  CHECK(outside <= 1e-10 * peak);
  CHECK(beyond_periodic >= 1e-4 * peak);  // the periodic kernels do reach beyond: the test can fail

  CHECK_THROWS_WITH(ambit.at_period(2 * 320 - 8), Catch::Contains("period_nm"));
  CHECK_THROWS_WITH(ambit.at_period(1000.5), Catch::Contains("period_nm"));
  CHECK_THROWS_WITH(optics::AmbitKernels(periodic, pitch, {.radius_nm = 600, .edge_nm = 120}),
                    Catch::Contains("options.radius_nm"));
  CHECK_THROWS_WITH(optics::AmbitKernels(periodic, pitch, {.radius_nm = 320, .edge_nm = 400}),
                    Catch::Contains("options.edge_nm"));
  CHECK_THROWS_WITH(optics::AmbitKernels(periodic, 7, {}), Catch::Contains("pitch_nm"));
}

TEST_CASE("stages state their interaction ranges, and a chain adds them", "[dist][twin]") {
  Context<Host> ctx;
  const Grid grid(128, 128, pitch);
  TileTwin twin(ctx, grid, tiling_kernels(), Stages::etch, settings);
  constexpr double tol = 1e-12;
  const double g = std::sqrt(2 * std::log(1 / tol));
  CHECK(twin.imaging.interaction_range_nm(tol) == 320);
  CHECK(twin.exposure.interaction_range_nm(tol) == 0);
  CHECK(twin.threshold.interaction_range_nm(tol) == thermal::lattice_range_nm(2, pitch, tol / 2));
  // The lattice kernel of the Sentaurus set's longer diffusion length over 60 s at 110 C,
  // sqrt(2 D t), holding all but tol / 2 per axis.
  const resist::PebModel peb = resist::sentaurus_peb_model();
  const double d = std::max(peb.acid.lateral_nm2_per_s, peb.quencher.lateral_nm2_per_s);
  CHECK(twin.bake.interaction_range_nm(tol) ==
        thermal::lattice_range_nm(std::sqrt(2 * d * 60), pitch, tol / 2));
  // Every parameter that widens the range moves it.
  const double hot = twin.bake.interaction_range_nm(tol);
  twin.bake.values().temperature_c += 10;
  CHECK(twin.bake.interaction_range_nm(tol) > hot);
  const double blur_range = twin.threshold.interaction_range_nm(tol);
  twin.threshold.values().blur_nm = 12;
  CHECK(twin.threshold.interaction_range_nm(tol) > blur_range);
  CHECK(twin.etch.interaction_range_nm(tol) == Approx(40 * g));
  CHECK(twin.etch_chain.interaction_range_nm(tol) ==
        Approx(320 + twin.bake.interaction_range_nm(tol) +
               twin.threshold.interaction_range_nm(tol) + 40 * g));
  // The Gaussian kernel's bake rings without bound.
  const twin::BakeStage<double, Host> gaussian_bake(
      grid, peb, thermal::TemperatureHistory::constant(thermal::celsius_to_kelvin(110), 60));
  CHECK(std::isinf(gaussian_bake.interaction_range_nm(tol)));
  // Periodic kernels reach without bound.
  const twin::ImagingStage<double, Host> periodic(
      ctx, grid,
      {{0.0, support::generate_kernels(optics::OpticalSystem{}, optics::Source::annular(0.6, 0.9),
                                       {1024, 4, 0.1})}});
  CHECK(std::isinf(periodic.interaction_range_nm(tol)));
  CHECK_THROWS_WITH(twin.bake.interaction_range_nm(0), Catch::Contains("tolerance"));
}

TEST_CASE(
    "tiled runs equal the single-domain run in every core: an ICCAD clip and a gcd window, "
    "1, 2 and 4 tiles",
    "[dist][large]") {
  struct Case {
    const char* name;
    layout::PolygonSet shapes;
    Grid window;
  };
  std::vector<Case> cases;
  if (const auto clip = test::data_file("iccad2013/clips/M1_test1.glp"))
    cases.push_back({"ICCAD M1_test1", layout::read_glp(*clip), Grid(128, 128, pitch, {4, 4, 0})});
  if (const auto shapes = gcd_metal1())
    cases.push_back({"gcd_45nm metal 1", *shapes, Grid(128, 128, pitch, {12004, 12004, 0})});
  for (const Case& c : cases) {
    for (const Stages stages : {Stages::optics, Stages::resist, Stages::etch}) {
      const index_t halo = chain_halo(stages, c.window);
      const MaskRaster raster(c.shapes, c.window, 2 * halo);
      const auto source = raster.source(c.window);
      const dist::TilePlan single_plan(c.window, 128, halo);
      REQUIRE(single_plan.tiles().size() == 1);
      const Field<double, Host> single = run(single_plan, stages, source);
      // 2 tiles: the window's lower half alone, cut in two; 4 tiles: the window in 2 x 2.
      const dist::TilePlan four(c.window, 64, halo);
      REQUIRE(four.tiles().size() == 4);
      const Field<double, Host> tiled = run(four, stages, source);
      INFO(c.name << ", stages " << int(stages) << ", halo " << halo << " px");
      CHECK(max_difference(single, tiled) <= 1e-9);

      const Grid lower(128, 64, pitch, c.window.origin());
      const dist::TilePlan two(lower, 64, halo), lower_single(lower, 128, halo);
      REQUIRE(two.tiles().size() == 2);
      CHECK(max_difference(run(lower_single, stages, source), run(two, stages, source)) <= 1e-9);
      // The tiles differ from the whole: the test compares something.
      double spread = 0;
      for (index_t i = 0; i < single.size(); ++i)
        spread = std::max(spread, std::fabs(single.data()[i] - single.data()[0]));
      CHECK(spread > 0.1);
    }
  }
}

TEST_CASE(
    "a halo below the chain's range leaves an error that grows as the halo shrinks, and "
    "halo_error measures it",
    "[dist][large]") {
  const auto shapes = gcd_metal1();
  if (!shapes) return;
  const GcdWindow gcd(*shapes);
  const Grid& window = gcd.window;
  const index_t halo = gcd.halo;
  const auto& source = gcd.source;
  const Field<double, Host> single = run(dist::TilePlan(window, 128, halo), Stages::resist, source);
  Context<Host> ctx;
  double previous = 0;
  for (const index_t h : {halo, 2 * halo / 3, halo / 2, halo / 4}) {
    const dist::TilePlan plan(window, 64, h, false);
    const Field<double, Host> tiled = run(plan, Stages::resist, source);
    const double error = max_difference(single, tiled);
    INFO("halo " << h << " px of " << halo << ": max error " << error);
    if (h == halo)
      CHECK(error <= 1e-9);
    else
      CHECK(error > previous);
    // Well inside the optics' 320 nm ambit (its window is 1/2 at 200 nm and 2e-3 at 240 nm), the
    // error is the optics' own.
    if (double(h) * pitch < 240) CHECK(error > 1e-4);
    // halo_error on each tile, against a halo covering the range: the worst is the error.
    double measured = 0;
    for (const dist::Tile& t : plan.tiles())
      measured = std::max(measured, dist::halo_error<double>(ctx, plan, t, halo + 1,
                                                             factory(Stages::resist), source));
    CHECK(measured == Approx(error).margin(1e-9));
    previous = error;
  }
}

TEST_CASE(
    "several contexts give the result of one, bit for bit, and a failing tile stops the "
    "run with its error",
    "[dist]") {
  const auto clip = test::data_file("iccad2013/clips/M1_test2.glp");
  if (!clip) return;
  const Grid window(128, 128, pitch, {516, 516, 0});
  const index_t halo = chain_halo(Stages::resist, window);
  const MaskRaster raster(layout::read_glp(*clip), window, 2 * halo);
  const auto source = raster.source(window);
  const dist::TilePlan plan(window, 64, halo);
  const Field<double, Host> one = run(plan, Stages::resist, source, 1);
  const Field<double, Host> two = run(plan, Stages::resist, source, 2);
  CHECK(max_difference(one, two) == 0);

  const dist::TileSource<double> failing = [&](const Grid& grid, Field<double, Host>& input) {
    if (grid.origin().x > window.origin().x)  // the tiles of the second column
      throw io_error("test: the layout of this tile cannot be read");
    source(grid, input);
  };
  CHECK_THROWS_WITH(run(plan, Stages::resist, failing, 2), Catch::Contains("cannot be read"));
}

TEST_CASE(
    "a loss over the window: the sum of the tiles' parameter gradients, each from its "
    "core, is the one domain's gradient",
    "[dist][twin][large]") {
  // L = sum over the window of (P - target)^2. A tile's backward from the cotangent 2 (P - target)
  // on its core and 0 on its halo gives that core's share of dL/dparameter; the shares summed in
  // tile order (what dist::mpi::sum_over_tiles does across ranks) are the gradient of the whole.
  const auto shapes = gcd_metal1();
  if (!shapes) return;
  const GcdWindow gcd(*shapes);
  const Grid& window = gcd.window;
  const index_t halo = gcd.halo;
  const auto& source = gcd.source;
  const auto target = [](index_t x, index_t y) {
    return 0.5 + 0.4 * std::sin(0.05 * double(x)) * std::cos(0.07 * double(y));
  };
  std::vector<std::string> names;
  const auto gradient = [&](const dist::TilePlan& plan) {
    Context<Host> ctx;
    TileTwin twin(ctx, plan.tile_grid(plan.tiles().front()), tiling_kernels(), Stages::resist,
                  settings);
    std::vector<double> total;
    for (const dist::Tile& tile : plan.tiles()) {
      Field<double, Host> input(plan.tile_grid(tile));
      source(input.grid(), input);
      const Field<double, Host>& printed = twin.resist_chain.forward(ctx, input);
      Field<double, Host> cotangent(input.grid());
      const index_t side = tile.window.nx;
      for (index_t j = 0; j < tile.core.ny; ++j)
        for (index_t i = 0; i < tile.core.nx; ++i) {
          const index_t x = tile.core.x0 + i, y = tile.core.y0 + j;
          const index_t at = (y - tile.window.y0) * side + (x - tile.window.x0);
          cotangent.data()[at] = 2 * (printed.data()[at] - target(x, y));
        }
      twin.resist_chain.zero_gradient();
      twin.resist_chain.backward(ctx, cotangent);
      const std::vector<twin::Parameter> parameters = twin.resist_chain.parameters();
      total.resize(parameters.size(), 0.0);
      names.clear();
      for (std::size_t k = 0; k < parameters.size(); ++k) {
        total[k] += *parameters[k].gradient;
        names.push_back(parameters[k].name);
      }
    }
    return total;
  };
  const std::vector<double> single = gradient(dist::TilePlan(window, 128, halo));
  const std::vector<double> tiled = gradient(dist::TilePlan(window, 64, halo));
  REQUIRE(single.size() == tiled.size());
  REQUIRE(single.size() >= 10);  // dose, Dill's C, the bake's rates and energies, the threshold's
  for (std::size_t k = 0; k < single.size(); ++k) {
    INFO(names[k] << ": one domain " << single[k] << ", 4 tiles " << tiled[k]);
    // An activation energy cannot act at the bake's reference temperature, where the model's
    // rates are quoted (exp(-Ea / R (1/T - 1/T_ref)) = 1 for every Ea): its gradient is 0 there.
    const bool at_reference = names[k].ends_with("_ea");
    CHECK((single[k] != 0) != at_reference);
    CHECK(tiled[k] == Approx(single[k]).epsilon(1e-8));
  }
}

namespace {

/// Mask to print for ILT: the ambit-limited optics and a blurred threshold of the aerial image (a
/// compact resist), a stage by delegation to its chain.
struct IltTwin {
  using value_type = double;
  using space = Host;
  IltTwin(Context<Host>& ctx, const Grid& grid)
      : imaging(ctx, grid, {{0.0, tiling_kernels().at_period(double(grid.nx()) * pitch)}}),
        threshold(grid, 2.0, {0.3, 25}, twin::PrintTone::above, thermal::DiffusionKernel::lattice) {
  }
  Grid input_grid() const { return chain.input_grid(); }
  Grid output_grid() const { return chain.output_grid(); }
  index_t output_batch(index_t batch) const { return chain.output_batch(batch); }
  double interaction_range_nm(double tolerance) const {
    return chain.interaction_range_nm(tolerance);
  }
  const Field<double, Host>& forward(Context<Host>& ctx, const Field<double, Host>& mask) {
    return chain.forward(ctx, mask);
  }
  const Field<double, Host>& backward(Context<Host>& ctx, const Field<double, Host>& g) {
    return chain.backward(ctx, g);
  }
  std::vector<twin::Parameter> parameters() { return chain.parameters(); }
  void zero_gradient() { chain.zero_gradient(); }

  twin::ImagingStage<double, Host> imaging;
  twin::ThresholdStage<double, Host> threshold;
  decltype(twin::chain(imaging, threshold)) chain = twin::chain(imaging, threshold);
};

}  // namespace

TEST_CASE(
    "FrozenHalo: the mask held where the weight is 0, and its backward the transpose of its "
    "linear part",
    "[dist][ilt]") {
  // out = w m + (1 - w) fixed is affine in m: <out(m + dm) - out(m), g> = <dm, backward(g)>.
  Context<Host> ctx;
  const Grid grid(12, 10, pitch);
  const auto field = [&](std::uint64_t seed, bool binary) {
    Field<double, Host> f(grid);
    const std::vector<double> v = test::random_values<double>(grid.size(), seed);
    for (index_t i = 0; i < grid.size(); ++i)
      f.data()[i] = binary ? (v[std::size_t(i)] > 0 ? 1.0 : 0.0) : v[std::size_t(i)];
    return f;
  };
  const Field<double, Host> weight = field(1, true), fixed = field(2, false), m = field(3, false),
                            dm = field(4, false), g = field(5, false);
  dist::FrozenHalo<double, Host> frozen(to<Host>(weight), to<Host>(fixed));
  Field<double, Host> moved(grid);
  for (index_t i = 0; i < grid.size(); ++i) moved.data()[i] = m.data()[i] + dm.data()[i];
  const std::vector<double> at_m = to_vector(frozen.forward(ctx, m));
  const std::vector<double> at_moved = to_vector(frozen.forward(ctx, moved));
  const std::vector<double> back = to_vector(frozen.backward(ctx, g));
  double forward_side = 0, backward_side = 0;
  for (index_t i = 0; i < grid.size(); ++i) {
    const std::size_t k = std::size_t(i);
    forward_side += (at_moved[k] - at_m[k]) * g.data()[i];
    backward_side += dm.data()[i] * back[k];
    // Where the weight is 0 the output is the fixed mask, whatever m is.
    if (weight.data()[i] == 0) CHECK(at_m[k] == fixed.data()[i]);
    if (weight.data()[i] == 1) CHECK(at_m[k] == m.data()[i]);
  }
  CHECK(forward_side == Approx(backward_side).epsilon(1e-12));
  const auto mismatched = [&] {
    dist::FrozenHalo<double, Host>(Field<double, Host>(grid),
                                   Field<double, Host>(Grid(4, 4, pitch)));
  };
  CHECK_THROWS_WITH(mismatched(), Catch::Contains("fixed.grid"));
}

TEST_CASE(
    "ILT over tiles: passes with the halos held at the neighbours' masks shrink the seam "
    "error, and overlapping the optimised regions by the chain's range nearly removes it",
    "[dist][ilt][large]") {
  const auto shapes = gcd_metal1();
  if (!shapes) return;
  const Grid window(96, 96, pitch, {12004, 12004, 0});
  Context<Host> ctx;
  const index_t halo =
      dist::halo_for_range(IltTwin(ctx, Grid(128, 128, pitch)).interaction_range_nm(1e-12), pitch);
  const MaskRaster raster(*shapes, window, 2 * halo);
  const auto target = raster.source(window);
  const auto make = [](Context<Host>& c, const Grid& grid) {
    return std::make_unique<IltTwin>(c, grid);
  };
  dist::TiledIltOptions options;
  options.passes = 6;
  options.ilt.iterations = 10;
  const auto tiled =
      dist::tiled_ilt<double>(ctx, dist::TilePlan(window, 48, halo), make, target, options);
  const auto single =
      dist::tiled_ilt<double>(ctx, dist::TilePlan(window, 96, halo), make, target, options);
  std::ostringstream passes;
  for (std::size_t k = 0; k < tiled.passes.size(); ++k)
    passes << "pass " << k + 1 << ": 4 tiles seam error " << tiled.passes[k].seam_error
           << ", error " << tiled.passes[k].error << "; one domain " << single.passes[k].error
           << "\n";
  INFO(passes.str());
  // One domain has no seams: what it predicts is what its mask prints.
  CHECK(single.passes.back().seam_error == 0);
  // Tiles optimised against halos that their neighbours then change leave seams...
  CHECK(tiled.passes.front().seam_error > 1e-3);
  // ...which the passes shrink (measured: 0.79, 0.56, 0.35, 0.24, 0.20, 0.15 of a print that
  // runs from 0 to 1), while the print approaches the target nearly as one domain's does (its
  // squared error 13 % above after 6 passes, the rest at the seams).
  for (std::size_t k = 1; k < tiled.passes.size(); ++k)
    CHECK(tiled.passes[k].seam_error < tiled.passes[k - 1].seam_error);
  CHECK(tiled.passes.back().seam_error < 0.25 * tiled.passes.front().seam_error);
  CHECK(tiled.passes.back().error < tiled.passes.front().error);
  CHECK(tiled.passes.back().error <= 1.2 * single.passes.back().error);

  // Overlapping the optimised regions by the chain's range (a halo of twice the range): a tile's
  // core print then depends on no frozen pixel, only on values its neighbours optimise too, and the
  // seams nearly vanish (measured over 3 passes: 4.5e-4, 6.5e-4, 3.6e-3), the print as close to
  // the target as one domain's (53.61 against 53.63).
  options.passes = 3;
  options.overlap_px = halo;
  const MaskRaster wide(*shapes, window, 4 * halo);
  const auto overlapped = dist::tiled_ilt<double>(ctx, dist::TilePlan(window, 48, 2 * halo), make,
                                                  wide.source(window), options);
  std::ostringstream overlapped_passes;
  for (const auto& pass : overlapped.passes)
    overlapped_passes << "overlapped: seam error " << pass.seam_error << ", error " << pass.error
                      << "\n";
  INFO(overlapped_passes.str());
  for (const auto& pass : overlapped.passes) CHECK(pass.seam_error < 1e-2);
  CHECK(overlapped.passes.front().seam_error < 1e-2 * tiled.passes.front().seam_error);
  CHECK(overlapped.passes.back().error <= 1.01 * single.passes[2].error);
  // The optimised region must stay inside the tile's window.
  options.overlap_px = halo + 1;
  CHECK_THROWS_WITH(
      dist::tiled_ilt<double>(ctx, dist::TilePlan(window, 48, halo), make, target, options),
      Catch::Contains("options.overlap_px") && Catch::Contains("within the plan's halo"));
}
