#pragma once
// synchronize_rcu(), reduced to what membarrier needs (v5.10.13 kernel/rcu/tree.c, as a model).
// In the kernel a CPU reports a quiescent state at a context switch (rcu_note_context_switch), or
// from the tick when it interrupted user mode or idle (rcu_sched_clock_irq); the grace-period
// kthread's force_qs_rnp reports idle CPUs (dynticks snapshot) and calls resched_cpu() (the
// target's rq lock, then resched_curr) only as a fallback: nohz_full CPUs after 3 x
// jiffies_to_sched_qs, or past half the stall timeout. This model is coarser (docs/model.md,
// Simplifications): a grace period ends, not before the `rcu_grace_period` cost, once every
// online CPU has switched or was idle at a scan, and each scan sends resched_curr to every CPU
// still running a task, user mode included. The machinery itself (rcu_gp_kthread, softirqs) is
// not a task here: its scans are timer interrupts on the waiter's CPU, and its end wakes the
// waiter from that interrupt.

#include <cstdint>
#include <vector>

namespace kernel {
struct Task;
}

namespace sched {

class Scheduler;

class Rcu {
public:
    explicit Rcu(Scheduler& s) : s_(s) {}

    /// Blocks the current task of `cpu` until a full grace period has elapsed.
    void synchronize_rcu(int cpu);
    /// rcu_note_context_switch(): `cpu` passes a quiescent state.
    void note_context_switch(int cpu);
    /// The grace-period scan (timer `data`): extended quiescent states, and completion.
    void scan(int cpu, std::uint64_t data);

private:
    struct GracePeriod {
        kernel::Task* waiter = nullptr;
        std::vector<bool> pending; ///< per CPU: no quiescent state seen yet
        int remaining = 0;
        bool done = false;
    };
    void report(GracePeriod& gp, int cpu);

    Scheduler& s_;
    std::vector<GracePeriod> gps_;
};

} // namespace sched
