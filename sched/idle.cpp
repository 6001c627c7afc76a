#include "sched/idle.h"

#include "arch_x86/entry.h"
#include "arch_x86/machine.h"
#include "arch_x86/smp.h"
#include "sched/scheduler.h"

namespace sched {

using arch_x86::KFrame;
using arch_x86::Machine;
using kernel::AtomicOp;
using kernel::Cost;
using kernel::Fn;

namespace {

bool need_resched(Machine& m, int c) {
    return m.rq(c).need_resched;
}

/// __current_set_polling(): set_bit(TIF_POLLING_NRFLAG), a LOCK bts. From here a waker that
/// sets TIF_NEED_RESCHED skips the IPI (set_nr_and_not_polling / set_nr_if_polling).
void current_set_polling(Machine& m, int c) {
    m.cpu(c).polling = true;
    m.atomic(c, AtomicOp::set_polling);
}

/// __current_clr_polling(): clear_bit(TIF_POLLING_NRFLAG), a LOCK btr; wakers send IPIs again.
void current_clr_polling(Machine& m, int c) {
    m.cpu(c).polling = false;
    m.atomic(c, AtomicOp::clr_polling);
}

/// current_clr_polling_and_test(): the btr, smp_mb__after_atomic() (nothing on x86), and the
/// NEED_RESCHED test that makes a wakeup racing with the clear be seen before halting.
bool current_clr_polling_and_test(Machine& m, int c) {
    current_clr_polling(m, c);
    return need_resched(m, c);
}

/// `sti; hlt`: interrupts on and halt until one arrives; one already pending ends it at once.
void safe_halt(Machine& m, int c) {
    sim::Processor& p = m.sim.cpu(c);
    p.set_irqs_enabled(true);
    p.wait_for_interrupt(); // takes the interrupt that ends it
}

/// cpu_idle_poll(): spin in EQS with interrupts on until NEED_RESCHED. An interrupt that sets
/// nothing leaves the spin going.
void cpu_idle_poll(Machine& m, int c) {
    KFrame frame(m, c, Fn::cpu_idle_poll);
    arch_x86::rcu_dynticks_eqs_enter(m, c); // rcu_idle_enter()
    m.local_irq_enable(c);
    while (!need_resched(m, c)) {
        m.sim.cpu(c).block(/*wake_on_interrupt=*/true);
    }
    m.step(c, Cost::idle_poll_exit);
    arch_x86::rcu_dynticks_eqs_exit(m, c); // rcu_idle_exit()
}

/// default_idle_call() with arch_cpu_idle() = default_idle(): HLT with the polling bit clear.
void default_idle_call(Machine& m, int c) {
    KFrame frame(m, c, Fn::default_idle_call);
    if (current_clr_polling_and_test(m, c)) {
        m.local_irq_enable(c);
        return;
    }
    arch_x86::rcu_dynticks_eqs_enter(m, c); // rcu_idle_enter()
    safe_halt(m, c);
    m.local_irq_disable(c);
    arch_x86::rcu_dynticks_eqs_exit(m, c); // rcu_idle_exit()
    m.local_irq_enable(c);
}

/// intel_idle() -> mwait_idle_with_hints(): polling set again around MONITOR/MWAIT, which ends
/// on the monitored TIF write or on an interrupt (ECX=1 breaks MWAIT with IRQs off; the
/// interrupt is taken after cpuidle_enter_state's rcu_idle_exit and local_irq_enable).
void intel_idle(Machine& m, int c) {
    KFrame frame(m, c, Fn::intel_idle);
    m.cpu(c).polling = true;
    m.atomic(c, AtomicOp::set_polling); // current_set_polling_and_test()
    if (!need_resched(m, c)) {
        m.sim.cpu(c).wait_for_interrupt(); // __monitor; __mwait (ECX=1: IRQs off still wake it)
    }
    current_clr_polling(m, c); // current_clr_polling(): btr, then smp_mb()
    m.smp_mb(c);
}

/// call_cpuidle() -> cpuidle_enter_state() for intel_idle's MWAIT state.
void call_cpuidle(Machine& m, int c) {
    if (current_clr_polling_and_test(m, c)) {
        m.local_irq_enable(c);
        return;
    }
    arch_x86::rcu_dynticks_eqs_enter(m, c); // rcu_idle_enter()
    intel_idle(m, c);
    arch_x86::rcu_dynticks_eqs_exit(m, c); // rcu_idle_exit()
    m.local_irq_enable(c);
}

/// One pass of do_idle's loop, entered with IRQs off and the polling bit set; leaves the bit
/// set (cpuidle_idle_call's exit_idle) and IRQs on.
void idle_loop_pass(Machine& m, int c) {
    switch (m.config.idle) {
    case scenario::IdleMode::poll:
        cpu_idle_poll(m, c);
        return;
    case scenario::IdleMode::halt:
        default_idle_call(m, c);
        break;
    case scenario::IdleMode::mwait:
        call_cpuidle(m, c);
        break;
    }
    current_set_polling(m, c); // exit_idle: __current_set_polling()
}

} // namespace

void do_idle(Scheduler& s, int c) {
    Machine& m = s.m;
    KFrame frame(m, c, Fn::do_idle);
    for (;;) {
        current_set_polling(m, c);
        while (!need_resched(m, c)) {
            m.local_irq_disable(c);
            idle_loop_pass(m, c);
        }
        current_clr_polling(m, c); // then smp_mb__after_atomic(): nothing on x86
        // Calls queued without an IPI (the CPU was polling) run here, IRQs off.
        arch_x86::flush_smp_call_function_from_idle(m, c);
        s.__schedule(c, /*preempt=*/false); // schedule_idle()
    }
}

} // namespace sched
