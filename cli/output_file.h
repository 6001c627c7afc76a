#pragma once
// User errors of the command line, and the one way reports reach files.

#include <functional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>

namespace cli {

/// The user's mistake or their environment's (a bad option, a missing input, an output file that
/// cannot be written): exit status 2. Anything else that escapes a command is an internal error.
struct UserError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Writes what `write` streams into `path`; throws UserError when the file cannot be opened or
/// written.
void write_output_file(const std::string& path, const std::function<void(std::ostream&)>& write);

/// `OUT` for the run of `scenario` under `policy` when a command writes one file per run
/// (`--trace`, `--svg` with several runs): "t.json" becomes "t-<scenario>-<policy>.json", with
/// every character outside [A-Za-z0-9._-] replaced by '_'.
std::string per_run_path(const std::string& out, const std::string& scenario,
                         const std::string& policy);

/// The paths of a command's per-run files: OUT itself when the command makes one run, otherwise
/// per_run_path; a path already handed out (the same scenario name twice, or the same OUT for
/// two options) gets "-2", "-3", ... after the scenario name instead.
class RunOutputPaths {
public:
    explicit RunOutputPaths(bool one_run) : one_run_(one_run) {}
    std::string next(const std::string& out, const std::string& scenario,
                     const std::string& policy);

private:
    bool one_run_;
    std::set<std::string> written_;
};

} // namespace cli
