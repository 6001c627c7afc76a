#pragma once
// `tlbsim run --summary`: one table over every run of the command, each policy against the first
// one, short enough to paste into a mailing-list reply: the core syncs (sync_core) each policy
// executes, how many of them discharged no membarrier obligation (ser.sync_core.unneeded), their
// cycles, what it saves against the baseline, and every violated property
// with the scenario, CPU, time and task of its first violation.

#include "run/runner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cli {

/// What the summary keeps of one run.
struct RunDigest {
    std::string scenario;
    std::string policy;
    std::int64_t sync_cores = 0;       ///< ser.sync_core
    std::int64_t sync_core_cycles = 0; ///< the sum of cycles.sync_core@SITE
    std::int64_t unneeded = 0;         ///< ser.sync_core.unneeded: discharged no obligation
    std::int64_t warnings = 0;         ///< mechanism warnings (K1-K5)
    struct Finding {
        std::string property;
        int cpu = -1;
        std::int64_t time = -1;
        std::string task;
        std::int64_t count = 0; ///< violations of this property in the run
    };
    std::vector<Finding> violations; ///< one per property, its first violation
};

RunDigest digest(const run::RunResult& r);

/// Per policy, in the order of their first run.
struct PolicySummary {
    std::string policy;
    int runs = 0;
    std::int64_t sync_cores = 0;
    std::int64_t sync_core_cycles = 0;
    std::int64_t unneeded = 0;
    std::int64_t warnings = 0;
    std::vector<std::pair<std::string, RunDigest::Finding>> violations; ///< (scenario, finding)
};

std::vector<PolicySummary> summarize(const std::vector<RunDigest>& runs);

/// The table; the first policy is the baseline. Empty when there are no runs.
std::string format_summary(const std::vector<PolicySummary>& policies, std::size_t scenarios);

} // namespace cli
