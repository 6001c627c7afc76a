#include "cli/replay_report.h"

#include "run/replay_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cli {

namespace {

Json counts_json(const std::array<std::int64_t, run::replay_outcome_count>& counts) {
    Json o = Json::object();
    for (const run::ReplayOutcome k : run::all_replay_outcomes()) {
        o[std::string(run::replay_outcome_key(k))] = counts[static_cast<std::size_t>(k)];
    }
    return o;
}

Json per_cpu_json(const run::ReplayComparison& c) {
    Json cpus = Json::array();
    const std::size_t n = std::max(c.observed.per_cpu.size(), c.predicted.per_cpu.size());
    for (std::size_t cpu = 0; cpu < n; ++cpu) {
        const auto of = [cpu](const run::OutcomeCounts& oc) {
            return cpu < oc.per_cpu.size() ? oc.per_cpu[cpu]
                                           : std::array<std::int64_t, run::replay_outcome_count>{};
        };
        cpus.push_back({{"cpu", cpu},
                        {"observed", counts_json(of(c.observed))},
                        {"predicted", counts_json(of(c.predicted))}});
    }
    return cpus;
}

Json mismatch_json(const run::SwitchMismatch& m) {
    return {{"line", m.line},
            {"cpu", m.cpu},
            {"observed", run::cr3_outcome_name(m.observed)},
            {"predicted", run::cr3_outcome_name(m.predicted)},
            {"replayed", m.replayed},
            {"reason", m.reason}};
}

/// "+1.2%" of predicted against observed ("" when both are 0).
std::string deviation(std::int64_t observed, std::int64_t predicted) {
    if (observed == 0) {
        return predicted == 0 ? "" : "n/a";
    }
    const double d =
        100.0 * static_cast<double>(predicted - observed) / static_cast<double>(observed);
    return fmt::format("{:+.1f}%", d);
}

void print_mismatches(const Json& list, std::size_t mismatches, const Io& io) {
    const std::size_t shown = std::min(mismatches, list.size());
    for (std::size_t i = 0; i < shown; ++i) {
        const Json& m = list[i];
        fmt::print(io.out, "      line {} cpu{}: observed {}, predicted {}: {}\n",
                   m.at("line").get<std::int64_t>(), m.at("cpu").get<int>(),
                   m.at("observed").get<std::string>(), m.at("predicted").get<std::string>(),
                   m.at("reason").get<std::string>());
    }
    if (list.size() > shown) {
        fmt::print(io.out, "      ... {} more (--mismatches N, or --json)\n", list.size() - shown);
    }
}

/// "[0, 1]" for the CPUs of a call's IPIs.
std::string cpu_list(const Json& cpus) {
    std::string out;
    for (const Json& c : cpus) {
        out += fmt::format("{}{}", out.empty() ? "" : ", ", c.get<int>());
    }
    return "[" + out + "]";
}

/// The membarrier calls whose IPIs the model did not predict.
void print_calls(const Json& calls, std::size_t mismatches, const Io& io) {
    const auto n = calls.at("calls").get<std::int64_t>();
    if (n == 0) {
        return;
    }
    const auto agreed = calls.at("agreed").get<std::int64_t>();
    fmt::print(
        io.out,
        "    membarrier calls' IPIs: {:.2f}% ({} of {} calls sent the IPIs the kernel's did)\n",
        100.0 * static_cast<double>(agreed) / static_cast<double>(n), agreed, n);
    const Json& list = calls.at("mismatches");
    const std::size_t shown = std::min(mismatches, list.size());
    for (std::size_t i = 0; i < shown; ++i) {
        const Json& m = list[i];
        fmt::print(io.out,
                   "      line {} cpu{}: membarrier({:#x}) IPIs observed {}, predicted {}: {}\n",
                   m.at("line").get<std::int64_t>(), m.at("cpu").get<int>(),
                   m.at("cmd").get<std::int64_t>(), cpu_list(m.at("observed")),
                   cpu_list(m.at("predicted")), m.at("reason").get<std::string>());
    }
    if (list.size() > shown) {
        fmt::print(io.out, "      ... {} more (--mismatches N, or --json)\n", list.size() - shown);
    }
}

void print_agreement(const Json& c, const char* label, const Io& io) {
    fmt::print(io.out,
               "    {}: {:.2f}% ({} of {} context switches' CR3 outcome; {} not "
               "replayed, {} unplanned)\n",
               label, 100.0 * c.at("switch_agreement").get<double>(),
               c.at("agreed").get<std::int64_t>(), c.at("switches").get<std::int64_t>(),
               c.at("not_replayed").get<std::int64_t>(), c.at("unplanned").get<std::int64_t>());
}

/// "cpu0: slot 1 cc1plus[3069]" for each inferred CPU.
std::string inferred_slots_text(const Json& inferred) {
    std::string out;
    for (const Json& cpu : inferred.at("cpus")) {
        out += fmt::format("{}cpu{}:", out.empty() ? "" : "; ", cpu.at("cpu").get<int>());
        const Json& slots = cpu.at("slots");
        for (std::size_t s = 0; s < slots.size(); ++s) {
            if (!slots[s].is_null()) {
                out += fmt::format(" slot {} {}", s + 1, slots[s].get<std::string>());
            }
        }
        if (const int next = cpu.at("next_asid").get<int>(); next != 1) {
            out += fmt::format(" next_asid {}", next); // boot's is 1
        }
        out += fmt::format(" ({} placements; the slot rule's mismatches {} -> {})",
                           cpu.at("placements").get<std::int64_t>(),
                           cpu.at("rule_mismatches_empty").get<std::int64_t>(),
                           cpu.at("rule_mismatches").get<std::int64_t>());
    }
    return out;
}

/// The replay again from the ASID slots inferred for before the recording.
void print_inferred(const Json& inferred, std::size_t mismatches, const Io& io) {
    if (inferred.is_null()) {
        return;
    }
    const Json& c = inferred.at("comparison");
    fmt::print(io.out, "    ASID slots inferred for before the recording: {}\n",
               inferred_slots_text(inferred));
    std::string counts;
    for (const auto& [key, observed] : c.at("observed").items()) {
        const auto o = observed.get<std::int64_t>();
        const auto p = c.at("predicted").at(key).get<std::int64_t>();
        counts += fmt::format("{}{} {}{}", counts.empty() ? "" : ", ", key, p,
                              o == p ? "" : fmt::format(" ({})", deviation(o, p)));
    }
    fmt::print(io.out, "    predicted from them: {}\n", counts);
    print_agreement(c, "switch agreement from them", io);
    print_mismatches(c.at("mismatches"), mismatches, io);
}

void print_comparison(const Json& entry, std::size_t mismatches, const Io& io) {
    const Json& c = entry.at("comparison");
    fmt::print(io.out, "\n  policy {}\n    {:<20} {:>10} {:>10} {:>8}\n",
               entry.at("policy").get<std::string>(), "outcome", "observed", "predicted", "diff");
    for (const auto& [key, observed] : c.at("observed").items()) {
        const auto o = observed.get<std::int64_t>();
        const auto p = c.at("predicted").at(key).get<std::int64_t>();
        fmt::print(io.out, "    {:<20} {:>10} {:>10} {:>8}\n", key, o, p, deviation(o, p));
    }
    print_agreement(c, "switch agreement", io);
    print_mismatches(c.at("mismatches"), mismatches, io);
    print_calls(c.at("membarrier_calls"), mismatches, io);
    print_inferred(entry.at("inferred_asid_slots"), mismatches, io);
}

std::int64_t counter(const Json& run, const char* name) {
    const Json& counters = run.at("counters").at("totals");
    return counters.contains(name) ? counters.at(name).get<std::int64_t>() : 0;
}

/// The seed question on this schedule: what each policy costs and whether it keeps the
/// guarantees.
void print_what_if(const Json& policies, const Io& io) {
    fmt::print(io.out,
               "\n  what each policy does on this schedule\n    {:<24} {:>10} {:>10} "
               "{:>10} {:>10} {:>12}  {}\n",
               "policy", "sync_core", "cr3.write", "ipi.sent", "fb.total", "cycles.ser",
               "guarantees");
    for (const Json& e : policies) {
        const Json& run = e.at("run");
        const auto violations = run.at("violations").size();
        fmt::print(io.out, "    {:<24} {:>10} {:>10} {:>10} {:>10} {:>12}  {}\n",
                   e.at("policy").get<std::string>(), counter(run, "ser.sync_core"),
                   counter(run, "cr3.write"), counter(run, "ipi.sent"), counter(run, "fb.total"),
                   counter(run, "cycles.ser"),
                   violations == 0 ? std::string("hold") : fmt::format("{} violated", violations));
    }
}

/// {"calls", "agreed", "mismatches"} of the membarrier calls' IPIs (run/replay_calls.h).
Json calls_json(const run::CallComparison& c) {
    Json mismatches = Json::array();
    for (const run::CallMismatch& m : c.mismatches) {
        mismatches.push_back({{"line", m.line},
                              {"cpu", m.cpu},
                              {"cmd", m.cmd},
                              {"observed", m.observed},
                              {"predicted", m.predicted},
                              {"made", m.made},
                              {"reason", m.reason}});
    }
    return {{"calls", c.calls}, {"agreed", c.agreed}, {"mismatches", std::move(mismatches)}};
}

} // namespace

