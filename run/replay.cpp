#include "run/replay.h"

namespace run {

ReplayRun replay_workload(const ftrace::Workload& w, const ReplayScenario& rs,
                          const std::string& policy, RunOptions options) {
    ReplayComparator comparator(w, rs);
    options.observers.push_back(&comparator);
    ReplayRun r;
    r.run = run_scenario(rs.scenario, policy, options);
    r.comparison = comparator.result();
    r.inference = infer_asid_slots(w, rs, comparator.asid_lookups());
    if (!r.inference.any() || !r.run.error.empty() || !r.run.internal_error.empty()) {
        return r;
    }
    const ReplayScenario seeded = with_inferred_slots(rs, r.inference);
    ReplayComparator again(w, seeded);
    options.observers = {&again};
    InferredReplay inferred{r.inference, run_scenario(seeded.scenario, policy, options), {}};
    inferred.comparison = again.result();
    r.inferred = std::move(inferred);
    return r;
}

} // namespace run
