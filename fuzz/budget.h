#pragma once
// fuzz_run's budget: a fuzzer runs thousands of inputs a second, so every run must take
// milliseconds. A loaded scenario larger than the budget is skipped (not a finding); its time
// limit is clipped. The numbers are documented in docs/fuzzing.md.

#include "scenario_model/scenario.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace fuzz {

struct Budget {
    int max_cpus = 4;                  ///< more CPUs: skipped
    std::size_t max_threads = 8;       ///< [[thread]] + [[kthread]] entries; more: skipped
    std::size_t max_injects = 8;       ///< [[inject]] entries; more: skipped
    std::int64_t max_cycles = 200'000; ///< [machine] max_cycles is clipped to this (or set)
    std::size_t max_policies = 2;      ///< only the scenario's first policies are run
};

/// Clips `sc` to the budget in place and returns "", or returns why it does not fit (then `sc`
/// must not be run).
std::string fit_to_budget(scenario::Scenario& sc, const Budget& budget);

} // namespace fuzz
