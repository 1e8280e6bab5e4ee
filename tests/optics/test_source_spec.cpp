// Source specifications as the example programs take them: each form against the source built
// directly, and the errors a user sees for a malformed word.

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "fabtwin/io/npy.hpp"
#include "fabtwin/optics/source_spec.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;
using Catch::Contains;

namespace {

/// The two samplings agree point for point (same grid, same weights).
void require_same_samples(const Source& a, const Source& b, double step) {
  const auto pa = a.sample(step), pb = b.sample(step);
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    CHECK(pa[i].sx == pb[i].sx);
    CHECK(pa[i].sy == pb[i].sy);
    CHECK(pa[i].weight == pb[i].weight);
  }
}

}  // namespace

TEST_CASE("Each source spec builds the shape it names", "[optics][source]") {
  require_same_samples(parse_source_spec("disc:0.7"), Source::disc(0.7), 0.05);
  require_same_samples(parse_source_spec("annular:0.6:0.9"), Source::annular(0.6, 0.9), 0.05);
  require_same_samples(parse_source_spec("dipole:0.5:0.9:40:90"), Source::dipole(0.5, 0.9, 40, 90),
                       0.05);
  require_same_samples(parse_source_spec("quasar:0.6:0.9:30:45"), Source::quasar(0.6, 0.9, 30, 45),
                       0.05);
  CHECK(parse_source_spec("quasar:0.6:0.9:30:45").shape() == Source::Shape::quasar);
  CHECK(parse_source_spec("dipole:0.5:0.9:40:90").rotation_deg() == 90);
}

TEST_CASE("A freeform spec reads a square NPY map", "[optics][source]") {
  const auto path =
      (std::filesystem::temp_directory_path() / "fabtwin_source_spec_map.npy").string();
  // 4 x 4 map over sigma in [-1, 1]^2: only pixel (x 2, y 1) is lit, i.e. sigma in [0, 0.5] x [-0.5, 0].
  std::vector<double> map(16, 0.0);
  map[1 * 4 + 2] = 3.0;
  io::write_npy(path, map.data(), {4, 4});
  const Source source = parse_source_spec(path);
  CHECK(source.shape() == Source::Shape::freeform);
  CHECK(source.intensity(0.25, -0.25) == 3.0);
  CHECK(source.intensity(-0.25, 0.25) == 0.0);
  io::write_npy(path, map.data(), {2, 8});
  CHECK_THROWS_WITH(parse_source_spec(path),
                    Contains("square 2D float64 map") && Contains("shape (2, 8)"));
  // An 8 x 8 map lit in a corner pixel, wholly outside |sigma| <= 1 (nearest point at 1.06): the
  // reader hands it to Source::freeform, which refuses it rather than drop the light.
  std::vector<double> corner(64, 0.0);
  corner[27] = 1;
  corner[7] = 4;
  io::write_npy(path, corner.data(), {8, 8});
  CHECK_THROWS_WITH(parse_source_spec(path),
                    Contains("map[7] (pixel i = 7, j = 0") && Contains("= 4"));
  std::vector<double> negative(16, 0.0);
  negative[5] = 1;
  negative[6] = -0.5;
  io::write_npy(path, negative.data(), {4, 4});
  CHECK_THROWS_WITH(parse_source_spec(path),
                    Contains("'map[6]' = -0.5") && Contains("non-negative"));
  std::filesystem::remove(path);
}

TEST_CASE("Malformed source specs are refused with the word and the expected form",
          "[optics][source]") {
  CHECK_THROWS_AS(parse_source_spec("disc"), invalid_argument);
  CHECK_THROWS_WITH(parse_source_spec("disc"),
                    Contains("'disc'") && Contains("disc:S (1 numbers)"));
  CHECK_THROWS_WITH(parse_source_spec("annular:0.6"), Contains("annular:SIN:SOUT"));
  CHECK_THROWS_WITH(parse_source_spec("annular:0.6:0.9x"), Contains("not '0.9x'"));
  CHECK_THROWS_WITH(parse_source_spec("annular::0.9"), Contains("a number in field 1"));
  CHECK_THROWS_WITH(parse_source_spec("hexapole:0.5:0.9"), Contains("disc:S, annular:SIN:SOUT"));
  // The shapes' own checks still apply after parsing.
  CHECK_THROWS_WITH(parse_source_spec("annular:0.9:0.6"), Contains("sigma_out"));
  CHECK_THROWS_WITH(parse_source_spec("disc:1.5"), Contains("sigma"));
  CHECK_THROWS_AS(parse_source_spec("missing_file.npy"), io_error);
}
