#pragma once
// `tlbsim explore --shrink`: delta-debugs a violating run (a scenario, a policy and the Plan
// explore found) into a small scenario that still violates the same property by the same
// mechanism (docs/explore.md, Shrinking).
//
// The scenario is edited as a TOML document (run/shrink_toml.h): the timing of the run is first
// written into [machine] (seed, jitter, delays) so that every candidate is a plain scenario that
// replays without options; then the reductions are tried greedily, biggest first, each kept when
// the candidate loads and its run under the policy still shows the violation, until no reduction
// is kept (a fixed point) or the bound on candidates is reached.
//
// "The same mechanism": the candidate's first violation has the target's property and cause,
// its explanation (the chain's lines that are not kernel records: which task and mm the call
// read on the CPU and whether it sent the IPI, why the return broke the guarantee), times
// masked, is the target's, and every kernel site of its chain is one of the target's (the chain
// may lose sites: a shorter scenario passes fewer places, but it may not reach the violation
// through a place the original did not). The explanation tells an exit handoff (the call read
// the exiting thread, mm NULL) from an idle return (it read the idle task), whose sites agree.

#include "check/violation.h"
#include "run/explore.h"
#include "scenario/loader.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace run {

struct ShrinkOptions {
    /// Candidates tried at most (each is loaded, and run when it loads; a run takes 0.1-1 ms).
    std::size_t max_candidates = 4000;
};

struct ShrinkResult {
    /// The shrunk scenario: its policies = [the policy], no [[expect]], the timing in [machine].
    std::string toml;
    check::Violation violation;                       ///< its first violation under the policy
    std::size_t threads_before = 0, steps_before = 0; ///< threads/kthreads and program steps
    std::size_t threads = 0, steps = 0;
    std::size_t candidates = 0; ///< candidates tried (those that did not load included)
    std::size_t kept = 0;       ///< reductions kept
    bool bounded = false;       ///< stopped by max_candidates before a fixed point
};

/// True when `found` is the violation `target` by the same mechanism (see above).
bool same_mechanism(const check::Violation& found, const check::Violation& target);

/// Shrinks the scenario `text` (named `file` in messages) whose run under `policy` with `plan`'s
/// timing violates `target`. Throws scenario::ScenarioError when the text does not load, and
/// std::logic_error when the plan does not reproduce the violation (replays are deterministic).
ShrinkResult shrink(std::string_view text, const std::string& file,
                    const scenario::Catalog& catalog, const std::string& policy, const Plan& plan,
                    const check::Violation& target, const ShrinkOptions& options = {});

} // namespace run
