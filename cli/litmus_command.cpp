// `tlbsim litmus FILE... [--policy P]...`: LKMM C litmus tests (litmus/litmus.h), each searched
// exhaustively under x86-TSO with the kernel's membarrier paths (run/exhaustive.h), reported as
// herd7 reports them (docs/litmus.md). Exit status: 0 every test ran (its Observation is the
// answer, whatever it is), 1 with --check when an Observation differs from the file's
// `tlbsim-expect` line, 2 a file refused or a bad option, 3 an internal error.

#include "cli/catalog.h"
#include "cli/command.h"
#include "cli/commands.h"
#include "cli/exhaustive_report.h"
#include "cli/narrative.h"
#include "cli/options.h"
#include "cli/run_pipeline.h"
#include "cli/run_text.h"
#include "litmus/litmus.h"
#include "litmus/verdict.h"
#include "run/exhaustive.h"
#include "run/outcome.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace cli {

namespace {

struct LitmusCommandLine {
    std::vector<std::string> files;
    std::vector<std::string> policies;
    std::int64_t max_executions = 100000;
    bool toml = false;
    bool check = false;
    bool witness = false;
};

po::options_description litmus_options() {
    po::options_description desc("tlbsim litmus FILE... [--policy P]... [options]");
    desc.add_options()("help,h", "this help") //
        ("policy,p", po::value<std::vector<std::string>>(),
         "policy to run the kernel's paths under (repeatable; `all` for every preset); default "
         "v5.10") //
        ("max-executions", po::value<std::string>()->default_value("100000"),
         "the bound on the executions searched per test and policy")              //
        ("toml", "print the scenario each test stands for instead of running it") //
        ("check", "compare each Observation with the file's `tlbsim-expect: Never|Sometimes|"
                  "Always` line (or its `tlbsim-expect(POLICY): ...` line for that policy); exit "
                  "1 on a difference") //
        ("witness", "narrate (as run -v does) one execution that reached a state where the "
                    "condition holds (for forall: fails)") //
        ("file", po::value<std::vector<std::string>>(), "litmus files (.litmus)");
    return desc;
}

std::optional<LitmusCommandLine> parse_litmus_line(const Args& args, const Io& io) {
    const po::options_description desc = litmus_options();
    const auto parsed = parse_files_or_help(desc, args, io, "litmus: no litmus file given");
    if (!parsed) {
        return std::nullopt;
    }
    const po::variables_map& vm = *parsed;
    LitmusCommandLine cl;
    cl.files = strings(vm, "file");
    cl.policies = strings(vm, "policy");
    cl.max_executions = static_cast<std::int64_t>(
        parse_whole_number(vm["max-executions"].as<std::string>(), "--max-executions", "litmus", 1,
                           std::uint64_t{1} << 40));
    cl.toml = vm.count("toml") > 0;
    cl.check = vm.count("check") > 0;
    cl.witness = vm.count("witness") > 0;
    return cl;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw UsageError(fmt::format("litmus: cannot read {}", path));
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The word after `key` in `text`, or "" when `key` is not there.
std::string word_after(const std::string& text, const std::string& key) {
    const std::size_t at = text.find(key);
    if (at == std::string::npos) {
        return "";
    }
    std::istringstream rest(text.substr(at + key.size()));
    std::string word;
    rest >> word;
    return word;
}

/// The result the file states for `policy` (in a comment): a line `tlbsim-expect(POLICY): R`
/// for that policy, else `tlbsim-expect: R`; "" when neither is there.
std::string expected_observation(const std::string& text, const std::string& policy) {
    const std::string own = word_after(text, fmt::format("tlbsim-expect({}):", policy));
    return own.empty() ? word_after(text, "tlbsim-expect:") : own;
}

/// Narrates the execution behind the first state that shows the answer.
void narrate_witness(const litmus::LitmusTest& test, const scenario::Scenario& sc,
                     const run::ExhaustiveOptions& o, const run::ExhaustiveResult& res,
                     const Io& io) {
    const run::UserState* u = litmus::telling_state(test, sc, res);
    if (u == nullptr) {
        fmt::print(io.out, "Witness: none (no state where the condition {})\n",
                   test.condition.quantifier == litmus::Quantifier::forall ? "fails" : "holds");
        return;
    }
    fmt::print(io.out, "Witness: an execution that ends in {}\n", run::state_text(sc, *u));
    Narrative narrative(io.out, sc.machine.ghz);
    run::run_witness(sc, o, res.witnesses.at(*u), {&narrative});
}

/// Runs one test under one policy and prints it; the exit status it calls for.
int run_one(const LitmusCommandLine& cl, const litmus::LitmusTest& test,
            const scenario::Scenario& sc, const std::string& policy, const std::string& expected,
            const Io& io) {
    run::ExhaustiveOptions o;
    o.policy = policy;
    o.max_executions = cl.max_executions;
    const run::ExhaustiveResult res = run::explore_exhaustively(sc, o);
    if (!res.failures.empty()) {
        return report_run_failure(res.failures.front(), test.file, io);
    }
    const litmus::Verdict v = litmus::judge(test, sc, res);
    fmt::print(io.out, "{}", litmus::herd_text(test, v));
    fmt::print(io.out, "Search {} {}: {}\n", test.name, policy, search_numbers(res));
    if (const std::string bound = bound_text(res, cl.max_executions); !bound.empty()) {
        fmt::print(io.out, "{}\n", bound);
    }
    for (const auto& [property, run] : res.violations) {
        fmt::print(io.out, "{} violated in some execution:\n", property);
        print_violation(policy, report_of(run, property), io);
    }
    if (cl.witness) {
        narrate_witness(test, sc, o, res, io);
    }
    fmt::print(io.out, "\n");
    if (cl.check && v.observation != expected) {
        fmt::print(io.err, "{}: {} under {}: Observation {}, expected {}\n", test.file, test.name,
                   policy, v.observation, expected.empty() ? "(no tlbsim-expect line)" : expected);
        return exit_expectation;
    }
    return exit_ok;
}

/// One file: read, translate, and run under each policy.
int run_file(const LitmusCommandLine& cl, const std::string& file, const Io& io) {
    const std::string text = read_text(file);
    litmus::LitmusTest test;
    try {
        test = litmus::parse_litmus(text, file);
    } catch (const litmus::LitmusError& e) {
        fmt::print(io.err, "{}\n", e.what());
        return exit_usage;
    }
    const std::string toml = litmus::to_toml(test);
    if (cl.toml) {
        fmt::print(io.out, "{}", toml);
        return exit_ok;
    }
    const scenario::Scenario sc = scenario::load_string(toml, file, scenario_catalog());
    const std::vector<std::string> policies =
        expand_policies(sc, cl.policies.empty() ? std::vector<std::string>{"v5.10"} : cl.policies);
    check_policies(sc, file, policies);
    int status = exit_ok;
    for (const std::string& policy : policies) {
        status =
            std::max(status, run_one(cl, test, sc, policy, expected_observation(text, policy), io));
        std::fflush(io.out);
    }
    return status;
}

} // namespace

int cmd_litmus(const Args& args, const Io& io) {
    const auto cl = parse_litmus_line(args, io);
    if (!cl) {
        return exit_ok;
    }
    int status = exit_ok;
    for (const std::string& file : cl->files) {
        status = std::max(status, run_file(*cl, file, io));
    }
    return status;
}

} // namespace cli
