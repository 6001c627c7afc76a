#pragma once
// kernel/sched/core.c (v5.10.13) with the scheduling model of docs/scenario-format.md: one FIFO run
// list per CPU, no load balancing, need_resched acted on only on the way to user mode (and by
// kernel threads at the end of a step). Tasks run their programs on their own fibers; switch_to
// is a fiber switch, so `current` changes exactly where __switch_to changes it.

#include "arch_x86/machine.h"
#include "sched/rcu.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sched {

/// The system calls implemented above this layer (membarrier/).
class SyscallHooks {
public:
    virtual ~SyscallHooks() = default;
    /// sys_membarrier(cmd, flags, cpu_id) on `cpu` for current; returns the value or -errno.
    virtual std::int64_t membarrier(int cpu, std::int64_t cmd, std::int64_t flags,
                                    std::int64_t cpu_id) = 0;
};

/// Timer payloads (HRTIMER_VECTOR): what expires.
enum class TimerKind : std::uint32_t {
    sleep_wakeup = 0,
    task_creation = 1,
    rcu_scan = 2,
    directed_switch = 3, ///< a replay's recorded switch is due on this CPU (sched/directed.h)
    directed_end = 4,    ///< a replay's recording ends
};

/// Whether the kernel has a timer there (hrtimer_interrupt takes cpu_base->lock around it): the
/// scenario's thread creations and a replay's recorded switches are not kernel timers.
inline bool is_kernel_timer(TimerKind kind) {
    switch (kind) {
    case TimerKind::sleep_wakeup:
    case TimerKind::rcu_scan:
        return true;
    case TimerKind::task_creation:
    case TimerKind::directed_switch:
    case TimerKind::directed_end:
        return false;
    }
    return false;
}

/// HRTIMER_VECTOR payload: kind (8 bits) | task or grace-period index (32 bits).
inline std::uint64_t timer_data(TimerKind kind, int index) {
    return (static_cast<std::uint64_t>(kind) << 56) | static_cast<std::uint32_t>(index);
}
inline TimerKind timer_kind(std::uint64_t data) {
    return static_cast<TimerKind>(data >> 56);
}
inline int timer_index(std::uint64_t data) {
    return static_cast<int>(data & 0xffffffffU);
}

class DirectedSchedule;

class Scheduler : public arch_x86::SchedulerHooks {
public:
    explicit Scheduler(arch_x86::Machine& m);

    arch_x86::Machine& m;
    SyscallHooks* syscalls = nullptr;
    /// A replay's recorded schedule: __schedule picks what it names (nullptr: the FIFO policy).
    DirectedSchedule* directed = nullptr;
    Rcu rcu{*this};
    /// Set when the scenario asks for something impossible at run time (e.g. use_mm of a dead
    /// process); the run stops and reports it.
    std::string run_error;
    /// Results of labelled membarrier steps, and `expect=` mismatches of unlabelled ones.
    std::map<std::string, scenario::ResultValue> label_results;
    std::vector<std::string> step_expect_failures;
    /// The registers of each scenario thread's `load` steps (by thread index, then register).
    std::vector<std::vector<std::int64_t>> registers;
    void set_register(int thread, int reg, std::int64_t value) {
        auto t = static_cast<std::size_t>(thread);
        auto r = static_cast<std::size_t>(reg);
        registers.resize(std::max(registers.size(), t + 1));
        registers[t].resize(std::max(registers[t].size(), r + 1));
        registers[t][r] = value;
    }

    // arch_x86::SchedulerHooks
    void schedule(int cpu) override;
    void timer_interrupt(int cpu, std::uint32_t vector, std::uint64_t data) override;
    /// The function of one expired hrtimer (a sleep's hrtimer_wakeup, a task's creation, an
    /// RCU scan), run between hrtimer_interrupt's two cpu_base->lock acquisitions.
    void run_hrtimer(int cpu, std::uint64_t data);
    void handle_fatal_signal(kernel::Task* t) override;

    /// Boot: every CPU in its idle task on init_mm; tasks with start 0 queued in file order.
    void boot();

    /// __schedule(): returns false when prev was dead and is gone, or blocked and gave its stack
    /// back (Task::parked): its fiber must now finish.
    bool __schedule(int cpu, bool preempt);
    /// schedule()'s loop after its first __schedule() came back: again while need_resched is
    /// set. A parked task's next fiber goes on from here (TaskBody::resume_parked).
    void schedule_again_while_needed(kernel::Task& self);
    void try_to_wake_up(int cpu, kernel::Task* p);
    void wake_up_new_task(int cpu, kernel::Task* p);
    void resched_curr(int cpu, sim::CpuId target);
    void do_sched_yield(int cpu);
    /// sched_setaffinity to a single CPU: the task moves at its next schedule.
    void sched_setaffinity(int cpu, kernel::Task* t, sim::CpuId target);

    /// Gives `t` a kernel stack (fiber) running its program; idle tasks run do_idle.
    void create_fiber(kernel::Task& t);
    /// Gives a dead or parked task's finished fiber back to the pool.
    void release_stack(kernel::Task& t);
    /// Stops the run with a scenario error (one line, formatted here) and parks the calling fiber.
    /// The message is built inside, never by the caller: a temporary on the parked stack would
    /// never be destroyed (a leak under ASan).
    template <typename... Args>
    [[noreturn]] void fail_run(int cpu, fmt::format_string<Args...> format, Args&&... args) {
        if (run_error.empty()) {
            run_error = fmt::format(format, std::forward<Args>(args)...);
        }
        park_failed(cpu);
    }
    /// fail_run's end: finishes the run and blocks this CPU's fiber for good.
    [[noreturn]] void park_failed(int cpu);

    /// finish_task_switch() for schedule_tail() (a new task's first run).
    void finish_task_switch_public(int cpu, kernel::Task* prev) { finish_task_switch(cpu, prev); }

    void mmgrab(int cpu, kernel::Mm* mm);
    /// membarrier_finish_switch_mm() (a knob: luto-2021 only).
    void membarrier_finish_switch_mm(int cpu);
    void mmdrop(int cpu, kernel::Mm* mm);

private:
    /// pick_next_task(): the task to run next on `cpu`, off every runqueue list (prev when it
    /// stays); a prev that stays runnable but is not picked goes to the runqueue's tail.
    kernel::Task* pick_next_task(int cpu, kernel::Task* prev, bool prev_stays);
    void context_switch(int cpu, kernel::Task* prev, kernel::Task* next, bool* prev_gone,
                        int* resumed_cpu);
    kernel::Task* switch_to(int cpu, kernel::Task* prev, kernel::Task* next);
    void finish_task_switch(int cpu, kernel::Task* prev);
    void attach_migrated(int cpu, kernel::Task* p);
    /// copy_mm(CLONE_VM) for a user thread created at its start time: its process's current mm
    /// and an mm_users reference (copy_process's mmget); a run error when the process is gone.
    void copy_mm(int cpu, kernel::Task* p);
    void enqueue(kernel::Task* p, int cpu);
    void check_preempt_curr(int cpu, sim::CpuId target);
    void scheduler_tick(int cpu);
};

} // namespace sched
