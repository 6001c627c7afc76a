#pragma once
// The `tlbsim` command line (DESIGN.md, Command line) as a library function, so that tests run
// it in-process. Exit codes: 0 ok; 1 an expectation failed; 2 usage or scenario error
// (including deadlock); 3 internal error.

#include <cstdio>
#include <string>
#include <vector>

namespace cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_expectation = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_internal = 3;

/// Runs `tlbsim ARGS...` (args without the program name), printing to `out` and `err`.
int run_command_line(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

/// `OUT` for the run of `scenario` under `policy` when a command writes one file per run
/// (`--trace`, `--svg` with several runs): "t.json" becomes "t-<scenario>-<policy>.json", with
/// every character outside [A-Za-z0-9._-] replaced by '_'.
std::string per_run_path(const std::string& out, const std::string& scenario,
                         const std::string& policy);

} // namespace cli
