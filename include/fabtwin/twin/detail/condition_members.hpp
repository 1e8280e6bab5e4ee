#pragma once
// The members of a batch that run under one process condition (conditions.hpp: member m runs under
// condition m % C), gathered into a batch of their own and scattered back: for stages that process
// each condition apart (the bakes, whose temperature offsets differ by condition).

#include <optional>

#include "fabtwin/core/field.hpp"
#include "fabtwin/core/view.hpp"

namespace fabtwin::twin::detail {

/// Members c, c + C, c + 2C, ... of `from` (C = count) into `to` (batch B = from's batch / C).
template <class T, class Space>
void gather_condition(const Field<T, Space>& from, index_t count, index_t c, Field<T, Space>& to) {
  for (index_t b = 0; b < to.batch(); ++b)
    copy(View<const T, Space>(from.view().member(b * count + c)), to.view().member(b));
}

/// The reverse: the members of `from` (batch B) into members c, c + C, ... of `to`.
template <class T, class Space>
void scatter_condition(const Field<T, Space>& from, index_t count, index_t c, Field<T, Space>& to) {
  for (index_t b = 0; b < from.batch(); ++b)
    copy(View<const T, Space>(from.view().member(b)), to.view().member(b * count + c));
}

/// Runs process(part, c) on condition c's members of `in` (part: a batch of its own) for every
/// condition c < count, scattering each result (a field of part's extents) into `out`.
template <class T, class Space, class Process>
void for_each_condition(const Field<T, Space>& in, index_t count, Field<T, Space>& out,
                        Process&& process) {
  Field<T, Space> part(in.grid(), in.batch() / count);
  for (index_t c = 0; c < count; ++c) {
    gather_condition(in, count, c, part);
    scatter_condition(process(part, c), count, c, out);
  }
}

/// The reverse pass of for_each_condition: process(input, grad_part, c, grad_out) writes condition
/// c's input gradient into grad_out from its output gradient grad_part, and is scattered into
/// `grad_in`. `input` is condition c's members of `in` where `gather_input` (a backward that bakes
/// again), else `in` itself, unread (a backward that has the bake's sweeps).
template <class T, class Space, class Process>
void for_each_condition_backward(const Field<T, Space>& in, const Field<T, Space>& grad_out_all,
                                 index_t count, bool gather_input, Field<T, Space>& grad_in,
                                 Process&& process) {
  const index_t members = in.batch() / count;
  Field<T, Space> grad_part(in.grid(), members), grad_out(in.grid(), members);
  std::optional<Field<T, Space>> part;
  if (gather_input) part.emplace(in.grid(), members);
  for (index_t c = 0; c < count; ++c) {
    if (part) gather_condition(in, count, c, *part);
    gather_condition(grad_out_all, count, c, grad_part);
    process(part ? *part : in, grad_part, c, grad_out);
    scatter_condition(grad_out, count, c, grad_in);
  }
}

}  // namespace fabtwin::twin::detail
