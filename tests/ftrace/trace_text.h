#pragma once
// Trace text for the importer's tests: lines laid out as the kernel writes them
// (kernel/trace/trace_output.c: "%16s-%-7d", "(%7d) " or "(-------) ", "[%03d] ", the five
// flags, "%5lu.%06lu: "), and the importer run on them as the file "t.trace".

#include "ftrace/importer.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace ftrace_test {

/// The header of /sys/kernel/tracing/trace (2 CPUs, nothing lost): 3 lines.
inline const std::string kHeader = "# tracer: nop\n#\n"
                                   "# entries-in-buffer/entries-written: 10/10   #P:2\n";

/// One event line with options/record-tgid (tgid < 0: `(-------)`), at `us` microseconds.
inline std::string tf(std::string_view comm, int pid, int tgid, int cpu, std::string_view flags,
                      long long us, std::string_view event) {
    char tgid_field[16];
    if (tgid < 0) {
        std::snprintf(tgid_field, sizeof tgid_field, "-------");
    } else {
        std::snprintf(tgid_field, sizeof tgid_field, "%7d", tgid);
    }
    char prefix[128];
    std::snprintf(prefix, sizeof prefix,
                  "%16.*s-%-7d (%s) [%03d] %.*s %5lld.%06lld: ", static_cast<int>(comm.size()),
                  comm.data(), pid, tgid_field, cpu, static_cast<int>(flags.size()), flags.data(),
                  us / 1'000'000, us % 1'000'000);
    return std::string(prefix).append(event).append("\n");
}

inline std::string switch_event(std::string_view prev_comm, int prev, std::string_view state,
                                std::string_view next_comm, int next) {
    return "sched_switch: prev_comm=" + std::string(prev_comm) +
           " prev_pid=" + std::to_string(prev) + " prev_prio=120 prev_state=" + std::string(state) +
           " ==> next_comm=" + std::string(next_comm) + " next_pid=" + std::to_string(next) +
           " next_prio=120";
}

inline const char* kCr3Flush = "tlb_flush: pages:-1 reason:flush on task switch (0)";
inline const char* kCr3NoFlush = "tlb_flush: pages:0 reason:flush on task switch (0)";

inline ftrace::Workload import(const std::string& text, const std::vector<int>& kthreads = {},
                               std::string_view machine = {}) {
    return ftrace::import_trace_text(text, "t.trace", kthreads, machine);
}

/// The TraceError's what() for `text`, or "no error".
inline std::string error_of(const std::string& text, const std::vector<int>& kthreads = {},
                            std::string_view machine = {}) {
    try {
        import(text, kthreads, machine);
    } catch (const ftrace::TraceError& e) {
        return e.what();
    }
    return "no error";
}

/// The 1-based column of `needle` in `line`.
inline std::string column_of(const std::string& line, std::string_view needle) {
    return std::to_string(line.find(needle) + 1);
}

} // namespace ftrace_test
