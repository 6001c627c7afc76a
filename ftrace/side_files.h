#pragma once
// The files scripts/capture-trace writes beside a trace: TRACE.kthreads (the kernel threads'
// pids, separated by blanks or newlines), TRACE.tgids (`PID TGID` lines: each task's thread group
// when the recording began) and TRACE.machine (`key = value` lines; docs/replay.md).
// Errors are TraceError `file:line:column: message`.

#include "ftrace/workload.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ftrace::detail {

std::vector<int> read_kthreads(std::string_view text, const std::string& name);

/// `PID TGID` per line (blank lines allowed), sorted by pid; a pid listed twice is an error.
std::vector<std::pair<int, int>> read_tgids(std::string_view text, const std::string& name);

/// Reads cpus, pcid, invpcid, pti, kernel and membarrier_query; the file's other keys (the
/// recording's own facts: cpu_model, events, overrun, command, ...) are for people.
MachineFacts read_machine(std::string_view text, const std::string& name);

} // namespace ftrace::detail
