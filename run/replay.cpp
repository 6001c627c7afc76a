#include "run/replay.h"

namespace run {

ReplayRun replay_workload(const ftrace::Workload& w, const ReplayScenario& rs,
                          const std::string& policy, RunOptions options) {
    ReplayComparator comparator(w, rs);
    options.observers.push_back(&comparator);
    ReplayRun r;
    r.run = run_scenario(rs.scenario, policy, options);
    r.comparison = comparator.result();
    return r;
}

} // namespace run
