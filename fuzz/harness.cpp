#include "fuzz/harness.h"

#include "cli/catalog.h"
#include "fuzz/budget.h"
#include "run/runner.h"
#include "scenario/loader.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>

namespace fuzz {

namespace {

/// Skips "DIGITS:" at `pos`; false when it is not there.
bool skip_number_colon(std::string_view s, std::size_t& pos) {
    const std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) != 0) {
        ++pos;
    }
    if (pos == start || pos == s.size() || s[pos] != ':') {
        return false;
    }
    ++pos;
    return true;
}

/// The loaded scenario, or nothing when the loader refused it with a well-formed error.
std::optional<scenario::Scenario> load(std::string_view input) {
    try {
        return scenario::load_string(input, std::string(kInputName), cli::scenario_catalog());
    } catch (const scenario::ScenarioError& e) {
        if (const std::string bad = scenario_error_finding(e.what()); !bad.empty()) {
            finding(bad, e.what());
        }
    } catch (const std::exception& e) {
        finding("an exception other than ScenarioError escaped the loader", e.what());
    } catch (...) {
        finding("a non-standard exception escaped the loader", "");
    }
    return std::nullopt;
}

/// Everything a report shows of one run, as text, to compare two runs byte for byte.
std::string fingerprint(const run::RunResult& r) {
    std::string out = fmt::format("{} {} {} {} {}\n", r.cycles, r.events, r.reached_max_cycles,
                                  r.warning_count, r.error);
    for (const auto& decl : r.counters.declared()) {
        const auto id = r.counters.find(decl.name);
        out += fmt::format("{}={}", decl.name, r.counters.total(*id));
        for (int c = 0; c < r.counters.cpus(); ++c) {
            out += fmt::format(",{}", r.counters.on_cpu(*id, c));
        }
        out += '\n';
    }
    for (const auto& [label, value] : r.results) {
        out += fmt::format("{}={}{}\n", label, value.value, value.errno_name);
    }
    for (const auto* list : {&r.violations, &r.step_expect_failures}) {
        for (const auto& line : *list) {
            out += line + '\n';
        }
    }
    for (const auto& w : r.warnings) {
        out += w.text + '\n';
        for (const auto& line : w.chain) {
            out += line + '\n';
        }
    }
    return out;
}

run::RunResult run_checked(const scenario::Scenario& sc, const std::string& policy) {
    try {
        return run::run_scenario(sc, policy, run::RunOptions{});
    } catch (const std::exception& e) {
        finding("an exception escaped run_scenario under " + policy, e.what());
    } catch (...) {
        finding("a non-standard exception escaped run_scenario under " + policy, "");
    }
}

/// Runs `sc` under `policy`; the first policy twice, since the same scenario, policy and seed
/// must give the same result.
void run_policy(const scenario::Scenario& sc, const std::string& policy, bool twice) {
    const run::RunResult first = run_checked(sc, policy);
    if (const std::string bad = run_finding(sc, first); !bad.empty()) {
        finding(bad + " under " + policy, first.internal_error);
    }
    if (!twice) {
        return;
    }
    const std::string a = fingerprint(first);
    const std::string b = fingerprint(run_checked(sc, policy));
    if (a != b) {
        finding("two runs under " + policy + " differ", "first:\n" + a + "second:\n" + b);
    }
}

} // namespace

std::string scenario_error_finding(std::string_view message) {
    if (message.find('\n') != std::string_view::npos) {
        return "scenario error of more than one line";
    }
    std::size_t pos = kInputName.size();
    if (!message.starts_with(kInputName) || pos >= message.size() || message[pos] != ':' ||
        !skip_number_colon(message, ++pos) || !skip_number_colon(message, pos) ||
        !message.substr(pos).starts_with(" ")) {
        return "scenario error not of the form file:line:column: message";
    }
    return "";
}

std::string run_finding(const scenario::Scenario& sc, const run::RunResult& result) {
    if (!result.internal_error.empty()) {
        return "internal error";
    }
    for (const auto& expectation : sc.expectations) {
        for (const auto& counter : expectation.counters) {
            if (!result.counters.value(counter.name)) {
                return fmt::format("{}: the loader accepted counter \"{}\", the run has none",
                                   expectation.path, counter.name);
            }
        }
    }
    return "";
}

Outcome fuzz_loader(std::string_view input) {
    return load(input) ? Outcome::loaded : Outcome::refused;
}

Outcome fuzz_run(std::string_view input) {
    std::optional<scenario::Scenario> sc = load(input);
    if (!sc) {
        return Outcome::refused;
    }
    if (!fit_to_budget(*sc, Budget{}).empty()) {
        return Outcome::skipped;
    }
    for (std::size_t i = 0; i < sc->policies.size(); ++i) {
        run_policy(*sc, sc->policies[i], i == 0);
    }
    return Outcome::ran;
}

std::span<const Target> targets() {
    static constexpr std::array<Target, 3> all = {{
        {"fuzz_loader", &fuzz_loader},
        {"fuzz_run", &fuzz_run},
        {"fuzz_ftrace", &fuzz_ftrace},
    }};
    return all;
}

const Target* find_target(std::string_view name) {
    for (const auto& t : targets()) {
        if (t.name == name) {
            return &t;
        }
    }
    return nullptr;
}

void finding(std::string_view what, const std::string& detail) {
    std::fprintf(stderr, "fuzz: finding: %.*s\n%s\n", static_cast<int>(what.size()), what.data(),
                 detail.c_str());
    std::fflush(stderr);
    std::abort();
}

} // namespace fuzz
