#pragma once
// The reports of `run --seeds` and `diff --seeds` (docs/seeds.md), printed from the runs
// (seed_runs.h) and their analysis (seed_analysis.h) only, so that `tlbsim merge` prints the
// same bytes from the shards' JSON as the one-machine command printed.

#include "cli/command.h"
#include "cli/json_report.h"
#include "cli/seed_analysis.h"
#include "cli/seed_runs.h"

#include <cstdio>
#include <string>
#include <vector>

namespace cli {

/// One scenario's block: a header, the counter table, the failed seeds and the verdict counts.
std::string format_seeded(const SeededRuns& runs, const SeededScenario& s, const SeededAnalysis& a);

/// diff --seeds: the closing summary over the scenarios.
std::string format_seeded_diff_summary(const SeededRuns& runs,
                                       const std::vector<SeededAnalysis>& analyses);

/// The document's "seeds" object (docs/json-schema.md, Seeds).
Json seeds_json(const SeededRuns& runs, const std::vector<SeededAnalysis>& analyses);

/// diff --seeds: the document's "diff" object, with one entry per scenario and seed.
Json seeded_diff_json(const SeededRuns& runs);

/// The end of a --seeds command, the one-machine one and merge alike: diff's summary on `out`,
/// and the document's "diff" (diff only) and "seeds" objects added to `doc`.
void finish_seeded(const SeededRuns& runs, const std::vector<SeededAnalysis>& analyses, Json& doc,
                   std::FILE* out);

/// `run --seeds` and `diff --seeds` once parsed (`command` is "run" or "diff"; diff's scenarios
/// have its two policies): runs the seeds, prints each scenario's block as it ends, then diff's
/// summary, and writes the --json document. Returns the worst exit status of the runs.
int run_seeds_command(const char* command, const std::vector<LoadedScenario>& loaded,
                      const SeedsOption& seeds, const run::RunOptions& options,
                      const std::optional<std::string>& json_out, const Io& io);

} // namespace cli
