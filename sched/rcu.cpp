#include "sched/rcu.h"

#include "arch_x86/machine.h"
#include "sched/scheduler.h"

namespace sched {

using arch_x86::KFrame;
using kernel::Cost;
using kernel::Fn;
using kernel::TaskState;

namespace {
std::uint64_t scan_timer(std::size_t gp) {
    return timer_data(TimerKind::rcu_scan, static_cast<int>(gp));
}
} // namespace

void Rcu::report(GracePeriod& gp, int cpu) {
    if (gp.pending[static_cast<std::size_t>(cpu)]) {
        gp.pending[static_cast<std::size_t>(cpu)] = false;
        --gp.remaining;
    }
}

void Rcu::synchronize_rcu(int cpu) {
    KFrame frame(s_.m, cpu, Fn::synchronize_rcu);
    kernel::Task* self = s_.m.current(cpu);
    std::size_t index = gps_.size();
    for (std::size_t i = 0; i < gps_.size(); ++i) {
        if (gps_[i].done) {
            index = i;
            break;
        }
    }
    if (index == gps_.size()) {
        gps_.emplace_back();
    }
    GracePeriod& gp = gps_[index];
    gp = GracePeriod{};
    gp.waiter = self;
    gp.pending.assign(static_cast<std::size_t>(s_.m.sim.cpus()), false);
    for (int c = 0; c < s_.m.sim.cpus(); ++c) {
        if (s_.m.rq(c).online) {
            gp.pending[static_cast<std::size_t>(c)] = true;
            ++gp.remaining;
        }
    }
    // wait_rcu_gp(): sleep until the grace period's end wakes us, in wait_for_completion()'s
    // TASK_UNINTERRUPTIBLE: a SIGKILL (exec's de_thread) does not cut the grace period short.
    self->state = TaskState::uninterruptible;
    s_.m.sim.arm_timer(cpu, s_.m.sim.now() + sim::Cycles{s_.m.costs[Cost::rcu_grace_period]},
                       arch_x86::HRTIMER_VECTOR, scan_timer(index));
    s_.schedule(cpu);
    s_.m.emit(self->cpu, {.kind = kernel::RecordKind::rcu_sync});
}

void Rcu::note_context_switch(int cpu) {
    for (auto& gp : gps_) {
        if (!gp.done) {
            report(gp, cpu);
        }
    }
}

void Rcu::scan(int cpu, std::uint64_t data) {
    GracePeriod& gp = gps_[static_cast<std::size_t>(timer_index(data))];
    // force_quiescent_state(): an idle CPU is in an extended quiescent state (dynticks idle). A
    // CPU running a task is made to pass through the scheduler by resched_curr, where v5.10
    // would wait for its tick (user mode) or its next switch and call resched_cpu() only as a
    // late fallback: a simplification (docs/model.md), kept because no tick runs by default.
    for (int c = 0; c < s_.m.sim.cpus(); ++c) {
        if (!gp.pending[static_cast<std::size_t>(c)]) {
            continue;
        }
        if (s_.m.rq(c).curr->idle) {
            report(gp, c);
        } else if (c != cpu) {
            s_.resched_curr(cpu, c);
        }
    }
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
