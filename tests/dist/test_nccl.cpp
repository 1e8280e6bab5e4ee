// dist/nccl.hpp on the GPUs of the machine that runs it (CUDA builds that find NCCL; a GPU machine
// runs it through scripts/gpu-check.sh). NCCL takes one rank per device, so every rank count from 1
// to the number of devices (at most 4) is tried, each rank driven from its own thread as run_tiles
// drives its contexts. Sums over tiles must equal the tile-order sum bit for bit (the values are
// chosen so that another grouping rounds differently: the test checks that it does), allreduce_sum
// must add, bad arguments name themselves, and a wait that outlives its timeout aborts the
// communicator instead of hanging.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fabtwin/core/field.hpp"
#include "fabtwin/dist/nccl.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/exec/context.hpp"

namespace {

using namespace fabtwin;
namespace nccl = fabtwin::dist::nccl;

int nccl_test_devices() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return 0;
  return count < 4 ? count : 4;
}

std::vector<int> nccl_test_first_devices(int ranks) {
  std::vector<int> devices;
  for (int d = 0; d < ranks; ++d) devices.push_back(d);
  return devices;
}

// Runs body(communicator) for every rank on a thread of its own and rethrows the first exception.
template <class Body>
void nccl_test_on_every_rank(std::vector<nccl::Communicator>& comms, Body body) {
  std::exception_ptr first;
  std::mutex guard;
  std::vector<std::thread> threads;
  for (nccl::Communicator& comm : comms)
    threads.emplace_back([&, c = &comm] {
      try {
        FABTWIN_CUDA_CHECK(cudaSetDevice(c->device()));
        body(*c);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(guard);
        if (!first) first = std::current_exception();
      }
    });
  for (std::thread& t : threads) t.join();
  if (first) std::rethrow_exception(first);
}

// Tile t's entry k: (-1)^t 1e16 (k + 1) + t / 3, which floating point adds differently in another
// grouping.
double nccl_test_value(index_t t, index_t k) {
  return (t % 2 ? -1e16 : 1e16) * double(k + 1) + double(t) / 3.0;
}

}  // namespace

TEST_CASE("NCCL sums per-tile vectors in tile order, bit-identical for any number of ranks",
          "[dist][nccl]") {
  const int devices = nccl_test_devices();
  REQUIRE(devices >= 1);
  const index_t tiles = 7, width = 3;
  std::vector<double> expected(width, 0.0), reversed(width, 0.0);
  for (index_t k = 0; k < width; ++k) {
    for (index_t t = 0; t < tiles; ++t) expected[std::size_t(k)] += nccl_test_value(t, k);
    for (index_t t = tiles - 1; t >= 0; --t) reversed[std::size_t(k)] += nccl_test_value(t, k);
  }
  REQUIRE(std::memcmp(expected.data(), reversed.data(), sizeof(double) * width) != 0);

  for (int ranks = 1; ranks <= devices; ++ranks) {
    CAPTURE(ranks);
    const std::vector<int> ids = nccl_test_first_devices(ranks);
    std::vector<nccl::Communicator> comms = nccl::Communicator::for_devices(ids);
    std::vector<std::vector<double>> sums(static_cast<std::size_t>(ranks)),
        totals(static_cast<std::size_t>(ranks));
    nccl_test_on_every_rank(comms, [&](nccl::Communicator& comm) {
      Context<Cuda> ctx(CudaOptions{comm.device()});
      std::vector<double> mine;
      for (const index_t t : dist::tiles_of_rank(tiles, comm.rank(), comm.ranks()))
        for (index_t k = 0; k < width; ++k) mine.push_back(nccl_test_value(t, k));
      Field<double, Cuda> mine_d(Grid(index_t(mine.size()) > 0 ? index_t(mine.size()) : 1, 1, 1.0));
      if (!mine.empty())
        FABTWIN_CUDA_CHECK(cudaMemcpy(mine_d.data(), mine.data(), mine.size() * sizeof(double),
                                      cudaMemcpyHostToDevice));
      Field<double, Cuda> sum(Grid(width, 1, 1.0));
      const View<const double, Cuda> share(mine_d.data(), index_t(mine.size()), 1);
      nccl::sum_over_tiles(ctx, comm, share, width, tiles, sum.view());
      sums[std::size_t(comm.rank())].resize(std::size_t(width));
      FABTWIN_CUDA_CHECK(cudaMemcpy(sums[std::size_t(comm.rank())].data(), sum.data(),
                                    width * sizeof(double), cudaMemcpyDeviceToHost));

      // allreduce_sum: rank r gives (r + 1, 1), every rank gets (R (R + 1) / 2, R).
      Field<double, Cuda> counts(Grid(2, 1, 1.0));
      const double values[2] = {double(comm.rank() + 1), 1.0};
      FABTWIN_CUDA_CHECK(cudaMemcpy(counts.data(), values, sizeof(values), cudaMemcpyHostToDevice));
      nccl::allreduce_sum(ctx, comm, counts.view());
      totals[std::size_t(comm.rank())].resize(2);
      FABTWIN_CUDA_CHECK(cudaMemcpy(totals[std::size_t(comm.rank())].data(), counts.data(),
                                    sizeof(values), cudaMemcpyDeviceToHost));
    });
    for (int r = 0; r < ranks; ++r) {
      CAPTURE(r);
      CHECK(std::memcmp(sums[std::size_t(r)].data(), expected.data(), sizeof(double) * width) == 0);
      CHECK(totals[std::size_t(r)][0] == double(ranks * (ranks + 1) / 2));
      CHECK(totals[std::size_t(r)][1] == double(ranks));
    }
  }
}

