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

namespace {

/// Appends `r` to `runs`; returns its index there.
std::size_t add_run(const std::string& file, const run::RunResult& r, Json& runs) {
    RunInfo info;
    info.file = file;
    runs.push_back(run_json(r, info));
    return runs.size() - 1;
}

Json state_lines(const scenario::Scenario& sc, const run::ExhaustiveResult& res) {
    Json states = Json::array();
    for (const run::UserState& u : res.states) {
        states.push_back(run::state_text(sc, u));
    }
    return states;
}

} // namespace

Json exhaustive_json(const std::string& file, const scenario::Scenario& sc,
                     const run::ExhaustiveResult& res, std::int64_t max_executions, Json& runs) {
    Json x;
    x["scenario"] = res.scenario;
    x["file"] = file;
    x["policy"] = res.policy;
    x["max_executions"] = max_executions;
    x["executions"] = res.executions;
    x["repeats"] = res.repeats;
    x["bound_reached"] = res.bound_reached;
    x["max_choices"] = res.max_choices;
    x["wall_seconds"] = res.wall_seconds;
    x["states"] = state_lines(sc, res);
    x["broken_outcomes"] = run::broken_outcomes(sc, res);
    x["violations"] = Json::array();
    for (const auto& [property, run] : res.violations) {
        x["violations"].push_back({{"property", property}, {"run", add_run(file, run, runs)}});
    }
    x["failed_run"] = nullptr;
    if (!res.failures.empty()) {
        x["failed_run"] = add_run(file, res.failures.front(), runs);
    }
    return x;
}

} // namespace cli
