// `tlbsim explore FILE... --policy P`: each scenario rerun with its timing perturbed
// (run/explore.h, docs/explore.md); each finding printed with its chain and the `run` command
// that replays it. Exit status: 1 a violation found, 0 none, 2 a bad scenario or option (or a run
// error found), 3 an internal error found.

#include "cli/command.h"
#include "cli/commands.h"
#include "cli/exhaustive_report.h"
#include "cli/explore_report.h"
#include "cli/explore_shrink.h"
#include "cli/json_report.h"
#include "cli/options.h"
#include "cli/run_pipeline.h"
#include "cli/run_text.h"
#include "cli/shard.h"
#include "run/exhaustive.h"
#include "run/explore.h"

#include <fmt/format.h>

#include <chrono>
#include <unistd.h>

namespace cli {

namespace {

struct ExploreCommandLine {
    std::vector<std::string> files;
    std::vector<std::string> policies;
    run::ExploreOptions options;
    std::optional<std::string> json_out;
    std::optional<std::string> shrink_dir;
    bool exhaustive = false;
    run::ExhaustiveOptions exhaustive_options;
};

po::options_description explore_options() {
    po::options_description desc("tlbsim explore FILE... --policy P [options]");
    desc.add_options()("help,h", "this help") //
        ("policy,p", po::value<std::vector<std::string>>(),
         "policy to explore (repeatable; `all` for every one); default: the scenario's "
         "`policies`") //
        ("runs", po::value<std::string>()->default_value("1000"),
         "runs per scenario and policy (the first is the scenario as written)") //
        ("seed", po::value<std::string>()->default_value("0"),
         "the search's seed: each run's seed and change points derive from it") //
        ("jitter", po::value<int>()->default_value(10),
         "percent by which every cost and step length is perturbed, 0..100") //
        ("depth", po::value<int>()->default_value(2),
         "change points per run: delays of a random CPU's next step at random times, 0..16") //
        ("all", "collect every distinct violation (property, cause, kernel sites) instead of "
                "stopping at the first") //
        ("shard", po::value<std::string>(),
         "K/N: make only the runs i with i % N == K-1 (1 <= K <= N; with --exhaustive, the "
         "subtrees of the search); tlbsim merge combines the shards' --json files") //
        ("json", po::value<std::string>(),
         "write the explorations, or the exhaustive searches, as JSON (docs/json-schema.md)") //
        ("shrink", po::value<std::string>(),
         "DIR: shrink each violation found into a small scenario with its expectations, "
         "written to DIR (docs/explore.md)") //
        ("exhaustive", "instead of perturbed timings, every x86-TSO execution of the user memory "
                       "steps: the reachable final states, and [[expect]] forbid checked in "
                       "every one (docs/memory-model.md, Exhaustive search)") //
        ("max-executions", po::value<std::string>()->default_value("100000"),
         "with --exhaustive: the bound on executions") //
        ("no-races", "with --exhaustive: try waiting at every turn point, not only where a race "
                     "shows a new order (what each shard of --shard does; docs/memory-model.md, "
                     "Races)") //
        ("file", po::value<std::vector<std::string>>(), "scenario files or directories");
    return desc;
}

void check_ranges(const run::ExploreOptions& o) {
    if (o.jitter < 0 || o.jitter > 100) {
        throw UsageError("explore: --jitter must be in 0..100");
    }
    if (o.depth < 0 || o.depth > 16) {
        throw UsageError("explore: --depth must be in 0..16");
    }
}

std::optional<ExploreCommandLine> parse_explore(const Args& args, const Io& io) {
    const po::options_description desc = explore_options();
    const auto parsed = parse_files_or_help(desc, args, io, "explore: no scenario file given");
    if (!parsed) {
        return std::nullopt;
    }
    const po::variables_map& vm = *parsed;
    ExploreCommandLine cl;
    cl.files = strings(vm, "file");
    cl.policies = strings(vm, "policy");
    cl.options.runs = parse_whole_number(vm["runs"].as<std::string>(), "--runs", "explore", 1,
                                         std::uint64_t{1} << 40);
    cl.options.seed = parse_seed(vm["seed"].as<std::string>(), "explore");
    cl.options.jitter = vm["jitter"].as<int>();
    cl.options.depth = vm["depth"].as<int>();
    cl.options.all = vm.count("all") > 0;
    if (const auto shard = string_opt(vm, "shard")) {
        const Shard sh = parse_shard(*shard, "explore");
        cl.options.shard_index = static_cast<std::uint32_t>(sh.k - 1);
        cl.options.shard_count = static_cast<std::uint32_t>(sh.n);
    }
    check_ranges(cl.options);
    cl.exhaustive = vm.count("exhaustive") > 0;
    cl.exhaustive_options.max_executions = static_cast<std::int64_t>(
        parse_whole_number(vm["max-executions"].as<std::string>(), "--max-executions", "explore", 1,
                           std::uint64_t{1} << 40));
    cl.exhaustive_options.shard_index = cl.options.shard_index;
    cl.exhaustive_options.shard_count = cl.options.shard_count;
    cl.exhaustive_options.races = vm.count("no-races") == 0;
    cl.json_out = string_opt(vm, "json");
    cl.shrink_dir = string_opt(vm, "shrink");
    if (cl.shrink_dir && cl.shrink_dir->empty()) {
        throw UsageError("explore: --shrink expects a directory");
    }
    return cl;
}

/// The progress line on a terminal: runs done, runs/s, findings, time left.
class ProgressLine {
public:
    ProgressLine(const Io& io, std::uint64_t planned)
        : io_(io), planned_(planned), shown_(isatty(fileno(io.out)) == 1 && io.out == stdout),
          start_(std::chrono::steady_clock::now()) {}

