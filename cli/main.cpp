// tlbsim: the command line (DESIGN.md, Command line). Exit codes: 0 ok; 1 an expectation failed;
// 2 usage or scenario error (including deadlock); 3 internal error.

#include "check/counter_catalog.h"
#include "cli/catalog.h"
#include "cli/expectations.h"
#include "cli/explain.h"
#include "cli/narrative.h"
#include "cli/report_table.h"
#include "kernel/cost_model.h"
#include "policy/presets.h"
#include "run/runner.h"

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>

namespace po = boost::program_options;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_expectation = 1;
constexpr int exit_usage = 2;

const char* const usage_text = R"(usage: tlbsim COMMAND [OPTIONS]

Simulates x86 multicore CPUs and the Linux kernel paths that decide where cores serialize and
where full memory barriers happen, and counts them exactly, per kernel site.

commands:
  run FILE...        run scenarios (files or directories) under policies; print counters
  counters           list every counter with its description
  costs              list every cost-model entry, its default and its source
  explain FILE --policy P COUNTER
                     the records behind one counter, with their call paths
  policies           list policy presets and knobs (--diff A B: how two differ)

  tlbsim COMMAND --help    options of one command
  tlbsim --version
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

po::variables_map parse(const po::options_description& desc, const po::positional_options_description& pos,
                        const std::vector<std::string>& args) {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    po::notify(vm);
    return vm;
}

int cmd_counters(const std::vector<std::string>& args) {
    po::options_description desc("tlbsim counters [--markdown]");
    desc.add_options()("help,h", "this help")("markdown", "print a Markdown table");
    const auto vm = parse(desc, {}, args);
    if (vm.count("help")) {
        std::cout << desc;
        return exit_ok;
    }
    const auto& decls = check::counter_catalog().declared();
    if (vm.count("markdown")) {
        fmt::print("| counter | counts |\n|---|---|\n");
        for (const auto& d : decls) {
            fmt::print("| `{}` | {} |\n", d.name, d.description);
        }
        fmt::print("\nEvery counter also exists per CPU as `cpuN.<name>`.\n");
        return exit_ok;
    }
    std::size_t w = 0;
    for (const auto& d : decls) {
        w = std::max(w, d.name.size());
    }
    for (const auto& d : decls) {
        fmt::print("{:<{}}  {}\n", d.name, w, d.description);
    }
    fmt::print("\nEvery counter also exists per CPU as cpuN.<name>.\n");
    return exit_ok;
}

int cmd_costs(const std::vector<std::string>& args) {
    po::options_description desc("tlbsim costs [--markdown]");
    desc.add_options()("help,h", "this help")("markdown", "print a Markdown table");
    const auto vm = parse(desc, {}, args);
    if (vm.count("help")) {
        std::cout << desc;
        return exit_ok;
    }
    const bool md = vm.count("markdown") > 0;
    if (md) {
        fmt::print("| name | default (cycles) | source |\n|---|---|---|\n");
    }
    std::size_t w = 0;
    for (const auto& c : kernel::cost_table()) {
        w = std::max(w, c.name.size());
    }
    for (const auto& c : kernel::cost_table()) {
        if (md) {
            fmt::print("| `{}` | {} | {} |\n", c.name, c.default_value, c.source);
        } else {
            fmt::print("{:<{}}  {:>8}  {}\n", c.name, w, c.default_value, c.source);
        }
    }
    return exit_ok;
}

