#pragma once
// A run read back from its JSON object (docs/json-schema.md, Run), for `tlbsim merge`: what the
// --seeds statistics and diff's JSON read of a RunResult (identity, errors, counters, violated
// properties, warning count, the obligations' tallies and dischargers; not the explained
// violations, warnings and kept calls, which merge copies with the run object itself).

#include "cli/json_report.h"
#include "run/runner.h"

namespace cli {

/// Throws nlohmann::json::exception when `run` is not an object or a field is missing or of the
/// wrong type.
run::RunResult run_result_from_json(const Json& run);

/// An explained violation read back from its JSON (docs/json-schema.md, Violation): what
/// print_violation prints (the cause is in the chain's last line).
check::Violation violation_from_json(const Json& violation);

/// derived.redundant_cycles of a run object.
std::int64_t redundant_cycles_from_json(const Json& run);

} // namespace cli
