#pragma once
// The text of an exhaustive search (run/exhaustive.h), shared by `tlbsim explore --exhaustive`
// and `tlbsim litmus`: the reachable states, the numbers of the search, and what it found.

#include "cli/command.h"
#include "cli/json_report.h"
#include "run/exhaustive.h"

#include <string>

namespace cli {

/// "executions 12 (0 repeats), 4 distinct final states, choice vector up to 9, 0.01 s".
std::string search_numbers(const run::ExhaustiveResult& res);

/// The bound line when the search stopped early, else "".
std::string bound_text(const run::ExhaustiveResult& res, std::int64_t max_executions);

/// Prints `res` for `file` as `tlbsim explore --exhaustive` does; returns the exit status: 1 a
/// forbidden outcome or a violation in some execution, 2 a run error, 3 an internal error.
int print_exhaustive(const std::string& file, const scenario::Scenario& sc,
                     const run::ExhaustiveResult& res, std::int64_t max_executions, const Io& io);

/// One object of `explore --exhaustive --json`'s `exhaustive` array (docs/json-schema.md,
/// Exhaustive search); the first run of each violated property, and a failed run, go into
/// `runs` (the document's array), which the object points into.
Json exhaustive_json(const std::string& file, const scenario::Scenario& sc,
                     const run::ExhaustiveResult& res, std::int64_t max_executions, Json& runs);

} // namespace cli
