#include "cli/exhaustive_report.h"

#include "cli/commands.h"
#include "cli/run_text.h"
#include "run/outcome.h"

#include <fmt/format.h>

namespace cli {

std::string search_numbers(const run::ExhaustiveResult& res) {
    return fmt::format("{} execution{} ({} repeat{}), {} distinct final state{}, choice vector "
                       "up to {}, {:.2f} s",
                       res.executions, res.executions == 1 ? "" : "s", res.repeats,
                       res.repeats == 1 ? "" : "s", res.states.size(),
                       res.states.size() == 1 ? "" : "s", res.max_choices, res.wall_seconds);
}

std::string bound_text(const run::ExhaustiveResult& res, std::int64_t max_executions) {
    if (!res.bound_reached) {
        return "";
    }
    return fmt::format("bound reached: the search stopped after {} executions and is "
                       "incomplete (raise --max-executions)",
                       max_executions);
}

int print_exhaustive(const std::string& file, const scenario::Scenario& sc,
                     const run::ExhaustiveResult& res, std::int64_t max_executions, const Io& io) {
    fmt::print(io.out, "{} ({}), exhaustive: {}\n", file, res.policy, search_numbers(res));
    if (const std::string bound = bound_text(res, max_executions); !bound.empty()) {
        fmt::print(io.out, "  {}\n", bound);
    }
    if (!res.failures.empty()) {
        return report_run_failure(res.failures.front(), file, io);
    }
    fmt::print(io.out, "  states:\n");
    for (const run::UserState& u : res.states) {
        const std::string text = run::state_text(sc, u);
        fmt::print(io.out, "    {}\n", text.empty() ? "(no registers or variables)" : text);
    }
    int status = exit_ok;
    for (const std::string& b : run::broken_outcomes(sc, res)) {
        fmt::print(io.out, "  {}\n", b);
        status = exit_expectation;
    }
    for (const auto& [property, run] : res.violations) {
        fmt::print(io.out, "  {} violated in some execution:\n", property);
        print_violation(res.policy, run.violation_reports.front(), io);
        status = exit_expectation;
    }
    return status;
}

} // namespace cli
