#pragma once
// `tlbsim replay`: a recorded kernel schedule run through the model under a policy, with what
// the model predicts compared to what the recording observed (docs/replay.md).

#include "ftrace/workload.h"
#include "run/replay_asid.h"
#include "run/replay_compare.h"
#include "run/replay_scenario.h"
#include "run/runner.h"

#include <optional>
#include <string>

namespace run {

/// The replay run again from the ASID slots inferred for before the recording.
struct InferredReplay {
    AsidSlotInference slots;
    RunResult run;
    ReplayComparison comparison;
};

struct ReplayRun {
    RunResult run; ///< from empty ASID slots: the model's prediction alone
    ReplayComparison comparison;
    AsidSlotInference inference;
    std::optional<InferredReplay> inferred; ///< when slots were inferred on some CPU
};

/// Runs `rs` (built from `w`) under `policy`, watching its records with a ReplayComparator; then,
/// if the recording implies ASID slots from before it began (run/replay_asid.h), runs it again
/// from them (with a comparator only: `options`' observers watch the first run).
ReplayRun replay_workload(const ftrace::Workload& w, const ReplayScenario& rs,
                          const std::string& policy, RunOptions options = {});

} // namespace run
