#pragma once
// Tiles over MPI ranks (one rank per GPU, or per socket): each rank runs a contiguous share of the
// tiles (run_tiles, over its own contexts), the cores are gathered on one rank, and a calibration's
// losses and gradients are summed over the ranks. Needs an MPI implementation (OpenMPI here: link
// MPI::MPI_CXX); not in the dist/ umbrella for that reason.
//
// Failure. A rank that throws would leave the others waiting in the next collective for ever, so
// run_or_abort prints the error with the rank and calls MPI_Abort, which ends every rank of the job
// (and mpirun exits with an error). A rank killed from outside ends the job the same way: OpenMPI's
// mpirun notices the lost process and terminates the rest. MPI return codes are checked
// (MPI_ERRORS_RETURN on the communicator) and become fabtwin::error with the call, file and line.
//
// Determinism. The cores are copied, never summed, so the gathered result is bit-identical for
// any number of ranks. sum_over_tiles adds per-tile values in tile order on every rank, so a loss
// or gradient is bit-identical for any number of ranks too; allreduce_sum (MPI_SUM) is faster but
// rounds by the reduction tree the library picks, which may change with the number of ranks.

#include <cstdio>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include <mpi.h>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/optics/kernel_set.hpp"

namespace fabtwin::dist::mpi {

/// Throws fabtwin::error naming the MPI call, its error text, and where it was made.
inline void check(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) std::strcpy(text, "unknown MPI error");
  throw error(std::string("fabtwin: ") + call + " failed: " + text + " (" + file + ":" +
              std::to_string(line) + ")");
}

}  // namespace fabtwin::dist::mpi

#define FABTWIN_MPI_CHECK(call) ::fabtwin::dist::mpi::check((call), #call, __FILE__, __LINE__)

namespace fabtwin::dist::mpi {

/// MPI for the life of the object (MPI_Init_thread ... MPI_Finalize), on MPI_COMM_WORLD with
/// errors returned instead of aborting, so that they can be checked and named.
class Session {
 public:
  Session(int& argc, char**& argv) {
    int provided = 0;
    FABTWIN_MPI_CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided));
    FABTWIN_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    FABTWIN_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
    FABTWIN_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_));
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { MPI_Finalize(); }

  int rank() const { return rank_; }
  int size() const { return size_; }
  MPI_Comm comm() const { return MPI_COMM_WORLD; }

 private:
  int rank_ = 0, size_ = 1;
};

/// Gathers every rank's cores (ran with tiles_of_rank) into `stitched` on `root`; the other ranks'
/// fields are left as they were. All ranks call it with the same plan and batch.
template <class T>
void gather_cores(const TilePlan& plan, Field<T, Host>& stitched, MPI_Comm comm, int root = 0) {
  int rank = 0, ranks = 1;
  FABTWIN_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  FABTWIN_MPI_CHECK(MPI_Comm_size(comm, &ranks));
  const index_t tiles = index_t(plan.tiles().size()), batch = stitched.batch();
  const index_t nx = plan.window().nx(), ny = plan.window().ny();
  const auto bytes_of = [&](int r) {
    index_t pixels = 0;
    for (const index_t t : tiles_of_rank(tiles, r, ranks))
      pixels += plan.tiles()[std::size_t(t)].core.size();
    return pixels * batch * index_t(sizeof(T));
  };
  // Pack this rank's cores tile by tile, member by member, row by row.
  std::vector<T> packed;
  for (const index_t t : tiles_of_rank(tiles, rank, ranks)) {
    const PixelBox& core = plan.tiles()[std::size_t(t)].core;
    for (index_t b = 0; b < batch; ++b)
      for (index_t j = 0; j < core.ny; ++j) {
        const T* row = stitched.data() + b * nx * ny + (core.y0 + j) * nx + core.x0;
        packed.insert(packed.end(), row, row + core.nx);
      }
  }
  std::vector<int> counts(static_cast<std::size_t>(ranks)),
      offsets(static_cast<std::size_t>(ranks));
  index_t total = 0;
  for (int r = 0; r < ranks; ++r) {
    const index_t bytes = bytes_of(r);
    require(total + bytes < (index_t(1) << 31), "dist::mpi::gather_cores", "window", plan.window(),
            "a result below 2 GiB (MPI counts are int: split the window)");
    counts[std::size_t(r)] = int(bytes);
    offsets[std::size_t(r)] = int(total);
    total += bytes;
  }
  std::vector<T> all(rank == root ? std::size_t(total) / sizeof(T) : 0);
  FABTWIN_MPI_CHECK(MPI_Gatherv(packed.data(), int(packed.size() * sizeof(T)), MPI_BYTE, all.data(),
                                counts.data(), offsets.data(), MPI_BYTE, root, comm));
  if (rank != root) return;
  std::size_t k = 0;
  for (int r = 0; r < ranks; ++r)
    for (const index_t t : tiles_of_rank(tiles, r, ranks)) {
      const PixelBox& core = plan.tiles()[std::size_t(t)].core;
      for (index_t b = 0; b < batch; ++b)
        for (index_t j = 0; j < core.ny; ++j, k += std::size_t(core.nx))
          std::copy_n(all.data() + k, core.nx,
                      stitched.data() + b * nx * ny + (core.y0 + j) * nx + core.x0);
    }
}

