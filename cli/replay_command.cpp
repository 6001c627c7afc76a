// `tlbsim replay TRACE... --policy P...`: recorded kernel schedules (ftrace text, docs/replay.md)
// run through the model; per policy, the model's CR3 outcomes and IPIs against the recorded ones
// and what the policy costs on that schedule. Exit status: 0; 2 a trace that does not import, a
// bad option or a replay that cannot run; 3 an internal error.

#include "cli/command.h"
#include "cli/commands.h"
#include "cli/json_report.h"
#include "cli/options.h"
#include "cli/replay_report.h"
#include "cli/run_pipeline.h"
#include "cli/run_text.h"
#include "ftrace/importer.h"
#include "run/replay.h"

#include <fmt/format.h>

#include <algorithm>

namespace cli {

namespace {

struct ReplayCommandLine {
    std::vector<std::string> traces;
    std::vector<std::string> policies;
    std::optional<std::string> json_out;
    std::size_t mismatches = 10;
    run::ReplayOptions options;
};

po::options_description replay_options() {
    po::options_description desc("tlbsim replay TRACE... [--policy P]... [options]");
    desc.add_options()("help,h", "this help") //
        ("policy,p", po::value<std::vector<std::string>>(),
         "policy to replay under (repeatable; `all` for every one); default: mainline")       //
        ("json", po::value<std::string>(), "write the replays as JSON (docs/json-schema.md)") //
        ("mismatches", po::value<std::string>()->default_value("10"),
         "mismatching switches to list per policy (all are in --json)") //
        ("ghz", po::value<double>()->default_value(3.0),
         "simulated cycles per recorded nanosecond") //
        ("file", po::value<std::vector<std::string>>(),
         "ftrace text files (TRACE.kthreads and TRACE.machine beside each are read too)");
    return desc;
}

std::optional<ReplayCommandLine> parse_replay(const Args& args, const Io& io) {
    const po::options_description desc = replay_options();
    const auto parsed = parse_file_command(desc, args);
    if (!parsed) {
        fmt::print(io.out, "{}", help_text(desc));
        return std::nullopt;
    }
    const po::variables_map& vm = *parsed;
    if (!vm.count("file")) {
        throw UsageError("replay: no trace file given");
    }
    ReplayCommandLine cl;
    cl.traces = strings(vm, "file");
    cl.policies = strings(vm, "policy");
    cl.json_out = string_opt(vm, "json");
    cl.mismatches = parse_whole_number(vm["mismatches"].as<std::string>(), "--mismatches", "replay",
                                       0, 1'000'000);
    cl.options.ghz = vm["ghz"].as<double>();
    if (!(cl.options.ghz >= 0.1 && cl.options.ghz <= 100.0)) {
        throw UsageError("replay: --ghz must be in 0.1..100");
    }
    return cl;
}

ftrace::Workload import(const std::string& path) {
    try {
        return ftrace::import_trace(path);
    } catch (const ftrace::TraceError& e) {
        throw UserError(e.what());
    }
}

/// Replays one trace under every policy asked for; appends to `doc` and prints.
int replay_trace(const std::string& path, const ReplayCommandLine& cl, Json& doc, const Io& io) {
    const ftrace::Workload w = import(path);
    run::ReplayScenario rs = run::scenario_from_workload(w, cl.options);
    rs.scenario.policies = {"mainline"};
    const std::vector<std::string> policies = expand_policies(rs.scenario, cl.policies);
    check_policies(rs.scenario, path, policies);
    Json trace = replay_trace_json(w, rs);
    int status = exit_ok;
    for (const std::string& policy : policies) {
        const run::ReplayRun r = run::replay_workload(w, rs, policy);
        status = std::max(status, report_run_failure(r.run, path, io));
        RunInfo info;
        info.file = path;
        info.ghz = cl.options.ghz;
        trace["policies"].push_back({{"policy", policy},
                                     {"comparison", replay_comparison_json(r.comparison)},
                                     {"run", run_json(r.run, info)}});
    }
    print_replay(trace, cl.mismatches, io);
    doc["replays"].push_back(std::move(trace));
    return status;
}

} // namespace

int cmd_replay(const Args& args, const Io& io) {
    const auto cl = parse_replay(args, io);
    if (!cl) {
        return exit_ok;
    }
    Json doc = json_document("replay");
    doc["replays"] = Json::array();
    int status = exit_ok;
    for (const std::string& path : cl->traces) {
        status = std::max(status, replay_trace(path, *cl, doc, io));
        std::fflush(io.out);
    }
    if (cl->json_out) {
        write_json_file(*cl->json_out, doc);
    }
    return status;
}

} // namespace cli