Json replay_comparison_json(const run::ReplayComparison& c) {
    Json mismatches = Json::array();
    for (const run::SwitchMismatch& m : c.mismatches) {
        mismatches.push_back(mismatch_json(m));
    }
    return {{"observed", counts_json(c.observed.total)},
            {"predicted", counts_json(c.predicted.total)},
            {"per_cpu", per_cpu_json(c)},
            {"switch_agreement", c.switch_agreement()},
            {"switches", c.switches},
            {"agreed", c.agreed},
            {"not_replayed", c.not_replayed},
            {"unplanned", c.unplanned},
            {"mismatches", std::move(mismatches)},
            {"membarrier_calls", calls_json(c.calls)}};
}

Json replay_inference_json(const run::ReplayRun& r, const run::ReplayScenario& rs) {
    if (!r.inferred) {
        return nullptr;
    }
    Json cpus = Json::array();
    for (const run::InferredCpuSlots& c : r.inferred->slots.cpus) {
        Json slots = Json::array();
        for (const int p : c.slot_process) {
            slots.push_back(p < 0 ? Json(nullptr)
                                  : Json(rs.scenario.processes[static_cast<std::size_t>(p)].name));
        }
        cpus.push_back({{"cpu", c.cpu},
                        {"slots", std::move(slots)},
                        {"next_asid", c.next_asid},
                        {"placements", c.candidates},
                        {"rule_mismatches_empty", c.mismatches_empty},
                        {"rule_mismatches", c.mismatches}});
    }
    return {{"cpus", std::move(cpus)},
            {"skipped_cpus", r.inferred->slots.skipped},
            {"comparison", replay_comparison_json(r.inferred->comparison)}};
}

