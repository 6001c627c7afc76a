#pragma once
// What every command is: `int cmd_NAME(args, io)`, with the arguments after the command name and
// the two streams it prints to; it returns the exit status (commands.h) and throws UsageError
// (or scenario::ScenarioError) for the user's mistakes. Each command parses its options, builds
// run requests, calls the run pipeline (run_pipeline.h) and prints from the results. Every
// command is declared here, once; commands.cpp dispatches to them by name.

#include "cli/output_file.h"

#include <cstdio>
#include <string>
#include <vector>

namespace cli {

/// The streams a command prints to.
struct Io {
    std::FILE* out;
    std::FILE* err;
};

/// A bad command line: a user error (exit 2).
struct UsageError : UserError {
    using UserError::UserError;
};

using Args = std::vector<std::string>;

int cmd_run(const Args& args, const Io& io);      // run_command.cpp
int cmd_diff(const Args& args, const Io& io);     // diff_command.cpp
int cmd_check(const Args& args, const Io& io);    // check_command.cpp
int cmd_explain(const Args& args, const Io& io);  // explain_command.cpp
int cmd_explore(const Args& args, const Io& io);  // explore_command.cpp
int cmd_policies(const Args& args, const Io& io); // policies_command.cpp
int cmd_counters(const Args& args, const Io& io); // listing_commands.cpp
int cmd_costs(const Args& args, const Io& io);
int cmd_scenario_keys(const Args& args, const Io& io);
int cmd_steps(const Args& args, const Io& io);
int cmd_merge(const Args& args, const Io& io);  // merge_command.cpp
int cmd_replay(const Args& args, const Io& io); // replay_command.cpp
int cmd_litmus(const Args& args, const Io& io); // litmus_command.cpp
// `gen` is gen_command.h's cmd_gen.

} // namespace cli
