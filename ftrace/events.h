#pragma once
// The fields of each event the importer reads, parsed from their text. Formats, by tracepoint
// (TP_printk in the kernel; `trace-cmd report` prints some through its plugins instead):
//
//   sched_switch      prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s ==> next_comm=%s
//                     next_pid=%d next_prio=%d
//                     trace-cmd: `prev_comm:prev_pid [prio] STATE ==> next_comm:next_pid [prio]`
//   sched_wakeup(_new) comm=%s pid=%d prio=%d target_cpu=%03d
//                     trace-cmd: `comm:pid [prio] CPU:%03d` (older: `success=1` before CPU)
//   sched_process_fork comm=%s pid=%d child_comm=%s child_pid=%d   (-R: parent_comm=, parent_pid=)
//   sched_process_exec filename=%s pid=%d old_pid=%d
//   sched_process_exit comm=%s pid=%d prio=%d group_dead=%s
//   sched_migrate_task comm=%s pid=%d prio=%d orig_cpu=%d dest_cpu=%d
//   task_newtask      pid=%d comm=%s clone_flags=%lx oom_score_adj=%hd
//   tlb_flush         pages:%ld reason:%s (%d)   (trace-cmd: pages=, reason=; raw: reason=%d)
//   ipi_send_cpu      cpu=%u callsite=%pS callback=%pS
//   ipi_send_cpumask  cpumask=%s callsite=%pS callback=%pS   (the mask in hex, %*pb)
//   sched_wake_idle_without_ipi cpu=%d
//   sys_enter_membarrier  cmd: %lu|0x%lx, flags: ..., cpu_id: ...  (kernel/trace/trace_syscalls.c)
//   sys_exit_membarrier   0x%lx (trace-cmd -R: ret=0x%lx)

#include "ftrace/fields.h"
#include "ftrace/workload.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace ftrace::detail {

struct SwitchFields {
    std::string_view prev_comm;
    int prev_pid = 0;
    std::string_view prev_state;
    std::string_view next_comm;
    int next_pid = 0;
};

struct WakeupFields {
    std::string_view comm;
    int pid = 0;
    int target_cpu = 0;
};

struct ForkFields {
    std::string_view comm;
    int pid = 0;
    std::string_view child_comm;
    int child_pid = 0;
};

struct ExecFields {
    std::string_view filename;
    int pid = 0;
    int old_pid = 0;
};

/// sched_process_exit and sched_migrate_task (orig_cpu/dest_cpu only for the latter).
struct TaskFields {
    std::string_view comm;
    int pid = 0;
    int orig_cpu = -1;
    int dest_cpu = -1;
};

struct NewTaskFields {
    int pid = 0;
    std::string_view comm;
    std::uint64_t clone_flags = 0;
};

struct TlbFlushFields {
    std::int64_t pages = 0;
    int reason = 0;
};

struct IpiFields {
    std::string_view callsite; ///< without the +offset/size
    std::string_view callback;
};

struct MembarrierEnterFields {
    std::int64_t cmd = 0;
    std::int64_t flags = 0;
    std::int64_t cpu_id = 0;
};

SwitchFields parse_sched_switch(const Fields& f);
WakeupFields parse_sched_wakeup(const Fields& f);
ForkFields parse_sched_process_fork(const Fields& f);
ExecFields parse_sched_process_exec(const Fields& f);
TaskFields parse_sched_process_exit(const Fields& f);
TaskFields parse_sched_migrate_task(const Fields& f);
NewTaskFields parse_task_newtask(const Fields& f);
TlbFlushFields parse_tlb_flush(const Fields& f);
/// ipi_send_cpu: the target in `targets` (cleared first).
IpiFields parse_ipi_send_cpu(const Fields& f, std::vector<int>& targets);
/// ipi_send_cpumask: the mask's CPUs in `targets` (cleared first).
IpiFields parse_ipi_send_cpumask(const Fields& f, std::vector<int>& targets);
int parse_wake_idle_without_ipi(const Fields& f);
MembarrierEnterFields parse_membarrier_enter(const Fields& f);
std::int64_t parse_membarrier_exit(const Fields& f);

/// Who sent an IPI, from its call site and callback (the function names, no offsets).
IpiKind ipi_kind(std::string_view callsite, std::string_view callback);

} // namespace ftrace::detail
