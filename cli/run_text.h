#pragma once
// The text of one run's outcome, shared by the commands that print runs: why it did not complete,
// and what the checker found (violations with their explanation, mechanism warnings).

#include "cli/command.h"
#include "run/runner.h"

#include <string>

namespace cli {

/// Prints why a run did not complete, after what the run printed on `out` (-v): an internal error
/// (exit 3: our bug) or a run error (exit 2: a deadlock, a step the scenario cannot do, the
/// watchdog). Returns the exit status the run calls for, exit_ok when it completed.
int report_run_failure(const run::RunResult& r, const std::string& file, const Io& io);

/// Prints one violation with its call and explanation chain, indented under its scenario.
void print_violation(const std::string& policy, const check::Violation& v, const Io& io);

/// The explained violation of `property` in `r` (a run may violate several). Every property
/// among `r.violations` has one (check/findings.h keeps the first of each); an internal error
/// otherwise.
const check::Violation& report_of(const run::RunResult& r, const std::string& property);

/// Prints one mechanism warning, with the records behind it when `with_chain`.
void print_warning(const std::string& policy, const check::Warning& w, bool with_chain,
                   const Io& io);

/// Prints the violations (each with its call and explanation chain) and the mechanism warnings
/// of a completed run (the first of each rule with its records), indented under its scenario.
void print_findings(const run::RunResult& r, const Io& io);

/// The first line of `s`.
std::string first_line(const std::string& s);

} // namespace cli
