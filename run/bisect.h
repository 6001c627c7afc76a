#pragma once
// `tlbsim policies --bisect A B FILE`: which knobs, moved from A's values to B's, flip the
// scenario's verdict -- "which hunk of the patch breaks it?".

#include "policy/knobs.h"
#include "scenario_model/scenario.h"

#include <string>
#include <vector>

namespace run {

struct BisectResult {
    std::vector<std::string> differing; ///< knobs on which A and B differ
    std::vector<std::string> verdict_a; ///< properties violated under A
    std::vector<std::string> verdict_b; ///< ... under B
    bool flips = false;                 ///< the verdicts differ at all
    /// A smallest set of knobs whose B values, applied to A, give B's verdict (empty if none is
    /// found within the search bound).
    std::vector<std::string> culprit;
    int runs = 0;
};

/// Tries every subset of the differing knobs in order of size (at most `max_runs` runs).
BisectResult bisect(const scenario::Scenario& sc, const std::string& a, const std::string& b,
                    int max_runs = 4096);

} // namespace run
