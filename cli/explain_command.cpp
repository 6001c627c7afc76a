// `tlbsim explain FILE --policy P COUNTER`: one run, then the records behind the counter, each
// with its call path (explain.h). `obligations` and the obligation counters
// (ser.sync_core.unneeded*, discharged.*) are answered from the checker's obligation accounting
// (cli/obligation_text.h).

#include "check/counter_catalog.h"
#include "check/findings.h"
#include "cli/catalog.h"
#include "cli/command.h"
#include "cli/commands.h"
#include "cli/obligation_text.h"
#include "cli/options.h"
#include "cli/run_pipeline.h"
#include "cli/run_text.h"
#include "sim/counters.h"

#include <fmt/format.h>

namespace cli {

namespace {

po::options_description explain_options() {
    po::options_description desc("tlbsim explain FILE --policy P COUNTER|obligations");
    desc.add_options()("help,h", "this help") //
        ("policy,p", po::value<std::string>(), "the policy (default: the scenario's first)");
    add_seed_options(desc);
    desc.add_options()("args", po::value<std::vector<std::string>>(), "FILE COUNTER");
    return desc;
}

void check_counter_name(const std::string& counter) {
    if (counter != obligations_topic && !check::counter_catalog().is_name(counter)) {
        throw UsageError(
            fmt::format("explain: unknown counter \"{}\" (tlbsim counters lists them)", counter));
    }
}

/// A cpuN. counter must name a CPU of the machine.
void check_counter_cpu(const std::string& counter, const scenario::Scenario& sc) {
    if (const auto cpu = sim::split_cpu_prefix(counter).first; cpu >= sc.machine.cpus) {
        throw UsageError(fmt::format("explain: {} names cpu{}, but the machine has {} CPUs",
                                     counter, cpu, sc.machine.cpus));
    }
}

/// violation.P and warning.K counters (per CPU too): the findings behind them, as `run` prints
/// them; the first ones are kept in full. Returns how many it printed.
std::size_t print_findings_behind(const run::RunResult& r, const std::string& counter,
                                  const Io& io) {
    const auto [cpu, name] = sim::split_cpu_prefix(counter);
    std::size_t shown = 0;
    if (name.starts_with("violation.")) {
        const std::string_view property = name.substr(std::string_view("violation.").size());
        for (const auto& v : r.violation_reports) {
            if (v.property == property && (cpu < 0 || v.cpu == cpu)) {
                print_violation(r.policy, v, io);
                ++shown;
            }
        }
    } else if (name.starts_with("warning.")) {
        const std::string_view rule = name.substr(std::string_view("warning.").size());
        for (const auto& w : r.warnings) {
            if (check::name(w.rule) == rule && (cpu < 0 || w.cpu == cpu)) {
                print_warning(r.policy, w, /*with_chain=*/true, io);
                ++shown;
            }
        }
    }
    return shown;
}

void print_explanation(const RunReport& rep, const std::string& counter, const Io& io) {
    const run::RunResult& r = rep.result;
    if (is_obligation_topic(counter)) {
        fmt::print(io.out, "{}",
                   format_obligation_explanation(r, counter, rep.explained, rep.explained_seqs));
        return;
    }
    const std::string_view name = sim::split_cpu_prefix(counter).second;
    if (name.starts_with("violation.") || name.starts_with("warning.")) {
        const std::int64_t total = r.counters.value(counter).value_or(0);
        fmt::print(io.out, "{} = {} in {} under {}\n", counter, total, r.scenario, r.policy);
        const auto shown = static_cast<std::int64_t>(print_findings_behind(r, counter, io));
        if (total > shown) {
            fmt::print(io.out, "  ({} more not kept in full: the first {} findings of a run are)\n",
                       total - shown, check::Findings::max_reports);
        }
        return;
    }
    const std::size_t n = rep.explained.size();
    fmt::print(io.out, "{} = {} in {} under {} ({} record{})\n", counter,
               r.counters.value(counter).value_or(0), r.scenario, r.policy, n, n == 1 ? "" : "s");
    for (const auto& line : rep.explained) {
        fmt::print(io.out, "  {}\n", line);
    }
}

} // namespace

int cmd_explain(const Args& args, const Io& io) {
    const po::options_description desc = explain_options();
    po::positional_options_description pos;
    pos.add("args", -1);
    const auto vm = parse(desc, pos, args);
    if (vm.count("help")) {
        fmt::print(io.out, "{}", help_text(desc));
        return exit_ok;
    }
    const auto positional = strings(vm, "args");
    if (positional.size() != 2) {
        throw UsageError("explain: expected FILE and COUNTER");
    }
    const std::string& file = positional[0];
    const std::string& counter = positional[1];
    const scenario::Scenario sc = load_scenario(file);
    check_counter_name(counter);
    RunRequest req{&sc, file, string_opt(vm, "policy").value_or(sc.policies.front()), {}, {}};
    check_policies(sc, file, {req.policy});
    check_counter_cpu(counter, sc);
    req.options = seed_options(vm, "explain");
    req.needs.explain_counter = records_counter_for(counter);
    const RunReport rep = run_request(req);
    if (const int status = report_run_failure(rep.result, file, io); status != exit_ok) {
        return status;
    }
    print_explanation(rep, counter, io);
    return exit_ok;
}

} // namespace cli
