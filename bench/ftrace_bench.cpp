// ftrace_bench: the ftrace importer's speed on a 300,000-line trace (issue #16: "read a
// 300,000-line trace in well under a second"; docs/performance.md, The ftrace importer), against
// a baseline measured in the same process: reading the same file and counting its lines.
//
// The trace is synthesized from the committed recording traces/sample-membarrier.trace: its event
// lines repeated, each copy shifted in time (after the previous one) and in pid (the recorded
// workload's pids 32120..32199 move up by 100 per copy, so each copy forks, execs and exits its
// own tasks), until the file has the asked number of lines. It is written to a temporary file,
// and both loops read that file: the baseline with one read and a newline count, the importer
// with ftrace::import_trace (read, parse, interpret). A third loop, for diagnosis, runs
// ftrace::import_trace_text on the text already in memory.
//
// Usage: ftrace_bench [LINES [ROUNDS]] (defaults: 300000, 5). Prints the median of each.

#include "ftrace/importer.h"
#include "timing.h"
#include "trace_synth.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace {

using bench::Clock;
using bench::median;
using bench::seconds_since;

} // namespace

int main(int argc, char** argv) {
    const std::size_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 300'000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
    const auto path = bench::write_synthesized_trace(
        TLBSIM_SOURCE_DIR "/traces/sample-membarrier.trace", lines, "tlbsim-ftrace-bench.trace");
    std::vector<double> baseline;
    std::vector<double> importer;
    std::vector<double> in_memory; // a diagnostic: the importer without the file read
    std::size_t counted = 0;
    ftrace::Workload w;
    for (int r = 0; r < std::max(rounds, 1); ++r) {
        const auto t0 = Clock::now();
        const std::string text = bench::read_file(path);
        counted = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        baseline.push_back(seconds_since(t0));
        const auto t1 = Clock::now();
        w = ftrace::import_trace(
            path, {.kthreads = TLBSIM_SOURCE_DIR "/traces/sample-membarrier.trace.kthreads",
                   .machine = std::nullopt,
                   .tgids = std::nullopt});
        importer.push_back(seconds_since(t1));
        const auto t2 = Clock::now();
        const ftrace::Workload again = ftrace::import_trace_text(text, "bench", {});
        in_memory.push_back(seconds_since(t2));
    }
    std::filesystem::remove(path);
    const double n = static_cast<double>(counted);
    const double b = median(baseline);
    const double i = median(importer);
    std::printf("%zu lines (%zu switches, %zu tasks, %zu mms), %d rounds, medians:\n", counted,
                w.switches.size(), w.tasks.size(), w.mms.size(), rounds);
    std::printf("  read + count lines   %8.1f ms  %6.1f M lines/s\n", b * 1e3, n / b / 1e6);
    std::printf("  ftrace::import_trace %8.1f ms  %6.1f M lines/s\n", i * 1e3, n / i / 1e6);
    const double m = median(in_memory);
    std::printf("  (import_trace_text   %8.1f ms  %6.1f M lines/s: the same without the read)\n",
                m * 1e3, n / m / 1e6);
    std::printf("  import / baseline    %8.1fx the time\n", i / b);
    return 0;
}
