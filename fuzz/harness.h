#pragma once
// The bodies of the fuzz targets (docs/fuzzing.md). They are plain functions compiled in every
// build: the clang-16 fuzz build (TLBSIM_FUZZ) hands them libFuzzer's inputs, and the GCC build
// replays fuzz/regressions/ through exactly the same code (fuzz_replay, a ctest).
//
// A target returns normally for an input that is handled as the program would handle it (loaded,
// refused with a well-formed scenario error, run to a result or a run error). Anything else is a
// finding and aborts, so libFuzzer saves the input and ctest fails.

#include "ftrace/importer.h"
#include "run/runner.h"

#include <span>
#include <string>
#include <string_view>

namespace fuzz {

/// The file name the targets give the loader; every scenario error must start with it.
inline constexpr std::string_view kInputName = "fuzz.toml";

/// What a target did with an input that is not a finding.
enum class Outcome {
    refused, ///< the loader refused it with a well-formed scenario error
    loaded,  ///< it loaded (fuzz_loader, fuzz_ftrace)
    skipped, ///< it loaded but does not fit the budget (fuzz_run)
    ran,     ///< it loaded and ran under its policies (fuzz_run)
};

/// fuzz_loader: the bytes as a scenario file, through scenario::load_string with the full catalog.
Outcome fuzz_loader(std::string_view input);

/// The file name fuzz_ftrace gives the importer; every trace error must start with it.
inline constexpr std::string_view kTraceName = "fuzz.trace";

/// fuzz_ftrace: the bytes as an ftrace text trace, through ftrace::import_trace_text
/// (fuzz/ftrace_harness.cpp); refused: a TraceError, loaded: a Workload.
Outcome fuzz_ftrace(std::string_view input);

/// fuzz_run: loads the bytes; a scenario that loads and fits the budget (budget.h) is run under
/// its first policies through run::run_scenario.
Outcome fuzz_run(std::string_view input);

struct Target {
    std::string_view name;
    Outcome (*fn)(std::string_view input);
};

/// Every target, by name (the names of the libFuzzer binaries and of fuzz/regressions/ folders).
std::span<const Target> targets();
const Target* find_target(std::string_view name);

/// The oracles, exposed for their tests. Each returns "" when all is well, otherwise the finding.
/// A scenario error must be one line `fuzz.toml:LINE:COLUMN: message`. (Any other exception out
/// of the loader is a finding too: the loader lets its own bugs escape as internal errors.)
std::string scenario_error_finding(std::string_view message);
/// A run may end in a run error (deadlock, watchdog); an internal error is a finding, and so is
/// a counter named in an [[expect]] that the loader accepted but the run does not have.
std::string run_finding(const scenario::Scenario& sc, const run::RunResult& result);

/// A trace error must be one line `fuzz.trace:LINE:COLUMN: message` at a place of the input.
std::string trace_error_finding(const ftrace::TraceError& e, std::string_view input);
/// What ftrace/workload.h promises of an imported trace: lists in trace order, tasks sorted by
/// pid, valid mm indices, no mm for a kernel thread, a switch's CR3 line after its own.
std::string workload_finding(const ftrace::Workload& w);

/// Reports a finding on stderr and aborts.
[[noreturn]] void finding(std::string_view what, const std::string& detail);

} // namespace fuzz
