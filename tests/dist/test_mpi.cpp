// dist/mpi.hpp under mpirun (ctest runs it on 1, 2 and 4 ranks): the tile shares partition the
// tiles, the gathered cores rebuild the window exactly, sums over tiles are bit-identical to the sum
// in tile order for any number of ranks (values chosen so that another order rounds differently),
// allreduce_sum adds, and broadcast hands rank 0's kernel set to every rank. A plain program
// (Catch2 does not know ranks): it prints each failure with its rank and exits 1; an exception ends
// every rank through run_or_abort.

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/dist/mpi.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/optics/kernel_set.hpp"

namespace {

using namespace fabtwin;
namespace mpi = fabtwin::dist::mpi;

int failures = 0;
int rank_for_messages = 0;

void check(bool ok, const std::string& what) {
  if (ok) return;
  ++failures;
  std::fprintf(stderr, "test_mpi: rank %d: FAILED: %s\n", rank_for_messages, what.c_str());
}

int run(const mpi::Session& session) {
  const int rank = session.rank(), ranks = session.size();
  rank_for_messages = rank;

  // Tile shares: contiguous, disjoint, covering, within one tile of each other.
  for (const index_t tiles : {index_t(1), index_t(7), index_t(16)}) {
    index_t next = 0, least = tiles, most = 0;
    for (int r = 0; r < ranks; ++r) {
      const std::vector<index_t> share = dist::tiles_of_rank(tiles, r, ranks);
      for (const index_t t : share) check(t == next++, "tile shares are contiguous and in order");
      least = std::min(least, index_t(share.size()));
      most = std::max(most, index_t(share.size()));
    }
    check(next == tiles, "tile shares cover every tile");
    check(most - least <= 1, "tile shares differ by one tile at most");
  }

  // Gathering: every rank writes f(x, y, b) into its own tiles' cores only; rank 0 must then hold
  // f everywhere.
  const Grid window(30, 20, 4.0);
  const dist::TilePlan plan(window, 8, 2);
  Field<double, Host> local(window, 2);
  const auto f = [](index_t x, index_t y, index_t b) { return double(x + 100 * y + 10000 * b); };
  for (const index_t t : dist::tiles_of_rank(index_t(plan.tiles().size()), rank, ranks)) {
    const dist::PixelBox& core = plan.tiles()[std::size_t(t)].core;
    for (index_t b = 0; b < 2; ++b)
      for (index_t y = core.y0; y < core.y0 + core.ny; ++y)
        for (index_t x = core.x0; x < core.x0 + core.nx; ++x)
          local.data()[b * 600 + y * 30 + x] = f(x, y, b);
  }
  mpi::gather_cores(plan, local, session.comm());
  if (rank == 0) {
    index_t wrong = 0;
    for (index_t b = 0; b < 2; ++b)
      for (index_t y = 0; y < 20; ++y)
        for (index_t x = 0; x < 30; ++x) wrong += local.data()[b * 600 + y * 30 + x] != f(x, y, b);
    check(wrong == 0,
          std::to_string(wrong) + " gathered pixels differ from what their tiles wrote");
  }

  // Sums over tiles: tile t contributes (-1)^t 1e16 + t / 3 per entry, which floating point adds
  // differently in any other grouping; the result must be the tile-order sum bit for bit.
  const index_t tiles = 9, width = 3;
  const auto value = [](index_t t, index_t k) {
    return (t % 2 ? -1e16 : 1e16) * double(k + 1) + double(t) / 3.0;
  };
  std::vector<double> mine;
  for (const index_t t : dist::tiles_of_rank(tiles, rank, ranks))
    for (index_t k = 0; k < width; ++k) mine.push_back(value(t, k));
  const std::vector<double> sum = mpi::sum_over_tiles(mine, width, tiles, session.comm());
  for (index_t k = 0; k < width; ++k) {
    double expected = 0;
    for (index_t t = 0; t < tiles; ++t) expected += value(t, k);
    check(std::memcmp(&expected, &sum[std::size_t(k)], sizeof(double)) == 0,
          "sum_over_tiles differs from the tile-order sum in entry " + std::to_string(k));
  }

  std::vector<double> counts{double(rank + 1), 1.0};
  mpi::allreduce_sum(counts, session.comm());
  check(counts[0] == double(ranks * (ranks + 1) / 2) && counts[1] == double(ranks),
        "allreduce_sum adds the ranks' values");

  // broadcast: rank 0's kernel set, every field of it, reaches the others, whose own set (another
  // shape, other values) it replaces.
  const auto kernel_set = [](index_t radius, index_t count, double seed) {
    optics::KernelSet set;
    set.radius = radius;
    set.period_nm = 1000 + seed;
    set.energy = 0.5 + seed / 1000;
    set.support_nm = 320 + seed;
    for (index_t k = 0; k < count; ++k) set.weights.push_back(seed / double(k + 1));
    for (index_t i = 0; i < count * set.bins(); ++i)
      set.spectra.emplace_back(std::sin(seed + double(i)), std::cos(seed * double(i)));
    return set;
  };
  const optics::KernelSet sent = kernel_set(3, 4, 0.7);
  optics::KernelSet received = rank == 0 ? sent : kernel_set(1, 2, 5.0 + rank);
  mpi::broadcast(received, session.comm());
  check(received.radius == sent.radius && received.period_nm == sent.period_nm &&
            received.energy == sent.energy && received.support_nm == sent.support_nm &&
            received.weights == sent.weights && received.spectra == sent.spectra,
        "broadcast gives every rank rank 0's kernel set");

  int all_failures = failures;
  FABTWIN_MPI_CHECK(
      MPI_Allreduce(MPI_IN_PLACE, &all_failures, 1, MPI_INT, MPI_SUM, session.comm()));
  if (rank == 0)
    std::printf("test_mpi: %d ranks, %s\n", ranks,
                all_failures == 0 ? "all checks passed" : "some checks FAILED");
  return all_failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::puts(
          "usage: mpirun -np R test_mpi\nChecks dist/mpi.hpp on R ranks; exit 0 when every "
          "check passes, 1 otherwise.");
      return 0;
    }
  try {
    const mpi::Session session(argc, argv);
    return mpi::run_or_abort(session.comm(), "test_mpi", [&] { return run(session); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "test_mpi: %s\n", e.what());
    return 1;
  }
}
