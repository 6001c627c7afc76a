// replay_bench: `tlbsim replay` on a 300,000-line trace (issue #16: "replay handles a
// 300,000-line trace (about 90,000 switches) in a few seconds"; docs/performance.md, Replay),
// against a baseline measured in the same process: importing the same trace
// (ftrace::import_trace), the part of a replay every run must do.
//
// The trace is the sample repeated (bench/trace_synth.h), so each copy's tasks are new ones and
// every switch is replayable. A replay here is what `tlbsim replay TRACE` does for one policy:
// import, build the scenario (run::scenario_from_workload), run it with the comparator
// (run::replay_workload). The peak resident memory of the process (VmHWM) is printed at the
// end: the largest of the rounds.
//
// Usage: replay_bench [LINES [ROUNDS [POLICY]]] (defaults: 300000, 3, mainline). Prints the
// median of each.

#include "ftrace/importer.h"
#include "run/replay.h"
#include "timing.h"
#include "trace_synth.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using bench::Clock;
using bench::median;
using bench::seconds_since;

/// VmHWM from /proc/self/status in MiB (0 when unreadable).
double peak_resident_mib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmHWM:") {
            double kib = 0;
            status >> kib;
            return kib / 1024.0;
        }
    }
    return 0;
}

ftrace::Workload import(const std::filesystem::path& path) {
    return ftrace::import_trace(
        path, {.kthreads = TLBSIM_SOURCE_DIR "/traces/sample-membarrier.trace.kthreads",
               .machine = std::nullopt,
               .tgids = std::nullopt});
}

} // namespace

int main(int argc, char** argv) {
    const std::size_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 300'000;
    const int rounds = std::max(argc > 2 ? std::atoi(argv[2]) : 3, 1);
    const std::string policy = argc > 3 ? argv[3] : "mainline";
    const auto path = bench::write_synthesized_trace(
        TLBSIM_SOURCE_DIR "/traces/sample-membarrier.trace", lines, "tlbsim-replay-bench.trace");
    std::vector<double> baseline;
    std::vector<double> replay;
    run::ReplayRun last;
    ftrace::Workload w;
    for (int r = 0; r < rounds; ++r) {
        const auto t0 = Clock::now();
        w = import(path);
        baseline.push_back(seconds_since(t0));
        const auto t1 = Clock::now();
        const ftrace::Workload again = import(path);
        const run::ReplayScenario rs = run::scenario_from_workload(again, {});
        last = run::replay_workload(again, rs, policy);
        replay.push_back(seconds_since(t1));
    }
    std::filesystem::remove(path);
    const double b = median(baseline);
    const double p = median(replay);
    const auto switches = static_cast<double>(w.switches.size());
    std::printf("%zu lines, %zu switches, %zu tasks; %s, %d rounds, medians:\n", lines,
                w.switches.size(), w.tasks.size(), policy.c_str(), rounds);
    std::printf("  import (baseline)  %8.1f ms\n", b * 1e3);
    std::printf("  replay             %8.1f ms  %6.0f k switches/s  (%.1fx the import)\n", p * 1e3,
                switches / p / 1e3, p / b);
    std::printf("  switch agreement   %8.2f%%  (%lld of %lld; %lld not replayed)\n",
                100.0 * last.comparison.switch_agreement(),
                static_cast<long long>(last.comparison.agreed),
                static_cast<long long>(last.comparison.switches),
                static_cast<long long>(last.comparison.not_replayed));
    std::printf("  model events       %8.2f M, %.1f M events/s\n",
                static_cast<double>(last.run.events) / 1e6,
                static_cast<double>(last.run.events) / p / 1e6);
    std::printf("  peak resident      %8.1f MiB\n", peak_resident_mib());
    return last.run.error.empty() && last.run.internal_error.empty() ? 0 : 3;
}
