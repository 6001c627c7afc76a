// `tlbsim merge FILE.json... [--json OUT]`: puts the JSON documents of the shards of one command
// (--shard 1/N .. N/N) back together and prints what that command would have printed on one
// machine, and writes its document (docs/sharding.md). Each kind of document merges by a function
// of its own, chosen by the document's "command": `run` and `diff` documents of --seeds, and
// `explore` documents (docs/explore.md), of explorations or of exhaustive searches
// (docs/memory-model.md).

#include "cli/command.h"
#include "cli/commands.h"
#include "cli/exhaustive_report.h"
#include "cli/explore_report.h"
#include "cli/json_report.h"
#include "cli/options.h"
#include "cli/run_from_json.h"
#include "cli/seed_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

namespace cli {

namespace {

/// One input document.
struct MergeInput {
    std::string file;
    Json doc;
};

/// A document that does not fit: "merge: FILE: why" (exit 2).
[[noreturn]] void refuse(const std::string& file, const std::string& why) {
    throw UsageError(fmt::format("merge: {}: {}", file, why));
}

/// `read(in)`, with a document that lacks a field or has one of the wrong type refused by name.
template <class Read>
auto naming_file(const MergeInput& in, Read read) {
    try {
        return read(in);
    } catch (const nlohmann::json::exception& e) {
        refuse(in.file,
               fmt::format("not a document of its kind (docs/json-schema.md): {}", e.what()));
    }
}

// run --seeds and diff --seeds ------------------------------------------------------------------

/// The identity of a scenario's seeds, which every shard must share.
Json scenario_identity(const Json& s) {
    return {{"scenario", s.at("scenario")},
            {"file", s.at("file")},
            {"policies", s.at("policies")},
            {"first", s.at("first")},
            {"jitter", s.at("jitter")}};
}

Shard shard_of(const Json& seeds) {
    const Json& sh = seeds.at("shard");
    return sh.is_null() ? Shard{} : Shard{sh.at("k").get<int>(), sh.at("n").get<int>()};
}

/// " --shard K/N", or "" for a document of all the seeds.
std::string shard_text(const Shard& s) {
    return s.whole() ? "" : fmt::format(" --shard {}/{}", s.k, s.n);
}

/// Checks that `in` is a --seeds document of the same command and options as `first`.
void check_fits(const MergeInput& in, const MergeInput& first) {
    if (!in.doc.contains("seeds")) {
        refuse(in.file, fmt::format("a {} document without \"seeds\": only documents of "
                                    "--seeds (and --shard) merge",
                                    in.doc.at("command").get<std::string>()));
    }
    const Json& s = in.doc.at("seeds");
    const Json& f = first.doc.at("seeds");
    if (s.at("count") != f.at("count") || shard_of(s).n != shard_of(f).n) {
        refuse(in.file, fmt::format("--seeds {}{}, but {} has --seeds {}{}", s.at("count").dump(),
                                    shard_text(shard_of(s)), first.file, f.at("count").dump(),
                                    shard_text(shard_of(f))));
    }
    const Json& ss = s.at("scenarios");
    const Json& fs = f.at("scenarios");
    bool same = ss.size() == fs.size();
    for (std::size_t i = 0; same && i < ss.size(); ++i) {
        same = scenario_identity(ss[i]) == scenario_identity(fs[i]);
    }
    if (!same) {
        refuse(in.file,
               fmt::format("other scenarios, policies, --seed or --jitter than {}", first.file));
    }
}

/// Refuses a shard K/N out of 1 <= K <= N <= max_shards.
void check_shard_range(const MergeInput& in, int k, int n) {
    if (n < 1 || n > max_shards || k < 1 || k > n) {
        refuse(in.file,
               fmt::format("shard {}/{} is not a shard (1 <= K <= N <= {})", k, n, max_shards));
    }
}

/// Checks that the shards 1..N are each there once.
void check_shards(const std::vector<MergeInput>& inputs) {
    const int n = shard_of(inputs.front().doc.at("seeds")).n;
    check_shard_range(inputs.front(), 1, n);
    std::vector<const std::string*> seen(static_cast<std::size_t>(n), nullptr);
    for (const auto& in : inputs) {
        const int k = shard_of(in.doc.at("seeds")).k;
        check_shard_range(in, k, n);
        auto& slot = seen[static_cast<std::size_t>(k - 1)];
        if (slot != nullptr) {
            refuse(in.file, fmt::format("shard {}/{} again (also {})", k, n, *slot));
        }
        slot = &in.file;
    }
    for (int k = 1; k <= n; ++k) {
        if (seen[static_cast<std::size_t>(k - 1)] == nullptr) {
            refuse(inputs.front().file, fmt::format("shard {}/{} is missing", k, n));
        }
    }
}

/// The samples of scenario `j` of one shard, read back; checks they are the shard's seeds.
std::vector<std::pair<SeedSample, std::vector<Json>>>
read_samples(const MergeInput& in, std::size_t j, std::uint64_t count) {
    const Json& seeds = in.doc.at("seeds");
    const Json& sc = seeds.at("scenarios").at(j);
    const Shard shard = shard_of(seeds);
    const auto first = sc.at("first").get<std::uint64_t>();
    const auto policies = sc.at("policies").size();
    std::vector<std::pair<SeedSample, std::vector<Json>>> out;
    for (const auto& smp : sc.at("samples")) {
        SeedSample s;
        s.index = smp.at("index").get<std::uint64_t>();
        s.seed = smp.at("seed").get<std::uint64_t>();
        const std::uint64_t expected = static_cast<std::uint64_t>(shard.k - 1) +
                                       out.size() * static_cast<std::uint64_t>(shard.n);
        if (s.index != expected || s.seed != first + s.index || smp.at("runs").size() != policies) {
            refuse(in.file, fmt::format("scenario {}: sample {} is not seed index {} of shard "
                                        "{}/{}",
                                        j, out.size(), expected, shard.k, shard.n));
        }
        std::vector<Json> run_objects;
        for (const auto& idx : smp.at("runs")) {
            const Json& run = in.doc.at("runs").at(idx.get<std::size_t>());
            s.runs.push_back(run_result_from_json(run));
            s.redundant_cycles.push_back(redundant_cycles_from_json(run));
            run_objects.push_back(run);
        }
        out.emplace_back(std::move(s), std::move(run_objects));
    }
    if (out.size() != shard.owned_of(count)) {
        refuse(in.file, fmt::format("scenario {}: {} seeds, shard {}/{} of {} has {}", j,
                                    out.size(), shard.k, shard.n, count, shard.owned_of(count)));
    }
    return out;
}

/// Scenario `j` over all the shards' seeds, in seed order; its run objects go to doc["runs"].
SeededScenario merge_scenario(const std::vector<MergeInput>& inputs, std::size_t j,
                              std::uint64_t count, Json& doc) {
    const Json& meta = inputs.front().doc.at("seeds").at("scenarios").at(j);
    SeededScenario s{meta.at("file").get<std::string>(),
                     meta.at("scenario").get<std::string>(),
                     meta.at("policies").get<std::vector<std::string>>(),
                     meta.at("first").get<std::uint64_t>(),
                     meta.at("jitter").get<int>(),
                     {}};
    std::vector<std::pair<SeedSample, std::vector<Json>>> all;
    for (const auto& in : inputs) {
        auto samples =
            naming_file(in, [&](const MergeInput& m) { return read_samples(m, j, count); });
        for (auto& sample : samples) {
            all.push_back(std::move(sample));
        }
    }
    std::sort(all.begin(), all.end(),
              [](const auto& x, const auto& y) { return x.first.index < y.first.index; });
    for (auto& [sample, run_objects] : all) {
        for (auto& run : run_objects) {
            sample.json_runs.push_back(doc["runs"].size());
            doc["runs"].push_back(std::move(run));
        }
        s.samples.push_back(std::move(sample));
    }
    return s;
}

/// run --seeds and diff --seeds: the one-machine report from the shards' runs.
int merge_seeded(const std::vector<MergeInput>& inputs, const std::optional<std::string>& json_out,
                 const Io& io) {
    for (const auto& in : inputs) {
        naming_file(in, [&](const MergeInput& m) { check_fits(m, inputs.front()); });
    }
    check_shards(inputs);
    const std::string command = inputs.front().doc.at("command").get<std::string>();
    const auto count = inputs.front().doc.at("seeds").at("count").get<std::uint64_t>();
    SeededRuns runs{command, count, Shard{}, {}};
    Json doc = json_document(command);
    std::vector<SeededAnalysis> analyses;
    const std::size_t scenarios = inputs.front().doc.at("seeds").at("scenarios").size();
    for (std::size_t j = 0; j < scenarios; ++j) {
        runs.scenarios.push_back(merge_scenario(inputs, j, count, doc));
        analyses.push_back(analyse_seeded(runs.scenarios.back(), command == "diff"));
        fmt::print(io.out, "{}\n", format_seeded(runs, runs.scenarios.back(), analyses.back()));
    }
    finish_seeded(runs, analyses, doc, io.out);
    if (json_out) {
        write_json_file(*json_out, doc);
    }
    return seeded_status(runs);
}

// explore ----------------------------------------------------------------------------------------

/// The array of searches an explore document holds: "explore" (perturbed timings) or
/// "exhaustive" (`--exhaustive`). tlbsim writes one of them; a document with both or neither is
/// refused rather than read as one kind.
std::string search_array(const MergeInput& in) {
    const bool exhaustive = in.doc.contains("exhaustive");
    if (exhaustive == in.doc.contains("explore")) {
        refuse(in.file, exhaustive ? "both \"explore\" and \"exhaustive\" searches"
                                   : "no \"explore\" or \"exhaustive\" searches");
    }
    return exhaustive ? "exhaustive" : "explore";
}

/// What an exhaustive search's shards share: all but the shard and what it found.
Json exhaustive_identity(const Json& x) {
    return {{"scenario", x.at("scenario")},
            {"file", x.at("file")},
            {"policy", x.at("policy")},
            {"max_executions", x.at("max_executions")},
            {"races", x.at("races")}};
}

/// What an exploration's shards share: its identity and options but the shard.
Json exploration_identity(const Json& x) {
    Json o = x.at("options");
    o.erase("shard");
    return {{"scenario", x.at("scenario")},
            {"file", x.at("file")},
            {"policy", x.at("policy")},
            {"options", o}};
}

/// What every shard's list of searches must share.
Json explore_identity(const MergeInput& in) {
    const std::string key = search_array(in);
    Json id = Json::array();
    for (const auto& x : in.doc.at(key)) {
        id.push_back(key == "exhaustive" ? exhaustive_identity(x) : exploration_identity(x));
    }
    return {{key, id}};
}

/// The shard (K, N) of an explore document, the same in each of its searches.
std::pair<int, int> explore_shard(const MergeInput& in) {
    const std::string key = search_array(in);
    const Json& xs = in.doc.at(key);
    if (xs.empty()) {
        refuse(in.file, "an explore document with no search");
    }
    const Json& sh =
        key == "exhaustive" ? xs.front().at("shard") : xs.front().at("options").at("shard");
    return {sh.at(0).get<int>(), sh.at(1).get<int>()};
}

/// Whether run `run` of `runs` reports a violation of `property` (a violation's run, whose
/// report the text prints), read as the text reads it (a malformed report throws here).
bool reports_violation(const Json& runs, const Json& run, const Json& property) {
    for (const Json& r : runs.at(run.get<std::size_t>()).at("violations")) {
        if (r.at("property") == property) {
            (void)violation_from_json(r);
            return true;
        }
    }
    return false;
}

/// An exhaustive search's fields that merge reads, each of its type, and consistent: its states
/// and final_states one for one, a failed run with its choice vector and subtree, every run index
/// inside the document's runs, and each violation's run reporting that violation. (Explorations
/// are read by merge_explorations.)
void check_exhaustive_fields(const Json& x, const Json& runs, const std::string& file) {
    const auto index_ok = [&runs](const Json& i) { return i.get<std::size_t>() < runs.size(); };
    bool ok = x.at("states").size() == x.at("final_states").size();
    for (const Json& f : x.at("final_states")) {
        (void)f.at("memory").get<std::vector<std::int64_t>>();
        (void)f.at("registers").get<std::vector<std::vector<std::int64_t>>>();
        ok = ok && f.at("witness").is_array() && f.at("broken").is_array();
    }
    for (const Json& v : x.at("violations")) {
        ok = ok && v.at("property").is_string() && index_ok(v.at("run")) &&
             v.at("choices").is_array() && reports_violation(runs, v.at("run"), v.at("property"));
    }
    const bool failed = !x.at("failed_run").is_null();
    const bool sharded = x.at("shard").at(1).get<int>() > 1; // a shard's has subtrees
    ok = ok && failed == x.at("failed_choices").is_array() &&
         (failed && sharded) == !x.at("failed_subtree").is_null() &&
         (!failed || index_ok(x.at("failed_run")));
    if (ok && failed) {
        (void)run_result_from_json(runs.at(x.at("failed_run").get<std::size_t>()));
    }
    for (const Json& t : x.at("subtrees")) {
        ok = ok && t.size() == 4 && t.at(0).is_number_unsigned();
    }
    for (const char* key : {"executions", "repeats", "max_choices", "shards"}) {
        ok = ok && x.at(key).is_number_integer();
    }
    ok = ok && x.at("wall_seconds").is_number() && x.at("bound_reached").is_boolean() &&
         x.at("races").is_boolean() && !(sharded && x.at("races").get<bool>());
    if (!ok) {
        refuse(file, "an exhaustive search whose fields do not fit together (docs/json-schema.md)");
    }
}

/// Reads what merge reads of one document's searches, so that a malformed one is refused by its
/// own name.
void check_search_fields(const MergeInput& in) {
    const Json& runs = in.doc.at("runs");
    if (!runs.is_array()) {
        refuse(in.file, "\"runs\" is not an array");
    }
    if (search_array(in) == "exhaustive") {
        for (const Json& x : in.doc.at("exhaustive")) {
            check_exhaustive_fields(x, runs, in.file);
        }
    }
}

/// Every shard K/N of one N exactly once, with the same searches.
void check_explore_shards(const std::vector<MergeInput>& inputs) {
    const Json id =
        naming_file(inputs.front(), [](const auto& in) { return explore_identity(in); });
    const int n = naming_file(inputs.front(), explore_shard).second;
    std::set<int> seen;
    for (const auto& in : inputs) {
        const auto [k, count] = naming_file(in, explore_shard);
        check_shard_range(in, k, count);
        if (search_array(in) != search_array(inputs.front())) {
            refuse(in.file,
                   fmt::format("an {} document, but {} is an {} document", search_array(in),
                               inputs.front().file, search_array(inputs.front())));
        }
        naming_file(in, check_search_fields);
        if (count != n) {
            refuse(in.file, fmt::format("shard {}/{}, but {} is of {} shards", k, count,
                                        inputs.front().file, n));
        }
        if (!seen.insert(k).second) {
            refuse(in.file, fmt::format("shard {}/{} is given twice", k, n));
        }
        if (naming_file(in, [](const auto& i) { return explore_identity(i); }) != id) {
            refuse(in.file, fmt::format("explores other scenarios, policies or options than {}",
                                        inputs.front().file));
        }
    }
    if (static_cast<int>(inputs.size()) != n) {
        refuse(inputs.front().file, fmt::format("{} of {} shards given", inputs.size(), n));
    }
}

/// One search's shards merged and printed; its exit status.
int merge_search(const std::string& key, const std::vector<const Json*>& shards,
                 const std::vector<const Json*>& runs, Json& doc, const Io& io) {
    if (key == "exhaustive") {
        Json x = merge_exhaustive(shards, runs, doc["runs"]);
        const int status = print_exhaustive(x, doc["runs"], io);
        doc[key].push_back(std::move(x));
        return status;
    }
    Json x = merge_explorations(shards, runs, doc["runs"]);
    print_exploration(x, doc["runs"], io);
    const int status = exploration_status(x);
    doc[key].push_back(std::move(x));
    return status;
}

int merge_explore(const std::vector<MergeInput>& inputs, const std::optional<std::string>& json_out,
                  const Io& io) {
    check_explore_shards(inputs);
    const std::string key = search_array(inputs.front());
    Json doc = json_document("explore");
    doc[key] = Json::array();
    int status = exit_ok;
    const std::size_t count = inputs.front().doc.at(key).size();
    for (std::size_t i = 0; i < count; ++i) {
        std::vector<const Json*> shards;
        std::vector<const Json*> runs;
        for (const auto& in : inputs) {
            shards.push_back(&in.doc.at(key).at(i));
            runs.push_back(&in.doc.at("runs"));
        }
        status = std::max(status, naming_file(inputs.front(), [&](const auto&) {
                              return merge_search(key, shards, runs, doc, io);
                          }));
    }
    if (json_out) {
        write_json_file(*json_out, doc);
    }
    return status;
}

// The kinds of document --------------------------------------------------------------------------

using MergeKind = int (*)(const std::vector<MergeInput>&, const std::optional<std::string>&,
                          const Io&);

/// Each document kind that merges, by its "command".
constexpr std::pair<std::string_view, MergeKind> merge_kinds[] = {
    {"run", merge_seeded},
    {"diff", merge_seeded},
    {"explore", merge_explore},
};

MergeInput read_input(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        refuse(file, "cannot be read");
    }
    std::ostringstream text;
    text << in.rdbuf();
    MergeInput m{file, Json::parse(text.str(), nullptr, false)};
    if (m.doc.is_discarded() || !m.doc.is_object()) {
        refuse(file, "not a JSON document");
    }
    if (m.doc.value("schema", Json()) != Json(json_schema_version)) {
        refuse(file, fmt::format("not a {} document (tlbsim --json)", json_schema_version));
    }
    if (!m.doc.contains("command") || !m.doc["command"].is_string()) {
        refuse(file, "no \"command\"");
    }
    return m;
}

MergeKind kind_of(const std::vector<MergeInput>& inputs) {
    const Json& command = inputs.front().doc["command"];
    for (const auto& in : inputs) {
        if (in.doc["command"] != command) {
            refuse(in.file, fmt::format("a {} document, but {} is a {} document",
                                        in.doc["command"].get<std::string>(), inputs.front().file,
                                        command.get<std::string>()));
        }
    }
    for (const auto& [name, merge] : merge_kinds) {
        if (command == name) {
            return merge;
        }
    }
    refuse(inputs.front().file,
           fmt::format("{} documents do not merge", command.get<std::string>()));
}

po::options_description merge_options() {
    po::options_description desc("tlbsim merge FILE.json... [--json OUT]");
    desc.add_options()("help,h", "this help")                                //
        ("json", po::value<std::string>(), "write the merged JSON document") //
        ("file", po::value<std::vector<std::string>>(),
         "the shards' JSON documents (--json of run --seeds, diff --seeds or explore, with "
         "or without --exhaustive, with --shard K/N)");
    return desc;
}

} // namespace

int cmd_merge(const Args& args, const Io& io) {
    const po::options_description desc = merge_options();
    const auto vm = parse_files_or_help(desc, args, io, "merge: no JSON document given");
    if (!vm) {
        return exit_ok;
    }
    std::vector<MergeInput> inputs;
    for (const auto& file : strings(*vm, "file")) {
        inputs.push_back(read_input(file));
    }
    return kind_of(inputs)(inputs, string_opt(*vm, "json"), io);
}

} // namespace cli
