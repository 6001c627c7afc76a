#include "cli/expectations.h"

#include "run/outcome.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace cli {

namespace {
std::string show(const scenario::ResultValue& v) {
    return v.is_errno ? v.errno_name : std::to_string(v.value);
}
std::string show_set(const std::set<std::string>& s) {
    std::string out = "[";
    for (const auto& x : s) {
        out += (out.size() > 1 ? ", " : "") + x;
    }
    return out + "]";
}

bool applies(const scenario::Expectation& e, const std::string& policy) {
    return std::find(e.policies.begin(), e.policies.end(), policy) != e.policies.end();
}

/// Violations when no block for the policy states `violations`.
void check_unexpected_violations(const scenario::Scenario& sc, const run::RunResult& result,
                                 std::vector<std::string>& failures) {
    for (const auto& e : sc.expectations) {
        if (applies(e, result.policy) && e.violations) {
            return; // stated: compared exactly below
        }
    }
    if (!result.violations.empty()) {
        const std::set<std::string> actual(result.violations.begin(), result.violations.end());
        failures.push_back(fmt::format("violations: none expected (no [[expect]] block for {} "
                                       "states `violations`), actual {}",
                                       result.policy, show_set(actual)));
    }
}

/// "; first: K2 on cpu1 at t=...": the first kept warning behind counter `warning.Kn`.
std::string first_warning(const run::RunResult& result, std::string_view counter) {
    const std::string_view rule = counter.substr(std::string_view("warning.").size());
    for (const auto& w : result.warnings) {
        if (check::name(w.rule) == rule) {
            return "; first: " + w.text;
        }
    }
    return {};
}

/// Mechanism warnings whose warning.Kn counter no block for the policy pins.
void check_unexpected_warnings(const scenario::Scenario& sc, const run::RunResult& result,
                               std::vector<std::string>& failures) {
    for (const auto& d : result.counters.declared()) {
        if (!d.name.starts_with("warning.")) {
            continue;
        }
        const std::int64_t n = result.counters.value(d.name).value_or(0);
        const bool pinned = std::any_of(
            sc.expectations.begin(), sc.expectations.end(), [&](const scenario::Expectation& e) {
                return applies(e, result.policy) &&
                       std::any_of(e.counters.begin(), e.counters.end(),
                                   [&](const auto& c) { return c.name == d.name; });
            });
        if (n > 0 && !pinned) {
            failures.push_back(fmt::format("{} = {}: a mechanism warning no [[expect]] block for "
                                           "{} pins (--strict){}",
                                           d.name, n, result.policy,
                                           first_warning(result, d.name)));
        }
    }
}

/// `forbid` must not hold and `require` must hold at the end of the run.
void check_outcomes(const scenario::Scenario& sc, const scenario::Expectation& e,
                    const run::RunResult& result, std::vector<std::string>& failures) {
    if (!e.forbid && !e.require) {
        return;
    }
    const run::UserState& u = result.user;
    if (u.memory.size() != sc.variables.size() || u.registers.size() != sc.threads.size()) {
        failures.push_back(fmt::format("{}: outcome: the run left no final state", e.path));
        return;
    }
    if (e.forbid && run::outcome_holds(*e.forbid, u)) {
        failures.push_back(fmt::format("{}: forbid \"{}\" holds: {}", e.path, e.forbid->text,
                                       run::outcome_values(sc, *e.forbid, u)));
    }
    if (e.require && !run::outcome_holds(*e.require, u)) {
        failures.push_back(fmt::format("{}: require \"{}\" does not hold: {}", e.path,
                                       e.require->text, run::outcome_values(sc, *e.require, u)));
    }
}

} // namespace

std::vector<std::string> check_expectations(const scenario::Scenario& sc,
                                            const run::RunResult& result,
                                            const ExpectationRules& rules) {
    std::vector<std::string> failures = result.step_expect_failures;
    if (rules.violations_must_be_expected) {
        check_unexpected_violations(sc, result, failures);
    }
    if (rules.warnings_must_be_expected) {
        check_unexpected_warnings(sc, result, failures);
    }
    for (const auto& e : sc.expectations) {
        if (!applies(e, result.policy)) {
            continue;
        }
        for (const auto& c : e.counters) {
            const auto actual = result.counters.value(c.name);
            if (!actual) {
                failures.push_back(
                    fmt::format("{}: counter {}: no such counter on this machine", e.path, c.name));
            } else if (*actual != c.value) {
                failures.push_back(fmt::format("{}: counter {}: expected {}, actual {}", e.path,
                                               c.name, c.value, *actual));
            }
        }
        if (e.violations) {
            const std::set<std::string> expected(e.violations->begin(), e.violations->end());
            const std::set<std::string> actual(result.violations.begin(), result.violations.end());
            if (expected != actual) {
                failures.push_back(fmt::format("{}: violations: expected {}, actual {}", e.path,
                                               show_set(expected), show_set(actual)));
            }
        }
        for (const auto& [label, expected] : e.results) {
            const auto it = result.results.find(label);
            if (it == result.results.end()) {
                failures.push_back(fmt::format("{}: result {}: expected {}, but the step never "
                                               "returned",
                                               e.path, label, show(expected)));
            } else if (!(it->second == expected)) {
                failures.push_back(fmt::format("{}: result {}: expected {}, actual {}", e.path,
                                               label, show(expected), show(it->second)));
            }
        }
        check_outcomes(sc, e, result, failures);
    }
    return failures;
}

} // namespace cli
