#pragma once
// The importer of ftrace's text format: the lines /sys/kernel/tracing/trace and `trace-cmd
// report` write (with options/record-tgid, each line carries the thread group: the mm). It reads
// the events listed in ftrace/workload.h, maps tasks to mms (thread group, task_newtask's clone
// flags, exec), finds kernel threads (the TRACE.kthreads file beside the trace, children of
// kthreadd, pid 0 for idle) and refuses a malformed line with `file:line:column: message`.

#include "ftrace/workload.h"

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ftrace {

/// A line the importer cannot read; what() is `file:line:column: message` (`file: message` for
/// a file it cannot read: line 0).
class TraceError : public std::runtime_error {
public:
    TraceError(const std::string& file, Line line, int column, const std::string& message);
    const std::string& file() const { return file_; }
    Line line() const { return line_; }
    int column() const { return column_; }
    const std::string& message() const { return message_; }

private:
    std::string file_;
    Line line_;
    int column_;
    std::string message_;
};

struct ImportOptions {
    /// Kernel-thread pids (TRACE.kthreads: whitespace-separated); nullopt: look beside the trace.
    std::optional<std::filesystem::path> kthreads;
    /// Machine facts (TRACE.machine: `key = value` lines); nullopt: look beside the trace.
    std::optional<std::filesystem::path> machine;
    /// Thread groups when the recording began (TRACE.tgids: `PID TGID` lines); nullopt: look
    /// beside the trace. They name the thread group of a task alive before the trace whose
    /// group no line shows (a task never current while recorded: ftrace's `(-------)`).
    std::optional<std::filesystem::path> tgids;
};

/// Reads a trace file (and the files beside it). Throws TraceError on a malformed line and on an
/// unreadable file (line 0).
Workload import_trace(const std::filesystem::path& trace, const ImportOptions& options = {});

/// The same on text in memory: `name` is the file name errors give, `kthreads` the pids of the
/// kernel threads, `machine` the facts file's text ("" when there is none).
Workload import_trace_text(std::string_view text, const std::string& name,
                           const std::vector<int>& kthreads, std::string_view machine = {});

} // namespace ftrace
