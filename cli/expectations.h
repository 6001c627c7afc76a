#pragma once
// Evaluates a scenario's [[expect]] blocks against one run.

#include "run/runner.h"
#include "scenario/scenario.h"

#include <string>
#include <vector>

namespace cli {

/// One line per mismatch ("expected against actual"), empty when everything holds. Blocks that do
/// not name `result.policy` are skipped.
std::vector<std::string> check_expectations(const scenario::Scenario& sc,
                                            const run::RunResult& result);

} // namespace cli
