#include "cli/seed_report.h"

#include "cli/diff.h"

#include <fmt/format.h>

#include <algorithm>

namespace cli {

namespace {

bool is_diff(const SeededRuns& runs) {
    return runs.command == "diff";
}

/// "50 seeds 0..49" or, for a shard, "shard 2/4 (seed indices i % 4 == 1): 13 of 50 seeds 0..49".
std::string seeds_text(const SeededRuns& runs, const SeededScenario& s) {
    const std::string all =
        fmt::format("{} seeds {}..{}", runs.count, s.first, s.first + (runs.count - 1));
    if (runs.shard.whole()) {
        return all;
    }
    return fmt::format("shard {}/{} (seed indices i % {} == {}): {} of {}", runs.shard.k,
                       runs.shard.n, runs.shard.n, runs.shard.k - 1, s.samples.size(), all);
}

std::string header(const SeededRuns& runs, const SeededScenario& s) {
    if (is_diff(runs)) {
        return fmt::format("scenario {} ({}): {} -> {} over {}, jitter {}%\n", s.name, s.file,
                           s.policies[0], s.policies[1], seeds_text(runs, s), s.jitter);
    }
    return fmt::format("scenario {} ({}): {}, jitter {}%\n", s.name, s.file, seeds_text(runs, s),
                       s.jitter);
}

std::string fixed(const std::optional<double>& v) {
    return v ? fmt::format("{:.2f}", *v) : "-";
}

/// The cells of one statistics row after its two labels: mean, sd, min..max, interval.
std::vector<std::string> stats_cells(const SampleStats& s) {
    const std::string range = s.min ? fmt::format("{}..{}", *s.min, *s.max) : "-";
    const std::string ci = s.ci_low ? fmt::format("[{:.2f}, {:.2f}]", *s.ci_low, *s.ci_high) : "-";
    return {fixed(s.mean), fixed(s.sd), range, ci};
}

using Row = std::vector<std::string>;

/// The table rows: per counter one row per policy, and for diff a row of the differences with
/// their attribution.
std::vector<Row> table_rows(const SeededScenario& s, const SeededAnalysis& a) {
    std::vector<Row> rows;
    for (const auto& c : a.counters) {
        for (std::size_t p = 0; p < c.per_policy.size(); ++p) {
            Row r = {p == 0 ? c.name : "", s.policies[p]};
            for (auto& cell : stats_cells(c.per_policy[p])) {
                r.push_back(std::move(cell));
            }
            rows.push_back(std::move(r));
        }
        if (c.paired) {
            Row r = {"", "difference"};
            for (auto& cell : stats_cells(c.paired->difference)) {
                r.push_back(std::move(cell));
            }
            // One seed (a small shard) has no interval: nothing to attribute.
            r.emplace_back(c.paired->difference.n < 2 ? std::string_view("-")
                                                      : attribution_name(c.paired->attribution));
            rows.push_back(std::move(r));
        }
    }
    return rows;
}

/// Aligned columns, two spaces apart: the labels, the interval and the verdict left-aligned,
/// the numbers right-aligned.
std::string format_rows(const std::vector<Row>& rows) {
    std::vector<std::size_t> width;
    for (const auto& r : rows) {
        width.resize(std::max(width.size(), r.size()), 0);
        for (std::size_t i = 0; i < r.size(); ++i) {
            width[i] = std::max(width[i], r[i].size());
        }
    }
    std::string out;
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
            const bool left = i < 2 || i >= 5;
            line += left ? fmt::format("  {:<{}}", r[i], width[i])
                         : fmt::format("  {:>{}}", r[i], width[i]);
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out += line + "\n";
    }
    return out;
}

std::string format_table(const SeededRuns& runs, const SeededScenario& s, const SeededAnalysis& a) {
    if (a.counters.empty()) {
        return is_diff(runs) ? "  no counter differs on any seed\n"
                             : "  every counter is 0 on every seed\n";
    }
    std::vector<Row> rows = {{"counter", "under", "mean", "sd", "min..max", "95% CI of the mean"}};
    if (is_diff(runs)) {
        rows.front().emplace_back("verdict");
    }
    const auto body = table_rows(s, a);
    rows.insert(rows.end(), body.begin(), body.end());
    return format_rows(rows);
}

std::string format_failures(const SeededAnalysis& a) {
    std::string out;
    for (const auto& f : a.failures) {
        out += fmt::format("  seed {} under {}: {}\n", f.seed, f.policy, f.message);
    }
    if (!a.failures.empty()) {
        out +=
            fmt::format("  (statistics over the {} seeds whose runs all completed)\n", a.complete);
    }
    return out;
}

/// "G-SC  v5.10 0   rfc-v2 12 (first: seed 3)" for each property (rule) with a hit.
std::string format_counts(const std::vector<RunCounts>& counts, const SeededScenario& s,
                          std::uint64_t complete, const char* what) {
    std::string lines;
    for (const auto& c : counts) {
        if (!c.any()) {
            continue;
        }
        std::string line = fmt::format("    {:<9}", c.name);
        for (std::size_t p = 0; p < c.runs.size(); ++p) {
            line += fmt::format("  {} {}", s.policies[p], c.runs[p]);
            if (c.first_seed[p]) {
                line += fmt::format(" (first: seed {})", *c.first_seed[p]);
            }
        }
        lines += line + "\n";
    }
    if (lines.empty()) {
        return fmt::format("  {}: none in the {} seeds' runs\n", what, complete);
    }
    return fmt::format("  {} (runs of {} seeds):\n{}", what, complete, lines);
}

const char* const attribution_legend =
    "  verdict: policy = the two policies' 95% intervals separate; paired-only = they overlap\n"
    "  but the interval of the per-seed differences excludes 0; noise = neither\n";

} // namespace