    void operator()(std::uint64_t runs, std::size_t findings) const {
        if (!shown_) {
            return;
        }
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const double rate = s > 0 ? static_cast<double>(runs) / s : 0;
        const double left = rate > 0 ? static_cast<double>(planned_ - runs) / rate : 0;
        fmt::print(io_.err, "\r  {} of {} runs, {:.0f} runs/s, {} finding{}, {:.0f} s left   ",
                   runs, planned_, rate, findings, findings == 1 ? "" : "s", left);
        std::fflush(io_.err);
    }
    void clear() const {
        if (shown_) {
            fmt::print(io_.err, "\r{:80}\r", "");
        }
    }

private:
    Io io_;
    std::uint64_t planned_;
    bool shown_;
    std::chrono::steady_clock::time_point start_;
};

/// `explore --exhaustive`: every scenario and policy searched exhaustively.
int explore_exhaustive(const ExploreCommandLine& cl, const std::vector<LoadedScenario>& loaded,
                       const Io& io) {
    Json doc = json_document("explore");
    doc["exhaustive"] = Json::array();
    int status = exit_ok;
    for (const auto& l : loaded) {
        for (const auto& policy : l.policies) {
            run::ExhaustiveOptions o = cl.exhaustive_options;
            o.policy = policy;
            const run::ExhaustiveResult res = run::explore_exhaustively(l.sc, o);
            Json x = exhaustive_json(l.file, l.sc, res, o.max_executions, doc["runs"]);
            status = std::max(status, print_exhaustive(x, doc["runs"], io));
            doc["exhaustive"].push_back(std::move(x));
            std::fflush(io.out);
        }
    }
    if (cl.json_out) {
        write_json_file(*cl.json_out, doc);
    }
    return status;
}

} // namespace

int cmd_explore(const Args& args, const Io& io) {
    const auto cl = parse_explore(args, io);
    if (!cl) {
        return exit_ok;
    }
    const auto loaded = load_scenarios(cl->files, cl->policies, "explore");
    if (cl->exhaustive) {
        return explore_exhaustive(*cl, loaded, io);
    }
    Json doc = json_document("explore");
    doc["explore"] = Json::array();
    int status = exit_ok;
    for (const auto& l : loaded) {
        for (const auto& policy : l.policies) {
            run::ExploreOptions o = cl->options;
            o.policy = policy;
            const ProgressLine progress(io, o.runs);
            const run::ExploreResult res = run::explore(l.sc, o, std::cref(progress));
            progress.clear();
            Json x = exploration_json(l.file, l.sc.machine, res, doc["runs"]);
            print_exploration(x, doc["runs"], io);
            if (cl->shrink_dir) {
                shrink_findings(l, res, *cl->shrink_dir, io);
            }
            status = std::max(status, exploration_status(x));
            doc["explore"].push_back(std::move(x));
            std::fflush(io.out);
        }
    }
    if (cl->json_out) {
        write_json_file(*cl->json_out, doc);
    }
    return status;
}

} // namespace cli
