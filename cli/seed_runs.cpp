#include "cli/seed_runs.h"

#include "cli/command.h"
#include "cli/commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace cli {

void add_seeds_options(po::options_description& desc) {
    desc.add_options() //
        ("seeds", po::value<std::string>(),
         "run every policy with the N seeds S..S+N-1 (S: --seed, else [machine] seed; needs "
         "jitter) and report each counter's mean, spread and 95% confidence interval "
         "(docs/seeds.md)") //
        ("shard", po::value<std::string>(),
         "with --seeds: run only the seed indices i with i % N == K-1 (K/N, 1 <= K <= N); "
         "tlbsim merge combines the shards' --json files");
}

namespace {

constexpr auto max_seed = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

std::uint64_t parse_count(const std::string& text, const char* command) {
    std::uint64_t v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end || v < 2 || v > max_seed) {
        throw UsageError(fmt::format("{}: --seeds must be a whole number from 2 to {} (a "
                                     "confidence interval needs two runs; --seed S runs one), "
                                     "got \"{}\"",
                                     command, max_seed, text));
    }
    return v;
}

} // namespace

std::optional<SeedsOption> seeds_option(const po::variables_map& vm, const char* command) {
    if (!vm.count("seeds")) {
        if (vm.count("shard")) {
            throw UsageError(
                fmt::format("{}: --shard splits the seeds of --seeds: give --seeds N", command));
        }
        return std::nullopt;
    }
    SeedsOption o;
    o.count = parse_count(vm["seeds"].as<std::string>(), command);
    if (vm.count("shard")) {
        o.shard = parse_shard(vm["shard"].as<std::string>(), command);
        if (static_cast<std::uint64_t>(o.shard.n) > o.count) {
            throw UsageError(fmt::format("{}: --shard {}/{} with --seeds {}: more shards than "
                                         "seeds, some would run nothing",
                                         command, o.shard.k, o.shard.n, o.count));
        }
    }
    return o;
}

void refuse_with_seeds(const po::variables_map& vm, const char* option, const char* command) {
    if (vm.count("seeds") && vm.count(option)) {
        throw UsageError(fmt::format("{}: --{} shows one run and does not combine with --seeds "
                                     "(run that seed alone with --seed S)",
                                     command, option));
    }
}

bool SeedSample::complete() const {
    return std::all_of(runs.begin(), runs.end(), [](const run::RunResult& r) {
        return r.error.empty() && r.internal_error.empty();
    });
}

void check_seeded(const std::vector<LoadedScenario>& loaded, const SeedsOption& seeds,
                  const run::RunOptions& options, const char* command) {
    for (const auto& l : loaded) {
        if (std::string_view(command) == "diff" && l.policies.size() != 2) {
            throw UsageError("diff: --seeds compares two policies: --policy A --policy B");
        }
        if (options.jitter.value_or(l.sc.machine.jitter) == 0) {
            throw UsageError(fmt::format(
                "{}: {}: --seeds needs jitter: the scenario's [machine] jitter is 0 and no "
                "--jitter was given, so every seed would give the same run; pass --jitter PCT",
                command, l.file));
        }
        const std::uint64_t first = options.seed.value_or(l.sc.machine.seed);
        if (first > max_seed - (seeds.count - 1)) {
            throw UsageError(fmt::format("{}: {}: seeds {}..{}+{} pass 2^63-1 = {}: lower --seed "
                                         "or --seeds",
                                         command, l.file, first, first, seeds.count - 1, max_seed));
        }
    }
}

namespace {

SeedSample run_sample(const LoadedScenario& l, std::uint64_t index, std::uint64_t seed,
                      const run::RunOptions& options, Json& doc) {
    SeedSample s;
    s.index = index;
    s.seed = seed;
    for (const auto& policy : l.policies) {
        RunRequest req{&l.sc, l.file, policy, options, {}};
        req.options.seed = seed;
        req.needs.redundant_cycles = true;
        RunReport rep = run_request(req);
        s.json_runs.push_back(doc["runs"].size());
        doc["runs"].push_back(run_json(rep.result, rep.json_info(std::nullopt)));
        // The explained violations and warnings are in the JSON; the statistics need only the
        // counters, and a long --seeds run should not keep every chain.
        rep.result.violation_reports.clear();
        rep.result.warnings.clear();
        s.runs.push_back(std::move(rep.result));
        s.redundant_cycles.push_back(rep.redundant_cycles);
    }
    return s;
}

} // namespace

SeededScenario run_seeded(const LoadedScenario& l, const SeedsOption& seeds,
                          const run::RunOptions& options, Json& doc) {
    SeededScenario s;
    s.file = l.file;
    s.name = l.sc.name;
    s.policies = l.policies;
    s.first = options.seed.value_or(l.sc.machine.seed);
    s.jitter = options.jitter.value_or(l.sc.machine.jitter);
    const auto step = static_cast<std::uint64_t>(seeds.shard.n);
    for (auto i = static_cast<std::uint64_t>(seeds.shard.k - 1); i < seeds.count; i += step) {
        s.samples.push_back(run_sample(l, i, s.first + i, options, doc));
    }
    return s;
}

int seeded_status(const SeededRuns& runs) {
    int status = exit_ok;
    for (const auto& sc : runs.scenarios) {
        for (const auto& sample : sc.samples) {
            for (const auto& r : sample.runs) {
                status = std::max(status, !r.internal_error.empty() ? exit_internal
                                          : !r.error.empty()        ? exit_usage
                                                                    : exit_ok);
            }
        }
    }
    return status;
}

} // namespace cli
