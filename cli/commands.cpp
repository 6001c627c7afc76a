// tlbsim: the command line (docs/design.md, Command line): dispatches to the commands (command.h)
// and turns what escapes them into an exit status. Exit codes: 0 ok; 1 an expectation failed;
// 2 usage or scenario error (including deadlock); 3 internal error.

#include "cli/commands.h"

#include "cli/command.h"
#include "cli/gen_command.h"
#include "cli/options.h"
#include "scenario/loader.h"
#include "sim/panic.h"

#include <fmt/format.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#ifndef TLBSIM_VERSION
#define TLBSIM_VERSION "unknown"
#endif

namespace cli {

namespace {

const char* const usage_text = R"(usage: tlbsim COMMAND [OPTIONS]

Simulates x86 multicore CPUs and the Linux kernel paths that decide where cores serialize and
where full memory barriers happen, and counts them exactly, per kernel site.

commands:
  run FILE...        run scenarios (files or directories) under policies; print counters
                     (--json OUT, --trace OUT, --svg OUT, -v for a narrative; --from, --to,
                     --cpus, --task: the part of the run -v, --svg and --trace show;
                     --seeds N: each counter's mean, spread and confidence interval)
  diff FILE... --policy A --policy B
                     the counters and verdicts that differ between two policies (--seeds N:
                     which differences are the policy's and which the seeds' noise)
  merge FILE.json... the shards (--shard K/N) of run/diff --seeds or explore as one machine
                     would have printed them (--json OUT)
  check FILE_OR_DIR...
                     run every scenario under the policies its [[expect]] blocks name and
                     compare (--junit OUT, --json OUT); exit 1 when an expectation fails
  explain FILE --policy P COUNTER
                     the records behind one counter, with their call paths; with
                     `obligations` for COUNTER, which barrier discharged each membarrier
                     call's obligations, per CPU
  explore FILE... --policy P
                     rerun scenarios with their timing perturbed and report the violations
                     found, each with the `run` command that replays it (--runs N, --all;
                     --exhaustive: every x86-TSO execution of small scenarios instead)
  replay TRACE...    replay recorded kernel schedules (ftrace text) under policies: the
                     model's CR3 outcomes and IPIs against the recorded ones, switch by
                     switch, and what each policy costs on that schedule (--json OUT)
  litmus FILE...     LKMM C litmus tests (WRITE_ONCE, READ_ONCE, smp_mb, xchg, ..., and
                     membarrier()) searched exhaustively under x86-TSO and the kernel's
                     membarrier paths; herd7's states and Observation line (--policy P,
                     --check against the file's tlbsim-expect line, --toml)
  policies           list policy presets and knobs (--diff A B: how two differ; --markdown)
  counters           list every counter with its description (--markdown)
  costs              list every cost-model entry, its default and its source (--markdown)
  scenario-keys      list every scenario key: type, default, meaning (--markdown)
  steps              list every step of a program: usage per thread kind, arguments,
                     options, meaning (--markdown)
  gen                write a random valid scenario (--cpus N, --seed S, --profile mix|jit, -o)

  tlbsim COMMAND --help    options of one command
  tlbsim --version

exit codes: 0 ok, 1 an expectation failed (check: also a violation that no [[expect]] block
states, and with --strict an unpinned mechanism warning), 2 usage or scenario error (including
deadlock), 3 internal error
)";

using Command = int (*)(const std::vector<std::string>&, const Io&);

// Every command, in the order of usage_text: dispatch looks commands up here, and the hidden
// `tlbsim --list-commands` prints the names (the man page and the bash completion are generated
// from it and from each command's --help; scripts/cli-files).
constexpr std::pair<std::string_view, Command> commands[] = {
    {"run", cmd_run},           {"diff", cmd_diff},       {"merge", cmd_merge},
    {"check", cmd_check},       {"explain", cmd_explain}, {"explore", cmd_explore},
    {"replay", cmd_replay},     {"litmus", cmd_litmus},   {"policies", cmd_policies},
    {"counters", cmd_counters}, {"costs", cmd_costs},     {"scenario-keys", cmd_scenario_keys},
    {"steps", cmd_steps},       {"gen", cmd_gen<Io>},
};

int dispatch(std::vector<std::string> args, const Io& io) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        fmt::print(args.empty() ? io.err : io.out, "{}", usage_text);
        return args.empty() ? exit_usage : exit_ok;
    }
    if (args[0] == "--version") {
        fmt::print(io.out, "tlbsim {}\n", TLBSIM_VERSION);
        return exit_ok;
    }
    if (args[0] == "--list-commands") {
        for (const auto& [name, command] : commands) {
            fmt::print(io.out, "{}\n", name);
        }
        return exit_ok;
    }
    const std::string cmd = args[0];
    args.erase(args.begin());
    for (const auto& [name, command] : commands) {
        if (cmd == name) {
            return command(args, io);
        }
    }
    throw UsageError(fmt::format("unknown command \"{}\" (try tlbsim --help)", cmd));
}

/// Writes the line for the exception std::terminate was called for (the one in flight, if any)
/// and, for an InternalError, its state dump, as run_command_line does. Nothing here allocates:
/// the terminating exception may be std::bad_alloc.
void print_terminate_reason() {
    const std::exception_ptr in_flight = std::current_exception();
    if (!in_flight) {
        std::fputs("tlbsim: internal error: std::terminate called with no exception in flight "
                   "(std::terminate)\n",
                   stderr);
        return;
    }
    try {
        std::rethrow_exception(in_flight);
    } catch (const sim::InternalError& e) {
        std::fputs("tlbsim: ", stderr);
        std::fputs(e.headline().c_str(), stderr);
        std::fputs(" (std::terminate)\n", stderr);
        std::fputs(e.dump().c_str(), stderr);
        return;
    } catch (const std::exception& e) {
        std::fputs("tlbsim: internal error: ", stderr);
        std::fputs(e.what(), stderr);
    } catch (...) {
        std::fputs("tlbsim: internal error: an unknown exception", stderr);
    }
    std::fputs(" (std::terminate)\n", stderr);
}

[[noreturn]] void terminate_as_internal_error() {
    try {
        std::fflush(stdout);
        print_terminate_reason();
        std::fflush(stderr);
    } catch (...) {
        // A terminate handler must not throw (that would abort after all): exit 3 regardless.
    }
    std::_Exit(exit_internal);
}

} // namespace

void exit_internal_on_terminate() {
    std::set_terminate(&terminate_as_internal_error);
}

int run_command_line(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    const Io io{out, err};
    try {
        return dispatch(args, io);
    } catch (const scenario::ScenarioError& e) {
        std::fflush(out);
        fmt::print(err, "{}\n", e.what());
        return exit_usage;
    } catch (const po::error& e) {
        std::fflush(out);
        fmt::print(err, "tlbsim: {}\n", e.what());
        return exit_usage;
    } catch (const UserError& e) {
        std::fflush(out);
        fmt::print(err, "tlbsim: {}\n", e.what());
        return exit_usage;
    } catch (const sim::InternalError& e) {
        std::fflush(out);
        fmt::print(err, "tlbsim: {}\n{}", e.headline(), e.dump());
        return exit_internal;
    } catch (const std::exception& e) {
        std::fflush(out);
        fmt::print(err, "tlbsim: internal error: {}\n", e.what());
        return exit_internal;
    } catch (...) {
        std::fflush(out);
        fmt::print(err, "tlbsim: internal error\n");
        return exit_internal;
    }
}

} // namespace cli
