#pragma once
// Evaluates a scenario's [[expect]] blocks against one run.

#include "run/runner.h"
#include "scenario_model/scenario.h"

#include <string>
#include <vector>

namespace cli {

/// What `check` asks of a run beyond its [[expect]] blocks.
struct ExpectationRules {
    /// A violation is a failure unless a block for the policy states `violations` (which then
    /// must match exactly): nobody expected it.
    bool violations_must_be_expected = false;
    /// --strict: a mechanism warning (warning.K1..K5) is a failure unless a block for the policy
    /// pins that counter.
    bool warnings_must_be_expected = false;
};

/// One line per mismatch ("expected against actual"), empty when everything holds. Blocks that do
/// not name `result.policy` are skipped.
std::vector<std::string> check_expectations(const scenario::Scenario& sc,
                                            const run::RunResult& result,
                                            const ExpectationRules& rules = {});

} // namespace cli