std::string format_seeded(const SeededRuns& runs, const SeededScenario& s,
                          const SeededAnalysis& a) {
    std::string out = header(runs, s) + format_failures(a) + format_table(runs, s, a);
    if (is_diff(runs)) {
        if (a.unchanged > 0) {
            out += fmt::format("  {} more counter{} non-zero but equal under both on every seed\n",
                               a.unchanged, a.unchanged == 1 ? " is" : "s are");
        }
        out += a.counters.empty() ? "" : attribution_legend;
    }
    out += format_counts(a.properties, s, a.complete, "violated properties");
    out += format_counts(a.warnings, s, a.complete, "mechanism warnings");
    return out;
}

namespace {

/// "idle-return: G-SC 0 -> 50 of 50" for each property violated in a different number of runs.
std::string format_count_changes(const SeededRuns& runs,
                                 const std::vector<SeededAnalysis>& analyses) {
    std::string out;
    for (std::size_t i = 0; i < analyses.size(); ++i) {
        for (const auto& c : analyses[i].properties) {
            if (c.runs[0] != c.runs[1]) {
                out += fmt::format("    {}: {} violated in {} -> {} of {} seeds\n",
                                   runs.scenarios[i].name, c.name, c.runs[0], c.runs[1],
                                   analyses[i].complete);
            }
        }
    }
    return out;
}

} // namespace

std::string format_seeded_diff_summary(const SeededRuns& runs,
                                       const std::vector<SeededAnalysis>& analyses) {
    std::size_t by[3] = {0, 0, 0}; // indexed by Attribution
    for (const auto& a : analyses) {
        for (const auto& c : a.counters) {
            ++by[static_cast<int>(c.paired->attribution)];
        }
    }
    const auto& policies = runs.scenarios.front().policies;
    std::string out =
        fmt::format("summary: {} scenario{}, {} -> {} over {} seeds{}\n", analyses.size(),
                    analyses.size() == 1 ? "" : "s", policies[0], policies[1], runs.count,
                    runs.shard.whole() ? std::string()
                                       : fmt::format(" (shard {}/{})", runs.shard.k, runs.shard.n));
    out += fmt::format("  counters that differ: {} by the policy, {} paired-only, {} noise\n",
                       by[static_cast<int>(Attribution::policy)],
                       by[static_cast<int>(Attribution::paired_only)],
                       by[static_cast<int>(Attribution::noise)]);
    const std::string changes = format_count_changes(runs, analyses);
    return out + (changes.empty()
                      ? "  properties violated in a different number of runs: none\n"
                      : "  properties violated in a different number of runs:\n" + changes);
}

