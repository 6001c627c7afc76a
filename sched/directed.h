#pragma once
// A directed schedule (`tlbsim replay`): every CPU switches to the tasks a recorded kernel
// schedule names, at the recorded times, in order. Why the kernel switched there (a wakeup, the
// tick, a task blocking) is not modelled: a timer at each recorded switch sets need_resched, the
// task is preempted at its next preemption point (a user task at once by the timer interrupt's
// return to user mode, a kernel thread after its current chunk of work, the idle loop on
// wakeup), and __schedule() takes the recorded task instead of the runqueue's FIFO choice
// (Scheduler::pick_next_task). Everything from there on -- context_switch(), switch_mm_irqs_off(),
// finish_task_switch() -- is the model's own.
//
// A recorded switch cannot always happen at its time: its task may still be running on another
// CPU (that CPU's switch away from it is late, behind a longer kernel path than the real one),
// not created yet, or gone. The switch then waits (retried every retry_cycles) and the CPU keeps
// its task, or runs idle if its task is gone; a switch whose task exited in the model is
// dropped. Both are counted for the replay's report.

#include "kernel/kernel_state.h"
#include "scenario_model/scenario.h"
#include "sim/cycles.h"
#include "sim/simulation.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sched {

class Scheduler;

class DirectedSchedule {
public:
    /// A retry while the next recorded task is still busy elsewhere, and how many before the
    /// switch is dropped (a task blocked in the model for longer than the recording allows).
    /// A retry is a timer interrupt: far enough apart that each one's handler and return to
    /// user mode are over before the next (the model returns to user mode on the handler's
    /// stack, so interrupts closer than a return would nest). The usual wait ends earlier: the
    /// CPU that switches away from the awaited task kicks the waiting one (released()).
    static constexpr std::int64_t retry_cycles = 20'000;
    static constexpr std::size_t max_retries = 100;
    /// How early a switch may be taken when the CPU's task cannot go on (it exited or blocked
    /// before its recorded switch): the model's paths are not the kernel's to the cycle.
    static constexpr std::int64_t early_window = 30'000;

    /// The switches of `sc.directed_schedule`, with tasks resolved in `ks` (idle: the CPU's).
    DirectedSchedule(const kernel::KernelState& ks, const scenario::Scenario& sc);

    /// Arms each CPU's first switch and the end of the replay (after Scheduler::boot).
    void start(Scheduler& s);
    /// TimerKind::directed_switch on `cpu`: its next recorded switch is due.
    void switch_due(Scheduler& s, int cpu);
    /// finish_task_switch() cleared `t`'s on_cpu: a CPU whose due switch waits for `t` takes it
    /// now (its timer is brought forward to now).
    void released(Scheduler& s, const kernel::Task& t);
    /// TimerKind::directed_end: the recording ends here, and so does the run.
    void end(Scheduler& s);

    /// __schedule's choice on `cpu`: the recorded next task when its switch is due (prev when it
    /// must wait); otherwise prev if it stays runnable, else the CPU's idle task. A task it
    /// returns is off every runqueue list and has task_cpu == cpu.
    kernel::Task* pick(Scheduler& s, int cpu, kernel::Task* prev, bool prev_stays);

    /// Recorded switches dropped (their task had exited) and retries of a busy task.
    std::size_t dropped() const { return dropped_; }
    std::size_t retries() const { return retries_; }
    /// The index in Scenario::directed_schedule of the switch `cpu` made last (-1: none yet).
    std::int64_t last_taken(int cpu) const;

private:
    struct Planned {
        sim::Cycles at{};
        kernel::Task* next = nullptr;
        std::size_t index = 0; ///< in Scenario::directed_schedule
    };
    struct CpuPlan {
        std::vector<Planned> switches;
        std::size_t next = 0; ///< the first switch not taken yet
        bool due = false;     ///< its time has come (its timer fired)
        std::int64_t last_taken = -1;
        std::size_t retries = 0; ///< of the switch at `next`
        sim::TimerId timer{};    ///< the armed directed_switch timer
    };

    bool available(const kernel::Task& t, int cpu) const;
    void arm_next(Scheduler& s, int cpu, sim::Cycles at);
    /// Takes `t` off whatever runqueue list holds it and makes it `cpu`'s (set_task_cpu).
    static void claim(Scheduler& s, kernel::Task& t, int cpu);
    void advance(Scheduler& s, int cpu);

    std::vector<CpuPlan> cpus_;
    sim::Cycles end_{};
    std::size_t dropped_ = 0;
    std::size_t retries_ = 0;
};

} // namespace sched
