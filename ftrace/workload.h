#pragma once
// A recorded kernel schedule, as the importer (ftrace/importer.h) reads it from ftrace's text
// format (/sys/kernel/tracing/trace, `trace-cmd report`): which task each CPU switched to and
// when, which address space (mm) each task used, and the events whose outcomes the model also
// computes (CR3 writes of switch_mm_irqs_off, TLB shootdowns and their IPIs, membarrier calls and
// their IPIs). Plain data: no behaviour, no model. Times are nanoseconds from the first event.
//
// Event names and fields are the kernel's tracepoints: include/trace/events/sched.h,
// include/trace/events/tlb.h (enum tlb_flush_reason in include/linux/mm_types.h),
// include/trace/events/ipi.h, include/trace/events/task.h, syscalls' sys_enter/sys_exit.

#include <cstdint>
#include <string>
#include <vector>

namespace ftrace {

using Nanos = std::int64_t;
/// A 1-based line of the trace file (0: not from a line, e.g. a task alive before the trace).
using Line = std::uint32_t;

/// enum tlb_flush_reason (include/linux/mm_types.h), in the kernel's order and numbering.
enum class FlushReason : std::uint8_t {
    task_switch = 0,        ///< TLB_FLUSH_ON_TASK_SWITCH: switch_mm_irqs_off's CR3 write
    remote_shootdown = 1,   ///< TLB_REMOTE_SHOOTDOWN: flush_tlb_func on an IPI's target
    local_shootdown = 2,    ///< TLB_LOCAL_SHOOTDOWN
    local_mm_shootdown = 3, ///< TLB_LOCAL_MM_SHOOTDOWN: flush_tlb_func on the caller's CPU
    remote_send_ipi = 4,    ///< TLB_REMOTE_SEND_IPI: native_flush_tlb_multi is sending IPIs
    remote_wrong_cpu = 5,   ///< TLB_REMOTE_WRONG_CPU: the IPI's target no longer runs the mm
};

/// What switch_mm_irqs_off did to CR3 (trace: tlb_flush reason 0, pages:-1 flush, pages:0
/// NOFLUSH; no event: no CR3 write).
enum class Cr3Outcome : std::uint8_t { none, noflush, flush };

/// Who sent an IPI, by its call site (ipi_send_cpu/ipi_send_cpumask `callsite=`).
enum class IpiKind : std::uint8_t {
    membarrier, ///< membarrier_private_expedited / membarrier_global_expedited / sync_runqueues
    tlb,        ///< native_flush_tlb_multi via on_each_cpu_cond_mask / smp_call_function_many_cond
    reschedule, ///< resched_curr, wakeup_preempt, update_curr (callback=0x0): smp_send_reschedule
    wakeup,     ///< ttwu_queue_wakelist: a remote wakeup queued on the target CPU
    other,      ///< anything else (kept so the counts add up)
};

/// An address space: a process image. fork without CLONE_VM and every exec create one; threads
/// and CLONE_VM children share their parent's.
struct Mm {
    int id = 0;        ///< index in Workload::mms
    int tgid = 0;      ///< the thread group that created it
    std::string comm;  ///< the creating task's comm (after exec: the new image's)
    Nanos created = 0; ///< 0 for an mm alive before the trace
    Line line = 0;     ///< the fork/exec line that created it (0: before the trace)
};

struct Task {
    int pid = 0;
    int tgid = 0;         ///< -1 when the trace never shows it (only idle and unseen tasks)
    std::string comm;     ///< the last comm the trace gives
    bool idle = false;    ///< pid 0: the per-CPU idle task (swapper/N)
    bool kthread = false; ///< no mm of its own (.kthreads file, or a child of kthreadd; idle too)
    int mm = -1;          ///< its mm at the start of the trace, or at its fork; -1: none
    Nanos born = 0;       ///< its task_newtask / fork time (0: alive before the trace)
    Line born_line = 0;
};

/// A context switch (sched_switch) and what switch_mm_irqs_off did to CR3 during it.
struct Switch {
    Nanos time = 0;
    int cpu = 0;
    int prev_pid = 0;
    int next_pid = 0;
    std::string prev_state; ///< "R", "R+", "S", "D", "X", "Z", "I", ... as traced
    Cr3Outcome observed = Cr3Outcome::none;
    Line line = 0;     ///< the sched_switch line
    Line cr3_line = 0; ///< the tlb_flush(task switch) line of this switch (0: none)
};

/// A CR3 write by switch_mm_irqs_off that is not part of a sched_switch (leave_mm from a flush
/// IPI to a lazy CPU, idle's leave_mm, use_mm/unuse_mm of a kernel thread).
struct Cr3Write {
    Nanos time = 0;
    int cpu = 0;
    int pid = 0;         ///< current on that CPU
    bool flush = false;  ///< pages:-1 (flush) or pages:0 (NOFLUSH)
    bool in_irq = false; ///< traced in hardirq context (the `h` flag)
    Line line = 0;
};

/// A TLB flush event other than a task switch's (reasons 1..5).
struct Flush {
    Nanos time = 0;
    int cpu = 0;
    int pid = 0; ///< current on that CPU
    FlushReason reason = FlushReason::local_mm_shootdown;
    std::int64_t pages = 0; ///< -1: TLB_FLUSH_ALL
    Line line = 0;
};

struct Ipi {
    Nanos time = 0;
    int cpu = 0;              ///< the sender
    int pid = 0;              ///< current on the sender
    std::vector<int> targets; ///< ipi_send_cpu: one; ipi_send_cpumask: the mask's CPUs
    IpiKind kind = IpiKind::other;
    std::string callsite; ///< without the +offset/size suffix
    Line line = 0;
};

/// One membarrier(2) call: sys_enter_membarrier and its sys_exit_membarrier.
struct MembarrierCall {
    Nanos enter = 0;
    Nanos exit = 0; ///< == enter when the exit is missing (trace ended)
    int cpu = 0;    ///< the CPU of the enter event
    int pid = 0;
    std::int64_t cmd = 0;
    std::int64_t flags = 0;
    std::int64_t cpu_id = 0;
    std::int64_t ret = 0; ///< the return value (0 when the exit is missing)
    bool returned = false;
    Line line = 0; ///< the enter line
};

/// Task lifetime and mm events, in trace order (a task's mm changes only here).
enum class LifeKind : std::uint8_t { fork, exec, exit, migrate, wakeup, wakeup_new };
struct LifeEvent {
    Nanos time = 0;
    int cpu = 0;
    LifeKind kind = LifeKind::fork;
    int pid = 0;        ///< fork: the child; exec/exit/migrate/wakeup: the task
    int parent_pid = 0; ///< fork: the parent
    int mm = -1;        ///< fork: the child's mm (-1 for a kernel thread); exec: the new mm
    /// exec: the pid that called execve (sched_process_exec's old_pid). It differs from `pid`
    /// when a thread other than the leader execs: de_thread gives it the leader's pid.
    int old_pid = 0;
    int from_cpu = -1;              ///< migrate: orig_cpu
    int to_cpu = -1;                ///< migrate: dest_cpu; wakeup: target_cpu
    std::uint64_t clone_flags = 0;  ///< fork: from task_newtask (0 when it is missing)
    bool clone_flags_known = false; ///< fork: a task_newtask gave clone_flags (a raw fork's are 0)
    Line line = 0;
};

/// A context switch the trace implies but does not show: the CPU's current task changed with no
/// sched_switch line between (the line prefix names the current task). Its CR3 outcome is
/// unknown. Seen when the recording lacks some tasks' lines (a filter, or lost events).
struct MissingSwitch {
    Nanos since = 0; ///< the last line on `cpu` before it (its task was prev_pid)
    Nanos time = 0;  ///< the first line on `cpu` that shows next_pid current
    int cpu = 0;
    int prev_pid = 0; ///< current on `cpu` as the trace last showed it
    int next_pid = 0;
    Line line = 0; ///< the first line that shows next_pid current
};

/// sched_wake_idle_without_ipi: a wakeup that needed no IPI because the target CPU's idle task
/// was polling (set_nr_if_polling in kernel/sched/core.c).
struct IdleWakeup {
    Nanos time = 0;
    int cpu = 0; ///< the waker's CPU
    int pid = 0; ///< current on that CPU
    int target_cpu = 0;
    Line line = 0;
};

/// Lines of events the importer does not read (the trace may hold any event), by name.
struct SkippedEvent {
    std::string name; ///< as the line names it (`sys_read` for `sys_read(...)`)
    std::uint64_t count = 0;
    Line first_line = 0;
};

/// Which program wrote the text (the line layouts differ; ftrace/line.h).
enum class TraceFormat : std::uint8_t {
    tracefs,   ///< /sys/kernel/tracing/trace (or trace_pipe): `comm-pid (tgid) [cpu] flags ts:`
    trace_cmd, ///< `trace-cmd report`: `comm-pid [cpu] ts:` (-l: `comm-pid cpuflags ts:`)
};

/// Facts about the recording machine (OUT.machine, written by scripts/capture-trace; every field
/// is optional in the file).
struct MachineFacts {
    int cpus = 0; ///< 0: unknown (the trace header's #P: is used)
    bool pcid = false;
    bool invpcid = false;
    bool pti = false;
    std::string kernel;                 ///< `uname -r`
    std::int64_t membarrier_query = -1; ///< MEMBARRIER_CMD_QUERY's mask, -1: unknown
    bool known = false;                 ///< an OUT.machine file was read
};

/// Everything imported from one trace, each vector in trace order (time, then line).
struct Workload {
    std::string path;
    int cpus = 0;
    MachineFacts machine;
    std::vector<Mm> mms;
    std::vector<Task> tasks; ///< sorted by pid
    std::vector<Switch> switches;
    std::vector<Cr3Write> cr3_writes; ///< outside context switches
    std::vector<Flush> flushes;
    std::vector<Ipi> ipis;
    std::vector<MembarrierCall> membarriers;
    std::vector<LifeEvent> life;
    std::vector<MissingSwitch> missing_switches;
    std::vector<IdleWakeup> idle_wakeups;
    std::vector<SkippedEvent> skipped; ///< sorted by name
    /// What the importer had to assume, one sentence each (e.g. no task_newtask events: a forked
    /// child whose tgid equals its pid was taken for a process with its own mm).
    std::vector<std::string> assumptions;
    Nanos duration = 0; ///< last event time (the first is 0)
    Nanos origin = 0;   ///< the first event's time on the trace's own clock
    std::uint64_t lines = 0;
    TraceFormat format = TraceFormat::tracefs;
    bool has_tgid = false;      ///< the lines carry the thread group (options/record-tgid)
    bool has_irq_flags = false; ///< the lines carry irqs-off/hardirq flags (`d.h1.`)
    /// Events the ring buffer lost: `CPU:N [LOST M EVENTS]` lines plus the header's
    /// entries-written minus entries-in-buffer (overwritten before the trace was read).
    std::uint64_t lost_events = 0;

    /// The task with this pid, or nullptr.
    const Task* task(int pid) const;
};

} // namespace ftrace