/// Sums `values` over the ranks, in place on every rank (MPI_SUM: rounding may depend on the
/// number of ranks; see sum_over_tiles).
inline void allreduce_sum(std::span<double> values, MPI_Comm comm) {
  require(values.size() < (std::size_t(1) << 31), "dist::mpi::allreduce_sum", "values.size()",
          values.size(), "fewer than 2^31 values");
  FABTWIN_MPI_CHECK(
      MPI_Allreduce(MPI_IN_PLACE, values.data(), int(values.size()), MPI_DOUBLE, MPI_SUM, comm));
}

/// The sum over all tiles of per-tile vectors of `width` values: `mine` holds this rank's tiles'
/// vectors (tiles_of_rank order, width each). Every rank gets the sum, added in tile order, so it
/// is bit-identical for any number of ranks.
inline std::vector<double> sum_over_tiles(std::span<const double> mine, index_t width,
                                          index_t tiles, MPI_Comm comm) {
  int rank = 0, ranks = 1;
  FABTWIN_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  FABTWIN_MPI_CHECK(MPI_Comm_size(comm, &ranks));
  require(width >= 1 &&
              index_t(mine.size()) == width * index_t(tiles_of_rank(tiles, rank, ranks).size()),
          "dist::mpi::sum_over_tiles", "mine.size()", mine.size(),
          "width values for each of this rank's tiles");
  std::vector<int> counts(static_cast<std::size_t>(ranks)),
      offsets(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    counts[std::size_t(r)] = int(width * index_t(tiles_of_rank(tiles, r, ranks).size()));
    offsets[std::size_t(r)] = int(width * (tiles * r / ranks));
  }
  std::vector<double> all(std::size_t(width * tiles));
  FABTWIN_MPI_CHECK(MPI_Allgatherv(mine.data(), int(mine.size()), MPI_DOUBLE, all.data(),
                                   counts.data(), offsets.data(), MPI_DOUBLE, comm));
  std::vector<double> sum(std::size_t(width), 0.0);
  for (index_t t = 0; t < tiles; ++t)
    for (index_t k = 0; k < width; ++k) sum[std::size_t(k)] += all[std::size_t(t * width + k)];
  return sum;
}

/// Gives every rank `root`'s kernel set: `set` as it is on `root`, replaced by it on the others. A
/// set from the optics is an eigensolve of seconds that every rank would repeat for the same bits;
/// one rank makes it and the rest receive it. All ranks call it.
inline void broadcast(optics::KernelSet& set, MPI_Comm comm, int root = 0) {
  int rank = 0;
  FABTWIN_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  // The shape and the scalars first, so that the others can size their vectors.
  double header[5] = {double(set.radius), set.period_nm, set.energy, set.support_nm,
                      double(set.weights.size())};
  FABTWIN_MPI_CHECK(MPI_Bcast(header, 5, MPI_DOUBLE, root, comm));
  const auto count = std::size_t(header[4]);
  const auto side = 2 * std::size_t(header[0]) + 1, samples = count * side * side;
  require(samples < (std::size_t(1) << 30), "dist::mpi::broadcast", "set.spectra.size()", samples,
          "fewer than 2^30 spectrum samples (MPI counts are int)");
  if (rank != root) {
    set.radius = index_t(header[0]);
    set.period_nm = header[1];
    set.energy = header[2];
    set.support_nm = header[3];
    set.weights.resize(count);
    set.spectra.resize(samples);
  }
  FABTWIN_MPI_CHECK(MPI_Bcast(set.weights.data(), int(count), MPI_DOUBLE, root, comm));
  // std::complex<double> is an array of two doubles ([complex.numbers.general]).
  FABTWIN_MPI_CHECK(
      MPI_Bcast(set.spectra.data(), int(2 * set.spectra.size()), MPI_DOUBLE, root, comm));
}

/// Runs `body()` (returning an exit status); if it throws on any rank, prints the error with the
/// rank to stderr and ends the whole job with MPI_Abort, so that no rank waits for ever on one
/// that failed.
template <class Body>
int run_or_abort(MPI_Comm comm, const char* program, Body&& body) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: rank %d: error: %s\n%s: rank %d: ending every rank (MPI_Abort)\n",
                 program, rank, e.what(), program, rank);
  } catch (...) {
    std::fprintf(stderr, "%s: rank %d: unknown error; ending every rank (MPI_Abort)\n", program,
                 rank);
  }
  std::fflush(stderr);
  MPI_Abort(comm, 1);
  return 1;
}

}  // namespace fabtwin::dist::mpi
