#pragma once
// A recorded kernel schedule (ftrace::Workload) as a scenario the model can run: one [[process]]
// per address space a task starts with, one [[thread]] per user task and one [[kthread]] per
// kernel thread (idle is the CPUs' own), each with the recorded membarrier calls, TLB
// shootdowns, execs and exits as steps at their recorded times (Step::at), and the recorded
// context switches as the scenario's directed schedule (sched/directed.h). See docs/replay.md.

#include "ftrace/workload.h"
#include "scenario_model/scenario.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace run {

struct ReplayOptions {
    /// Simulated cycles per recorded nanosecond (the model's clock, [machine] ghz).
    double ghz = 3.0;
    /// Cycles before the recording's first event: the CPUs switch to the tasks the recording
    /// finds running, and settle, before its time 0.
    std::int64_t lead_cycles = 20'000;
};

struct ReplayScenario {
    scenario::Scenario scenario;
    std::vector<int> thread_pid; ///< the recorded pid of each scenario thread
    /// By scenario process: its first mm was alive before the recording began (it may have held
    /// ASID slots then: run/replay_asid.h).
    std::vector<bool> process_predates;
    /// For each directed switch, the index of the recorded switch it replays (Workload::switches),
    /// or npos for the switches with no line to compare with: those that set up the CPUs' first
    /// tasks, and those the recording lost (Workload::missing_switches).
    std::vector<std::size_t> recorded_switch;
    /// What the scenario leaves out of the recording, one sentence each (with counts).
    std::vector<std::string> notes;
    /// What the replay measured from the recording and gave the model (run/replay_timing.h).
    std::vector<std::string> measured;
    ReplayOptions options;

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    /// A recorded time in the scenario's cycles.
    std::int64_t cycles(ftrace::Nanos t) const;
};

/// The model's path from a membarrier step's due time to its rq->curr reads at the default
/// costs: syscall entry (500 cycles), membarrier_entry (100), smp_mb (20), SERIALIZE_IPI's
/// mutex_lock (20), then the reads, 20 apart (640 and 660 on two CPUs; replay_test checks it).
/// The kernel's reads precede its IPI send line by smp_call_function_many()'s setup, tens of
/// nanoseconds, under the recording's microsecond: a replay that measured the kernel's time from
/// the entry line to the send (measure_membarrier_scan) starts each call that much later, less
/// this path, so that the model's reads fall where the kernel's did, on average.
inline constexpr std::int64_t kMembarrierScanPathCycles = 650;

ReplayScenario scenario_from_workload(const ftrace::Workload& w, const ReplayOptions& options);

} // namespace run
