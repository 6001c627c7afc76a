#pragma once
// `--json OUT` for run, diff and check: one versioned schema, "tlbsim/2", documented in
// docs/json-schema.md (and as JSON Schema in tests/cli/schema.json, which the tests enforce).
// Every document has "schema", "generator", "command", "runs" and "errors"; `diff` adds "diff",
// `check` adds "check". Key order is fixed; everything but wall_seconds is deterministic.

#include "run/runner.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

using Json = nlohmann::ordered_json;

inline constexpr std::string_view json_schema_version = "tlbsim/2";

/// What a report knows about one run besides its RunResult.
struct RunInfo {
    std::string file;
    double ghz = 3.0;
    /// Expectation mismatches; nullopt when expectations were not evaluated (diff).
    std::optional<std::vector<std::string>> expectation_failures;
    std::int64_t redundant_cycles = 0; ///< cycles of the ser.redundant events
};

/// One run object (docs/json-schema.md, "Run").
Json run_json(const run::RunResult& r, const RunInfo& info);

/// A document skeleton: {"schema", "generator", "command", "runs": [], "errors": []}.
Json json_document(std::string_view command);

/// {"file": ..., "message": ...} for a scenario that could not be loaded or run at all.
Json error_json(const std::string& file, const std::string& message);

/// Writes `doc` (pretty-printed) to `path`; throws UserError when it cannot.
void write_json_file(const std::string& path, const Json& doc);

/// The text of a membarrier result: the value, or the errno name.
Json result_value_json(const scenario::ResultValue& v);

} // namespace cli