namespace {

Json optional_json(const auto& v) {
    return v ? Json(*v) : Json(nullptr);
}

Json stats_json(const SampleStats& s) {
    return {{"n", s.n},
            {"mean", optional_json(s.mean)},
            {"sd", optional_json(s.sd)},
            {"min", optional_json(s.min)},
            {"max", optional_json(s.max)},
            {"ci_low", optional_json(s.ci_low)},
            {"ci_high", optional_json(s.ci_high)}};
}

Json counter_json(const CounterSeries& c) {
    Json j;
    j["name"] = c.name;
    j["policies"] = Json::array();
    for (const auto& s : c.per_policy) {
        j["policies"].push_back(stats_json(s));
    }
    if (c.paired) {
        Json d = stats_json(c.paired->difference);
        d["separate"] = c.paired->separate;
        d["paired_excludes_zero"] = c.paired->paired_excludes_zero;
        d["verdict"] = std::string(attribution_name(c.paired->attribution));
        j["difference"] = std::move(d);
    }
    return j;
}

Json counts_json(const std::vector<RunCounts>& counts, const char* key) {
    Json out = Json::array();
    for (const auto& c : counts) {
        Json first = Json::array();
        for (const auto& f : c.first_seed) {
            first.push_back(optional_json(f));
        }
        out.push_back({{key, c.name}, {"runs", c.runs}, {"first_seed", std::move(first)}});
    }
    return out;
}

Json samples_json(const SeededScenario& s) {
    Json out = Json::array();
    for (const auto& sample : s.samples) {
        out.push_back({{"index", sample.index}, {"seed", sample.seed}, {"runs", sample.json_runs}});
    }
    return out;
}

Json scenario_seeds_json(const SeededScenario& s, const SeededAnalysis& a) {
    Json j;
    j["scenario"] = s.name;
    j["file"] = s.file;
    j["policies"] = s.policies;
    j["first"] = s.first;
    j["jitter"] = s.jitter;
    j["samples"] = samples_json(s);
    j["complete"] = a.complete;
    j["failures"] = Json::array();
    for (const auto& f : a.failures) {
        j["failures"].push_back({{"seed", f.seed}, {"policy", f.policy}, {"error", f.message}});
    }
    j["counters"] = Json::array();
    for (const auto& c : a.counters) {
        j["counters"].push_back(counter_json(c));
    }
    j["unchanged"] = a.unchanged;
    j["properties"] = counts_json(a.properties, "property");
    j["warnings"] = counts_json(a.warnings, "rule");
    return j;
}

} // namespace

Json seeds_json(const SeededRuns& runs, const std::vector<SeededAnalysis>& analyses) {
    Json j;
    j["count"] = runs.count;
    j["shard"] =
        runs.shard.whole() ? Json(nullptr) : Json{{"k", runs.shard.k}, {"n", runs.shard.n}};
    j["scenarios"] = Json::array();
    for (std::size_t i = 0; i < analyses.size(); ++i) {
        j["scenarios"].push_back(scenario_seeds_json(runs.scenarios[i], analyses[i]));
    }
    return j;
}

Json seeded_diff_json(const SeededRuns& runs) {
    std::vector<DiffPair> pairs;
    std::vector<std::pair<std::size_t, std::size_t>> run_index;
    for (const auto& s : runs.scenarios) {
        for (const auto& sample : s.samples) {
            pairs.push_back(DiffPair{s.file, &sample.runs[0], &sample.runs[1],
                                     sample.redundant_cycles[0], sample.redundant_cycles[1]});
            run_index.emplace_back(sample.json_runs[0], sample.json_runs[1]);
        }
    }
    const auto& policies = runs.scenarios.front().policies;
    return diff_json(pairs, run_index, policies[0], policies[1], false);
}

void finish_seeded(const SeededRuns& runs, const std::vector<SeededAnalysis>& analyses, Json& doc,
                   std::FILE* out) {
    if (is_diff(runs)) {
        fmt::print(out, "{}", format_seeded_diff_summary(runs, analyses));
        doc["diff"] = seeded_diff_json(runs);
    }
    doc["seeds"] = seeds_json(runs, analyses);
}

int run_seeds_command(const char* command, const std::vector<LoadedScenario>& loaded,
                      const SeedsOption& seeds, const run::RunOptions& options,
                      const std::optional<std::string>& json_out, const Io& io) {
    check_seeded(loaded, seeds, options, command);
    SeededRuns runs{command, seeds.count, seeds.shard, {}};
    Json doc = json_document(command);
    std::vector<SeededAnalysis> analyses;
    for (const auto& l : loaded) {
        runs.scenarios.push_back(run_seeded(l, seeds, options, doc));
        analyses.push_back(analyse_seeded(runs.scenarios.back(), is_diff(runs)));
        fmt::print(io.out, "{}\n", format_seeded(runs, runs.scenarios.back(), analyses.back()));
        std::fflush(io.out);
    }
    finish_seeded(runs, analyses, doc, io.out);
    if (json_out) {
        write_json_file(*json_out, doc);
    }
    return seeded_status(runs);
}

} // namespace cli
