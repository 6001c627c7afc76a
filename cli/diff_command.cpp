// `tlbsim diff FILE... --policy A --policy B`: each scenario under A and under B, the counters
// and verdicts that differ (diff.h), then a summary; --json writes the runs and the diff.

#include "cli/command.h"
#include "cli/commands.h"
#include "cli/diff.h"
#include "cli/json_report.h"
#include "cli/options.h"
#include "cli/run_pipeline.h"
#include "cli/run_text.h"
#include "cli/schedule_divergence.h"
#include "cli/seed_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

namespace cli {

namespace {

struct DiffCommandLine {
    std::vector<std::string> files;
    std::vector<std::string> policies; ///< A and B
    run::RunOptions options;
    bool per_cpu = false;
    std::optional<std::string> json_out;
    std::optional<SeedsOption> seeds; ///< --seeds N [--shard K/N]: seed_report.h
};

po::options_description diff_options() {
    po::options_description desc("tlbsim diff FILE... --policy A --policy B [options]");
    desc.add_options()("help,h", "this help") //
        ("policy,p", po::value<std::vector<std::string>>(),
         "the two policies to compare, A then B (give --policy twice)");
    add_seed_options(desc);
    add_seeds_options(desc);
    desc.add_options()                                           //
        ("per-cpu", "also show the cpuN.* counters that differ") //
        ("json", po::value<std::string>(),
         "write the runs and the diff as JSON (docs/json-schema.md)") //
        ("file", po::value<std::vector<std::string>>(), "scenario files or directories");
    return desc;
}

/// The command line, or nullopt when --help was printed.
std::optional<DiffCommandLine> parse_diff(const Args& args, const Io& io) {
    const po::options_description desc = diff_options();
    const auto parsed = parse_file_command(desc, args);
    if (!parsed) {
        fmt::print(io.out, "{}", help_text(desc));
        return std::nullopt;
    }
    const po::variables_map& vm = *parsed;
    DiffCommandLine cl;
    cl.json_out = string_opt(vm, "json");
    cl.policies = strings(vm, "policy");
    if (cl.policies.size() != 2) {
        throw UsageError("diff: give exactly two policies: --policy A --policy B");
    }
    if (!vm.count("file")) {
        throw UsageError("diff: no scenario file given");
    }
    refuse_with_seeds(vm, "per-cpu", "diff");
    cl.options = seed_options(vm, "diff");
    cl.seeds = seeds_option(vm, "diff");
    cl.per_cpu = vm.count("per-cpu") > 0;
    cl.files = strings(vm, "file");
    return cl;
}

/// One scenario's runs under A and B.
struct DiffRuns {
    RunReport a;
    RunReport b;
    Schedule schedule_a;
    Schedule schedule_b;
    std::optional<Divergence> divergence;

    bool completed() const {
        return a.result.error.empty() && a.result.internal_error.empty() &&
               b.result.error.empty() && b.result.internal_error.empty();
    }

    DiffPair pair() const {
        return DiffPair{a.file, &a.result, &b.result, a.redundant_cycles, b.redundant_cycles};
    }
};

/// The run of `l` under `policy`, and its context switches.
std::pair<RunReport, Schedule> run_one(const LoadedScenario& l, const std::string& policy,
                                       const DiffCommandLine& cl) {
    SwitchRecorder switches;
    RunRequest req{&l.sc, l.file, policy, cl.options, {}};
    req.needs.redundant_cycles = true;
    req.options.observers.push_back(&switches);
    RunReport rep = run_request(req);
    Schedule schedule{policy, switches.switches(), rep.result.task_names};
    return {std::move(rep), std::move(schedule)};
}

DiffRuns run_pair(const LoadedScenario& l, const DiffCommandLine& cl) {
    auto [a, schedule_a] = run_one(l, cl.policies[0], cl);
    auto [b, schedule_b] = run_one(l, cl.policies[1], cl);
    DiffRuns d{std::move(a), std::move(b), std::move(schedule_a), std::move(schedule_b), {}};
    d.divergence = first_divergence(d.schedule_a, d.schedule_b);
    return d;
}

/// Why the pair could not be compared (on stderr), then its diff and where the schedules part.
/// Returns the worst exit status of its runs.
int print_pair(const DiffRuns& d, const DiffPair& p, bool per_cpu, const Io& io) {
    int status = exit_ok;
    for (const auto* r : {p.a, p.b}) {
        status = std::max(status, report_run_failure(*r, p.file, io));
    }
    fmt::print(io.out, "{}", format_diff(p, per_cpu));
    if (d.completed()) {
        fmt::print(io.out, "  {}\n", format_divergence(d.schedule_a, d.schedule_b, d.divergence));
    }
    fmt::print(io.out, "\n");
    std::fflush(io.out);
    return status;
}

/// The runs (A then B per scenario) and the diff.
Json diff_document(const std::deque<DiffRuns>& runs, const std::vector<DiffPair>& pairs,
                   const DiffCommandLine& cl) {
    Json doc = json_document("diff");
    std::vector<std::pair<std::size_t, std::size_t>> run_index;
    for (const auto& d : runs) {
        run_index.emplace_back(doc["runs"].size(), doc["runs"].size() + 1);
        for (const RunReport* rep : {&d.a, &d.b}) {
            doc["runs"].push_back(run_json(rep->result, rep->json_info(std::nullopt)));
        }
    }
    doc["diff"] = diff_json(pairs, run_index, cl.policies[0], cl.policies[1], cl.per_cpu);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const DiffRuns& d = runs[i];
        doc["diff"]["scenarios"][i]["schedule_divergence"] =
            d.completed() ? divergence_json(d.schedule_a, d.schedule_b, d.divergence)
                          : Json(nullptr);
    }
    return doc;
}

} // namespace

int cmd_diff(const Args& args, const Io& io) {
    const auto cl = parse_diff(args, io);
    if (!cl) {
        return exit_ok;
    }
    const std::vector<LoadedScenario> loaded = load_scenarios(cl->files, cl->policies, "diff");
    if (cl->seeds) {
        return run_seeds_command("diff", loaded, *cl->seeds, cl->options, cl->json_out, io);
    }
    std::deque<DiffRuns> runs; // the pairs point into it
    std::vector<DiffPair> pairs;
    int status = exit_ok;
    for (const auto& l : loaded) {
        runs.push_back(run_pair(l, *cl));
        pairs.push_back(runs.back().pair());
        status = std::max(status, print_pair(runs.back(), pairs.back(), cl->per_cpu, io));
    }
    fmt::print(io.out, "{}", format_diff_summary(pairs, cl->policies[0], cl->policies[1]));
    if (cl->json_out) {
        write_json_file(*cl->json_out, diff_document(runs, pairs, *cl));
    }
    return status;
}

} // namespace cli
