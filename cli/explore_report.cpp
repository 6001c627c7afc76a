#include "cli/explore_report.h"

#include <fmt/format.h>

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
    return {{"scenario", res.scenario},       {"file", file},
            {"policy", res.policy},           {"options", options_json(res.options)},
            {"horizon", res.horizon},         {"runs", res.runs},
            {"stopped", res.stopped},         {"warned_runs", res.warned_runs},
            {"findings", std::move(findings)}};
}

} // namespace cli
