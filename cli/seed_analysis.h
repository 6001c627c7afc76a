#pragma once
// What `run --seeds` and `diff --seeds` report about one scenario, computed once from its runs
// (seed_runs.h) before anything is printed: each counter's statistics per policy (and, for diff,
// of the per-seed differences), how many runs violated each property or broke each mechanism
// rule, and which seeds failed. Merge computes the same from the shards' runs.

#include "cli/seed_runs.h"
#include "cli/seed_stats.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cli {

/// A run of a seed that did not complete: the seed is left out of every statistic.
struct SeedFailure {
    std::uint64_t seed = 0;
    std::string policy;
    std::string message; ///< the first line of the error or the internal error
};

/// One counter over the complete seeds.
struct CounterSeries {
    std::string name;
    std::vector<SampleStats> per_policy;
    std::optional<PairedStats> paired; ///< diff: the second policy against the first
};

/// A property (or a mechanism rule): in how many complete seeds' runs it was violated (broken),
/// per policy, and the first such seed.
struct RunCounts {
    std::string name;
    std::vector<std::uint64_t> runs;
    std::vector<std::optional<std::uint64_t>> first_seed;

    bool any() const;
};

struct SeededAnalysis {
    std::uint64_t complete = 0; ///< seeds whose every run completed: the statistics' n
    std::vector<SeedFailure> failures;
    /// run: every counter non-zero in some run, in catalog order. diff: the counters (and
    /// derived.redundant_cycles) that differ between the policies on some seed, in diff order.
    std::vector<CounterSeries> counters;
    std::size_t unchanged = 0; ///< diff: counters non-zero in some run but equal on every seed
    std::vector<RunCounts> properties; ///< every property, in check::property_names order
    std::vector<RunCounts> warnings;   ///< every mechanism rule, in check::mechanism_rules order
};

/// `paired`: diff's analysis (two policies; counters that differ, with paired statistics).
SeededAnalysis analyse_seeded(const SeededScenario& s, bool paired);

} // namespace cli
