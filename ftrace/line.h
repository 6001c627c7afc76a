#pragma once
// One line of ftrace text, split into its prefix (who, where, when) and its event (name and
// fields), without interpreting the fields. The layouts (docs/replay.md, "The importer"):
//
//   tracefs (kernel/trace/trace_output.c, trace_print_context):
//     `        comm-pid     (  tgid) [cpu] flags  sec.usec: event: fields`
//     (tgid only with options/record-tgid, `(-------)` when unknown; flags only with
//     options/irq-info, the default)
//   trace-cmd report:
//     `[instance: ]    comm-pid     [cpu] sec.usec: event:   fields`
//     `-l`: `    comm-pid   CPUflags sec.usec: event: fields` (the CPU glued to the flags)
//
// System-call events print without their event name: `sys_membarrier(cmd: 0x40, flags: 0,
// cpu_id: 0)` (enter) and `sys_membarrier -> 0x0` (exit), kernel/trace/trace_syscalls.c.

#include "ftrace/workload.h"

#include <string>
#include <string_view>

namespace ftrace::detail {

/// Why a line cannot be read, and where: `where` points into the line (its column is
/// `where - line.data() + 1`).
struct LineError {
    const char* where;
    std::string message;
};

/// How the event part of a line is written.
enum class EventForm : std::uint8_t {
    named,         ///< `name: fields`
    syscall_enter, ///< `sys_NAME(fields)`: `event` is "sys_NAME", `body` the text in parentheses
    syscall_exit,  ///< `sys_NAME -> value`: `event` is "sys_NAME", `body` the value
    other,         ///< anything else (function tracer lines `func <-parent`, ...)
};

struct Prefix {
    std::string_view instance; ///< trace-cmd's buffer name before the comm ("" for none)
    std::string_view comm;     ///< as saved_cmdlines gave it ("<idle>", "<...>": unknown)
    int pid = 0;
    int tgid = -1;         ///< -1: `(-------)` or no tgid field
    bool has_tgid = false; ///< a `(tgid)` field was there
    int cpu = 0;
    std::string_view cpu_text;
    std::string_view flags; ///< "" when the line has none
    Nanos timestamp = 0;    ///< absolute, in nanoseconds, as printed
    std::string_view timestamp_text;
    /// Where the line falls inside its printed timestamp (the importer's Ties): the event lines
    /// that print one timestamp are spread evenly over its resolution, in file order.
    Nanos tie_offset = 0;
    std::string_view event;
    std::string_view body; ///< the fields (leading blanks skipped)
    EventForm form = EventForm::named;
    bool latency_layout = false; ///< trace-cmd report -l: the CPU glued to the flags
};

/// Splits an event line; throws LineError when the prefix is malformed. `line` has no newline.
Prefix parse_prefix(std::string_view line);

/// `text` for an error message: control characters (a NUL would end what()) as \xHH.
std::string printable(std::string_view text);

/// The flags say hardirq or NMI context (third flag `h`, `H`, `z` or `Z`).
bool in_hardirq(std::string_view flags);

} // namespace ftrace::detail
