#pragma once
// An exhaustive search of a small scenario's x86-TSO executions (docs/memory-model.md,
// Exhaustive search): a stateless depth-first search by re-execution (Godefroid, "Model checking
// for programming languages using VeriSoft", POPL 1997). Each execution runs the scenario with a
// choice vector that the x86 layer consults at every choice point (arch_x86/memory_search.h: which
// buffered stores reach memory before a read or a drain, whether a thread waits for another's
// next step); the next execution takes the next alternative at the deepest point that has one.
// Sleep sets and commit-order pruning keep equivalent orders from being run twice.
//
// Sharding (`explore --exhaustive --shard K/N`, docs/memory-model.md): the executions are split by
// their first `split` choices into subtrees, numbered in the search's order; shard K runs the
// subtrees i with i % N == K - 1 and, of every other subtree, only its first execution (a probe:
// it shows the choice points above the split that lead on to the next subtree). The search's
// order is the lexicographic order of the choice vectors, so the shards' results merge exactly:
// the first execution of anything is the one with the least choice vector.
//
// The timing between choice points is the scenario's own (jitter off): "every execution" means
// every x86-TSO ordering of the user memory steps, and of their commits, that the kernel paths'
// fixed timing admits.

#include "run/runner.h"
#include "scenario_model/scenario.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace run {

struct ExhaustiveOptions {
    std::string policy;
    /// The bound: the search stops here, incomplete (a shard: at this many executions of its
    /// own subtrees; its probes are not counted, as they are other shards' executions).
    std::int64_t max_executions = 100000;
    bool reduction = true; ///< off: every order, to check that the reduction loses nothing
    /// With the reduction: a turn point's wait is tried only once a race names it (off: at every
    /// turn point, as a shard always does: docs/memory-model.md, Races).
    bool races = true;
    std::uint32_t shard_index = 0; ///< --shard K/N: K - 1
    std::uint32_t shard_count = 1; ///< N
};

/// Subtrees per shard the split aims at (along the first execution's choice points), so that
/// the round-robin evens out subtrees of different sizes; each shard probes the others' ones.
inline constexpr std::int64_t kSubtreesPerShard = 64;

struct ExhaustiveResult {
    std::string scenario;
    std::string policy;
    std::int64_t executions = 0; ///< runs made (a shard's own subtrees'; probes excluded)
    /// With a shard: the first executions of other shards' subtrees, run to find the next subtree.
    std::int64_t probes = 0;
    std::uint32_t shard_index = 0; ///< as in the options
    std::uint32_t shard_count = 1;
    /// Whether turn points waited only where races showed a new order (the reduction on, races
    /// on, one shard).
    bool races = false;
    /// A shard's: what each subtree it ran as its own added, in the search's order, so that merge
    /// can count, after a failed run, only what a search on one machine would have run (every
    /// subtree before the failed run's, and that one up to it).
    struct SubtreeTally {
        std::uint64_t subtree = 0;
        std::int64_t executions = 0;
        std::int64_t repeats = 0;
        std::int64_t max_choices = 0;
    };
    std::vector<SubtreeTally> subtrees;
    /// Runs in which a thread put to sleep had to proceed because no other thread moved: they
    /// repeat an execution already explored (counted in `executions`).
    std::int64_t repeats = 0;
    bool bound_reached = false;   ///< stopped at max_executions: not every execution was run
    std::int64_t max_choices = 0; ///< the longest choice vector
    /// Every distinct final state: registers and memory (one per interleaving of the stores still
    /// buffered at the end).
    std::set<UserState> states;
    /// The properties some execution violated, each with the first such run.
    std::map<std::string, RunResult> violations;
    /// The choice vector of each property's run in `violations` (to merge shards).
    std::map<std::string, std::vector<int>> violation_choices;
    /// The first run that failed (a run error or tlbsim's internal error); empty when none did.
    std::vector<RunResult> failures;
    std::vector<int> failure_choices;  ///< its choice vector
    std::uint64_t failure_subtree = 0; ///< and its subtree
    double wall_seconds = 0;
    /// For each state, the choice vector of the first execution that reached it (its memory is
    /// one interleaving of the stores buffered at the end: the one `state` names).
    std::map<UserState, std::vector<int>> witnesses;
};

ExhaustiveResult explore_exhaustively(const scenario::Scenario& sc,
                                      const ExhaustiveOptions& options);

/// Runs the execution that `choices` (a witness) names again, with `observers` (`-v`).
RunResult run_witness(const scenario::Scenario& sc, const ExhaustiveOptions& options,
                      const std::vector<int>& choices,
                      const std::vector<kernel::RecordObserver*>& observers);

/// The [[expect]] blocks of `sc` for `policy` whose `forbid` some state of `res` shows, with the
/// first such state (in the states' order), as "expect[1]: forbid \"C\" holds in some execution:
/// t0:r1=0 t1:r2=0". (A `require` pins one timing; the search does not check it.)
std::vector<std::string> broken_outcomes(const scenario::Scenario& sc, const ExhaustiveResult& res);

/// What broken_outcomes says of `sc.expectations[index]` when state `u` is the first to satisfy
/// its `forbid` under `policy`; empty when the block is not `policy`'s or `u` does not.
std::string broken_by(const scenario::Scenario& sc, std::size_t index, const std::string& policy,
                      const UserState& u);

} // namespace run
