#pragma once
// `--trace OUT`: the timeline of one run as Chrome trace-event JSON (the format chrome://tracing
// and ui.perfetto.dev open): {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}.
//
//   * one process (pid 0, named "tlbsim <scenario> <policy>"), one thread per CPU shown (tid =
//     the CPU's number, named "cpuN", sorted by CPU; a view may hide CPUs, timeline_view.h);
//   * slices as B/E pairs, properly nested per track (timeline.h says which);
//   * instant events (ph "i", scope "t") for every [SER] and [FB] record, named
//     "[SER] sync_core @finish_task_switch", and for a few kernel events (category "event");
//   * flows (ph "s" on the sender, ph "f" with "bp": "e" on the target) from each IPI send to its
//     handler;
//   * each reported violation as an instant "VIOLATION <property>" (category "violation") on the
//     violating CPU at the violating instruction's time, its explanation chain in args.
//
// Timestamps are microseconds: cycles / (ghz * 1000), rounded to the picosecond, so that equal
// cycle counts always give equal timestamps and the order of events is never inverted. They
// stay absolute under a view (a window starts at its --from, not at 0); otherData then says the
// view ("view", "view_from_cycles", "view_to_cycles").

#include "cli/timeline.h"

#include <ostream>
#include <string>

namespace cli {

/// Microseconds for a trace timestamp (see above).
double trace_us(std::int64_t cycles, double ghz);

void write_chrome_trace(const Timeline& tl, std::ostream& os);

/// Writes the trace to `path` (throws UserError when it cannot).
void write_chrome_trace_file(const Timeline& tl, const std::string& path);

} // namespace cli
