#pragma once
// `tlbsim replay`'s results as JSON (docs/json-schema.md, "Replay") and the text printed from
// them: per trace, prediction against observation under each policy, the switches whose CR3
// outcome the model did not predict, and what each policy would have cost on that schedule.

#include "cli/command.h"
#include "cli/json_report.h"
#include "ftrace/workload.h"
#include "run/replay.h"

#include <cstddef>
#include <string>

namespace cli {

/// {"observed": .., "predicted": .., "per_cpu": .., "switch_agreement": .., ...} of one policy.
Json replay_comparison_json(const run::ReplayComparison& c);

/// The ASID slots inferred for before the recording and the replay from them (run/replay_asid.h),
/// or null when none were inferred.
Json replay_inference_json(const run::ReplayRun& r, const run::ReplayScenario& rs);

/// One trace's object: the recording, what the replay assumed and left out, and one entry per
/// policy ({"policy", "comparison", "run"}) to which the caller appends.
Json replay_trace_json(const ftrace::Workload& w, const run::ReplayScenario& rs);

/// Prints one trace's object: header, per policy the comparison (the first `mismatches`
/// mismatches listed), then the what-if table over the policies.
void print_replay(const Json& trace, std::size_t mismatches, const Io& io);

} // namespace cli
