#pragma once
// struct task_struct, the fields tlbsim models (include/linux/sched.h, v5.10.13), plus where the
// task is in its scenario program.

#include "kernel/call_path.h"
#include "scenario_model/scenario.h"
#include "sim/event_queue.h"
#include "sim/fiber.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kernel {

struct Mm;

enum class TaskState : std::uint8_t {
    new_task,        ///< created, never ran
    running,         ///< TASK_RUNNING: on a runqueue or on a CPU
    interruptible,   ///< TASK_INTERRUPTIBLE: blocked (sleep, wait); a fatal signal wakes it
    uninterruptible, ///< TASK_UNINTERRUPTIBLE: blocked where no signal wakes it
                     ///< (synchronize_rcu's wait_for_completion)
    dead,            ///< TASK_DEAD: exited, its last schedule done or in progress
};

/// How a task blocked in the kernel will get back to user mode.
enum class ReturnPath : std::uint8_t {
    sysret,       ///< from a system call: SYSRET (not serializing)
    iret,         ///< from an interrupt or exception, or after exec: IRET (ERETU with FRED)
    ret_from_fork ///< a new thread's first return: IRET through ret_from_fork
};

/// One level of the program being executed: a step list and where we are in it.
struct ProgramFrame {
    const std::vector<scenario::Step>* steps = nullptr;
    std::size_t index = 0;
    std::int64_t remaining = 0; ///< iterations left of a repeat body (1 for the top level)
};

/// The fields are grouped by size (pointers and containers, then ints, then flags): with
/// 100,000 threads every padding byte of a task counts (docs/performance.md, Scale).
struct Task {
    std::string name;
    Mm* mm = nullptr;         ///< NULL for kernel threads (outside kthread_use_mm)
    Mm* active_mm = nullptr;  ///< the mm whose page tables it runs on (borrowed by kthreads)
    Mm* process_mm = nullptr; ///< for user threads: the mm it was created with (survives exit_mm)
    Task* exec_waiter = nullptr; ///< de_thread's caller, woken when the last killed sibling exits
    sim::TimerId sleep_timer;    ///< a `sleep` step's hrtimer (an early wakeup cancels it)

    // Program interpretation.
    std::vector<ProgramFrame> program;
    const scenario::Step* current_step = nullptr;

    // Kernel stack and call path. The call path is declared before the fiber: a fiber destroyed
    // while suspended unwinds its frames (arch_x86::KFrame pops `callstack`), so it must outlive
    // it.
    CallPath callstack;
    std::unique_ptr<sim::FiberBody> body; ///< what its fiber runs (declared before the fiber)
    std::unique_ptr<sim::Fiber> fiber;

    int id = 0;      ///< index in KernelState::tasks
    int thread = -1; ///< scenario thread index, -1 for idle and helper kthreads
    /// A CLONE_VM child outside its creator's thread group (scenario::Thread::exec_process):
    /// the process its exec makes it the first thread of; -1 for an ordinary thread.
    int exec_process = -1;
    int cpu = 0;          ///< the runqueue it is on (task_cpu)
    int migrate_to = -1;  ///< sched_setaffinity target, applied when it next leaves its CPU
    int notify_count = 0; ///< signal->notify_count: siblings de_thread still waits for
    /// Blocked with no kernel stack (`parked`): the trie node (Trace::path_node) of the call path
    /// it blocked in, which its next fiber goes on from (sched/program.cpp,
    /// TaskBody::resume_parked); a node, not the path, so that a blocked task keeps no vector.
    std::uint32_t parked_path = 0;

    TaskState state = TaskState::new_task;
    bool kthread = false; ///< PF_KTHREAD
    bool idle = false;    ///< the CPU's idle task (swapper/N)
    bool on_cpu = false;  ///< p->on_cpu
    bool on_rq = false;   ///< p->on_rq: queued (curr or in the run list)
    bool exiting = false; ///< a fatal signal (exec's de_thread) is pending
    /// Exits deep in a kernel path: its stack is parked until the run ends.
    bool dies_in_place = false;
    bool released = false; ///< past exit_notify() and __exit_signal(): out of its thread group
    bool mm_acquire_failed = false; ///< its last use_mm found mm_users at 0 (-EFAULT)
    bool in_user = false;           ///< executing user code (for the narrative and the checker)
    /// In a `sleep` or `wait` step's schedule(), where a task that blocks gives its kernel stack
    /// back (sched::Scheduler::switch_to).
    bool may_park = false;
    /// Blocked with no kernel stack: its next fiber goes on from where it blocked, with the call
    /// path it blocked in (parked_path).
    bool parked = false;
};

} // namespace kernel
