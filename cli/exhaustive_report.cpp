#include "cli/exhaustive_report.h"

#include "cli/commands.h"
#include "cli/run_from_json.h"
#include "cli/run_text.h"
#include "run/outcome.h"
#include "sim/panic.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <string_view>

namespace cli {

namespace {

/// What the numbers line says, from a result or from its JSON object.
struct SearchNumbers {
    std::int64_t executions = 0;
    std::int64_t repeats = 0;
    std::int64_t probes = 0;
    bool sharded = false;
    std::size_t states = 0;
    std::int64_t max_choices = 0;
    double wall_seconds = 0;
};

std::string numbers_text(const SearchNumbers& n) {
    const std::string probes = n.sharded ? fmt::format("; {} probe{} of other shards' subtrees",
                                                       n.probes, n.probes == 1 ? "" : "s")
                                         : "";
    return fmt::format("{} execution{} ({} repeat{}{}), {} distinct final state{}, choice vector "
                       "up to {}, {:.2f} s",
                       n.executions, n.executions == 1 ? "" : "s", n.repeats,
                       n.repeats == 1 ? "" : "s", probes, n.states, n.states == 1 ? "" : "s",
                       n.max_choices, n.wall_seconds);
}

SearchNumbers numbers_of(const Json& x) {
    return {x.at("executions").get<std::int64_t>(),
            x.at("repeats").get<std::int64_t>(),
            x.at("probes").get<std::int64_t>(),
            x.at("shard").at(1).get<int>() > 1,
            x.at("states").size(),
            x.at("max_choices").get<std::int64_t>(),
            x.at("wall_seconds").get<double>()};
}

/// Who stopped at the bound: the search, this shard, or (merged) one of the shards, each after
/// `max_executions` executions of its own.
std::string bound_line(std::int64_t max_executions, std::string_view who = "the search") {
    const bool whole = who == "the search";
    return fmt::format("bound reached: {} stopped after {} executions{} and {} incomplete (raise "
                       "--max-executions)",
                       who, max_executions, whole ? "" : " of its own",
                       whole ? "is" : "the search is");
}

/// bound_line for the search `x`: a shard's, or the shards' merged.
std::string bound_line_of(const Json& x) {
    const auto max = x.at("max_executions").get<std::int64_t>();
    if (x.at("shards").get<int>() > 1) {
        return bound_line(max, "a shard");
    }
    return x.at("shard").at(1).get<int>() > 1 ? bound_line(max, "this shard") : bound_line(max);
}

} // namespace

std::string search_numbers(const run::ExhaustiveResult& res) {
    return numbers_text({res.executions, res.repeats, res.probes, res.shard_count > 1,
                         res.states.size(), res.max_choices, res.wall_seconds});
}

std::string bound_text(const run::ExhaustiveResult& res, std::int64_t max_executions) {
    if (!res.bound_reached) {
        return "";
    }
    return res.shard_count > 1 ? bound_line(max_executions, "this shard")
                               : bound_line(max_executions);
}

// The JSON object ---------------------------------------------------------------------------------

namespace {

/// Appends `r` to `runs`; returns its index there.
std::size_t add_run(const std::string& file, const run::RunResult& r, Json& runs) {
    RunInfo info;
    info.file = file;
    runs.push_back(run_json(r, info));
    return runs.size() - 1;
}

/// A final state as merge needs it: its values (the states' order), the first execution that
/// reached it, and what it breaks (the line of each [[expect]] forbid it satisfies).
Json final_state_json(const scenario::Scenario& sc, const run::ExhaustiveResult& res,
                      const run::UserState& u) {
    Json broken = Json::array();
    for (std::size_t i = 0; i < sc.expectations.size(); ++i) {
        if (std::string line = run::broken_by(sc, i, res.policy, u); !line.empty()) {
            broken.push_back({{"expectation", i}, {"line", std::move(line)}});
        }
    }
    return {{"memory", u.memory},
            {"registers", u.registers},
            {"witness", res.witnesses.at(u)},
            {"broken", std::move(broken)}};
}

void add_states(Json& x, const scenario::Scenario& sc, const run::ExhaustiveResult& res) {
    x["states"] = Json::array();
    x["final_states"] = Json::array();
    for (const run::UserState& u : res.states) {
        x["states"].push_back(run::state_text(sc, u));
        x["final_states"].push_back(final_state_json(sc, res, u));
    }
}

/// A shard's [subtree, executions, repeats, max_choices] for each subtree it ran as its own
/// (merge's bookkeeping; a whole search's document has none).
Json subtrees_json(const run::ExhaustiveResult& res) {
    Json out = Json::array();
    for (const auto& t : res.subtrees) {
        out.push_back(Json::array({t.subtree, t.executions, t.repeats, t.max_choices}));
    }
    return out;
}

} // namespace

Json exhaustive_json(const std::string& file, const scenario::Scenario& sc,
                     const run::ExhaustiveResult& res, std::int64_t max_executions, Json& runs) {
    Json x;
    x["scenario"] = res.scenario;
    x["file"] = file;
    x["policy"] = res.policy;
    x["max_executions"] = max_executions;
    x["shard"] = Json::array({res.shard_index + 1, res.shard_count});
    x["shards"] = 1;
    x["races"] = res.races;
    x["executions"] = res.executions;
    x["repeats"] = res.repeats;
    x["probes"] = res.probes;
    x["bound_reached"] = res.bound_reached;
    x["max_choices"] = res.max_choices;
    x["wall_seconds"] = res.wall_seconds;
    add_states(x, sc, res);
    x["broken_outcomes"] = run::broken_outcomes(sc, res);
    x["violations"] = Json::array();
    for (const auto& [property, run] : res.violations) {
        x["violations"].push_back({{"property", property},
                                   {"run", add_run(file, run, runs)},
                                   {"choices", res.violation_choices.at(property)}});
    }
    x["failed_run"] = nullptr;
    x["failed_choices"] = nullptr;
    x["failed_subtree"] = nullptr;
    if (!res.failures.empty()) {
        x["failed_run"] = add_run(file, res.failures.front(), runs);
        x["failed_choices"] = res.failure_choices;
        if (res.shard_count > 1) {
            x["failed_subtree"] = res.failure_subtree;
        }
    }
    x["subtrees"] = subtrees_json(res); // empty for a whole search
    return x;
}

// The text, from the object -----------------------------------------------------------------

namespace {

/// The report of `property` among a run's violations (a run may violate several). The search
/// names a run that violated it, and merge refuses a document whose run does not report it.
check::Violation violation_of(const Json& run, const std::string& property) {
    for (const Json& v : run.at("violations")) {
        if (v.at("property") == property) {
            return violation_from_json(v);
        }
    }
    SIM_ASSERT(false, "the run named for {} reports no violation of it", property);
}

int print_findings(const Json& x, const Json& runs, const Io& io) {
    int status = exit_ok;
    for (const Json& b : x.at("broken_outcomes")) {
        fmt::print(io.out, "  {}\n", b.get<std::string>());
        status = exit_expectation;
    }
    for (const Json& v : x.at("violations")) {
        const auto property = v.at("property").get<std::string>();
        fmt::print(io.out, "  {} violated in some execution:\n", property);
        print_violation(x.at("policy").get<std::string>(),
                        violation_of(runs.at(v.at("run").get<std::size_t>()), property), io);
        status = exit_expectation;
    }
    return status;
}

} // namespace

int print_exhaustive(const Json& x, const Json& runs, const Io& io) {
    const auto file = x.at("file").get<std::string>();
    const Json& shard = x.at("shard");
    fmt::print(io.out, "{} ({}), exhaustive{}: {}\n", file, x.at("policy").get<std::string>(),
               shard.at(1).get<int>() > 1
                   ? fmt::format(", shard {}/{}", shard.at(0).get<int>(), shard.at(1).get<int>())
                   : "",
               numbers_text(numbers_of(x)));
    if (x.at("bound_reached").get<bool>()) {
        fmt::print(io.out, "  {}\n", bound_line_of(x));
    }
    if (const Json& failed = x.at("failed_run"); !failed.is_null()) {
        return report_run_failure(run_result_from_json(runs.at(failed.get<std::size_t>())), file,
                                  io);
    }
    fmt::print(io.out, "  states:\n");
    if (x.at("states").empty()) { // a shard that owns no subtree
        fmt::print(io.out, "    (none: no execution of this shard's own)\n");
    }
    for (const Json& s : x.at("states")) {
        const auto text = s.get<std::string>();
        fmt::print(io.out, "    {}\n", text.empty() ? "(no registers or variables)" : text);
    }
    return print_findings(x, runs, io);
}

// Shards merged ----------------------------------------------------------------------------

namespace {

run::UserState state_of(const Json& final_state) {
    return {final_state.at("memory").get<std::vector<std::int64_t>>(),
            final_state.at("registers").get<std::vector<std::vector<std::int64_t>>>()};
}

/// A run some shard found: its choice vector, its run object and (a failure) its subtree.
struct Found {
    Json choices;
    const Json* run = nullptr;
    std::uint64_t subtree = 0;
};

/// Keeps the run with the least choice vector: the search's first (its order is the
/// lexicographic order of the choice vectors).
void keep_first(Found& kept, const Found& candidate) {
    if (kept.run == nullptr || candidate.choices < kept.choices) {
        kept = candidate;
    }
}

/// Whether an execution with `choices` comes before the search stops at `failed` (one machine
/// stops at its first failed run; the shards went on).
bool before_stop(const Json& choices, const Found& failed) {
    return failed.run == nullptr || choices <= failed.choices;
}

/// The first failed run over the shards, if any.
Found first_failure(const std::vector<const Json*>& shards,
                    const std::vector<const Json*>& shard_runs) {
    Found first;
    for (std::size_t s = 0; s < shards.size(); ++s) {
        if (const Json& f = shards[s]->at("failed_run"); !f.is_null()) {
            keep_first(first,
                       {shards[s]->at("failed_choices"), &shard_runs[s]->at(f.get<std::size_t>()),
                        shards[s]->at("failed_subtree").get<std::uint64_t>()});
        }
    }
    return first;
}

/// A state's text and object, from the shard whose execution reached it first.
struct StateSeen {
    Json text;
    Json final_state;
};

/// Every shard's states reached before the stop, each with the least witness over the shards, in
/// the states' order.
std::map<run::UserState, StateSeen> merged_states(const std::vector<const Json*>& shards,
                                                  const Found& failed) {
    std::map<run::UserState, StateSeen> states;
    for (const Json* s : shards) {
        const Json& finals = s->at("final_states");
        for (std::size_t i = 0; i < finals.size(); ++i) {
            if (!before_stop(finals[i].at("witness"), failed)) {
                continue;
            }
            const auto [it, fresh] = states.try_emplace(state_of(finals[i]));
            if (fresh || finals[i].at("witness") < it->second.final_state.at("witness")) {
                it->second = {s->at("states").at(i), finals[i]};
            }
        }
    }
    return states;
}

/// For each [[expect]] block that some state breaks, in the blocks' order, the first state's line.
Json merged_broken(const std::map<run::UserState, StateSeen>& states) {
    std::map<std::size_t, std::string> first; // by expectation
    for (const auto& [u, seen] : states) {
        for (const Json& b : seen.final_state.at("broken")) {
            first.try_emplace(b.at("expectation").get<std::size_t>(),
                              b.at("line").get<std::string>());
        }
    }
    Json broken = Json::array();
    for (const auto& [index, line] : first) {
        broken.push_back(line);
    }
    return broken;
}

void merge_violations(Json& x, const std::vector<const Json*>& shards,
                      const std::vector<const Json*>& shard_runs, const Found& failed, Json& runs) {
    std::map<std::string, Found> first; // by property
    for (std::size_t s = 0; s < shards.size(); ++s) {
        for (const Json& v : shards[s]->at("violations")) {
            if (before_stop(v.at("choices"), failed)) {
                keep_first(first[v.at("property").get<std::string>()],
                           {v.at("choices"), &shard_runs[s]->at(v.at("run").get<std::size_t>())});
            }
        }
    }
    x["violations"] = Json::array();
    for (const auto& [property, found] : first) {
        runs.push_back(*found.run);
        x["violations"].push_back(
            {{"property", property}, {"run", runs.size() - 1}, {"choices", found.choices}});
    }
}

void set_failure(Json& x, const Found& failed, Json& runs) {
    x["failed_run"] = nullptr;
    x["failed_choices"] = nullptr;
    x["failed_subtree"] = nullptr; // the whole search's document has no subtrees
    if (failed.run != nullptr) {
        runs.push_back(*failed.run);
        x["failed_run"] = runs.size() - 1;
        x["failed_choices"] = failed.choices;
    }
}

/// Every shard's subtree tallies that one machine would have run: all of them, or after a failed
/// run those before its subtree, and its subtree's (whose shard stopped at the failed run).
Json merged_subtrees(const std::vector<const Json*>& shards, const Found& failed) {
    std::map<std::uint64_t, Json> tallies; // by subtree: each is one shard's own
    for (const Json* s : shards) {
        for (const Json& t : s->at("subtrees")) {
            const auto subtree = t.at(0).get<std::uint64_t>();
            if (failed.run == nullptr || subtree <= failed.subtree) {
                tallies.emplace(subtree, t);
            }
        }
    }
    Json out = Json::array();
    for (auto& [subtree, t] : tallies) {
        out.push_back(std::move(t));
    }
    return out;
}

void merge_numbers(Json& x, const std::vector<const Json*>& shards, const Found& failed) {
    std::int64_t executions = 0, repeats = 0, max_choices = 0;
    double seconds = 0;
    bool bound = false;
    for (const Json& t : merged_subtrees(shards, failed)) {
        executions += t.at(1).get<std::int64_t>();
        repeats += t.at(2).get<std::int64_t>();
        max_choices = std::max(max_choices, t.at(3).get<std::int64_t>());
    }
    for (const Json* s : shards) {
        seconds += s->at("wall_seconds").get<double>();
        bound = bound || s->at("bound_reached").get<bool>();
    }
    x["shards"] = shards.size();
    x["shard"] = Json::array({1, 1});
    x["subtrees"] = Json::array();
    x["executions"] = executions;
    x["repeats"] = repeats;
    x["probes"] = 0;
    x["bound_reached"] = bound;
    x["max_choices"] = max_choices;
    x["wall_seconds"] = seconds;
}

} // namespace

Json merge_exhaustive(const std::vector<const Json*>& shards,
                      const std::vector<const Json*>& shard_runs, Json& runs) {
    Json x = *shards.front();
    if (shards.size() == 1) { // --shard 1/1: the whole search already
        for (Json& v : x["violations"]) {
            runs.push_back(shard_runs.front()->at(v.at("run").get<std::size_t>()));
            v["run"] = runs.size() - 1;
        }
        if (!x.at("failed_run").is_null()) {
            runs.push_back(shard_runs.front()->at(x.at("failed_run").get<std::size_t>()));
            x["failed_run"] = runs.size() - 1;
        }
        return x;
    }
    const Found failed = first_failure(shards, shard_runs);
    merge_numbers(x, shards, failed);
    const auto states = merged_states(shards, failed);
    x["states"] = Json::array();
    x["final_states"] = Json::array();
    for (const auto& [u, seen] : states) {
        x["states"].push_back(seen.text);
        x["final_states"].push_back(seen.final_state);
    }
    x["broken_outcomes"] = merged_broken(states);
    merge_violations(x, shards, shard_runs, failed, runs);
    set_failure(x, failed, runs);
    return x;
}

} // namespace cli
