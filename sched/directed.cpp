#include "sched/directed.h"

#include "arch_x86/machine.h"
#include "sched/scheduler.h"
#include "sim/panic.h"

#include <algorithm>

namespace sched {

using kernel::Task;
using kernel::TaskState;

namespace {

/// The task of each scenario thread, by thread index.
std::vector<Task*> tasks_by_thread(const kernel::KernelState& ks, std::size_t threads) {
    std::vector<Task*> by_thread(threads, nullptr);
    for (const auto& t : ks.tasks) {
        if (t->thread >= 0) {
            by_thread[static_cast<std::size_t>(t->thread)] = t.get();
        }
    }
    return by_thread;
}

} // namespace

DirectedSchedule::DirectedSchedule(const kernel::KernelState& ks, const scenario::Scenario& sc)
    : cpus_(static_cast<std::size_t>(sc.machine.cpus)), end_(sc.directed_end) {
    const std::vector<Task*> by_thread = tasks_by_thread(ks, sc.threads.size());
    for (std::size_t i = 0; i < sc.directed_schedule.size(); ++i) {
        const scenario::DirectedSwitch& d = sc.directed_schedule[i];
        CpuPlan& plan = cpus_[static_cast<std::size_t>(d.cpu)];
        SIM_ASSERT(plan.switches.empty() || plan.switches.back().at.count() <= d.at,
                   "directed switches of cpu{} out of time order at #{}", d.cpu, i);
        Task* next = d.thread < 0 ? ks.rqs[static_cast<std::size_t>(d.cpu)].idle
                                  : by_thread[static_cast<std::size_t>(d.thread)];
        SIM_ASSERT(next != nullptr, "directed switch #{} names no task", i);
        plan.switches.push_back({sim::Cycles{d.at}, next, i});
    }
}

void DirectedSchedule::start(Scheduler& s) {
    for (std::size_t c = 0; c < cpus_.size(); ++c) {
        if (!cpus_[c].switches.empty()) {
            arm_next(s, static_cast<int>(c), cpus_[c].switches.front().at);
        }
    }
    s.m.sim.arm_timer(0, end_, arch_x86::HRTIMER_VECTOR, timer_data(TimerKind::directed_end, 0));
}

void DirectedSchedule::arm_next(Scheduler& s, int cpu, sim::Cycles at) {
    CpuPlan& plan = cpus_[static_cast<std::size_t>(cpu)];
    s.m.sim.cancel_timer(plan.timer);
    plan.timer = s.m.sim.arm_timer(cpu, std::max(at, s.m.sim.now()), arch_x86::HRTIMER_VECTOR,
                                   timer_data(TimerKind::directed_switch, cpu));
}

void DirectedSchedule::switch_due(Scheduler& s, int cpu) {
    cpus_[static_cast<std::size_t>(cpu)].due = true;
    // What made the kernel switch here (a wakeup, the tick, prev blocking) is not replayed: the
    // flag is set without the set_tsk_need_resched RMW a resched_curr() would record.
    s.m.rq(cpu).need_resched = true;
}

void DirectedSchedule::released(Scheduler& s, const Task& t) {
    for (std::size_t c = 0; c < cpus_.size(); ++c) {
        const CpuPlan& plan = cpus_[c];
        if (plan.due && plan.next < plan.switches.size() && plan.switches[plan.next].next == &t) {
            arm_next(s, static_cast<int>(c), s.m.sim.now());
        }
    }
}

void DirectedSchedule::end(Scheduler& s) {
    s.m.sim.finish();
}

std::int64_t DirectedSchedule::last_taken(int cpu) const {
    return cpus_[static_cast<std::size_t>(cpu)].last_taken;
}

bool DirectedSchedule::available(const Task& t, int cpu) const {
    if (t.idle) {
        return t.cpu == cpu;
    }
    // Created, runnable, queued, and off every CPU (finish_task_switch cleared on_cpu).
    return t.state == TaskState::running && t.on_rq && !t.on_cpu;
}

void DirectedSchedule::claim(Scheduler& s, Task& t, int cpu) {
    if (t.idle) {
        return;
    }
    // The recorded migration (sched_migrate_task) is set_task_cpu() here, nothing more.
    std::erase(s.m.rq(t.cpu).runnable, &t);
    t.cpu = cpu;
}

void DirectedSchedule::advance(Scheduler& s, int cpu) {
    CpuPlan& plan = cpus_[static_cast<std::size_t>(cpu)];
    ++plan.next;
    plan.due = false;
    plan.retries = 0;
    s.m.sim.cancel_timer(plan.timer);
    plan.timer = {};
    if (plan.next < plan.switches.size()) {
        arm_next(s, cpu, plan.switches[plan.next].at);
    }
}

Task* DirectedSchedule::pick(Scheduler& s, int cpu, Task* prev, bool prev_stays) {
    CpuPlan& plan = cpus_[static_cast<std::size_t>(cpu)];
    Task* const fallback = prev_stays ? prev : s.m.rq(cpu).idle;
    // Recorded switches to tasks that exited in the model are dropped.
    while (plan.next < plan.switches.size() &&
           plan.switches[plan.next].next->state == TaskState::dead) {
        ++dropped_;
        advance(s, cpu);
    }
    if (plan.next >= plan.switches.size()) {
        return fallback;
    }
    const Planned& sw = plan.switches[plan.next];
    const bool early_ok = !prev_stays && (sw.at - s.m.sim.now()).count() <= early_window;
    if (!plan.due && !early_ok) {
        return fallback;
    }
    if (sw.next != prev && !available(*sw.next, cpu)) {
        if (!plan.due) {
            return fallback; // not early then: the switch keeps its recorded time
        }
        if (++plan.retries > max_retries) {
            ++dropped_;
            advance(s, cpu);
            return fallback;
        }
        ++retries_;
        arm_next(s, cpu, s.m.sim.now() + sim::Cycles{retry_cycles});
        return fallback;
    }
    Task* next = sw.next;
    plan.last_taken = static_cast<std::int64_t>(sw.index);
    if (next != prev) {
        claim(s, *next, cpu);
    }
    advance(s, cpu);
    return next;
}

} // namespace sched
