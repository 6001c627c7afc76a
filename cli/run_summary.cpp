#include "cli/run_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>

namespace cli {

namespace {

constexpr std::string_view sync_core_cycles_prefix = "cycles.sync_core@";

std::int64_t sum_sync_core_cycles(const sim::CounterRegistry& counters) {
    std::int64_t sum = 0;
    const auto& decls = counters.declared();
    for (std::uint32_t i = 0; i < decls.size(); ++i) {
        if (decls[i].name.starts_with(sync_core_cycles_prefix)) {
            sum += counters.total(sim::CounterId{i});
        }
    }
    return sum;
}

/// The first violation of each property, in report order, with how many the run had.
std::vector<RunDigest::Finding> first_violations(const run::RunResult& r) {
    std::vector<RunDigest::Finding> out;
    for (const auto& v : r.violation_reports) {
        auto it = std::find_if(out.begin(), out.end(), [&](const RunDigest::Finding& f) {
            return f.property == v.property;
        });
        if (it == out.end()) {
            out.push_back({v.property, v.cpu, v.time, v.task, 0});
            it = out.end() - 1;
        }
        ++it->count;
    }
    for (auto& f : out) {
        // The reports keep the first violations only; the counter has them all.
        f.count = std::max(f.count, r.counters.value("violation." + f.property).value_or(0));
    }
    return out;
}

std::string describe(const std::string& scenario, const RunDigest::Finding& f) {
    std::string s = fmt::format("{} in {}", f.property, scenario);
    if (f.cpu >= 0) {
        s += fmt::format(" on cpu{} at t={} ({})", f.cpu, f.time, f.task);
    }
    if (f.count > 1) {
        s += fmt::format(", {} in all", f.count);
    }
    return s;
}

std::string saved(std::int64_t base, std::int64_t mine) {
    return fmt::format("{:+}", mine - base);
}

} // namespace

RunDigest digest(const run::RunResult& r) {
    RunDigest d;
    d.scenario = r.scenario;
    d.policy = r.policy;
    d.sync_cores = r.counters.value("ser.sync_core").value_or(0);
    d.sync_core_cycles = sum_sync_core_cycles(r.counters);
    d.unneeded = r.counters.value("ser.sync_core.unneeded").value_or(0);
    d.warnings = r.warning_count;
    d.violations = first_violations(r);
    return d;
}

std::vector<PolicySummary> summarize(const std::vector<RunDigest>& runs) {
    std::vector<PolicySummary> out;
    for (const auto& d : runs) {
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const PolicySummary& p) { return p.policy == d.policy; });
        if (it == out.end()) {
            out.emplace_back().policy = d.policy;
            it = out.end() - 1;
        }
        ++it->runs;
        it->sync_cores += d.sync_cores;
        it->sync_core_cycles += d.sync_core_cycles;
        it->unneeded += d.unneeded;
        it->warnings += d.warnings;
        for (const auto& f : d.violations) {
            it->violations.emplace_back(d.scenario, f);
        }
    }
    return out;
}

std::string format_summary(const std::vector<PolicySummary>& policies, std::size_t scenarios) {
    if (policies.empty()) {
        return "";
    }
    const PolicySummary& base = policies.front();
    std::size_t width = 6;
    for (const auto& p : policies) {
        width = std::max(width, p.policy.size());
    }
    std::string s = fmt::format("summary: {} scenario{}, each policy against {}\n", scenarios,
                                scenarios == 1 ? "" : "s", base.policy);
    s += fmt::format("  {:<{}}  {:>9}  {:>9}  {:>16}  {:>8}  {}\n", "policy", width, "sync_core",
                     "unneeded", "sync_core cycles", "warnings", "violations");
    for (const auto& p : policies) {
        const bool is_base = &p == &base;
        const std::string count =
            is_base ? fmt::format("{}", p.sync_cores)
                    : fmt::format("{} ({})", p.sync_cores, saved(base.sync_cores, p.sync_cores));
        const std::string cycles =
            is_base ? fmt::format("{}", p.sync_core_cycles)
                    : fmt::format("{} ({})", p.sync_core_cycles,
                                  saved(base.sync_core_cycles, p.sync_core_cycles));
        const std::string unneeded =
            is_base ? fmt::format("{}", p.unneeded)
                    : fmt::format("{} ({})", p.unneeded, saved(base.unneeded, p.unneeded));
        std::string violations = p.violations.empty() ? "none" : "";
        for (const auto& [scenario, f] : p.violations) {
            violations += (violations.empty() ? "" : "; ") + describe(scenario, f);
        }
        s += fmt::format("  {:<{}}  {:>9}  {:>9}  {:>16}  {:>8}  {}\n", p.policy, width, count,
                         unneeded, cycles, p.warnings, violations);
    }
    if (std::any_of(policies.begin(), policies.end(),
                    [&](const PolicySummary& p) { return p.runs != base.runs; })) {
        s += "  (the policies ran on different scenarios: the totals are not comparable)\n";
    }
    return s;
}

} // namespace cli
