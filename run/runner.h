#pragma once
// Builds one simulated machine from a parsed scenario and a policy, runs it, and returns what a
// report needs. Everything a run produces comes from its records (counters) or its end state.

#include "arch_x86/memory_search.h"
#include "check/guarantee_checker.h"
#include "kernel/trace.h"
#include "policy/knobs.h"
#include "scenario_model/scenario.h"
#include "sim/counters.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace run {

struct RunOptions {
    std::optional<std::uint64_t> seed; ///< overrides [machine] seed
    std::optional<int> jitter;         ///< overrides [machine] jitter
    /// Overrides [machine] delays (a schedule perturbation: explore, --delay).
    std::optional<std::vector<scenario::Delay>> delays;
    /// Extra observers of the record stream (narrative, trace writers), in order.
    std::vector<kernel::RecordObserver*> observers;
    /// Run with these knobs instead of the named policy's (bisection); the name is kept for
    /// reports.
    std::optional<policy::Knobs> knobs;
    /// An exhaustive search's chooser (run/exhaustive.h): the run's x86-TSO choices are its.
    arch_x86::MemoryChooser* memory_chooser = nullptr;
    bool search_reduction = true; ///< with memory_chooser: sleep sets and commit-order pruning
};

/// What user code ended with: memory once every store buffer drained (by Scenario::variables
/// index), and each thread's registers (by thread, then Thread::registers index; 0 if never
/// loaded). Ordered, so that sets of final states print in a fixed order.
struct UserState {
    std::vector<std::int64_t> memory;
    std::vector<std::vector<std::int64_t>> registers;
    auto operator<=>(const UserState&) const = default;
};

struct RunResult {
    std::string scenario;
    std::string policy;
    std::uint64_t seed = 0;
    int jitter = 0;
    std::vector<scenario::Delay> delays; ///< the schedule perturbation used
    /// Empty when the run completed (every thread exited, or max_cycles); otherwise one line:
    /// a deadlock, a step the scenario cannot do, or the watchdog (with a state dump after it).
    std::string error;
    /// Empty unless tlbsim itself failed (an internal error, exit status 3): its headline, a
    /// newline and the state dump. The counters then hold what the run counted until then.
    std::string internal_error;
    bool reached_max_cycles = false;
    sim::CounterRegistry counters;
    std::map<std::string, scenario::ResultValue> results; ///< labelled membarrier steps
    std::vector<std::string> step_expect_failures;        ///< `expect=` on steps
    UserState user;                      ///< final user registers and memory (docs/memory-model.md)
    std::vector<std::string> violations; ///< properties violated (the checker)
    std::vector<check::Violation> violation_reports; ///< the first ones, explained
    std::vector<check::Warning> warnings;            ///< mechanism rules K1-K5 (first ones)
    std::int64_t warning_count = 0;
    std::int64_t cycles = 0;  ///< simulated time at the end
    std::uint64_t events = 0; ///< engine events processed
    double wall_seconds = 0;
    std::vector<std::string> task_names; ///< by task id, for reports
    std::vector<std::string> mm_names;   ///< by mm id

    /// Which events discharged the membarrier calls' obligations (docs/properties.md).
    check::ObligationSummary obligations;
    /// With RunOptions::memory_chooser: every final memory, one per interleaving of the stores
    /// still buffered at the end (arch_x86::all_final_memories); `user.memory` is one of them.
    std::vector<std::vector<std::int64_t>> final_memories;
    bool search_repeats = false; ///< the search's run repeats one it explored before
};

/// The knobs of `name`: a preset, or a [[policy]] of the scenario (resolved through its bases).
std::optional<policy::Knobs> resolve_policy(const scenario::Scenario& sc, const std::string& name);

RunResult run_scenario(const scenario::Scenario& sc, const std::string& policy_name,
                       const RunOptions& options);

} // namespace run
