#pragma once
// `tlbsim explore`: reruns one scenario under one policy with its timing perturbed, checks every
// property in every run, and reports the violations it finds with what replays each
// (docs/explore.md). Everything here is deterministic: the same scenario, options and seed give
// the same runs in the same order, whatever the shard.
//
// A run's perturbation (a Plan) is
//   * jitter: every cost and step length uniformly within +-jitter% (per-CPU RNG streams seeded
//     by the run's seed), and
//   * `depth` change points in the style of PCT (Burckhardt et al., ASPLOS 2010), adapted to the
//     timed engine: at a random time on a random CPU, the next step lasts a random extra number
//     of cycles (log-uniform, so a few cycles as often as thousands). One delay reorders what two
//     CPUs do around that moment; d of them reach bugs that need d such reorderings.
// Warnings guide the search: the mechanism warnings (K1..K5) of the first `probe_runs` runs mark
// windows (CPU, from, to) where a rule broke without a violation; half of the later change points
// fall inside such a window. Only the probes guide, so that a shard (which runs the probes too)
// plans every run exactly as one machine would.

#include "check/violation.h"
#include "run/runner.h"
#include "scenario_model/scenario.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace run {

struct ExploreOptions {
    std::string policy;
    std::uint64_t runs = 1000;
    std::uint64_t seed = 0; ///< the search's root seed (not the scenario's)
    int jitter = 10;        ///< percent, 0..100
    int depth = 2;          ///< change points per run
    bool all = false;       ///< collect every distinct violation instead of stopping at the first
    std::uint32_t shard_index = 0; ///< run only the indices i with i % shard_count == shard_index
    std::uint32_t shard_count = 1;
};

/// The perturbation of run `index`: replayed by `tlbsim run --seed SEED --jitter J --delay ...`.
struct Plan {
    std::uint64_t index = 0;
    std::uint64_t seed = 0;
    int jitter = 0;
    std::vector<scenario::Delay> delays;
};

/// The first `probe_runs` runs are probes: run 0 is the scenario as written (its own seed and
/// jitter, no delays), the others are perturbed without guidance.
inline constexpr std::uint64_t probe_runs = 16;

/// A warned window: where a mechanism rule broke in a probe run.
struct Window {
    int cpu = 0;
    std::int64_t from = 0;
    std::int64_t to = 0;
};

/// What explore found in one run: a violation (the first of the run), a final state that an
/// [[expect]] block's `forbid` rules out (docs/memory-model.md), or a run that
/// failed (a run error, exit 2, or tlbsim's own internal error, exit 3).
struct Finding {
    enum class Kind : std::uint8_t { violation, run_error, internal_error, outcome };
    Kind kind = Kind::violation;
    Plan plan;
    RunResult run; ///< the run: its first violation report, or its error
    /// The violation (kind == violation).
    const check::Violation& violation() const { return run.violation_reports.front(); }
    /// What makes two findings the same: property, cause and the kernel sites of the chain
    /// ("G-SC none __schedule,switch_mm_irqs_off,..."), the outcome ("forbid t0:r1 == 0"), or
    /// the error's first line.
    std::string signature;
    std::uint64_t occurrences = 1; ///< runs with this signature (with --all)
};

struct ExploreResult {
    std::string scenario;
    std::string policy;
    ExploreOptions options;
    std::int64_t horizon = 0;    ///< cycles of run 0: where change points fall
    std::vector<Window> windows; ///< from the probes
    std::uint64_t runs = 0;      ///< runs made (this shard's; probes it does not own excluded)
    bool stopped = false;        ///< stopped at the first violation
    std::vector<std::uint64_t> warned_runs; ///< indices of runs with warnings and no violation
    std::optional<Plan> first_warned;       ///< the first of them ...
    std::string first_warning;              ///< ... and its first warning's text
    std::vector<Finding> findings;          ///< in run order; distinct signatures with --all
};

/// Reports progress every so often: runs done, findings so far.
using ExploreProgress = std::function<void(std::uint64_t runs, std::size_t findings)>;

/// The plan of run `index` (probes included): the same for every shard.
Plan plan_run(const scenario::Scenario& sc, const ExploreOptions& o, std::uint64_t index,
              std::int64_t horizon, const std::vector<Window>& windows);

/// Explores `sc` under `o.policy` (a policy `resolve_policy` knows).
ExploreResult explore(const scenario::Scenario& sc, const ExploreOptions& o,
                      const ExploreProgress& progress = {});

/// "G-SC none __schedule,switch_mm_irqs_off": property, cause and the sites of the chain.
std::string violation_signature(const check::Violation& v);

} // namespace run
