#pragma once
// `tlbsim replay`: a recorded kernel schedule run through the model under a policy, with what
// the model predicts compared to what the recording observed (docs/replay.md).

#include "ftrace/workload.h"
#include "run/replay_compare.h"
#include "run/replay_scenario.h"
#include "run/runner.h"

#include <string>

namespace run {

struct ReplayRun {
    RunResult run;
    ReplayComparison comparison;
};

/// Runs `rs` (built from `w`) under `policy`, watching its records with a ReplayComparator.
ReplayRun replay_workload(const ftrace::Workload& w, const ReplayScenario& rs,
                          const std::string& policy, RunOptions options = {});

} // namespace run
