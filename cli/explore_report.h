#pragma once
// What `tlbsim explore` reports besides its text: the `run` command that replays a finding, and
// the JSON of one exploration (docs/json-schema.md, Explore).

#include "cli/json_report.h"
#include "run/explore.h"

#include <string>

namespace cli {

/// "tlbsim run FILE --policy P --seed S --jitter J --delay C@T+X ...": replays `plan` exactly
/// (the --delay flags are left out when the plan's delays are the scenario's own).
std::string replay_command(const std::string& file, const std::string& policy,
                           const scenario::Machine& machine, const run::Plan& plan);

/// One exploration as the "explore" array's entry; each finding's run is appended to `runs` and
/// referred to by its index there.
Json exploration_json(const std::string& file, const scenario::Machine& machine,
                      const run::ExploreResult& res, Json& runs);

} // namespace cli
