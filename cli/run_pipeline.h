#pragma once
// The one way a command runs scenarios: load (files -> scenarios and the policies to run them
// under) -> request (scenario, policy, run options, the reports wanted) -> run_request, which
// runs it through run::run_scenario with the observers those reports need and returns the
// results: the RunResult and what the reports collected. Commands print only from the results,
// after the run. The one exception is the narrative (-v), which prints every record as it
// happens: a long run's narrative need not fit in memory, and it reaches the terminal even when
// the run then fails.

#include "cli/json_report.h"
#include "cli/timeline.h"
#include "cli/view.h"
#include "run/runner.h"
#include "scenario_model/scenario.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace cli {

/// A scenario file a command loaded, and the policies it runs under.
struct LoadedScenario {
    std::string file;
    scenario::Scenario sc;
    std::vector<std::string> policies;
};

/// Every policy `sc` can run under: the presets, then its own [[policy]] definitions.
std::vector<std::string> policy_names(const scenario::Scenario& sc);

/// The policies asked for on the command line, with `all` standing for policy_names(sc), each
/// once; the scenario's own `policies` when none was asked for.
std::vector<std::string> expand_policies(const scenario::Scenario& sc,
                                         const std::vector<std::string>& requested);

/// Throws UsageError (with a did-you-mean) when one of `policies` is neither a preset nor a
/// [[policy]] of `sc`.
void check_policies(const scenario::Scenario& sc, const std::string& file,
                    const std::vector<std::string>& policies);

/// Loads every scenario file of `paths` (directories recursively, sorted), each to run under
/// expand_policies(`policies`). Throws ScenarioError for a file
/// that does not load and UsageError for an unknown policy or when no file is found
/// ("COMMAND: no scenario files (*.toml) found in PATHS").
std::vector<LoadedScenario> load_scenarios(const std::vector<std::string>& paths,
                                           const std::vector<std::string>& policies,
                                           const char* command);

/// What to collect from a run besides its RunResult (each costs an observer of the run).
struct ReportNeeds {
    bool redundant_cycles = false; ///< RunReport::redundant_cycles (--json, diff)
    bool timeline = false; ///< RunReport::timeline (--trace, --svg); memory grows with the run
    std::optional<std::string> explain_counter; ///< RunReport::explained (`explain`)
    std::FILE* narrate_to = nullptr;            ///< -v: print every record there as it happens
    View narrate_view; ///< -v: only the records it shows (the timeline is cut after the run)
};

struct RunRequest {
    const scenario::Scenario* sc = nullptr;
    std::string file;
    std::string policy;
    run::RunOptions options; ///< seed and jitter
    ReportNeeds needs;
};

/// The results of one run: everything a command prints about it.
struct RunReport {
    std::string file;
    double ghz = 3.0;
    run::RunResult result;
    std::int64_t redundant_cycles = 0;  ///< cycles of the ser.redundant events, when asked for
    std::optional<Timeline> timeline;   ///< when asked for
    std::vector<std::string> explained; ///< the records behind explain_counter, one line each
    std::vector<std::uint64_t> explained_seqs; ///< the seq of each explained record

    /// What the JSON run object needs besides the result.
    RunInfo json_info(std::optional<std::vector<std::string>> expectation_failures) const {
        return RunInfo{file, ghz, std::move(expectation_failures), redundant_cycles};
    }
};

/// Runs `request` (with the injected fault of cli/fault_injection.h, if any). Never throws for a
/// failed run: its result says why.
RunReport run_request(const RunRequest& request);

} // namespace cli
