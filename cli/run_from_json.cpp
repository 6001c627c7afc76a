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

/// What diff reads of a run's obligations (obligation_rows): each property's tally and its
/// dischargers; the calls kept in full are left out, as merge copies the run object itself.
check::ObligationSummary obligations_from_json(const Json& o) {
    check::ObligationSummary s;
    s.calls = o.at("calls").get<std::int64_t>();
    for (const auto& pj : o.at("properties")) {
        const std::string name = pj.at("property").get<std::string>();
        for (std::size_t i = 0; i < check::call_properties.size(); ++i) {
            const check::Property p = check::call_properties[i];
            if (check::name(p) != name) {
                continue;
            }
            s.tally[i] = {
                pj.at("discharged").get<std::int64_t>(), pj.at("violated").get<std::int64_t>(),
                pj.at("still_owed").get<std::int64_t>(), pj.at("not_needed").get<std::int64_t>()};
            for (const auto& d : pj.at("by")) {
                s.by.push_back({p, d.at("kind").get<std::string>(), d.at("site").get<std::string>(),
                                d.at("count").get<std::int64_t>()});
            }
        }
    }
    s.sync_cores = o.at("sync_core").at("executed").get<std::int64_t>();
    s.sync_cores_unneeded = o.at("sync_core").at("unneeded").get<std::int64_t>();
    return s;
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
    r.obligations = obligations_from_json(run.at("obligations"));
    return r;
}

std::int64_t redundant_cycles_from_json(const Json& run) {
    return run.at("derived").at("redundant_cycles").get<std::int64_t>();
}

check::Violation violation_from_json(const Json& j) {
    check::Violation v;
    v.property = j.at("property").get<std::string>();
    v.cpu = j.at("cpu").get<int>();
    v.time = j.at("time").get<std::int64_t>();
    v.task = j.at("task").get<std::string>();
    v.call = j.at("call").get<std::string>();
    v.t_a = j.at("t_a").get<std::int64_t>();
    v.t_b = j.at("t_b").get<std::int64_t>();
    v.t_r = j.at("t_r").get<std::int64_t>();
    v.chain = j.at("chain").get<std::vector<std::string>>();
    return v; // the cause is in the chain's last line; print_violation does not read it
}

} // namespace cli
