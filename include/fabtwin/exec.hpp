#pragma once
// Running work in a space: contexts, index ranges, for_each and transform, reductions, stream
// compaction, caches and scratch memory.

#include "fabtwin/exec/compact.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/object_cache.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/exec/scratch_pool.hpp"