int cmd_explain(const std::vector<std::string>& args) {
    po::options_description desc("tlbsim explain FILE --policy P COUNTER");
    desc.add_options()("help,h", "this help")                                       //
        ("policy,p", po::value<std::string>(), "the policy (default: the scenario's first)") //
        ("seed", po::value<std::uint64_t>(), "root seed")                              //
        ("jitter", po::value<int>(), "percent jitter 0..100")                          //
        ("args", po::value<std::vector<std::string>>(), "FILE COUNTER");
    po::positional_options_description pos;
    pos.add("args", -1);
    const auto vm = parse(desc, pos, args);
    if (vm.count("help")) {
        std::cout << desc;
        return exit_ok;
    }
    const auto positional =
        vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>{};
    if (positional.size() != 2) {
        throw UsageError("explain: expected FILE and COUNTER");
    }
    const std::string& file = positional[0];
    const std::string& counter = positional[1];
    const scenario::Scenario sc = cli::load_scenario(file);
    if (!check::counter_catalog().is_name(counter)) {
        throw UsageError(fmt::format("explain: unknown counter \"{}\" (tlbsim counters lists them)", counter));
    }
    const std::string policy = vm.count("policy") ? vm["policy"].as<std::string>() : sc.policies.front();
    if (!run::resolve_policy(sc, policy)) {
        throw UsageError(fmt::format("{}: unknown policy \"{}\"", file, policy));
    }
    if (const auto cpu = sim::split_cpu_prefix(counter).first; cpu >= sc.machine.cpus) {
        throw UsageError(fmt::format("explain: {} names cpu{}, but the machine has {} CPUs", counter, cpu, sc.machine.cpus));
    }
    run::RunOptions options;
    if (vm.count("seed")) {
        options.seed = vm["seed"].as<std::uint64_t>();
    }
    if (vm.count("jitter")) {
        options.jitter = vm["jitter"].as<int>();
    }
    cli::ExplainObserver explain(counter, sc.machine.cpus, sc.machine.ghz);
    options.observers.push_back(&explain);
    const run::RunResult r = run::run_scenario(sc, policy, options);
    if (!r.error.empty()) {
        fmt::print(stderr, "{}: {}: {}\n", file, policy, r.error);
        return exit_usage;
    }
    fmt::print("{} = {} in {} under {} ({} record{})\n", counter, r.counters.value(counter).value_or(0), sc.name, policy,
               explain.lines().size(), explain.lines().size() == 1 ? "" : "s");
    for (const auto& line : explain.lines()) {
        fmt::print("  {}\n", line);
    }
    return exit_ok;
}

int cmd_policies(const std::vector<std::string>& args) {
    po::options_description desc("tlbsim policies [--diff A B]");
    desc.add_options()("help,h", "this help")("diff", po::value<std::vector<std::string>>()->multitoken(),
                                              "show the knobs on which presets A and B differ");
    const auto vm = parse(desc, {}, args);
    if (vm.count("help")) {
        std::cout << desc;
        return exit_ok;
    }
    if (vm.count("diff")) {
        const auto names = vm["diff"].as<std::vector<std::string>>();
        if (names.size() != 2) {
            throw UsageError("policies --diff takes two preset names");
        }
        const auto* a = policy::find_preset(names[0]);
        const auto* b = policy::find_preset(names[1]);
        if (a == nullptr || b == nullptr) {
            throw UsageError(fmt::format("policies --diff: unknown preset \"{}\"", a == nullptr ? names[0] : names[1]));
        }
        int differences = 0;
        for (const auto& k : policy::knob_table()) {
            const auto va = policy::knob_value(a->knobs, k.name);
            const auto vb = policy::knob_value(b->knobs, k.name);
            if (va != vb) {
                fmt::print("{}: {} -> {}\n  {}\n", k.name, va, vb, k.description);
                ++differences;
            }
        }
        if (differences == 0) {
            fmt::print("{} and {} set every knob alike\n", a->name, b->name);
        }
        return exit_ok;
    }
    fmt::print("presets:\n");
    for (const auto& p : policy::presets()) {
        fmt::print("  {:<16} {}\n", p.name, p.models);
    }
    fmt::print("\nknobs:\n");
    for (const auto& k : policy::knob_table()) {
        fmt::print("  {}: {}\n    source: {}\n", k.name, k.description, k.source);
        for (const auto& p : policy::presets()) {
            fmt::print("    {:<16} {}\n", p.name, policy::knob_value(p.knobs, k.name));
        }
    }
    return exit_ok;
}

