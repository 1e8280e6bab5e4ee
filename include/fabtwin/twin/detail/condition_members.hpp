#pragma once
// The members of a batch that run under one process condition (conditions.hpp: member m runs under
// condition m % C), gathered into a batch of their own and scattered back: for stages that process
// each condition apart (the bakes, whose temperature offsets differ by condition).

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

}  // namespace fabtwin::twin::detail
