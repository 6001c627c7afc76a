#include "cli/expectations.h"

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
} // namespace

std::vector<std::string> check_expectations(const scenario::Scenario& sc,
                                            const run::RunResult& result) {
    std::vector<std::string> failures = result.step_expect_failures;
    for (const auto& e : sc.expectations) {
        if (std::find(e.policies.begin(), e.policies.end(), result.policy) == e.policies.end()) {
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
    }
    return failures;
}

} // namespace cli
