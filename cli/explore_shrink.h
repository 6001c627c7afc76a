#pragma once
// `tlbsim explore --shrink DIR`: each violation explore found, shrunk (run/shrink.h) into a
// regression scenario (run/found_scenario.h) written to DIR, its path and size printed.

#include "cli/command.h"
#include "cli/run_pipeline.h"
#include "run/explore.h"

#include <string>

namespace cli {

/// Shrinks every violation finding of `res` (explored from `l`) and writes each to `dir`
/// (created if missing) as "<scenario>-<policy>-found.toml" ("-2", "-3", ... after the first).
/// Throws UserError when `dir` or a file in it cannot be written.
void shrink_findings(const LoadedScenario& l, const run::ExploreResult& res, const std::string& dir,
                     const Io& io);

} // namespace cli
