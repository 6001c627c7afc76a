#pragma once
// Shared helpers for tests that run whole scenarios: load TOML text with the real catalog, run it
// under a policy, read counters.

#include "cli/catalog.h"
#include "run/runner.h"
#include "scenario/loader.h"

#include <catch2/catch.hpp>

#include <string>

namespace test {

inline scenario::Scenario load(const std::string& toml) {
    return scenario::load_string(toml, "test.toml", cli::scenario_catalog());
}

inline run::RunResult run(const scenario::Scenario& sc, const std::string& policy = "v5.10",
                          run::RunOptions options = {}) {
    run::RunResult r = run::run_scenario(sc, policy, options);
    INFO("run error: " << r.error);
    REQUIRE(r.error.empty());
    return r;
}

inline run::RunResult run(const std::string& toml, const std::string& policy = "v5.10") {
    return run(load(toml), policy);
}

/// A counter by name ("ser.total", "cpu1.ser.cr3"); fails the test for an unknown name.
inline std::int64_t counter(const run::RunResult& r, const std::string& name) {
    const auto v = r.counters.value(name);
    INFO("counter " << name);
    REQUIRE(v.has_value());
    return *v;
}

/// Counters of one run by name: `Counters c{r}; c("ser.total")`.
struct Counters {
    const run::RunResult& r;
    std::int64_t operator()(const std::string& name) const { return counter(r, name); }
};

} // namespace test
