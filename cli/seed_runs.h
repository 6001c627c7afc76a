#pragma once
// `run --seeds N` and `diff --seeds N` (docs/seeds.md): each scenario runs under each policy with
// the seeds S, S+1, ..., S+N-1 (S: --seed, else [machine] seed), every policy with the same
// seeds (common random numbers: the same seed perturbs the same costs the same way, so the
// per-seed differences between policies are paired). With --shard K/N only the seed indices
// i with i % N == K-1 run, and `tlbsim merge` puts the shards back together. This file runs the
// seeds and keeps the results; seed_report.h prints them.

#include "cli/json_report.h"
#include "cli/options.h"
#include "cli/run_pipeline.h"
#include "cli/shard.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cli {

/// --seeds N and --shard K/N.
struct SeedsOption {
    std::uint64_t count = 0;
    Shard shard;
};

void add_seeds_options(po::options_description& desc);

/// nullopt without --seeds. Throws UsageError for a count that is not a whole number >= 2, for
/// --shard without --seeds, and for more shards than seeds.
std::optional<SeedsOption> seeds_option(const po::variables_map& vm, const char* command);

/// Throws UsageError when `option` is given together with --seeds: a report of one run.
void refuse_with_seeds(const po::variables_map& vm, const char* option, const char* command);

/// One seed of one scenario: its run under each policy, in the scenario's policy order.
struct SeedSample {
    std::uint64_t index = 0; ///< i: the seed is first + i
    std::uint64_t seed = 0;
    std::vector<run::RunResult> runs; ///< without violation_reports and warnings (JSON has them)
    std::vector<std::int64_t> redundant_cycles;
    std::vector<std::size_t> json_runs; ///< the index of each run in the document's "runs"

    /// Whether every run of the seed completed (no scenario error, no internal error).
    bool complete() const;
};

/// One scenario over the seeds of the shard.
struct SeededScenario {
    std::string file;
    std::string name;
    std::vector<std::string> policies;
    std::uint64_t first = 0; ///< the seed of index 0
    int jitter = 0;
    std::vector<SeedSample> samples; ///< the shard's seed indices, ascending
};

/// What a --seeds command ran: every scenario over the shard's seeds.
struct SeededRuns {
    std::string command; ///< "run" or "diff"
    std::uint64_t count = 0;
    Shard shard;
    std::vector<SeededScenario> scenarios;
};

/// Throws UsageError when a scenario cannot run over the seeds: its jitter is 0 (every seed
/// would give the same run), or its last seed S+N-1 would pass 2^63-1.
void check_seeded(const std::vector<LoadedScenario>& loaded, const SeedsOption& seeds,
                  const run::RunOptions& options, const char* command);

/// Runs the shard's seeds of `l` under its policies, seed by seed; appends each run's JSON object
/// to doc["runs"].
SeededScenario run_seeded(const LoadedScenario& l, const SeedsOption& seeds,
                          const run::RunOptions& options, Json& doc);

/// The worst exit status of the runs: 3 for an internal error, 2 for a scenario error, else 0.
int seeded_status(const SeededRuns& runs);

} // namespace cli
