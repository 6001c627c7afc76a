#pragma once
// The loaders of the scenario file's top-level keys, one per section, in the order load_string
// calls them (later sections refer to names earlier ones defined). Each validates its keys,
// types, ranges and references, and adds what it read to the LoadState's scenario. Internal to
// the scenario layer.

#include "scenario/load_state.h"
#include "scenario/thread_chunks.h"

#include <vector>

namespace scenario::detail {

/// `name` (default: the file stem) and `description`.
void load_top(LoadState& st, const Tbl& root);
/// [machine], with [machine.costs].
void load_machine(LoadState& st, const Tbl& root);
/// [[process]]
void load_processes(LoadState& st, const Tbl& root);
/// [[policy]]: user-defined policies, each on a preset or an earlier [[policy]].
void load_policy_defs(LoadState& st, const Tbl& root);
/// [[thread]] and [[kthread]] with their programs, in file order; then every waited-for event
/// must have been signalled.
void load_threads(LoadState& st, const Tbl& root, const std::vector<ThreadChunk>& chunks);
/// [[inject]]
void load_injects(LoadState& st, const Tbl& root);
/// `policies`
void load_policies(LoadState& st, const Tbl& root);
/// [[expect]]
void load_expects(LoadState& st, const Tbl& root);

} // namespace scenario::detail
