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

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// The whole file in one read, as ftrace::import_trace reads it.
std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string text(std::filesystem::file_size(path), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    return text;
}

/// The recorded workload's pids (capture.sh, busy.sh, mbw2 and their children).
constexpr long kFirstPid = 32120;
constexpr long kLastPid = 32199;

/// `line` with every 5-digit number in the workload's pid range moved up by `pid_shift` and its
/// timestamp (the first `SECONDS.MICROS:`) by `time_shift_us`.
std::string shifted(std::string_view line, long pid_shift, long long time_shift_us) {
    std::string out;
    out.reserve(line.size() + 8);
    bool timestamp_done = false;
    for (std::size_t i = 0; i < line.size();) {
        std::size_t j = i;
        while (j < line.size() && line[j] >= '0' && line[j] <= '9') {
            ++j;
        }
        if (j == i) {
            out += line[i++];
            continue;
        }
        const std::string digits(line.substr(i, j - i));
        if (!timestamp_done && j + 8 <= line.size() && line[j] == '.' && line[j + 7] == ':') {
            const long long us = std::atoll(digits.c_str()) * 1'000'000 +
                                 std::atoll(std::string(line.substr(j + 1, 6)).c_str()) +
                                 time_shift_us;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%lld.%06lld", us / 1'000'000, us % 1'000'000);
            out += buf;
            i = j + 7;
            timestamp_done = true;
            continue;
        }
        const long value = std::atol(digits.c_str());
        const bool pid = digits.size() == 5 && value >= kFirstPid && value <= kLastPid;
        out += pid ? std::to_string(value + pid_shift) : digits;
        i = j;
    }
    return out;
}

/// The sample's header, then its event lines repeated until `lines` lines.
std::string synthesize(const std::string& sample, std::size_t lines) {
    std::vector<std::string_view> header;
    std::vector<std::string_view> events;
    for (std::size_t begin = 0; begin < sample.size();) {
        const std::size_t end = sample.find('\n', begin);
        const std::string_view line(sample.data() + begin, end - begin);
        (line.starts_with('#') ? header : events).push_back(line);
        begin = end + 1;
    }
    std::string out;
    for (const auto& h : header) {
        out.append(h).append("\n");
    }
    // The sample spans 0.26 s; each copy starts 0.3 s after the previous one.
    for (long copy = 0; header.size() + static_cast<std::size_t>(copy) * events.size() < lines;
         ++copy) {
        for (std::size_t i = 0;
             i < events.size() && header.size() + copy * events.size() + i < lines; ++i) {
            out += shifted(events[i], copy * 100, copy * 300'000LL);
            out += '\n';
        }
    }
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    const std::size_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 300'000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
    const std::string sample = read_file(TLBSIM_SOURCE_DIR "/traces/sample-membarrier.trace");
    const auto path = std::filesystem::temp_directory_path() / "tlbsim-ftrace-bench.trace";
    {
        std::ofstream out(path, std::ios::binary);
        out << synthesize(sample, lines);
    }
    std::vector<double> baseline;
    std::vector<double> importer;
    std::vector<double> in_memory; // a diagnostic: the importer without the file read
    std::size_t counted = 0;
    ftrace::Workload w;
    for (int r = 0; r < std::max(rounds, 1); ++r) {
        const auto t0 = Clock::now();
        const std::string text = read_file(path);
        counted = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        baseline.push_back(seconds_since(t0));
        const auto t1 = Clock::now();
        w = ftrace::import_trace(
            path, {.kthreads = TLBSIM_SOURCE_DIR "/traces/sample-membarrier.trace.kthreads",
                   .machine = std::nullopt});
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
