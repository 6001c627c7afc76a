// `tlbsim replay TRACE... --policy P...`: recorded kernel schedules (ftrace text, docs/replay.md)
// run through the model; per policy, the model's CR3 outcomes and IPIs against the recorded ones
// and what the policy costs on that schedule. With `--scenario OUT [--from T] [--to T] [--cpus
// LIST]`, a window of one trace written out as an ordinary scenario file instead
// (run/replay_export.h). Exit status: 0; 2 a trace that does not import, a bad option or window or
// a replay that cannot run; 3 an internal error.

#include "cli/catalog.h"
#include "cli/command.h"
#include "cli/commands.h"
#include "cli/json_report.h"
#include "cli/options.h"
#include "cli/replay_report.h"
#include "cli/run_pipeline.h"
#include "cli/run_text.h"
#include "cli/view.h"
#include "ftrace/importer.h"
#include "run/replay.h"
#include "run/replay_export.h"
#include "scenario/loader.h"

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
    /// --scenario OUT: write a window of the trace as a scenario file, replay nothing.
    std::optional<std::string> scenario_out;
    std::optional<std::string> from;
    std::optional<std::string> to;
    std::optional<std::string> cpus;
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
        ("scenario", po::value<std::string>(),
         "write a window of the trace as a scenario file OUT instead of replaying it") //
        ("from", po::value<std::string>(),
         "--scenario's window starts at T: seconds as the trace prints them (48446.716339) or, "
         "with a leading +, after its first event (+0.010); default: its first event") //
        ("to", po::value<std::string>(),
         "--scenario's window ends before T (the same forms); default: after its last event") //
        ("cpus", po::value<std::string>(),
         "--scenario keeps the tasks that ran on these CPUs (LIST: 0,2-3); default: all") //
        ("file", po::value<std::vector<std::string>>(),
         "ftrace text files (TRACE.kthreads and TRACE.machine beside each are read too)");
    return desc;
}

/// --scenario's options apply to it alone, and it writes one trace's window.
void check_export_options(const ReplayCommandLine& cl, const po::variables_map& vm) {
    if (!cl.scenario_out) {
        if (cl.from || cl.to || cl.cpus) {
            throw UsageError("replay: --from, --to and --cpus choose the window --scenario OUT "
                             "writes: give --scenario");
        }
        return;
    }
    if (cl.traces.size() != 1) {
        throw UsageError(fmt::format("replay: --scenario writes a window of one trace, not of {}",
                                     cl.traces.size()));
    }
    if (cl.json_out || !vm["mismatches"].defaulted()) {
        throw UsageError("replay: --scenario writes a scenario and replays nothing: --json and "
                         "--mismatches do not apply");
    }
}

std::optional<ReplayCommandLine> parse_replay(const Args& args, const Io& io) {
    const po::options_description desc = replay_options();
    const auto parsed = parse_files_or_help(desc, args, io, "replay: no trace file given");
    if (!parsed) {
        return std::nullopt;
    }
    const po::variables_map& vm = *parsed;
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
    cl.scenario_out = string_opt(vm, "scenario");
    cl.from = string_opt(vm, "from");
    cl.to = string_opt(vm, "to");
    cl.cpus = string_opt(vm, "cpus");
    check_export_options(cl, vm);
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
                                     {"inferred_asid_slots", replay_inference_json(r, rs)},
                                     {"run", run_json(r.run, info)}});
    }
    print_replay(trace, cl.mismatches, io);
    doc["replays"].push_back(std::move(trace));
    return status;
}

/// --from or --to as a Workload time.
ftrace::Nanos window_time(const std::string& text, const char* option, ftrace::Nanos origin) {
    const auto t = run::parse_trace_time(text);
    if (!t) {
        throw UsageError(fmt::format("replay: {}: expected seconds as the trace prints them "
                                     "(48446.716339) or after its first event (+0.010), not '{}'",
                                     option, text));
    }
    return run::trace_offset(*t, origin);
}

run::ExportWindow export_window_of(const ReplayCommandLine& cl, ftrace::Nanos origin) {
    run::ExportWindow win;
    win.from = cl.from ? window_time(*cl.from, "--from", origin) : 0;
    win.to = cl.to ? window_time(*cl.to, "--to", origin) : win.to;
    if (cl.from && cl.to && win.from >= win.to) {
        throw UsageError(fmt::format("replay: the window is empty: --from {} is not before --to {}",
                                     *cl.from, *cl.to));
    }
    win.cpus = cl.cpus ? parse_cpu_list(*cl.cpus, "replay") : std::vector<int>{};
    return win;
}

/// An argument as a shell reads it back (single quotes when it needs them).
std::string shell_word(const std::string& s) {
    const bool plain =
        !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                          "OPQRSTUVWXYZ0123456789+-_./,:=@%") == std::string::npos;
    if (plain) {
        return s;
    }
    std::string out = "'";
    for (const char c : s) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

/// The command line that writes the same file, for its header.
std::string export_command(const ReplayCommandLine& cl) {
    std::string s = fmt::format("tlbsim replay {} --scenario {}", shell_word(cl.traces.front()),
                                shell_word(*cl.scenario_out));
    const auto option = [&s](const char* name, const std::optional<std::string>& v) {
        s += v ? fmt::format(" {} {}", name, shell_word(*v)) : "";
    };
    option("--from", cl.from);
    option("--to", cl.to);
    option("--cpus", cl.cpus);
    for (const std::string& p : cl.policies) {
        s += fmt::format(" --policy {}", shell_word(p));
    }
    s += cl.options.ghz != 3.0 ? fmt::format(" --ghz {}", cl.options.ghz) : "";
    return s;
}

/// `tlbsim replay TRACE --scenario OUT`: the window as a scenario file, checked by the loader.
int export_scenario(const ReplayCommandLine& cl, const Io& io) {
    const std::string& path = cl.traces.front();
    const ftrace::Workload w = import(path);
    scenario::Scenario probe;
    probe.policies = {"mainline"};
    run::ExportOptions options;
    options.policies = expand_policies(probe, cl.policies);
    check_policies(probe, path, options.policies);
    options.ghz = cl.options.ghz;
    options.origin = w.origin;
    options.window = export_window_of(cl, *options.origin);
    run::ScenarioExport e;
    try {
        e = run::export_window(w, options);
    } catch (const run::WindowError& err) {
        throw UsageError(fmt::format("replay: {}", err.what()));
    }
    const std::string text = run::export_toml(e, export_command(cl));
    try {
        scenario::load_string(text, *cl.scenario_out, scenario_catalog());
    } catch (const scenario::ScenarioError& err) {
        throw std::logic_error(fmt::format("the exported scenario does not load: {}", err.what()));
    }
    write_output_file(*cl.scenario_out, [&text](std::ostream& os) { os << text; });
    fmt::print(io.out, "{}: {} threads, {} processes, {} recorded switches\n", *cl.scenario_out,
               e.scenario.threads.size(), e.scenario.processes.size(), e.switches);
    for (const std::string& note : e.notes) {
        fmt::print(io.out, "  left out: {}\n", note);
    }
    return exit_ok;
}

} // namespace

int cmd_replay(const Args& args, const Io& io) {
    const auto cl = parse_replay(args, io);
    if (!cl) {
        return exit_ok;
    }
    if (cl->scenario_out) {
        return export_scenario(*cl, io);
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