int cmd_run(const std::vector<std::string>& args) {
    po::options_description desc("tlbsim run FILE... [options]");
    desc.add_options()("help,h", "this help")                                        //
        ("policy,p", po::value<std::vector<std::string>>(), "policy to run (repeatable); default: the scenario's `policies`") //
        ("seed", po::value<std::uint64_t>(), "root seed (overrides [machine] seed)")     //
        ("jitter", po::value<int>(), "percent jitter 0..100 (overrides [machine] jitter)") //
        ("per-cpu", "also show cpuN.* counters")                                          //
        ("verbose,v", "print every record as it happens")                                 //
        ("file", po::value<std::vector<std::string>>(), "scenario files or directories");
    po::positional_options_description pos;
    pos.add("file", -1);
    const auto vm = parse(desc, pos, args);
    if (vm.count("help")) {
        std::cout << desc;
        return exit_ok;
    }
    if (!vm.count("file")) {
        throw UsageError("run: no scenario file given");
    }
    run::RunOptions options;
    if (vm.count("seed")) {
        options.seed = vm["seed"].as<std::uint64_t>();
    }
    if (vm.count("jitter")) {
        const int j = vm["jitter"].as<int>();
        if (j < 0 || j > 100) {
            throw UsageError("run: --jitter must be in 0..100");
        }
        options.jitter = j;
    }
    const bool per_cpu = vm.count("per-cpu") > 0;
    const bool verbose = vm.count("verbose") > 0;
    const auto files = cli::expand_paths(vm["file"].as<std::vector<std::string>>());
    int status = exit_ok;
    for (const auto& file : files) {
        const scenario::Scenario sc = cli::load_scenario(file);
        std::vector<std::string> policies =
            vm.count("policy") ? vm["policy"].as<std::vector<std::string>>() : sc.policies;
        for (const auto& p : policies) {
            if (!run::resolve_policy(sc, p)) {
                throw UsageError(fmt::format("{}: unknown policy \"{}\"", file, p));
            }
        }
        std::vector<run::RunResult> runs;
        fmt::print("scenario {} ({})\n", sc.name, file);
        std::fflush(stdout);
        for (const auto& p : policies) {
            cli::Narrative narrative(stdout, sc.machine.ghz);
            run::RunOptions o = options;
            if (verbose) {
                fmt::print("-- {} under {}\n", sc.name, p);
                o.observers.push_back(&narrative);
            }
            runs.push_back(run::run_scenario(sc, p, o));
            std::fflush(stdout);
        }
        fmt::print("{}", cli::format_table(runs, per_cpu));
        for (const auto& r : runs) {
            if (!r.error.empty()) {
                fmt::print(stderr, "{}: {}: {}\n", file, r.policy, r.error);
                status = std::max(status, exit_usage);
                continue;
            }
            for (const auto& v : r.violation_reports) {
                fmt::print("  violation ({}): {} on cpu{} at t={} by {}\n    call: {} (t_a={}, t_b={}, t_r={})\n",
                           r.policy, v.property, v.cpu, v.time, v.task, v.call, v.t_a, v.t_b, v.t_r);
                for (const auto& line : v.chain) {
                    fmt::print("      {}\n", line);
                }
            }
            for (const auto& f : cli::check_expectations(sc, r)) {
                fmt::print("  expectation failed ({}): {}\n", r.policy, f);
                status = std::max(status, exit_expectation);
            }
        }
        fmt::print("\n");
    }
    return status;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
            std::cout << usage_text;
            return args.empty() ? exit_usage : exit_ok;
        }
        if (args[0] == "--version") {
            fmt::print("tlbsim {}\n", TLBSIM_VERSION);
            return exit_ok;
        }
        const std::string cmd = args[0];
        args.erase(args.begin());
        if (cmd == "run") {
            return cmd_run(args);
        }
        if (cmd == "counters") {
            return cmd_counters(args);
        }
        if (cmd == "costs") {
            return cmd_costs(args);
        }
        if (cmd == "explain") {
            return cmd_explain(args);
        }
        if (cmd == "policies") {
            return cmd_policies(args);
        }
        throw UsageError(fmt::format("unknown command \"{}\" (try tlbsim --help)", cmd));
    } catch (const scenario::ScenarioError& e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    } catch (const po::error& e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    } catch (const UsageError& e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    } catch (const std::runtime_error& e) {
        spdlog::error("{}", e.what());
        return exit_usage;
    }
}
