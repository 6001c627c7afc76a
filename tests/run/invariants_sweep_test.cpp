// The run-time invariants (docs/invariants.md) hold in every shipped scenario under every preset
// and every policy the scenario defines, with jitter, over several seeds: a violation would stop
// the run as an internal error. The obligation accounting agrees with the checker in each run.

#include "cli/catalog.h"
#include "policy/presets.h"
#include "run/runner.h"
#include "scenario/loader.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

std::vector<std::string> scenario_files() {
    std::vector<std::string> files;
    const auto root = std::filesystem::path(TLBSIM_SOURCE_DIR) / "scenarios";
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (e.is_regular_file() && e.path().extension() == ".toml") {
            files.push_back(e.path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::string> policies_of(const scenario::Scenario& sc) {
    std::vector<std::string> names;
    for (const auto& p : policy::presets()) {
        names.emplace_back(p.name);
    }
    for (const auto& def : sc.policy_defs) {
        names.push_back(def.name);
    }
    return names;
}

std::int64_t total(const run::RunResult& r, const std::string& name) {
    return r.counters.value(name).value_or(0);
}

/// The obligation accounting (docs/properties.md, Obligations) agrees with the checker and the
/// counters: every violation of a membarrier property is a violated obligation, every explicit
/// sync_core is either load-bearing or counted unneeded, and every obligation ends one way.
void check_obligations_agree(const run::RunResult& r) {
    const check::ObligationSummary& o = r.obligations;
    for (const check::Property p : check::call_properties) {
        const std::string name(check::name(p));
        CHECK(o.of(p).violated == total(r, "violation." + name));
        CHECK(o.of(p).discharged == total(r, "discharged." + name));
    }
    CHECK(o.sync_cores == total(r, "ser.sync_core"));
    CHECK(o.sync_cores_unneeded == total(r, "ser.sync_core.unneeded"));
    CHECK(o.sync_cores_unneeded <= o.sync_cores);
    std::int64_t by_sites = 0;
    for (const auto n : o.unneeded_at) {
        by_sites += n;
    }
    CHECK(by_sites == o.sync_cores_unneeded); // every sync_core site is one of sync_core_sites
}

} // namespace

TEST_CASE("invariants hold in every scenario, policy and jittered seed", "[invariants][sweep]") {
    const auto files = scenario_files();
    REQUIRE(files.size() >= 28); // scenarios/seed, history and api
    std::size_t runs = 0;
    for (const auto& file : files) {
        const scenario::Scenario sc = scenario::load_file(file, cli::scenario_catalog());
        for (const auto& policy : policies_of(sc)) {
            for (const int jitter : {10, 50}) {
                for (std::uint64_t seed = 1; seed <= 10; ++seed) {
                    run::RunOptions options;
                    options.seed = seed;
                    options.jitter = jitter;
                    const run::RunResult r = run::run_scenario(sc, policy, options);
                    INFO(file << " " << policy << " jitter " << jitter << " seed " << seed);
                    CHECK(r.error.empty());
                    check_obligations_agree(r);
                    ++runs;
                }
            }
        }
    }
    CHECK(runs >= files.size() * policy::presets().size() * 20);
}
