#pragma once
// synchronize_rcu() and the quiescent states that end a grace period (v5.10.13
// kernel/rcu/tree.c and tree_plugin.h, TREE_RCU without preemption), reduced to what membarrier
// needs. A CPU passes a quiescent state (QS):
//   * at a context switch (rcu_note_context_switch -> rcu_qs);
//   * at a tick that interrupted user mode (rcu_sched_clock_irq -> rcu_flavor_sched_clock_irq),
//     reported from RCU_SOFTIRQ under the leaf rnp->lock (rcu_core -> rcu_report_qs_rdp);
//   * by being in, or having passed through, an extended quiescent state (the idle loop), which
//     the grace-period kthread's force_qs_rnp sees in a snapshot of rdp->dynticks.
// force_qs_rnp reschedules a busy CPU (resched_cpu: the target's rq lock, then resched_curr) only
// as a fallback, once the grace period is older than rcu_state.jiffies_resched (half the stall
// timeout); after jiffies_to_sched_qs it sets rcu_urgent_qs, which makes the CPU's next tick in
// kernel mode set NEED_RESCHED. Not modelled (docs/model.md): the grace-period kthread and the
// callbacks are not tasks (the scans are timer interrupts on the waiter's CPU, and the last scan
// wakes the waiter); the rnp->lock of a context switch's report; nohz_full's context tracking
// (user mode as an EQS) and its 3 x jiffies_to_sched_qs resched_cpu.

#include "sim/cpu_id.h"
#include "sim/cycles.h"

#include <cstdint>
#include <deque>
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
    /// rcu_sched_clock_irq(user): the tick's part, `user` when it interrupted user mode. True
    /// when it raised RCU_SOFTIRQ: the caller runs rcu_core() on the interrupt's way out.
    bool sched_clock_irq(int cpu, bool user);
    /// RCU_SOFTIRQ's rcu_core(): reports this CPU's quiescent state to its leaf rcu_node.
    void rcu_core(int cpu);
    /// The grace-period scan (timer `data`): force_qs_rnp, and the grace period's end.
    void scan(int cpu, std::uint64_t data);

private:
    struct GracePeriod {
        kernel::Task* waiter = nullptr;
        sim::Cycles start;
        std::vector<bool> pending; ///< per CPU: no quiescent state seen yet
        /// per CPU: rdp->dynticks at the first scan (dyntick_save_progress_counter), 0 = none
        std::vector<std::uint64_t> dynticks_snap;
        std::vector<sim::Cycles> last_fqs_resched; ///< per CPU: rdp->last_fqs_resched
        int remaining = 0;
        bool done = false;
    };
    /// A grace period starting now (a done one reused, else a new one): its index.
    std::size_t new_grace_period();
    void report(GracePeriod& gp, int cpu);
    /// Reports `cpu`'s QS to every grace period waiting for it; true if one was.
    bool rcu_qs(int cpu);
    void force_qs_rnp(int cpu, GracePeriod& gp);
    /// rcu_implicit_dynticks_qs() for one pending CPU `c`, from `cpu`.
    void implicit_dynticks_qs(int cpu, GracePeriod& gp, int c);
    void resched_cpu(int cpu, sim::CpuId target);

    Scheduler& s_;
    /// A deque: a grace period is referred to across the scan's atomics, during which other
    /// CPUs run and may start one (synchronize_rcu); a vector's growth moved them under the
    /// scan (a use after free on 1,024 CPUs, docs/stress.md). Never erased: a done one is reused.
    std::deque<GracePeriod> gps_;
};

} // namespace sched
