// explore_bench: `tlbsim explore`'s runs per second on the 2-CPU seed scenarios (docs/explore.md,
// docs/performance.md; target >= 10,000 runs/s on one core), against a baseline measured in the
// same process: the same number of plain runs of the scenario as written (run::run_scenario with
// no perturbation). The ratio says what exploring adds to running (planning, jitter draws,
// collecting findings); the rate says how fast a search goes.
//
// Usage: explore_bench [RUNS [POLICY [FILE...]]] (defaults: 2000, v5.10, scenarios/seed/*.toml).
// Each scenario is explored with --all semantics (no early stop) so that every run is made.

#include "cli/catalog.h"
#include "run/explore.h"
#include "scenario/loader.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<std::string> seed_scenarios() {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(TLBSIM_SOURCE_DIR "/scenarios/seed")) {
        if (e.path().extension() == ".toml") {
            files.push_back(e.path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

struct Timing {
    double plain = 0;   ///< seconds for `runs` plain runs
    double explore = 0; ///< seconds for an exploration of `runs` runs
};

Timing measure(const scenario::Scenario& sc, const std::string& policy, std::uint64_t runs) {
    Timing t;
    std::uint64_t events = 0;
    const auto t0 = Clock::now();
    for (std::uint64_t i = 0; i < runs; ++i) {
        events += run::run_scenario(sc, policy, run::RunOptions{}).events;
    }
    t.plain = seconds_since(t0);
    run::ExploreOptions o;
    o.policy = policy;
    o.runs = runs;
    o.all = true;
    const auto t1 = Clock::now();
    const run::ExploreResult res = run::explore(sc, o);
    t.explore = seconds_since(t1);
    if (res.runs != runs || events == 0) {
        std::fprintf(stderr, "explore_bench: %s made %llu runs of %llu\n", sc.name.c_str(),
                     static_cast<unsigned long long>(res.runs),
                     static_cast<unsigned long long>(runs));
        std::exit(3);
    }
    return t;
}

} // namespace

int main(int argc, char** argv) {
    const std::uint64_t runs = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000;
    const std::string policy = argc > 2 ? argv[2] : "v5.10";
    std::vector<std::string> files(argv + std::min(argc, 3), argv + argc);
    if (files.empty()) {
        files = seed_scenarios();
    }
    std::printf("%-28s %10s %12s %12s %8s\n", "scenario", "runs", "plain run/s", "explore run/s",
                "ratio");
    double plain_total = 0;
    double explore_total = 0;
    for (const auto& file : files) {
        const scenario::Scenario sc = scenario::load_file(file, cli::scenario_catalog());
        const Timing t = measure(sc, policy, runs);
        plain_total += t.plain;
        explore_total += t.explore;
        const double n = static_cast<double>(runs);
        std::printf("%-28s %10llu %12.0f %12.0f %8.2f\n", sc.name.c_str(),
                    static_cast<unsigned long long>(runs), n / t.plain, n / t.explore,
                    t.plain / t.explore);
    }
    const double all = static_cast<double>(runs * files.size());
    std::printf("%-28s %10.0f %12.0f %12.0f %8.2f\n", "all", all, all / plain_total,
                all / explore_total, plain_total / explore_total);
    return 0;
}
