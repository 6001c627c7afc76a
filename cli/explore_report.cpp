#include "cli/explore_report.h"

#include "cli/commands.h"
#include "cli/run_from_json.h"
#include "cli/run_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace cli {

std::string replay_command(const std::string& file, const std::string& policy,
                           const scenario::Machine& machine, const run::Plan& plan) {
    std::string cmd = fmt::format("tlbsim run {} --policy {} --seed {} --jitter {}", file, policy,
                                  plan.seed, plan.jitter);
    if (plan.delays != machine.delays) {
        if (plan.delays.empty()) {
            cmd += " --delay none";
        }
        for (const auto& d : plan.delays) {
            cmd += " --delay " + scenario::format_delay(d);
        }
    }
    return cmd;
}

namespace {

const char* kind_name(run::Finding::Kind k) {
    switch (k) {
    case run::Finding::Kind::violation:
        return "violation";
    case run::Finding::Kind::run_error:
        return "run_error";
    case run::Finding::Kind::internal_error:
        return "internal_error";
    case run::Finding::Kind::outcome:
        return "outcome";
    }
    return "?";
}

Json plan_json(const run::Plan& p) {
    Json delays = Json::array();
    for (const auto& d : p.delays) {
        delays.push_back(scenario::format_delay(d));
    }
    return {{"run", p.index}, {"seed", p.seed}, {"jitter", p.jitter}, {"delays", delays}};
}

Json options_json(const run::ExploreOptions& o) {
    return {{"runs", o.runs},   {"seed", o.seed}, {"jitter", o.jitter},
            {"depth", o.depth}, {"all", o.all},   {"shard", {o.shard_index + 1, o.shard_count}}};
}

} // namespace

Json exploration_json(const std::string& file, const scenario::Machine& machine,
                      const run::ExploreResult& res, Json& runs) {
    Json findings = Json::array();
    for (const auto& f : res.findings) {
        RunInfo info;
        info.file = file;
        info.ghz = machine.ghz;
        findings.push_back({{"kind", kind_name(f.kind)},
                            {"plan", plan_json(f.plan)},
                            {"signature", f.signature},
                            {"occurrences", f.occurrences},
                            {"replay", replay_command(file, res.policy, machine, f.plan)},
                            {"run_index", runs.size()}});
        runs.push_back(run_json(f.run, info));
    }
    Json first_warned = nullptr;
    if (res.first_warned) {
        first_warned = {{"run", res.first_warned->index},
                        {"warning", res.first_warning},
                        {"replay", replay_command(file, res.policy, machine, *res.first_warned)}};
    }
    return {{"scenario", res.scenario},
            {"file", file},
            {"policy", res.policy},
            {"options", options_json(res.options)},
            {"horizon", res.horizon},
            {"runs", res.runs},
            {"stopped", res.stopped},
            {"warned_runs", res.warned_runs},
            {"first_warned", std::move(first_warned)},
            {"findings", std::move(findings)}};
}

namespace {

const char* kind_words(const std::string& kind) {
    return kind == "violation"   ? "violation"
           : kind == "outcome"   ? "outcome ruled out by [[expect]]"
           : kind == "run_error" ? "run error"
                                 : "internal error";
}

void print_finding(const Json& x, const Json& runs, std::size_t n, const Io& io) {
    const Json& f = x.at("findings").at(n);
    const auto more = f.at("occurrences").get<std::uint64_t>() - 1;
    fmt::print(io.out, "  finding {}: {} in run {}{}\n", n + 1,
               kind_words(f.at("kind").get<std::string>()),
               f.at("plan").at("run").get<std::uint64_t>(),
               x.at("options").at("all").get<bool>()
                   ? fmt::format(" (and {} more run{} like it)", more, more == 1 ? "" : "s")
                   : "");
    const Json& run = runs.at(f.at("run_index").get<std::size_t>());
    if (f.at("kind") == "violation") {
        print_violation(x.at("policy").get<std::string>(),
                        violation_from_json(run.at("violations").at(0)), io);
    } else {
        fmt::print(io.out, "    {}\n", f.at("signature").get<std::string>());
    }
    fmt::print(io.out, "    replay: {}\n", f.at("replay").get<std::string>());
}

std::string plural(std::uint64_t n, const char* word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

} // namespace

void print_exploration(const Json& x, const Json& runs, const Io& io) {
    const Json& o = x.at("options");
    const int depth = o.at("depth").get<int>();
    const Json& shard = o.at("shard");
    fmt::print(io.out,
               "explore {} ({}) under {}: {} runs planned, jitter {}%, {} change point{} per run, "
               "search seed {}{}\n",
               x.at("scenario").get<std::string>(), x.at("file").get<std::string>(),
               x.at("policy").get<std::string>(), o.at("runs").get<std::uint64_t>(),
               o.at("jitter").get<int>(), depth, depth == 1 ? "" : "s",
               o.at("seed").get<std::uint64_t>(),
               shard.at(1).get<int>() > 1
                   ? fmt::format(", shard {}/{}", shard.at(0).get<int>(), shard.at(1).get<int>())
                   : "");
    const std::size_t findings = x.at("findings").size();
    for (std::size_t n = 0; n < findings; ++n) {
        print_finding(x, runs, n, io);
    }
    if (const Json& w = x.at("first_warned"); !w.is_null()) {
        fmt::print(io.out,
                   "  first run with warnings and no violation: run {}: {}\n    replay: {}\n",
                   w.at("run").get<std::uint64_t>(), w.at("warning").get<std::string>(),
                   w.at("replay").get<std::string>());
    }
    const auto made = x.at("runs").get<std::uint64_t>();
    fmt::print(io.out, "  {} made{}; {} with mechanism warnings and no violation; {}\n",
               plural(made, "run"),
               x.at("stopped").get<bool>() ? " (stopped at the first finding)" : "",
               x.at("warned_runs").size(),
               findings == 0 ? std::string("no violation found") : plural(findings, "finding"));
}

int exploration_status(const Json& x) {
    int status = exit_ok;
    for (const auto& f : x.at("findings")) {
        const std::string kind = f.at("kind").get<std::string>();
        status = std::max(status, kind == "internal_error" ? exit_internal
                                  : kind == "run_error"    ? exit_usage
                                                           : exit_expectation);
    }
    return status;
}

} // namespace cli

