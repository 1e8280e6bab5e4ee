#pragma once
// Sums across GPUs with NCCL (NVIDIA's collectives over NVLink and InfiniBand, without a trip
// through host memory), for ranks that are all GPUs: a calibration's losses and gradients, or any
// per-tile vectors that live on the devices. One Communicator per rank, each on one device. Ranks
// in several processes join one communicator by an id that one of them makes (unique_id) and sends
// to the others (MPI_Bcast of its bytes: dist/mpi.hpp runs the processes); the devices of one
// process are made ranks together (Communicator::for_devices), each then driven from its own host
// thread, as run_tiles drives its contexts. Needs nvcc and NCCL (link NCCL::nccl or libnccl); not
// in the dist/ umbrella for that reason. Over MPI ranks, one GPU each:
//
//   ncclUniqueId id{};
//   if (session.rank() == 0) id = nccl::unique_id();
//   FABTWIN_MPI_CHECK(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, session.comm()));
//   nccl::Communicator comm(session.rank(), session.size(), id, device);
//
// Failure. An NCCL collective whose peer failed waits for ever. Communicator::wait waits for a
// stream while polling ncclCommGetAsyncError: an asynchronous error, or a wait past the timeout,
// aborts the communicator (ncclCommAbort frees what the collective holds without waiting for the
// peers) and throws a fabtwin::backend_error naming the rank and the cause, which
// mpi::run_or_abort turns into the end of every rank. Every NCCL return code is checked
// (FABTWIN_NCCL_CHECK) and a failure names the call, NCCL's text, file and line.
//
// Determinism. allreduce_sum rounds in the order of the algorithm NCCL picks (ring or tree, by the
// number of ranks and the topology). sum_over_tiles gathers every tile's vector (ncclAllGather:
// copies, no arithmetic) and adds them in tile order on each device, so its sum is bit-identical
// for any number of ranks, and to dist::mpi::sum_over_tiles on the host.

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <nccl.h>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/space.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"

#if !FABTWIN_HAS_CUDA
#  error "fabtwin/dist/nccl.hpp needs the Cuda space: compile it with nvcc"
#endif

namespace fabtwin::dist::nccl {

/// Throws backend_error naming the NCCL call, NCCL's error text (and its last message, which says
/// more), and where the call was made.
inline void check(ncclResult_t code, const char* call, const char* file, int line) {
  if (code == ncclSuccess) return;
  std::string message = std::string("fabtwin: ") + call + " failed: " + ncclGetErrorString(code);
  const char* detail = ncclGetLastError(nullptr);
  if (detail && *detail) message += std::string(" (") + detail + ")";
  throw backend_error(message + " at " + file + ":" + std::to_string(line));
}

}  // namespace fabtwin::dist::nccl

#define FABTWIN_NCCL_CHECK(call) ::fabtwin::dist::nccl::check((call), #call, __FILE__, __LINE__)

namespace fabtwin::dist::nccl {

namespace detail {
template <class T>
constexpr ncclDataType_t data_type() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "dist::nccl sums float or double values");
  return std::is_same_v<T, float> ? ncclFloat : ncclDouble;
}

inline void require_device(int device, const char* where) {
  int count = 0;
  FABTWIN_CUDA_CHECK(cudaGetDeviceCount(&count));
  require(device >= 0 && device < count, where, "device", device,
          [&] { return "a device index below the " + std::to_string(count) + " visible devices"; });
}
}  // namespace detail

/// The id that names one communicator: made once (on one rank) and given to every rank that joins.
inline ncclUniqueId unique_id() {
  ncclUniqueId id{};
  FABTWIN_NCCL_CHECK(ncclGetUniqueId(&id));
  return id;
}

/// How long Communicator::wait lets a collective run before it calls the peers lost. A collective
/// also waits for peers that are still computing their tiles, so the default is generous.
inline constexpr std::chrono::milliseconds default_timeout{std::chrono::minutes(10)};

