#pragma once
// synchronize_rcu(), reduced to what membarrier needs (kernel/rcu/tree.c, as a model): a grace
// period ends when every online CPU has passed a quiescent state after it started -- a context
// switch (rcu_note_context_switch in __schedule, right before the rq lock's full barrier), or
// being idle when the grace-period machinery looks (an extended quiescent state); a CPU still
// running a task is sent a reschedule IPI (resched_cpu) -- and not before the `rcu_grace_period`
// cost has elapsed. The machinery itself (rcu_gp_kthread, softirqs) is not a
// task here: its scans are timer interrupts on the waiter's CPU, and its end wakes the waiter
// from that interrupt.

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
