#include "cli/run_from_json.h"

namespace cli {

namespace {

std::string string_or_empty(const Json& v) {
    return v.is_null() ? std::string() : v.get<std::string>();
}

/// The registry of run_json's "counters": every total, declared in the document's order (the
/// catalog's), with its per-CPU values; what no CPU counted stays in the total only.
sim::CounterRegistry counters_from_json(const Json& counters) {
    sim::CounterRegistry reg;
    const Json& totals = counters.at("totals");
    const Json& per_cpu = counters.at("per_cpu");
    std::vector<sim::CounterId> ids;
    for (const auto& [name, value] : totals.items()) {
        (void)value;
        ids.push_back(reg.declare(name, ""));
    }
    reg.reset(static_cast<int>(per_cpu.size()));
    std::size_t i = 0;
    for (const auto& [name, value] : totals.items()) {
        std::int64_t on_cpus = 0;
        for (std::size_t c = 0; c < per_cpu.size(); ++c) {
            const auto v = per_cpu[c].at(name).get<std::int64_t>();
            reg.add(ids[i], static_cast<int>(c), v);
            on_cpus += v;
        }
        reg.add(ids[i], -1, value.get<std::int64_t>() - on_cpus);
        ++i;
    }
    return reg;
}

} // namespace

run::RunResult run_result_from_json(const Json& run) {
    run::RunResult r;
    r.scenario = run.at("scenario").get<std::string>();
    r.policy = run.at("policy").get<std::string>();
    r.seed = run.at("seed").get<std::uint64_t>();
    r.jitter = run.at("jitter").get<int>();
    r.error = string_or_empty(run.at("error"));
    r.internal_error = string_or_empty(run.at("internal_error"));
    r.reached_max_cycles = run.at("reached_max_cycles").get<bool>();
    r.cycles = run.at("cycles").get<std::int64_t>();
    r.events = run.at("events").get<std::uint64_t>();
    r.wall_seconds = run.at("wall_seconds").get<double>();
    r.counters = counters_from_json(run.at("counters"));
    r.violations = run.at("violated").get<std::vector<std::string>>();
    r.warning_count = run.at("warning_count").get<std::int64_t>();
    return r;
}

std::int64_t redundant_cycles_from_json(const Json& run) {
    return run.at("derived").at("redundant_cycles").get<std::int64_t>();
}

} // namespace cli
