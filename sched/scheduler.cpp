#include "sched/scheduler.h"

#include "arch_x86/entry.h"
#include "arch_x86/kernel_memory.h"
#include "arch_x86/smp.h"
#include "arch_x86/sync_core.h"
#include "arch_x86/tlb.h"
#include "arch_x86/tlb_invariants.h"
#include "kernel/record_kinds.h"
#include "sched/directed.h"
#include "sched/lifecycle.h"
#include "sched/program.h"
#include "sched/sched_invariants.h"
#include "sim/panic.h"

#include <fmt/format.h>

#include <algorithm>

namespace sched {

using arch_x86::KFrame;
using kernel::AtomicOp;
using kernel::Cost;
using kernel::Fn;
using kernel::Invariant;
using kernel::Mm;
using kernel::Task;
using kernel::TaskState;

Scheduler::Scheduler(arch_x86::Machine& machine) : m(machine) {
    m.sched = this;
}

void Scheduler::boot() {
    for (int c = 0; c < m.sim.cpus(); ++c) {
        kernel::Rq& rq = m.rq(c);
        arch_x86::initialize_tlbstate_and_flush(m, c);
        Task* idle = rq.idle;
        idle->state = TaskState::running;
        idle->on_cpu = true;
        idle->on_rq = true;
        idle->active_mm = m.ks.init_mm;
        ++m.ks.init_mm->mm_count; // the idle task's reference to init_mm
        rq.curr = idle;
        m.cpu(c).current = idle;
        m.cpu(c).mode = arch_x86::Mode::kernel;
        create_fiber(*idle);
        // Each idle CPU schedules at time 0 without an interrupt if it has work.
        rq.need_resched = !rq.runnable.empty();
        m.sim.cpu(c).start(idle->fiber.get(), sim::Cycles{0});
    }
}

void Scheduler::create_fiber(Task& t) {
    if (!t.fiber) {
        t.fiber = make_task_fiber(*this, t);
    }
    SIM_ASSERT(!t.fiber->finished(), "{} switched to on a finished stack", t.name);
}

void Scheduler::release_stack(Task& t) {
    t.fiber.reset(); // a dead task's parked stack (dies_in_place) is unwound here
    t.body.reset();
    // The finished body popped every frame (a parked task keeps its path as a trie node,
    // Task::parked_path): the empty path's capacity goes back too.
    t.callstack = kernel::CallPath{};
}

void Scheduler::park_failed(int cpu) {
    m.sim.finish();
    for (;;) {
        m.sim.cpu(cpu).block(/*wake_on_interrupt=*/false);
    }
}

void Scheduler::schedule(int cpu) {
    // schedule(): __schedule until need_resched is clear (sched_submit_work is not modelled).
    Task* self = m.current(cpu);
    if (__schedule(self->cpu, /*preempt=*/false)) {
        schedule_again_while_needed(*self);
    }
}

void Scheduler::schedule_again_while_needed(Task& self) {
    while (m.rq(self.cpu).need_resched) {
        if (!__schedule(self.cpu, /*preempt=*/false)) {
            return;
        }
    }
}

void Scheduler::enqueue(Task* p, int cpu) {
    kernel::enforce(Invariant::runqueue_membership, check_enqueue(*p, m.rq(cpu)));
    p->cpu = cpu;
    p->on_rq = true;
    m.rq(cpu).runnable.push_back(p);
}

bool Scheduler::__schedule(int cpu, bool preempt) {
    KFrame frame(m, cpu, Fn::__schedule);
    kernel::Rq& rq = m.rq(cpu);
    Task* prev = rq.curr;
    // S0: local_irq_disable(); rcu_note_context_switch().
    m.local_irq_disable(cpu);
    m.step(cpu, Cost::schedule_entry);
    rcu.note_context_switch(cpu);
    // S1: rq_lock(rq); smp_mb__after_spinlock() is nothing on x86: the lock is the barrier
    // between the outgoing task's user accesses and the rq->curr store.
    m.atomic(cpu, AtomicOp::rq_lock);
    // S2: pick_next_task and clear_tsk_need_resched take their time under the lock; the
    // decision itself is made at one instant together with the rq->curr store below. tlbsim's
    // locks do not exclude, so this is what keeps a concurrent try_to_wake_up from falling into
    // the window: one that came earlier is picked (or finds prev still queued), one that comes
    // later sees the new rq->curr.
    m.step(cpu, Cost::pick_next_task);
    m.atomic(cpu, AtomicOp::clear_tsk_need_resched);
    // Deactivate a blocking (or migrating) prev, then pick the next task: FIFO, a runnable prev
    // going to the tail behind anything else runnable.
    if ((!preempt && prev->state != TaskState::running) || prev->migrate_to >= 0) {
        prev->on_rq = false;
    }
    const bool prev_stays = !prev->idle && prev->on_rq;
    Task* next = pick_next_task(cpu, prev, prev_stays);
    rq.need_resched = false;
    if (next == prev) {
        // rq_unlock_irq(): no switch, no barrier after.
        m.local_irq_enable(cpu);
        return true;
    }
    // S3: RCU_INIT_POINTER(rq->curr, next): a plain store, no barrier. Under x86-TSO it enters
    // this CPU's store buffer (arch_x86/kernel_memory.h): a membarrier scan on another CPU reads
    // the old curr until a full barrier here drains it or its time in the buffer is up. The
    // kernel's "full memory barrier after updating rq->curr, before returning to user-space"
    // (the comment after it in v5.10.13 and mainline: switch_mm's or mmdrop's on x86) is what
    // drains it before next's user code runs.
    arch_x86::store_rq_curr(m, cpu, next);
    const bool next_sync_core =
        next->mm != nullptr &&
        (next->mm->membarrier_state & kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE);
    m.emit(cpu, kernel::rec::rq_curr_store(kernel::id_of(*next), kernel::id_of(next->mm),
                                           kernel::id_of(prev->mm), next_sync_core));
    m.step(cpu, Cost::rq_curr_store);
    bool prev_gone = false;
    int resumed_cpu = cpu;
    context_switch(cpu, prev, next, &prev_gone, &resumed_cpu);
    return !prev_gone;
}

Task* Scheduler::pick_next_task(int cpu, Task* prev, bool prev_stays) {
    kernel::Rq& rq = m.rq(cpu);
    if (directed != nullptr) {
        Task* next = directed->pick(*this, cpu, prev, prev_stays);
        if (next != prev && !next->idle) {
            kernel::enforce(Invariant::runqueue_membership, check_pick(*next, rq));
        }
        if (next != prev && prev_stays) {
            kernel::enforce(Invariant::runqueue_membership, check_requeue_prev(*prev, rq));
            rq.runnable.push_back(prev);
        }
        return next;
    }
    Task* next = prev_stays ? prev : rq.idle;
    if (!rq.runnable.empty()) {
        if (prev_stays) {
            kernel::enforce(Invariant::runqueue_membership, check_requeue_prev(*prev, rq));
            rq.runnable.push_back(prev);
        }
        next = rq.runnable.front();
        rq.runnable.pop_front();
        kernel::enforce(Invariant::runqueue_membership, check_pick(*next, rq));
    }
    return next;
}

void Scheduler::context_switch(int cpu, Task* prev, Task* next, bool* prev_gone, int* resumed_cpu) {
    KFrame frame(m, cpu, Fn::context_switch);
    // S4: prepare_task_switch(): perf, rseq_preempt, notifiers, next->on_cpu = 1.
    m.step(cpu, Cost::prepare_task_switch);
    kernel::enforce(Invariant::single_current, check_switch_target(cpu, *next));
    next->on_cpu = true;
    // S5: the mm cases (docs/kernel-notes.md §1.2).
    kernel::Rq& rq = m.rq(cpu);
    if (next->mm == nullptr) {
        // to kernel: borrow prev's active_mm lazily.
        arch_x86::enter_lazy_tlb(m, cpu, prev->active_mm);
        next->active_mm = prev->active_mm;
        if (prev->mm != nullptr) {
            mmgrab(cpu, prev->active_mm); // user -> kernel: a new lazy reference
        } else {
            prev->active_mm = nullptr; // kernel -> kernel: the reference moves to next
        }
    } else {
        // to user: membarrier_switch_mm(), then switch_mm_irqs_off().
        if (m.knobs.membarrier_rq_state && prev->active_mm != next->mm &&
            rq.membarrier_state != next->mm->membarrier_state) {
            m.set_rq_membarrier_state(cpu, next->mm);
        }
        arch_x86::switch_mm_irqs_off(m, cpu, prev->active_mm, next->mm, next);
        membarrier_finish_switch_mm(cpu);
        if (prev->mm == nullptr) {
            // kernel -> user: finish_task_switch drops the borrowed mm.
            rq.prev_mm = prev->active_mm;
            prev->active_mm = nullptr;
        }
    }
    m.step(cpu, Cost::context_switch_mm);
    // S6: switch_to().
    Task* last = switch_to(cpu, prev, next);
    if (last == nullptr) {
        *prev_gone = true;
        return;
    }
    // Now on prev's stack again, maybe much later and (after a migration) on another CPU.
    *resumed_cpu = prev->cpu;
    finish_task_switch(prev->cpu, last);
}

Task* Scheduler::switch_to(int cpu, Task* prev, Task* next) {
    m.step(cpu, Cost::switch_to);
    m.emit(cpu, kernel::rec::context_switch(next->id));
    // __switch_to: this_cpu_write(current_task, next).
    m.cpu(cpu).current = next;
    kernel::enforce(Invariant::single_current, check_new_current(cpu, *next, m.rq(cpu)));
    m.cpu(cpu).switch_prev = prev;
    create_fiber(*next);
    m.sim.cpu(cpu).switch_fiber(next->fiber.get());
    if (prev->state == TaskState::dead) {
        if (prev->dies_in_place) {
            // Killed deep in a kernel path: park the stack for good (unwound, never resumed,
            // when the run ends: FiberPool::unwind_suspended).
            prev->fiber->yield();
            SIM_ASSERT(false, "dead task {} resumed", prev->name);
        }
        return nullptr; // never scheduled again: unwind and let the fiber finish
    }
    if (prev->may_park && prev->state == TaskState::interruptible) {
        // Blocked in a sleep or wait: the stack goes back to the pool (finish_task_switch) and
        // the task's next fiber resumes it from its call path (TaskBody::resume_parked).
        prev->parked = true;
        prev->parked_path = prev->callstack.node();
        return nullptr;
    }
    prev->fiber->yield();
    return m.cpu(prev->cpu).switch_prev;
}

void Scheduler::finish_task_switch(int cpu, Task* prev) {
    KFrame frame(m, cpu, Fn::finish_task_switch);
    kernel::Rq& rq = m.rq(cpu);
    const arch_x86::X86Cpu& x = m.cpu(cpu);
    kernel::enforce(Invariant::single_current, check_switch_finished(x, rq));
    kernel::enforce(Invariant::lazy_mm_referenced,
                    arch_x86::check_lazy_mm_held_by(cpu, x.tlb, *x.current));
    Mm* mm = rq.prev_mm;
    rq.prev_mm = nullptr;
    const TaskState prev_state = prev->state;
    // finish_task(): smp_store_release(&prev->on_cpu, 0); finish_lock_switch(): rq unlock and
    // IRQs on. What follows runs with IRQs enabled.
    prev->on_cpu = false;
    if (prev->parked) {
        // A parked task's stack goes back here, before any time passes: once on_cpu is clear
        // another CPU may wake it and run it on a fresh fiber (try_to_wake_up waits only for
        // on_cpu), and even park it again while this path is still in its interrupts below.
        SIM_ASSERT(prev->fiber != nullptr && prev->fiber->finished(),
                   "{} parked with its stack in use", prev->name);
        release_stack(*prev);
    }
    if (directed != nullptr) {
        directed->released(*this, *prev); // a recorded switch may be waiting for prev
    }
    m.step(cpu, Cost::finish_task_switch);
    if (prev->migrate_to >= 0) {
        attach_migrated(cpu, prev);
    }
    m.local_irq_enable(cpu);
    if (mm != nullptr) {
        if (m.knobs.lazy_sync_core == policy::LazySyncCore::finish_task_switch) {
            arch_x86::membarrier_mm_sync_core_before_usermode(m, cpu, mm);
        }
        if (m.knobs.finish_task_switch_mmdrop_barrier) {
            mmdrop(cpu, mm);
        } else {
            --mm->mm_count; // a barrier-free lazy release (the negative control)
            kernel::enforce(Invariant::mm_refcounts, kernel::check_mm_refcounts(*mm));
        }
    }
    if (prev_state == TaskState::dead) {
        // put_task_stack() and put_task_struct_rcu_user(): the dead task's last references.
        m.atomic(cpu, AtomicOp::put_task_stack);
        m.atomic(cpu, AtomicOp::put_task_struct);
        release_stack(*prev);
        if (m.ks.live_tasks == 0) {
            // Every thread has exited: the run ends after this last switch, with one look at the
            // whole state.
            kernel::enforce(check_machine_state(m.ks, m.cpus));
            m.sim.finish();
        }
    }
    Task* curr = m.current(cpu);
    if (curr->idle) {
        m.stop_tick(cpu);
    } else {
        m.arm_tick(cpu);
    }
}

void Scheduler::attach_migrated(int cpu, Task* p) {
    // The migration (move_queued_task) done once p is off its old CPU: lock the target rq and
    // queue p there.
    const int target = p->migrate_to;
    p->migrate_to = -1;
    m.step(cpu, Cost::migrate);
    m.atomic(cpu, AtomicOp::rq_lock);
    enqueue(p, target);
    check_preempt_curr(cpu, sim::CpuId{target});
}

void Scheduler::membarrier_finish_switch_mm(int cpu) {
    // Lutomirski 2021, 4/8: make the post-switch barrier explicit instead of relying on mmdrop.
    constexpr std::uint32_t expedited =
        kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED | kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED;
    if (m.knobs.membarrier_finish_switch_mm && (m.rq(cpu).membarrier_state & expedited)) {
        m.smp_mb(cpu);
    }
}

void Scheduler::mmgrab(int cpu, Mm* mm) {
    const std::int64_t count = ++mm->mm_count;
    m.atomic(cpu, AtomicOp::mmgrab, mm, count);
}

void Scheduler::mmdrop(int cpu, Mm* mm) {
    // atomic_dec_and_test(): the value this CPU's decrement produced decides.
    const std::int64_t count = --mm->mm_count;
    kernel::enforce(Invariant::mm_refcounts, kernel::check_mm_refcounts(*mm));
    m.atomic(cpu, AtomicOp::mmdrop, mm, count);
    if (count == 0) {
        KFrame frame(m, cpu, Fn::__mmdrop);
        mm->freed = true;
        // Anyone still using it makes this a use-after-free (G-REF): count them for the checker.
        // A thread not created yet is no user: it takes its process's mm when it starts.
        std::int64_t users = 0;
        for (const auto& t : m.ks.tasks) {
            const bool live = t->state != TaskState::dead && t->state != TaskState::new_task;
            users += live && (t->mm == mm || t->active_mm == mm) ? 1 : 0;
        }
        for (const auto& x : m.cpus) {
            users += x.tlb.loaded_mm == mm ? 1 : 0;
        }
        m.emit(cpu, kernel::rec::mm_free(mm->id, users));
    }
}

void Scheduler::check_preempt_curr(int cpu, sim::CpuId target) {
    kernel::Rq& rq = m.rq(target.index());
    if (rq.curr->idle || m.config.wakeup_preempt) {
        resched_curr(cpu, target);
    }
}

void Scheduler::resched_curr(int cpu, sim::CpuId target) {
    kernel::Rq& rq = m.rq(target.index());
    if (rq.need_resched) {
        return;
    }
    if (target.is(cpu)) {
        m.atomic(cpu, AtomicOp::set_tsk_need_resched);
        rq.need_resched = true;
        return;
    }
    // set_nr_and_not_polling(): a polling idle CPU notices the flag without an IPI.
    m.atomic(cpu, AtomicOp::set_nr_and_not_polling);
    rq.need_resched = true;
    if (m.cpu(target.index()).polling) {
        m.sim.cpu(target.index()).wake();
    } else {
        arch_x86::smp_send_reschedule(m, cpu, target);
    }
}

void Scheduler::try_to_wake_up(int cpu, Task* p) {
    KFrame frame(m, cpu, Fn::try_to_wake_up);
    m.atomic(cpu, AtomicOp::pi_lock);
    // wake_up_process() wakes TASK_NORMAL: interruptible and uninterruptible sleepers alike.
    const auto blocked = [](const Task* t) {
        return t->state == TaskState::interruptible || t->state == TaskState::uninterruptible;
    };
    if (!blocked(p)) {
        return;
    }
    m.step(cpu, Cost::try_to_wake_up);
    // The rq lock: of p's rq for ttwu_runnable(), or of the target's for ttwu_queue() (same
    // LLC: the waker locks it directly). tlbsim's locks do not exclude, so the decision is made
    // at one instant after it, as __schedule makes its own (the kernel re-checks under the lock).
    m.atomic(cpu, AtomicOp::rq_lock);
    if (!blocked(p)) {
        return; // another waker came first
    }
    if (p->on_rq) {
        // ttwu_runnable(): still queued (it has not finished blocking): just make it running.
        p->state = TaskState::running;
        return;
    }
    const int target = p->cpu;
    p->state = TaskState::running;
    enqueue(p, target);
    check_preempt_curr(cpu, sim::CpuId{target});
}

void Scheduler::wake_up_new_task(int cpu, Task* p) {
    KFrame frame(m, cpu, Fn::wake_up_new_task);
    m.atomic(cpu, AtomicOp::pi_lock);
    m.atomic(cpu, AtomicOp::rq_lock);
    m.step(cpu, Cost::try_to_wake_up);
    if (p->mm != nullptr) {
        copy_mm(cpu, p);
    }
    p->state = TaskState::running;
    enqueue(p, cpu);
    check_preempt_curr(cpu, sim::CpuId{cpu});
}

void Scheduler::copy_mm(int cpu, Task* p) {
    // The creating thread is off-model: the new one shares its process's mm as it is now (after
    // an exec, the new one). mmget needs a live user: once the last thread's mmput has taken
    // mm_users to 0 (users_gone), no thread is left to clone from.
    Mm* mm = m.ks.process_mm[static_cast<std::size_t>(p->process_mm->process)];
    if (mm->users_gone) {
        fail_run(cpu,
                 "thread {} starts at t={}, but every thread of process {} has exited: none is "
                 "left to create it",
                 p->name, m.sim.now().count(), mm->name);
    }
    p->mm = mm;
    p->active_mm = mm;
    p->process_mm = mm;
    ++mm->mm_users;
}

void Scheduler::do_sched_yield(int cpu) {
    KFrame frame(m, cpu, Fn::do_sched_yield);
    // this_rq_lock_irq(), yield_task(), unlock, then schedule(): the rq lock is taken twice.
    m.local_irq_disable(cpu);
    m.atomic(cpu, AtomicOp::rq_lock);
    m.local_irq_enable(cpu);
    schedule(cpu);
}

void Scheduler::sched_setaffinity(int cpu, Task* t, sim::CpuId target) {
    KFrame frame(m, cpu, Fn::sched_setaffinity);
    if (target.is(cpu)) {
        return;
    }
    t->migrate_to = target.index();
    __schedule(cpu, /*preempt=*/false);
}

void Scheduler::scheduler_tick(int cpu) {
    KFrame frame(m, cpu, Fn::scheduler_tick);
    m.atomic(cpu, AtomicOp::rq_lock);
    m.step(cpu, Cost::scheduler_tick);
    kernel::Rq& rq = m.rq(cpu);
    if (!rq.curr->idle && !rq.runnable.empty()) {
        resched_curr(cpu, sim::CpuId{cpu});
    }
}

void Scheduler::handle_fatal_signal(Task* t) {
    t->dies_in_place = true;
    do_exit(*this, *t);
    SIM_ASSERT(false, "killed task {} survived do_exit", t->name);
}

void Scheduler::run_hrtimer(int cpu, std::uint64_t data) {
    m.step(cpu, Cost::hrtimer_handler);
    const TimerKind kind = timer_kind(data);
    if (kind == TimerKind::rcu_scan) {
        rcu.scan(cpu, data);
        return;
    }
    if (kind == TimerKind::directed_switch) {
        directed->switch_due(*this, timer_index(data));
        return;
    }
    if (kind == TimerKind::directed_end) {
        directed->end(*this);
        return;
    }
    Task* p = m.ks.tasks[static_cast<std::size_t>(timer_index(data))].get();
    if (kind == TimerKind::sleep_wakeup) {
        try_to_wake_up(cpu, p); // hrtimer_wakeup()
    } else {
        wake_up_new_task(cpu, p);
    }
}

void Scheduler::timer_interrupt(int cpu, std::uint32_t vector, std::uint64_t data) {
    // hrtimer_interrupt() (v5.10.13 kernel/time/hrtimer.c) takes cpu_base->lock; __run_hrtimer()
    // drops it around the timer's function and takes it again after: two locked RMWs per
    // expired timer, the tick's tick_sched_timer() included. The RCU scan stands for the
    // grace-period kthread's timer (its timer base lock, the same two). A thread's creation is
    // no timer in the kernel (the scenario starts it), so it takes none.
    switch (vector) {
    case arch_x86::HRTIMER_VECTOR: {
        const bool timer = is_kernel_timer(timer_kind(data));
        if (timer) {
            m.atomic(cpu, AtomicOp::hrtimer_base_lock);
        }
        run_hrtimer(cpu, data);
        if (timer) {
            m.atomic(cpu, AtomicOp::hrtimer_base_lock);
        }
        break;
    }
    case arch_x86::TICK_VECTOR: {
        m.atomic(cpu, AtomicOp::hrtimer_base_lock);
        bool rcu_softirq = false;
        {
            KFrame frame(m, cpu, Fn::tick_sched_timer);
            m.cpu(cpu).tick_armed = false;
            // update_process_times(): rcu_sched_clock_irq(user_mode(regs)), then
            // scheduler_tick().
            rcu_softirq = rcu.sched_clock_irq(cpu, m.cpu(cpu).irq_from_user);
            scheduler_tick(cpu);
            m.arm_tick(cpu);
        }
        m.atomic(cpu, AtomicOp::hrtimer_base_lock);
        if (rcu_softirq) {
            rcu.rcu_core(cpu); // irq_exit() -> invoke_softirq()
        }
        break;
    }
    case arch_x86::DEVICE_VECTOR:
        m.step(cpu, Cost::device_irq_handler);
        break;
    default:
        SIM_ASSERT(false, "unexpected interrupt vector {} on cpu{}", vector, cpu);
    }
}

} // namespace sched
