#pragma once
// A window of a recorded kernel schedule written out as an ordinary scenario file (`tlbsim replay
// TRACE --scenario OUT [--from T] [--to T] [--cpus LIST]`, docs/replay.md "Real schedules as
// scenarios"). Unlike the replay, no directed schedule: each task of the window becomes a thread
// whose program is what it did (its on-CPU time as `user`/`work`, its blocked time as `sleep`,
// its membarrier calls, local TLB shootdowns, exec and exit), and the model's own scheduler runs
// them. The tasks, processes, registrations and steps come from the replay's mapping
// (run/replay_scenario.h); this file only cuts the window and turns times into lengths.
// Results first (export_window), text after (export_toml).

#include "ftrace/workload.h"
#include "scenario_model/scenario.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace run {

/// A time as the command line gives it: seconds on the trace's own clock, as its lines print
/// them (`48446.716339`), or with a leading `+` seconds after the trace's first event
/// (`+0.010`). Up to 9 decimals; kept exact, in nanoseconds.
struct TraceTime {
    bool relative = false;
    ftrace::Nanos ns = 0;
};

/// The time `text` writes, or nullopt when it is not one (a sign other than a leading `+`, no
/// digits, more than 9 decimals, junk).
std::optional<TraceTime> parse_trace_time(std::string_view text);

/// `t` as nanoseconds after the trace's first event (Workload times), given its origin.
ftrace::Nanos trace_offset(const TraceTime& t, ftrace::Nanos origin);

/// Workload time `t` as the command line writes it: on the trace's clock given its origin
/// (`48446.716339`), else after the first event (`+0.010000`); 9 decimals when 6 do not say it.
std::string trace_seconds(ftrace::Nanos t, std::optional<ftrace::Nanos> origin);

/// The part of a recording a scenario is cut from: events at `from` <= t < `to` (Workload times),
/// of the tasks that ran on `cpus`.
struct ExportWindow {
    ftrace::Nanos from = 0;
    ftrace::Nanos to = std::numeric_limits<ftrace::Nanos>::max();
    std::vector<int> cpus; ///< sorted, unique; empty: every CPU
};

struct ExportOptions {
    ExportWindow window;
    /// Simulated cycles per recorded nanosecond ([machine] ghz).
    double ghz = 3.0;
    /// The scenario's `policies` (what `tlbsim run` and `check` run it under).
    std::vector<std::string> policies{"mainline"};
    /// Workload::origin, when known: messages and the header give times on the trace's clock too.
    std::optional<ftrace::Nanos> origin;
};

/// A window that cannot be written: `what()` is one line for the user (exit 2).
class WindowError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The scenario of a window, before it is text.
struct ScenarioExport {
    /// An ordinary scenario: no directed schedule, no Step::at, times in cycles from the
    /// window's start; [[thread]]s first, then [[kthread]]s.
    scenario::Scenario scenario;
    std::vector<int> thread_pid;         ///< the recorded pid of each scenario thread
    ExportWindow window;                 ///< as asked, `to` clipped to the recording's end
    std::string trace;                   ///< the trace's path
    ftrace::Nanos recording_end = 0;     ///< the recording's last event (Workload::duration)
    std::optional<ftrace::Nanos> origin; ///< ExportOptions::origin
    std::size_t switches = 0;            ///< recorded context switches in the window on its CPUs
    /// What the scenario leaves out of the window, one sentence each (with counts).
    std::vector<std::string> notes;
    /// What the replay measured from the recording and gave the machine's costs
    /// (ReplayScenario::measured), written as [machine.costs].
    std::vector<std::string> measured;
};

/// The scenario of `options.window` of `w`. Throws WindowError for a CPU outside the machine, a
/// window that is empty or outside the recording, and a window where no task runs.
ScenarioExport export_window(const ftrace::Workload& w, const ExportOptions& options);

/// The export as a scenario file: a header comment (trace, window, `command`: the command line
/// that wrote it, what is left out), `description`, `policies`, [machine], [[process]],
/// [[thread]], [[kthread]]; one step a line.
std::string export_toml(const ScenarioExport& e, const std::string& command);

} // namespace run
