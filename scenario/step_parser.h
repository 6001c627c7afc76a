#pragma once
// The programs of [[thread]] and [[kthread]]: step strings parsed and validated against the step
// table (scenario/steps.h), with `repeat` ... `end` nested into Step::body. Internal to the
// scenario layer.

#include "scenario/load_state.h"

#include <string>
#include <toml++/toml.h>
#include <vector>

namespace scenario::detail {

/// The steps of the array `program` (at `path`) of a [[kthread]] (kthread) or a [[thread]].
/// Records events, waits, signals and labels in `state`.
std::vector<Step> parse_program(LoadState& state, const toml::array& program,
                                const std::string& path, bool kthread);

} // namespace scenario::detail
