#pragma once
// The file `tlbsim explore --shrink` writes: a shrunk scenario (run/shrink.h) made an ordinary
// regression scenario, with a name, a description of where it came from, the policies to check
// it under and the generated [[expect]] block that scripts/regenerate-expectations would write.

#include "run/runner.h"
#include "run/shrink.h"
#include "scenario/loader.h"

#include <cstdint>
#include <string>
#include <vector>

namespace run {

/// Where a shrunk scenario came from.
struct FoundOrigin {
    std::string file;     ///< the explored scenario file
    std::string scenario; ///< its name
    std::string policy;   ///< the policy explored
    std::uint64_t explore_seed = 0;
    std::uint64_t run_index = 0;
    std::string signature;             ///< the finding's (violation_signature)
    std::vector<std::string> policies; ///< the explored file's `policies`
};

/// "<scenario>-<policy>-found".
std::string found_name(const FoundOrigin& origin);

/// The generated block of [[expect]] for the runs of `runs` (one per policy, in order), exactly
/// as scripts/regenerate-expectations writes it: one [[expect]] per group of policies with the
/// same violated properties and mechanism warning counts, between BEGIN/END GENERATED lines.
std::string expectation_block(const std::vector<RunResult>& runs);

/// The text of the found scenario: `shrunk` named and described, its policies the explored one
/// first and then those of the explored file that run on it without an error, and the
/// expectations of their runs. Throws std::logic_error if the result does not load.
std::string found_scenario(const ShrinkResult& shrunk, const FoundOrigin& origin,
                           const scenario::Catalog& catalog);

} // namespace run
