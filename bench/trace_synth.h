#pragma once
// A long trace for the benchmarks (ftrace_bench, replay_bench), synthesized from the committed
// recording traces/sample-membarrier.trace: its event lines repeated, each copy shifted in time
// (after the previous one) and in pid (the recorded workload's pids 32120..32199 move up by 100
// per copy, so each copy forks, execs and exits its own tasks), until it has the asked number
// of lines.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

/// The whole file in one read, as ftrace::import_trace reads it.
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string text(std::filesystem::file_size(path), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    return text;
}

/// The recorded workload's pids (capture.sh, busy.sh, mbw2 and their children).
inline constexpr long kFirstPid = 32120;
inline constexpr long kLastPid = 32199;

/// `line` with every 5-digit number in the workload's pid range moved up by `pid_shift` and its
/// timestamp (the first `SECONDS.MICROS:`) by `time_shift_us`.
inline std::string shifted(std::string_view line, long pid_shift, long long time_shift_us) {
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
inline std::string synthesize(const std::string& sample, std::size_t lines) {
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

/// The sample (`sample_path`) synthesized to `lines` lines, written to the temporary file
/// `name`; the caller removes it.
inline std::filesystem::path write_synthesized_trace(const std::string& sample_path,
                                                     std::size_t lines, const std::string& name) {
    const auto path = std::filesystem::temp_directory_path() / name;
    std::ofstream out(path, std::ios::binary);
    out << synthesize(read_file(sample_path), lines);
    return path;
}

} // namespace bench
