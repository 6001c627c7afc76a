#pragma once
// The `tlbsim` command line (docs/design.md, Command line) as a library function, so that tests run
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

/// Makes std::terminate an internal error too: an exception that escapes a destructor or a
/// noexcept function (a failed SIM_ASSERT in one, say) never reaches run_command_line's catch
/// blocks, and would end the process with SIGABRT. Instead: stdout flushed, one line on stderr
/// ("tlbsim: internal error at FILE:LINE: ... (std::terminate)" for a failed assertion, then its
/// state dump if it has one), exit 3. main() installs it.
void exit_internal_on_terminate();

} // namespace cli
