// tlbsim: the command line (docs/design.md, Command line); the commands live in cli/commands.cpp.
// Exit codes: 0 ok; 1 an expectation failed; 2 usage or scenario error (including deadlock);
// 3 internal error.

#include "cli/commands.h"

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    cli::exit_internal_on_terminate();
    const std::vector<std::string> args(argv + 1, argv + argc);
    return cli::run_command_line(args, stdout, stderr);
}