Json replay_trace_json(const ftrace::Workload& w, const run::ReplayScenario& rs) {
    Json machine = {{"cpus", w.cpus}, {"known", w.machine.known}};
    if (w.machine.known) {
        machine["kernel"] = w.machine.kernel;
        machine["pcid"] = w.machine.pcid;
        machine["invpcid"] = w.machine.invpcid;
        machine["pti"] = w.machine.pti;
        machine["membarrier_query"] = w.machine.membarrier_query;
    }
    return {{"trace", w.path},
            {"machine", std::move(machine)},
            {"lines", w.lines},
            {"duration_ns", w.duration},
            {"tasks", w.tasks.size()},
            {"switches", w.switches.size()},
            {"membarrier_calls", w.membarriers.size()},
            {"assumptions", w.assumptions},
            {"left_out", rs.notes},
            {"measured", rs.measured},
            {"ghz", rs.options.ghz},
            {"policies", Json::array()}};
}

void print_replay(const Json& trace, std::size_t mismatches, const Io& io) {
    fmt::print(io.out,
               "replay {}: {} CPUs, {} tasks, {} context switches, {} membarrier calls, "
               "{:.3f} ms recorded\n",
               trace.at("trace").get<std::string>(), trace.at("machine").at("cpus").get<int>(),
               trace.at("tasks").get<std::int64_t>(), trace.at("switches").get<std::int64_t>(),
               trace.at("membarrier_calls").get<std::int64_t>(),
               static_cast<double>(trace.at("duration_ns").get<std::int64_t>()) / 1e6);
    for (const Json& a : trace.at("assumptions")) {
        fmt::print(io.out, "  assumed: {}\n", a.get<std::string>());
    }
    for (const Json& n : trace.at("left_out")) {
        fmt::print(io.out, "  left out: {}\n", n.get<std::string>());
    }
    for (const Json& n : trace.at("measured")) {
        fmt::print(io.out, "  measured: {}\n", n.get<std::string>());
    }
    for (const Json& e : trace.at("policies")) {
        print_comparison(e, mismatches, io);
    }
    print_what_if(trace.at("policies"), io);
}

} // namespace cli
