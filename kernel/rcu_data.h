#pragma once
// struct rcu_data, the per-CPU fields tlbsim models (v5.10.13 kernel/rcu/tree.h).

#include <cstdint>

namespace kernel {

struct RcuData {
    /// rdp->dynticks: odd while the CPU is outside an extended quiescent state (EQS), even inside
    /// one (the idle loop between rcu_idle_enter and rcu_idle_exit). Every transition is an
    /// atomic_add_return (AtomicOp::rcu_dynticks); force_qs_rnp compares snapshots of it.
    std::uint64_t dynticks = 1;
    /// rcu_urgent_qs: the grace period has waited jiffies_to_sched_qs for this CPU, so its next
    /// tick in kernel mode sets NEED_RESCHED (rcu_sched_clock_irq).
    bool urgent_qs = false;

    bool in_eqs() const { return (dynticks & 1U) == 0; }
};

} // namespace kernel
