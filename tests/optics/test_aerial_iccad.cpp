// Band-limited vs full-grid SOCS images on the ten ICCAD-2013 clips with the contest's own kernels
// (M1OPC focus and M1OPC_def defocus sets, 24 kernels of 35 x 35 on the 2048 nm canvas).
// Skipped, with a warning, when the shared data is absent.

#include <algorithm>
#include <string>
#include <vector>

#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "optics/aerial_support.hpp"
#include "support/data.hpp"

using namespace fabtwin;
using optics::Condition;
using optics::ImagingPath;

TEMPLATE_LIST_TEST_CASE("ICCAD-2013: band-limited and full-grid images agree on all ten clips",
                        "[optics][aerial][iccad]", test::FloatCases) {
  // Float only: the full-grid reference costs 24 FFTs of 2048^2 per image, and float is where
  // rounding shows. The nominal corner (focus set) on every clip, the inner one (defocus set,
  // dose 0.98) on the first.
  using T = typename TestType::real;
  using S = typename TestType::space;
  const auto focus_dir = test::data_file("iccad2013/kernels/M1OPC");
  const auto defocus_dir = test::data_file("iccad2013/kernels/M1OPC_def");
  if (!focus_dir || !defocus_dir) return;
  Context<S> ctx;
  const Grid canvas(layout::iccad2013_canvas_size, layout::iccad2013_canvas_size, 1.0);
  optics::SocsImager<T, S> imager(ctx, canvas,
                                  {optics::read_iccad_kernels(focus_dir->string()),
                                   optics::read_iccad_kernels(defocus_dir->string())});
  REQUIRE(imager.max_radius() == 17);
  REQUIRE(imager.small_size() == 70);
  const std::vector<Condition> nominal{{1.0, 0}}, both{{1.0, 0}, {0.98, 1}};
  for (int clip = 1; clip <= 10; ++clip) {
    const auto file = test::data_file("iccad2013/clips/M1_test" + std::to_string(clip) + ".glp");
    if (!file) continue;
    INFO("clip " << clip);
    Field<T, S> pattern(canvas);
    layout::rasterize_binary(ctx, layout::place_on_iccad2013_canvas(layout::read_glp(*file)),
                             pattern.view(), canvas);
    const auto& corners = clip == 1 ? both : nominal;
    const auto fast = to_vector(imager.image(ctx, pattern, corners));
    const auto plain = to_vector(imager.image(ctx, pattern, corners, ImagingPath::full_grid));
    // A real image, not zeros (the ICCAD print threshold is 0.225; clip 4 peaks just below it).
    CHECK(*std::max_element(plain.begin(), plain.end()) > T(0.1));
    CHECK(test::relative_error(fast, plain) <= test::image_tolerance<T>);
  }
}
