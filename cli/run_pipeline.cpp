#include "cli/run_pipeline.h"

#include "cli/catalog.h"
#include "cli/command.h"
#include "cli/explain.h"
#include "cli/fault_injection.h"
#include "cli/narrative.h"
#include "cli/redundancy.h"

#include "policy/presets.h"
#include "scenario/text_util.h"

#include <fmt/format.h>

#include <algorithm>

namespace cli {

std::vector<std::string> policy_names(const scenario::Scenario& sc) {
    std::vector<std::string> names;
    for (const auto& p : policy::presets()) {
        names.emplace_back(p.name);
    }
    for (const auto& d : sc.policy_defs) {
        names.push_back(d.name);
    }
    return names;
}

void check_policies(const scenario::Scenario& sc, const std::string& file,
                    const std::vector<std::string>& policies) {
    for (const auto& p : policies) {
        if (!run::resolve_policy(sc, p)) {
            const std::vector<std::string> known = policy_names(sc);
            const std::vector<std::string_view> candidates(known.begin(), known.end());
            throw UsageError(fmt::format(
                "{}: unknown policy \"{}\"{} (tlbsim policies lists the "
                "presets; a scenario may define more with [[policy]])",
                file, p, scenario::detail::did_you_mean(scenario::detail::closest(p, candidates))));
        }
    }
}

std::vector<std::string> expand_policies(const scenario::Scenario& sc,
                                         const std::vector<std::string>& requested) {
    if (requested.empty()) {
        return sc.policies;
    }
    std::vector<std::string> out;
    for (const auto& p : requested) {
        for (const auto& name : p == "all" ? policy_names(sc) : std::vector<std::string>{p}) {
            if (std::find(out.begin(), out.end(), name) == out.end()) {
                out.push_back(name);
            }
        }
    }
    return out;
}

std::vector<LoadedScenario> load_scenarios(const std::vector<std::string>& paths,
                                           const std::vector<std::string>& policies,
                                           const char* command) {
    std::vector<LoadedScenario> loaded;
    for (const auto& file : expand_paths(paths)) {
        LoadedScenario l{file, load_scenario(file), {}};
        l.policies = expand_policies(l.sc, policies);
        check_policies(l.sc, file, l.policies);
        loaded.push_back(std::move(l));
    }
    if (loaded.empty()) {
        throw UsageError(fmt::format("{}: no scenario files (*.toml) found in {}", command,
                                     fmt::join(paths, ", ")));
    }
    return loaded;
}

namespace {

/// The observers a request's reports need, attached in a fixed order, after the runner's
/// counters and checker and before the injected fault (run_scenario_checked), so that -v has
/// printed the record at which a run fails.
struct ReportObservers {
    std::optional<Narrative> narrative;
    std::optional<RedundancyObserver> redundancy;
    std::optional<TimelineRecorder> timeline;
    std::optional<ExplainObserver> explain;

    ReportObservers(const ReportNeeds& needs, const scenario::Machine& machine) {
        if (needs.narrate_to != nullptr) {
            narrative.emplace(needs.narrate_to, machine.ghz, needs.narrate_view);
        }
        if (needs.redundant_cycles) {
            redundancy.emplace(machine.cpus);
        }
        if (needs.timeline) {
            timeline.emplace(machine.cpus);
        }
        if (needs.explain_counter) {
            explain.emplace(*needs.explain_counter, machine.cpus, machine.ghz);
        }
    }

    void attach(run::RunOptions& options) {
        for (kernel::RecordObserver* o : {as_observer(narrative), as_observer(redundancy),
                                          as_observer(timeline), as_observer(explain)}) {
            if (o != nullptr) {
                options.observers.push_back(o);
            }
        }
    }

    template <class T>
    static kernel::RecordObserver* as_observer(std::optional<T>& o) {
        return o ? &*o : nullptr;
    }
};

} // namespace

RunReport run_request(const RunRequest& request) {
    const scenario::Machine& machine = request.sc->machine;
    for (const scenario::Delay& d : request.options.delays.value_or(machine.delays)) {
        if (d.cpu >= machine.cpus) {
            throw UsageError(
                fmt::format("--delay {} names cpu{}, but the machine of {} has {} CPUs",
                            scenario::format_delay(d), d.cpu, request.file, machine.cpus));
        }
    }
    ReportObservers observers(request.needs, machine);
    run::RunOptions options = request.options;
    observers.attach(options);

    RunReport report;
    report.file = request.file;
    report.ghz = machine.ghz;
    report.result = run_scenario_checked(*request.sc, request.policy, options);
    if (observers.redundancy) {
        report.redundant_cycles = observers.redundancy->cycles();
    }
    if (observers.timeline) {
        report.timeline = observers.timeline->build(report.result, request.file, machine.ghz);
    }
    if (observers.explain) {
        report.explained = observers.explain->lines();
        report.explained_seqs = observers.explain->seqs();
    }
    return report;
}

} // namespace cli