TEST_CASE("NCCL arguments are checked and name themselves", "[dist][nccl]") {
  REQUIRE(nccl_test_devices() >= 1);
  const ncclUniqueId id = nccl::unique_id();
  CHECK_THROWS_WITH(nccl::Communicator(2, 2, id, 0),
                    Catch::Contains("rank") && Catch::Contains("2"));
  CHECK_THROWS_WITH(nccl::Communicator(0, 1, id, 999), Catch::Contains("device"));
  const int twice[2] = {0, 0};
  CHECK_THROWS_WITH(nccl::Communicator::for_devices(twice), Catch::Contains("distinct devices"));
  CHECK_THROWS_WITH(nccl::check(ncclInvalidArgument, "ncclAllReduce(x)", "here.cpp", 7),
                    Catch::Contains("ncclAllReduce(x)") && Catch::Contains("here.cpp:7") &&
                        Catch::Contains(ncclGetErrorString(ncclInvalidArgument)));

  const int first[1] = {0};
  std::vector<nccl::Communicator> comms = nccl::Communicator::for_devices(first);
  Context<Cuda> ctx(CudaOptions{0});
  Field<double, Cuda> values(Grid(6, 1, 1.0)), sum(Grid(3, 1, 1.0));
  // One rank holds all 3 tiles: 9 values, not 6.
  CHECK_THROWS_WITH(nccl::sum_over_tiles(ctx, comms[0], values.cview(), 3, 3, sum.view()),
                    Catch::Contains("mine.size()") && Catch::Contains("6"));
  CHECK_THROWS_WITH(nccl::sum_over_tiles(ctx, comms[0], values.cview(), 2, 3, sum.view()),
                    Catch::Contains("sum.size()"));
}

TEST_CASE("A wait past its timeout aborts the communicator instead of hanging", "[dist][nccl]") {
  REQUIRE(nccl_test_devices() >= 1);
  const int first[1] = {0};
  std::vector<nccl::Communicator> comms = nccl::Communicator::for_devices(first);
  Context<Cuda> ctx(CudaOptions{0});
  // The stream is kept busy by a host function that sleeps: a stand-in for a peer that never comes.
  FABTWIN_CUDA_CHECK(cudaLaunchHostFunc(
      ctx.stream(), [](void*) { std::this_thread::sleep_for(std::chrono::milliseconds(500)); },
      nullptr));
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(comms[0].wait(ctx.stream(), std::chrono::milliseconds(50)),
                    Catch::Contains("rank 0 of 1") && Catch::Contains("more than 50 ms") &&
                        Catch::Contains("aborted"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(400));
  CHECK(comms[0].aborted());
  CHECK_THROWS_WITH(comms[0].handle(), Catch::Contains("not aborted"));
  ctx.synchronize();
}