/// One rank of an NCCL communicator, on one device. Movable, not copyable; destroyed with
/// ncclCommDestroy, or left by abort() after a failure.
class Communicator {
 public:
  /// Rank `rank` of `ranks` on `device`, joining the communicator named by `id`: every rank calls
  /// this with the same id and count, and it returns when all have (ncclCommInitRank).
  Communicator(int rank, int ranks, const ncclUniqueId& id, int device)
      : rank_(rank), ranks_(ranks), device_(device) {
    constexpr const char* where = "dist::nccl::Communicator";
    require(ranks >= 1, where, "ranks", ranks, "one or more ranks");
    require(rank >= 0 && rank < ranks, where, "rank", rank,
            [&] { return "a rank from 0 to " + std::to_string(ranks - 1); });
    detail::require_device(device, where);
    FABTWIN_CUDA_CHECK(cudaSetDevice(device));
    FABTWIN_NCCL_CHECK(ncclCommInitRank(&comm_, ranks, id, rank));
  }

  /// One rank per device of this process (ncclCommInitAll): rank k on devices[k]. NCCL takes one
  /// rank per device, so the devices must differ.
  static std::vector<Communicator> for_devices(std::span<const int> devices) {
    constexpr const char* where = "dist::nccl::Communicator::for_devices";
    require(!devices.empty(), where, "devices.size()", devices.size(), "one or more devices");
    for (std::size_t k = 0; k < devices.size(); ++k) {
      detail::require_device(devices[k], where);
      for (std::size_t j = 0; j < k; ++j)
        require(devices[j] != devices[k], where, "devices", devices[k],
                "distinct devices (NCCL runs one rank per device)");
    }
    std::vector<ncclComm_t> comms(devices.size(), nullptr);
    FABTWIN_NCCL_CHECK(ncclCommInitAll(comms.data(), int(devices.size()), devices.data()));
    std::vector<Communicator> result;
    for (std::size_t k = 0; k < devices.size(); ++k)
      result.push_back(Communicator(comms[k], int(k), int(devices.size()), devices[k]));
    return result;
  }

  Communicator(Communicator&& other) noexcept
      : comm_(std::exchange(other.comm_, nullptr)),
        rank_(other.rank_),
        ranks_(other.ranks_),
        device_(other.device_) {}
  Communicator& operator=(Communicator&& other) noexcept {
    std::swap(comm_, other.comm_);
    std::swap(rank_, other.rank_);
    std::swap(ranks_, other.ranks_);
    std::swap(device_, other.device_);
    return *this;
  }
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator() {
    if (comm_) (void)ncclCommDestroy(comm_);
  }

  int rank() const { return rank_; }
  int ranks() const { return ranks_; }
  int device() const { return device_; }
  bool aborted() const { return comm_ == nullptr; }

  /// The NCCL handle, for collectives this header does not wrap.
  ncclComm_t handle() const {
    require(comm_ != nullptr, "dist::nccl::Communicator", "rank", rank_,
            "a communicator that was not aborted (make a new one after a failure)");
    return comm_;
  }

  /// Ends the communicator without waiting for its peers (after a failure): its collectives in
  /// flight return, and it takes no more.
  void abort() {
    if (comm_) (void)ncclCommAbort(std::exchange(comm_, nullptr));
  }