namespace cli {

namespace {

/// The first warned run over the shards (each shard's is its own first), if before `cutoff`.
Json first_warned_of(const std::vector<const Json*>& shards, std::uint64_t cutoff) {
    Json best = nullptr;
    for (const Json* x : shards) {
        const Json& w = x->at("first_warned");
        if (!w.is_null() && w.at("run").get<std::uint64_t>() < cutoff &&
            (best.is_null() ||
             w.at("run").get<std::uint64_t>() < best.at("run").get<std::uint64_t>())) {
            best = w;
        }
    }
    return best;
}

/// Every shard's findings, each with its run copied into `runs`, in run order.
std::vector<Json> all_findings(const std::vector<const Json*>& shards,
                               const std::vector<const Json*>& shard_runs, Json& runs) {
    std::vector<Json> out;
    for (std::size_t s = 0; s < shards.size(); ++s) {
        for (Json f : shards[s]->at("findings")) {
            runs.push_back(shard_runs[s]->at(f.at("run_index").get<std::size_t>()));
            f["run_index"] = runs.size() - 1;
            out.push_back(std::move(f));
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Json& a, const Json& b) {
        return a.at("plan").at("run").get<std::uint64_t>() <
               b.at("plan").at("run").get<std::uint64_t>();
    });
    return out;
}

/// With --all: one finding per signature, at its first run, with the runs of all shards counted.
Json distinct(std::vector<Json> findings) {
    Json out = Json::array();
    for (auto& f : findings) {
        auto same = std::find_if(out.begin(), out.end(), [&](const Json& g) {
            return g.at("kind") == f.at("kind") && g.at("signature") == f.at("signature");
        });
        if (same == out.end()) {
            out.push_back(std::move(f));
        } else {
            (*same)["occurrences"] = (*same)["occurrences"].get<std::uint64_t>() +
                                     f.at("occurrences").get<std::uint64_t>();
        }
    }
    return out;
}

} // namespace

Json merge_explorations(const std::vector<const Json*>& shards,
                        const std::vector<const Json*>& shard_runs, Json& runs) {
    Json x = *shards.front();
    x["options"]["shard"] = Json::array({1, 1});
    const bool all = x.at("options").at("all").get<bool>();
    Json scratch = Json::array(); // every shard's finding runs; the kept ones go to `runs`
    std::vector<Json> found = all_findings(shards, shard_runs, scratch);
    // Without --all one machine stops at the lowest run with a finding: it made the runs before.
    std::uint64_t cutoff = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t made = 0;
    for (const Json* s : shards) {
        made += s->at("runs").get<std::uint64_t>();
    }
    if (!all && !found.empty()) {
        cutoff = found.front().at("plan").at("run").get<std::uint64_t>();
        made = cutoff + 1;
        found.resize(1);
    }
    Json kept = all ? distinct(std::move(found)) : Json(found);
    for (auto& f : kept) {
        runs.push_back(scratch.at(f.at("run_index").get<std::size_t>()));
        f["run_index"] = runs.size() - 1;
    }
    std::vector<std::uint64_t> warned;
    for (const Json* s : shards) {
        for (const auto& i : s->at("warned_runs")) {
            if (i.get<std::uint64_t>() < cutoff) {
                warned.push_back(i.get<std::uint64_t>());
            }
        }
    }
    std::sort(warned.begin(), warned.end());
    x["runs"] = made;
    x["stopped"] = !all && !found.empty();
    x["warned_runs"] = warned;
    x["first_warned"] = first_warned_of(shards, cutoff);
    x["findings"] = std::move(kept);
    return x;
}

} // namespace cli
