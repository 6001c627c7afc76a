// `tlbsim run FILE...`: every scenario under its policies; per scenario a counter table, then
// each run's violations, warnings and expectation failures. Files: --json (every run), --trace
// and --svg (one per run, written as the run ends). A view (--from, --to, --cpus, --task:
// view.h) selects what -v, --trace and --svg show.

#include "cli/chrome_trace.h"
#include "cli/command.h"
#include "cli/commands.h"
#include "cli/expectations.h"
#include "cli/json_report.h"
#include "cli/obligation_text.h"
#include "cli/options.h"
#include "cli/report_table.h"
#include "cli/run_pipeline.h"
#include "cli/run_summary.h"
#include "cli/run_text.h"
#include "cli/seed_report.h"
#include "cli/svg_timeline.h"
#include "cli/timeline_view.h"
#include "cli/view.h"

#include <fmt/format.h>

#include <algorithm>

namespace cli {

namespace {

struct RunCommandLine {
    std::vector<std::string> files;
    std::vector<std::string> policies; ///< empty: each scenario's own
    run::RunOptions options;
    bool per_cpu = false;
    bool verbose = false;
    bool summary = false;
    std::optional<std::string> json_out;
    std::optional<std::string> trace_out;
    std::optional<std::string> svg_out;
    View view;                        ///< what -v, --trace and --svg show
    std::optional<SeedsOption> seeds; ///< --seeds N [--shard K/N]: seed_report.h
};

po::options_description run_options() {
    po::options_description desc("tlbsim run FILE... [options]");
    desc.add_options()("help,h", "this help") //
        ("policy,p", po::value<std::vector<std::string>>(),
         "policy to run (repeatable); default: the scenario's `policies`");
    add_seed_options(desc);
    add_seeds_options(desc);
    desc.add_options()                           //
        ("per-cpu", "also show cpuN.* counters") //
        ("summary", "end with one table over all runs: each policy's sync_cores and their "
                    "cycles against the first policy, its warnings, and every violated "
                    "property with the scenario, CPU and time of its first violation") //
        ("verbose,v", "print every record as it happens under a header naming the columns (time, "
                      "CPU, task, event, call path); --from, --to, --cpus and --task select "
                      "which")                                                              //
        ("json", po::value<std::string>(), "write every run as JSON (docs/json-schema.md)") //
        ("trace", po::value<std::string>(),
         "write a Chrome trace-event file (ui.perfetto.dev); with several runs, one file per "
         "run: OUT-<scenario>-<policy>.EXT") //
        ("svg", po::value<std::string>(),
         "write an SVG timeline; with several runs, one file per run as for --trace");
    add_view_options(desc);
    desc.add_options()("file", po::value<std::vector<std::string>>(),
                       "scenario files or directories");
    return desc;
}

/// The command line, or nullopt when --help was printed.
std::optional<RunCommandLine> parse_run(const Args& args, const Io& io) {
    const po::options_description desc = run_options();
    const auto parsed = parse_files_or_help(desc, args, io, "run: no scenario file given");
    if (!parsed) {
        return std::nullopt;
    }
    const po::variables_map& vm = *parsed;
    for (const char* one_run :
         {"per-cpu", "summary", "verbose", "trace", "svg", "from", "to", "cpus", "task"}) {
        refuse_with_seeds(vm, one_run, "run");
    }
    RunCommandLine cl;
    cl.options = seed_options(vm, "run");
    cl.seeds = seeds_option(vm, "run");
    cl.files = strings(vm, "file");
    cl.policies = strings(vm, "policy");
    cl.per_cpu = vm.count("per-cpu") > 0;
    cl.verbose = vm.count("verbose") > 0;
    cl.summary = vm.count("summary") > 0;
    cl.json_out = string_opt(vm, "json");
    cl.trace_out = string_opt(vm, "trace");
    cl.svg_out = string_opt(vm, "svg");
    cl.view = view_options(vm, "run");
    check_view_outputs(cl.view, cl.verbose, cl.trace_out || cl.svg_out, "run");
    return cl;
}

RunRequest request_for(const LoadedScenario& l, const std::string& policy, const RunCommandLine& cl,
                       const Io& io) {
    RunRequest req{&l.sc, l.file, policy, cl.options, {}};
    req.needs.redundant_cycles = cl.json_out.has_value();
    req.needs.timeline = cl.trace_out.has_value() || cl.svg_out.has_value();
    req.needs.narrate_to = cl.verbose ? io.out : nullptr;
    req.needs.narrate_view = cl.view;
    return req;
}

/// --trace and --svg of one run: its timeline, or the part of it the view shows.
void write_run_files(const RunReport& rep, const RunCommandLine& cl, RunOutputPaths& paths,
                     const Io& io) {
    const run::RunResult& r = rep.result;
    std::optional<Timeline> viewed;
    if (!cl.view.whole_run()) {
        viewed = apply_view(*rep.timeline, cl.view);
    }
    const Timeline& shown = viewed ? *viewed : *rep.timeline;
    if (cl.trace_out) {
        const std::string path = paths.next(*cl.trace_out, r.scenario, r.policy);
        write_chrome_trace_file(shown, path);
        fmt::print(io.err, "trace: {} under {} written to {}\n", r.scenario, r.policy, path);
    }
    if (cl.svg_out) {
        const std::string path = paths.next(*cl.svg_out, r.scenario, r.policy);
        write_svg_file(shown, path);
        fmt::print(io.err, "svg: {} under {} written to {}\n", r.scenario, r.policy, path);
    }
}

/// A window that starts at or after the end of the run shows nothing: say so (the run's length is
/// known only now).
void note_empty_window(const run::RunResult& r, const View& view, const Io& io) {
    if (view.from && r.error.empty() && r.internal_error.empty() && *view.from >= r.cycles) {
        fmt::print(io.err,
                   "run: --from {} is at or after the end of {} under {} (cycle {}): "
                   "its view shows nothing\n",
                   *view.from, r.scenario, r.policy, r.cycles);
    }
}

/// Runs one scenario under each of its policies; each run's files are written as it ends (its
/// timeline is then dropped: it can be large).
std::vector<RunReport> run_policies(const LoadedScenario& l, const RunCommandLine& cl,
                                    RunOutputPaths& paths, const Io& io) {
    std::vector<RunReport> reports;
    for (const auto& policy : l.policies) {
        if (cl.verbose) {
            fmt::print(io.out, "-- {} under {}\n", l.sc.name, policy);
        }
        reports.push_back(run_request(request_for(l, policy, cl, io)));
        note_empty_window(reports.back().result, cl.view, io);
        if (reports.back().timeline) {
            write_run_files(reports.back(), cl, paths, io);
            reports.back().timeline.reset();
        }
        std::fflush(io.out);
    }
    return reports;
}

/// A run's exit status and, when it completed, its expectation mismatches.
struct RunVerdict {
    int status = exit_ok;
    std::vector<std::string> expectation_failures;
};

RunVerdict judge(const scenario::Scenario& sc, const run::RunResult& r) {
    if (!r.internal_error.empty()) {
        return {exit_internal, {}};
    }
    if (!r.error.empty()) {
        return {exit_usage, {}};
    }
    RunVerdict v{exit_ok, check_expectations(sc, r)};
    v.status = v.expectation_failures.empty() ? exit_ok : exit_expectation;
    return v;
}

void print_verdict(const RunReport& rep, const RunVerdict& v, const Io& io) {
    if (report_run_failure(rep.result, rep.file, io) != exit_ok) {
        return;
    }
    fmt::print(io.out, "{}", format_obligation_summary(rep.result));
    print_findings(rep.result, io);
    for (const auto& f : v.expectation_failures) {
        fmt::print(io.out, "  expectation failed ({}): {}\n", rep.result.policy, f);
    }
}

/// The table of one scenario's runs, then each run's verdict; adds the runs to `doc`. Returns
/// the worst exit status of the runs.
int print_scenario(const LoadedScenario& l, const std::vector<RunReport>& reports, bool per_cpu,
                   Json& doc, const Io& io) {
    std::vector<const run::RunResult*> results;
    for (const auto& rep : reports) {
        results.push_back(&rep.result);
    }
    fmt::print(io.out, "{}", format_table(results, per_cpu));
    int status = exit_ok;
    for (const auto& rep : reports) {
        const RunVerdict v = judge(l.sc, rep.result);
        print_verdict(rep, v, io);
        doc["runs"].push_back(run_json(rep.result, rep.json_info(v.expectation_failures)));
        status = std::max(status, v.status);
    }
    fmt::print(io.out, "\n");
    std::fflush(io.out);
    return status;
}

std::size_t total_runs(const std::vector<LoadedScenario>& loaded) {
    std::size_t n = 0;
    for (const auto& l : loaded) {
        n += l.policies.size();
    }
    return n;
}

} // namespace

int cmd_run(const Args& args, const Io& io) {
    const auto cl = parse_run(args, io);
    if (!cl) {
        return exit_ok;
    }
    const std::vector<LoadedScenario> loaded = load_scenarios(cl->files, cl->policies, "run");
    if (cl->seeds) {
        return run_seeds_command("run", loaded, *cl->seeds, cl->options, cl->json_out, io);
    }
    for (const auto& l : loaded) {
        check_view(cl->view, l.sc, l.file, "run");
    }
    RunOutputPaths paths(total_runs(loaded) == 1);
    Json doc = json_document("run");
    int status = exit_ok;
    std::vector<RunDigest> digests;
    for (const auto& l : loaded) {
        fmt::print(io.out, "scenario {} ({})\n", l.sc.name, l.file);
        std::fflush(io.out);
        const std::vector<RunReport> reports = run_policies(l, *cl, paths, io);
        status = std::max(status, print_scenario(l, reports, cl->per_cpu, doc, io));
        for (const auto& rep : reports) {
            digests.push_back(digest(rep.result));
        }
    }
    if (cl->summary) {
        fmt::print(io.out, "{}", format_summary(summarize(digests), loaded.size()));
    }
    if (cl->json_out) {
        write_json_file(*cl->json_out, doc);
    }
    return status;
}

} // namespace cli
