#pragma once
// What `tlbsim explore` reports besides its text: the `run` command that replays a finding, and
// the JSON of one exploration (docs/json-schema.md, Explore).

#include "cli/command.h"
#include "cli/json_report.h"
#include "run/explore.h"

#include <string>
#include <vector>

namespace cli {

/// "tlbsim run FILE --policy P --seed S --jitter J --delay C@T+X ...": replays `plan` exactly
/// (the --delay flags are left out when the plan's delays are the scenario's own).
std::string replay_command(const std::string& file, const std::string& policy,
                           const scenario::Machine& machine, const run::Plan& plan);

/// One exploration as the "explore" array's entry; each finding's run is appended to `runs` and
/// referred to by its index there.
Json exploration_json(const std::string& file, const scenario::Machine& machine,
                      const run::ExploreResult& res, Json& runs);

/// Prints one exploration (an entry of the "explore" array, `runs` the document's runs) as
/// `tlbsim explore` prints it: from the JSON, so that `tlbsim merge` prints shards the same way.
void print_exploration(const Json& exploration, const Json& runs, const Io& io);

/// The exit status an exploration calls for: 1 a violation found, 2 a run error, 3 an internal
/// error, 0 none.
int exploration_status(const Json& exploration);

/// The merged exploration of the shards' entries for one scenario and policy (same options but
/// the shard; every shard once): what one machine would have made. The findings' runs are
/// copied from each shard's `runs` (`shard_runs[i]` for `shards[i]`) into `runs`.
Json merge_explorations(const std::vector<const Json*>& shards,
                        const std::vector<const Json*>& shard_runs, Json& runs);

} // namespace cli
