#pragma once
// The default report: per scenario, an aligned table with one column per policy and one row per
// counter that is non-zero under some policy. Redundant serializations and sync_core by site come
// first, then the cycles they cost, then every other counter in registry order. Rows whose values
// differ between policies are marked with '*'.

#include "run/runner.h"

#include <string>
#include <vector>

namespace cli {

/// The table of `runs` (the runs of one scenario, one column each, in order).
std::string format_table(const std::vector<const run::RunResult*>& runs, bool per_cpu);

} // namespace cli