  /// Waits until the work queued on `stream` is done, watching this communicator: if a collective
  /// fails asynchronously (a peer lost) or the wait passes `timeout`, aborts the communicator and
  /// throws backend_error naming the rank and the cause, where cudaStreamSynchronize would hang.
  void wait(cudaStream_t stream, std::chrono::milliseconds timeout = default_timeout) {
    const ncclComm_t comm = handle();
    const auto start = std::chrono::steady_clock::now();
    const std::string who = "fabtwin: dist::nccl rank " + std::to_string(rank_) + " of " +
                            std::to_string(ranks_) + " (device " + std::to_string(device_) + ")";
    for (;;) {
      const cudaError_t state = cudaStreamQuery(stream);
      if (state == cudaSuccess) return;
      if (state != cudaErrorNotReady) {
        abort();
        FABTWIN_CUDA_CHECK(state);
      }
      ncclResult_t failure = ncclSuccess;
      FABTWIN_NCCL_CHECK(ncclCommGetAsyncError(comm, &failure));
      if (failure != ncclSuccess) {
        abort();
        throw backend_error(who + ": a collective failed (" + ncclGetErrorString(failure) +
                            "); the communicator was aborted");
      }
      if (std::chrono::steady_clock::now() - start > timeout) {
        abort();
        throw backend_error(who + ": the stream waited more than " +
                            std::to_string(timeout.count()) +
                            " ms (a peer that failed or never joined the collective); the "
                            "communicator was aborted");
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }

 private:
  Communicator(ncclComm_t comm, int rank, int ranks, int device)
      : comm_(comm), rank_(rank), ranks_(ranks), device_(device) {}

  ncclComm_t comm_ = nullptr;
  int rank_ = 0, ranks_ = 1, device_ = 0;
};

/// Sums `values` (on the communicator's device) over the ranks, in place on every rank
/// (ncclAllReduce), queued on `ctx`'s stream and waited for. Rounding follows NCCL's algorithm, which
/// may change with the number of ranks; sum_over_tiles does not.
template <class T>
void allreduce_sum(Context<Cuda>& ctx, Communicator& comm, View<T, Cuda> values,
                   std::chrono::milliseconds timeout = default_timeout) {
  require(ctx.device() == comm.device(), "dist::nccl::allreduce_sum", "ctx.device()", ctx.device(),
          "the communicator's device");
  ctx.activate();
  FABTWIN_NCCL_CHECK(ncclAllReduce(values.data(), values.data(), std::size_t(values.size()),
                                   detail::data_type<T>(), ncclSum, comm.handle(), ctx.stream()));
  comm.wait(ctx.stream(), timeout);
}

namespace detail {
/// sum[k] = the sum over tiles t = 0, 1, ... of gathered tile t's value k, in that order. Rank r's
/// `per` slots hold its tiles (tiles_of_rank: contiguous, in order), so walking the ranks and their
/// tiles visits the tiles in order.
template <class T>
struct SumInTileOrder {
  View<const T, Cuda> gathered;  // ranks x per x width
  View<T, Cuda> sum;             // width
  index_t width, per, tiles, ranks;
  FABTWIN_HD void operator()(index_t k) const {
    T total = 0;
    for (index_t r = 0; r < ranks; ++r) {
      const index_t count = tiles * (r + 1) / ranks - tiles * r / ranks;
      for (index_t local = 0; local < count; ++local)
        total += gathered[(r * per + local) * width + k];
    }
    sum[k] = total;
  }
};
}  // namespace detail

/// The sum over all `tiles` tiles of per-tile vectors of `width` values, on every rank: `mine` holds
/// this rank's tiles' vectors (tiles_of_rank order, `width` each) and `sum` receives the total,
/// added in tile order, so it is bit-identical for any number of ranks. Queued on `ctx`'s stream
/// and waited for (Communicator::wait).
template <class T>
void sum_over_tiles(Context<Cuda>& ctx, Communicator& comm, View<const T, Cuda> mine, index_t width,
                    index_t tiles, View<T, Cuda> sum,
                    std::chrono::milliseconds timeout = default_timeout) {
  constexpr const char* where = "dist::nccl::sum_over_tiles";
  require(ctx.device() == comm.device(), where, "ctx.device()", ctx.device(),
          "the communicator's device");
  require(width >= 1, where, "width", width, "one or more values per tile");
  require(tiles >= 1, where, "tiles", tiles, "one or more tiles");
  const index_t own = index_t(tiles_of_rank(tiles, comm.rank(), comm.ranks()).size());
  require(mine.size() == width * own, where, "mine.size()", mine.size(), [&] {
    return std::to_string(width) + " values for each of this rank's " + std::to_string(own) +
           " tiles";
  });
  require(sum.size() == width, where, "sum.size()", sum.size(), "width values");
  ctx.activate();  // the scratch fields below belong on the communicator's device
  // ncclAllGather takes the same count from every rank: each sends `per` slots, the largest share.
  const index_t per = (tiles + comm.ranks() - 1) / comm.ranks();
  Field<T, Cuda> slots(Grid(width * per, 1, 1.0));
  Field<T, Cuda> gathered(Grid(width * per, 1, 1.0), comm.ranks());
  if (own > 0)
    FABTWIN_CUDA_CHECK(cudaMemcpyAsync(slots.data(), mine.data(),
                                       std::size_t(mine.size()) * sizeof(T),
                                       cudaMemcpyDeviceToDevice, ctx.stream()));
  FABTWIN_NCCL_CHECK(ncclAllGather(slots.data(), gathered.data(), std::size_t(width * per),
                                   detail::data_type<T>(), comm.handle(), ctx.stream()));
  for_each(ctx, Range1{width},
           detail::SumInTileOrder<T>{gathered.cview(), sum, width, per, tiles, comm.ranks()});
  comm.wait(ctx.stream(), timeout);
}

}  // namespace fabtwin::dist::nccl
