#pragma once
// The report of an exhaustive search (run/exhaustive.h), shared by `tlbsim explore --exhaustive`,
// `tlbsim litmus` and `tlbsim merge`: the search as a JSON object (docs/json-schema.md,
// Exhaustive search), its text printed from that object, and the shards of one search
// (`--shard K/N`) merged into the object the whole search gives.

#include "cli/command.h"
#include "cli/json_report.h"
#include "run/exhaustive.h"

#include <string>
#include <vector>

namespace cli {

/// "12 executions (0 repeats), 4 distinct final states, choice vector up to 9, 0.01 s"; a shard's
/// says "(0 repeats; 3 probes of other shards' subtrees)".
std::string search_numbers(const run::ExhaustiveResult& res);

/// The bound line when the search stopped early, else "".
std::string bound_text(const run::ExhaustiveResult& res, std::int64_t max_executions);

/// One object of `explore --exhaustive --json`'s `exhaustive` array; the first run of each
/// violated property, and a failed run, go into `runs` (the document's array), which the object
/// points into.
Json exhaustive_json(const std::string& file, const scenario::Scenario& sc,
                     const run::ExhaustiveResult& res, std::int64_t max_executions, Json& runs);

/// Prints the search `x` (an exhaustive_json object; `runs`, its document's) as `tlbsim explore
/// --exhaustive` does; returns the exit status: 1 a forbidden outcome or a violation in some
/// execution, 2 a run error, 3 an internal error.
int print_exhaustive(const Json& x, const Json& runs, const Io& io);

/// The shards of one search (each an exhaustive_json object, with its document's runs) as the
/// object the whole search gives, `wall_seconds` summed; the runs it points to are copied into
/// `runs`. Throws nlohmann::json::exception on a malformed object.
Json merge_exhaustive(const std::vector<const Json*>& shards,
                      const std::vector<const Json*>& shard_runs, Json& runs);

} // namespace cli
