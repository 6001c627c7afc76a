#include "sched/rcu.h"

#include "arch_x86/machine.h"
#include "kernel/record_kinds.h"
#include "sched/scheduler.h"

#include <algorithm>

namespace sched {

using arch_x86::KFrame;
using kernel::AtomicOp;
using kernel::Cost;
using kernel::Fn;
using kernel::TaskState;

namespace {
std::uint64_t scan_timer(std::size_t gp) {
    return timer_data(TimerKind::rcu_scan, static_cast<int>(gp));
}

/// CONFIG_RCU_FANOUT_LEAF: CPUs per leaf rcu_node, each with its own lock.
constexpr int rcu_fanout_leaf = 16;

/// rcu_dynticks_in_eqs(snap).
bool in_eqs(std::uint64_t dynticks) {
    return (dynticks & 1U) == 0;
}
} // namespace

void Rcu::report(GracePeriod& gp, int cpu) {
    if (gp.pending[static_cast<std::size_t>(cpu)]) {
        gp.pending[static_cast<std::size_t>(cpu)] = false;
        --gp.remaining;
    }
}

bool Rcu::rcu_qs(int cpu) {
    bool reported = false;
    for (auto& gp : gps_) {
        if (!gp.done && gp.pending[static_cast<std::size_t>(cpu)]) {
            report(gp, cpu);
            reported = true;
        }
    }
    return reported;
}

std::size_t Rcu::new_grace_period() {
    auto it = std::find_if(gps_.begin(), gps_.end(), [](const GracePeriod& g) { return g.done; });
    if (it == gps_.end()) {
        gps_.emplace_back();
        it = gps_.end() - 1;
    }
    const auto index = static_cast<std::size_t>(it - gps_.begin());
    const auto cpus = static_cast<std::size_t>(s_.m.sim.cpus());
    *it = GracePeriod{};
    it->start = s_.m.sim.now();
    it->pending.assign(cpus, false);
    it->dynticks_snap.assign(cpus, 0);
    it->last_fqs_resched.assign(cpus, it->start);
    for (int c = 0; c < s_.m.sim.cpus(); ++c) {
        if (s_.m.rq(c).online) {
            it->pending[static_cast<std::size_t>(c)] = true;
            ++it->remaining;
        }
    }
    return index;
}

void Rcu::synchronize_rcu(int cpu) {
    KFrame frame(s_.m, cpu, Fn::synchronize_rcu);
    kernel::Task* self = s_.m.current(cpu);
    const std::size_t index = new_grace_period();
    gps_[index].waiter = self;
    // wait_rcu_gp(): sleep until the grace period's end wakes us, in wait_for_completion()'s
    // TASK_UNINTERRUPTIBLE: a SIGKILL (exec's de_thread) does not cut the grace period short.
    self->state = TaskState::uninterruptible;
    s_.m.sim.arm_timer(cpu, s_.m.sim.now() + sim::Cycles{s_.m.costs[Cost::rcu_grace_period]},
                       arch_x86::HRTIMER_VECTOR, scan_timer(index));
    s_.schedule(cpu);
    s_.m.emit(self->cpu, kernel::rec::rcu_sync());
}

void Rcu::note_context_switch(int cpu) {
    // rcu_note_context_switch(): rcu_qs(), and rcu_urgent_qs is cleared. The report itself
    // (rcu_core, under rnp->lock) follows in the kernel at the next RCU_SOFTIRQ; the model
    // reports at once and emits no lock for it (docs/model.md).
    s_.m.cpu(cpu).rcu.urgent_qs = false;
    rcu_qs(cpu);
}

bool Rcu::sched_clock_irq(int cpu, bool user) {
    KFrame frame(s_.m, cpu, Fn::rcu_sched_clock_irq);
    kernel::RcuData& rdp = s_.m.cpu(cpu).rcu;
    if (rdp.urgent_qs) {
        // Idle and user mode are quiescent already; in kernel mode (no preemption) the CPU
        // is made to pass through the scheduler on its way out of the kernel.
        if (!user) {
            s_.resched_curr(cpu, sim::CpuId{cpu});
        }
        rdp.urgent_qs = false;
    }
    // rcu_flavor_sched_clock_irq(): `if (user || rcu_is_cpu_rrupt_from_idle()) rcu_qs();` (the
    // model's idle CPUs take no tick). rcu_pending() then raises RCU_SOFTIRQ for the report.
    return user && rcu_qs(cpu);
}

void Rcu::rcu_core(int cpu) {
    // rcu_core() -> rcu_check_quiescent_state() -> rcu_report_qs_rdp(): the leaf rnp->lock.
    KFrame frame(s_.m, cpu, Fn::rcu_core);
    s_.m.atomic(cpu, AtomicOp::rcu_node_lock);
}

void Rcu::resched_cpu(int cpu, sim::CpuId target) {
    // resched_cpu() (kernel/sched/core.c): raw_spin_lock_irqsave(&rq->lock) of the target's rq,
    // then resched_curr().
    KFrame frame(s_.m, cpu, Fn::resched_cpu);
    s_.m.atomic(cpu, AtomicOp::rq_lock);
    s_.resched_curr(cpu, target);
}

void Rcu::implicit_dynticks_qs(int cpu, GracePeriod& gp, int c) {
    const auto i = static_cast<std::size_t>(c);
    // rcu_dynticks_snap(): atomic_add_return(0, &rdp->dynticks), a full barrier on the scanner.
    const std::uint64_t snap = s_.m.cpu(c).rcu.dynticks;
    s_.m.atomic(cpu, AtomicOp::rcu_dynticks, nullptr, static_cast<std::int64_t>(snap));
    // dyntick_save_progress_counter() at the first scan; rcu_implicit_dynticks_qs() after it:
    // a CPU in an EQS now, or that passed through one since the first snapshot, is quiescent.
    if (in_eqs(snap) || (gp.dynticks_snap[i] != 0 && gp.dynticks_snap[i] != snap)) {
        report(gp, c);
        return;
    }
    if (gp.dynticks_snap[i] == 0) {
        gp.dynticks_snap[i] = snap;
    }
    const sim::Cycles now = s_.m.sim.now();
    const sim::Cycles jtsq{s_.m.costs[Cost::rcu_jiffies_to_sched_qs]};
    if (now - gp.start > jtsq) {
        s_.m.cpu(c).rcu.urgent_qs = true; // rcu_urgent_qs
    }
    const bool resched_due = now - gp.start > sim::Cycles{s_.m.costs[Cost::rcu_jiffies_resched]};
    if (resched_due && now - gp.last_fqs_resched[i] > jtsq) {
        resched_cpu(cpu, sim::CpuId{c});
        gp.last_fqs_resched[i] = now;
    }
}

void Rcu::force_qs_rnp(int cpu, GracePeriod& gp) {
    KFrame frame(s_.m, cpu, Fn::force_qs_rnp);
    const int cpus = s_.m.sim.cpus();
    for (int leaf = 0; leaf < cpus; leaf += rcu_fanout_leaf) {
        s_.m.atomic(cpu, AtomicOp::rcu_node_lock); // raw_spin_lock_irqsave_rcu_node(rnp)
        for (int c = leaf; c < std::min(cpus, leaf + rcu_fanout_leaf); ++c) {
            if (gp.pending[static_cast<std::size_t>(c)]) {
                implicit_dynticks_qs(cpu, gp, c);
            }
        }
    }
}

void Rcu::scan(int cpu, std::uint64_t data) {
    GracePeriod& gp = gps_[static_cast<std::size_t>(timer_index(data))];
    force_qs_rnp(cpu, gp);
    if (gp.remaining > 0) {
        s_.m.sim.arm_timer(cpu,
                           s_.m.sim.now() + sim::Cycles{s_.m.costs[Cost::rcu_grace_period] / 10},
                           arch_x86::HRTIMER_VECTOR, data);
        return;
    }
    gp.done = true;
    s_.try_to_wake_up(cpu, gp.waiter);
}

} // namespace sched
