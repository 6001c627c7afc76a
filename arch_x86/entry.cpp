#include "arch_x86/entry.h"

#include "arch_x86/machine.h"
#include "arch_x86/smp.h"
#include "kernel/record_kinds.h"
#include "sim/panic.h"

#include <utility>

namespace arch_x86 {

using kernel::Cost;
using kernel::Fn;
using kernel::ReturnInsn;
namespace rec = kernel::rec;

namespace {

// PTI's CR3 switches (SWITCH_TO_KERNEL_CR3 / SWITCH_TO_USER_CR3 in entry_64.S): the kernel half
// is written without flushing when PCID is on; the user half flushes only when the user PCID was
// marked in user_pcid_flush_mask. Without PCID every CR3 write flushes.
void pti_switch_cr3(Machine& m, int c, bool to_user) {
    X86Cpu& x = m.cpu(c);
    bool flush = !m.config.pcid;
    std::int64_t pcid = m.config.pcid ? x.tlb.loaded_mm_asid + 1 : 0;
    if (to_user && m.config.pcid) {
        // The same bit invalidate_user_asid() sets: kern_pcid(asid) = asid + 1.
        const auto bit = static_cast<std::uint16_t>(1U << (x.tlb.loaded_mm_asid + 1));
        if (x.tlb.user_pcid_flush_mask & bit) {
            flush = true;
            x.tlb.user_pcid_flush_mask =
                static_cast<std::uint16_t>(x.tlb.user_pcid_flush_mask & ~bit);
        }
        pcid |= 1 << 11; // X86_CR3_PTI_PCID_USER_BIT
    }
    m.mov_to_cr3(c, Cost::pti_cr3, x.tlb.loaded_mm != nullptr ? x.tlb.loaded_mm->id : -1,
                 static_cast<std::uint16_t>(pcid), flush, rec::no_tlb_gen);
}

void enter_from_user(Machine& m, int c, kernel::EntryKind kind) {
    X86Cpu& x = m.cpu(c);
    SIM_ASSERT(x.mode == Mode::user, "cpu{} enters the kernel from kernel mode", c);
    x.mode = Mode::kernel;
    x.current->in_user = false;
    m.emit(c, rec::kernel_entry(kind, x.current->mm != nullptr ? x.current->mm->id : -1));
    if (m.config.pti) {
        pti_switch_cr3(m, c, /*to_user=*/false);
    }
}

/// Whether this kernel returns through FRED: the CPU has it, the kernel has the FRED entry code
/// (v6.9+, 14619d912b65, arch/x86/entry/entry_64_fred.S), and PTI is off (932d922285ef: PTI
/// forced on disables FRED).
bool fred_active(const Machine& m) {
    return m.config.fred && m.knobs.fred_entry && !m.config.pti;
}

/// The return instruction FRED uses instead: asm_fred_entrypoint_user ends in ERETU, for system
/// calls too (fred_other() -> do_syscall_64(), then FRED_EXIT; ERETU), and
/// asm_fred_entrypoint_kernel in ERETS.
ReturnInsn under_fred(const Machine& m, ReturnInsn insn, bool to_user) {
    if (!fred_active(m)) {
        return insn;
    }
    return to_user ? ReturnInsn::eretu : ReturnInsn::erets;
}

sim::Cycles return_cost(Machine& m, int c, ReturnInsn insn) {
    switch (insn) {
    case ReturnInsn::sysret:
        return m.draw(c, Cost::sysret);
    case ReturnInsn::iret:
        return m.draw(c, Cost::iret);
    case ReturnInsn::eretu:
    case ReturnInsn::erets:
        return m.draw(c, Cost::fred_return);
    }
    return sim::Cycles{};
}

} // namespace

void syscall_entry(Machine& m, int c) {
    enter_from_user(m, c, kernel::EntryKind::syscall);
    m.step(c, Cost::syscall_entry);
}

void exception_entry(Machine& m, int c) {
    m.local_irq_disable(c); // the IDT's interrupt gate clears IF
    enter_from_user(m, c, kernel::EntryKind::exception);
    m.step(c, Cost::interrupt_entry);
}

void exit_to_user_mode(Machine& m, kernel::Task* t, ReturnInsn insn) {
    // exit_to_user_mode_loop(): with IRQs off, check the work flags; for NEED_RESCHED enable
    // IRQs and schedule(), then check again.
    for (;;) {
        const int c = t->cpu;
        m.local_irq_disable(c);
        if (t->exiting) {
            // TIF_SIGPENDING with SIGKILL: get_signal() -> do_group_exit() -> do_exit().
            m.local_irq_enable(c);
            m.sched->handle_fatal_signal(t);
        }
        if (!m.rq(c).need_resched) {
            break;
        }
        m.local_irq_enable(c);
        m.sched->schedule(c);
    }
    const int c = t->cpu;
    SIM_ASSERT(m.current(c) == t, "cpu{} returns to user for {} but current is {}", c, t->name,
               m.current(c) != nullptr ? m.current(c)->name : "-");
    if (m.config.pti) {
        pti_switch_cr3(m, c, /*to_user=*/true);
    }
    const ReturnInsn actual = under_fred(m, insn, /*to_user=*/true);
    // A system call's exit work costs the same through FRED (no published figure for ERETU
    // after a syscall): only an exception return is priced as ERETU. The record's cost is the
    // instruction alone for IRET (330, what cycles.ser sums); Cost::sysret folds the exit work
    // in with SYSRET (one published figure), which no cycles counter sums: SYSRET and ERETU are
    // neither [SER] nor [FB].
    const sim::Cycles d = return_cost(m, c, insn == ReturnInsn::sysret ? insn : actual);
    m.sim.cpu(c).advance(d);
    X86Cpu& x = m.cpu(c);
    x.mode = Mode::user;
    t->in_user = true;
    const std::int64_t ctx_gen =
        x.tlb.loaded_mm == t->mm
            ? static_cast<std::int64_t>(x.tlb.ctxs[x.tlb.loaded_mm_asid].tlb_gen)
            : rec::no_tlb_gen;
    m.emit(c, rec::return_to_user(actual, t->mm != nullptr ? t->mm->id : -1, ctx_gen, d));
    // IRQs are on in user mode; a pending interrupt is taken at the first user instruction
    // boundary, by the caller: the task's program before its next step, or the interrupt loop
    // (sim::Processor::take_interrupts) when this return ends a handler. Taking it here would run
    // the next handler inside this one's frame: an interrupt storm would nest without bound.
    m.sim.cpu(c).set_irqs_enabled(true);
}

namespace {
void rcu_dynticks_add(Machine& m, int c) {
    kernel::RcuData& rcu = m.cpu(c).rcu;
    ++rcu.dynticks;
    m.atomic(c, kernel::AtomicOp::rcu_dynticks, nullptr, static_cast<std::int64_t>(rcu.dynticks));
}
} // namespace

void rcu_dynticks_eqs_enter(Machine& m, int c) {
    SIM_ASSERT(!m.cpu(c).rcu.in_eqs(), "cpu{} enters an EQS it is already in", c);
    rcu_dynticks_add(m, c);
}

void rcu_dynticks_eqs_exit(Machine& m, int c) {
    SIM_ASSERT(m.cpu(c).rcu.in_eqs(), "cpu{} leaves an EQS it is not in", c);
    rcu_dynticks_add(m, c);
}

namespace {
/// The interrupt's handler proper, between irqentry_enter and irqentry_exit.
void run_interrupt_handler(Machine& m, int c, const sim::InterruptRequest& req) {
    Fn fn = Fn::common_interrupt;
    switch (req.vector) {
    case CALL_FUNCTION_VECTOR:
        fn = Fn::sysvec_call_function;
        break;
    case RESCHEDULE_VECTOR:
        fn = Fn::sysvec_reschedule_ipi;
        break;
    case HRTIMER_VECTOR:
    case FLUSH_KTHREAD_VECTOR:
        fn = Fn::hrtimer_interrupt;
        break;
    case TICK_VECTOR:
        fn = Fn::sysvec_apic_timer_interrupt;
        break;
    default:
        break;
    }
    KFrame frame(m, c, fn);
    m.emit(c, rec::irq_enter(req.vector, std::exchange(m.cpu(c).irq_held_by_search, false)));
    // irqentry_enter() -> rcu_irq_enter(): an interrupt taken in the idle loop's EQS leaves it
    // for the handler and enters it again on the way out (rcu_irq_exit).
    const bool from_eqs = m.cpu(c).rcu.in_eqs();
    if (from_eqs) {
        rcu_dynticks_eqs_exit(m, c);
    }
    m.step(c, Cost::interrupt_entry);
    switch (req.vector) {
    case CALL_FUNCTION_VECTOR:
        flush_smp_call_function_queue(m, c, req.sender, static_cast<kernel::IpiKind>(req.data));
        break;
    case RESCHEDULE_VECTOR:
        // scheduler_ipi(): TIF_NEED_RESCHED was set by the sender; nothing else to do.
        m.emit(c, rec::ipi_handler(kernel::IpiKind::resched, req.sender.index()));
        m.step(c, Cost::resched_ipi_handler);
        break;
    default:
        m.sched->timer_interrupt(c, req.vector, req.data);
        break;
    }
    if (from_eqs) {
        rcu_dynticks_eqs_enter(m, c);
    }
    m.emit(c, rec::irq_exit(req.vector));
}
} // namespace

void handle_interrupt(Machine& m, int c, const sim::InterruptRequest& req) {
    X86Cpu& x = m.cpu(c);
    kernel::Task* t = x.current;
    const bool from_user = x.mode == Mode::user;
    m.local_irq_disable(c);
    if (from_user) {
        enter_from_user(m, c, kernel::EntryKind::interrupt);
    }
    if (x.hardirq_depth == 0) {
        x.irq_from_user = from_user;
    }
    ++x.hardirq_depth;
    run_interrupt_handler(m, c, req);
    --x.hardirq_depth;
    if (from_user) {
        // irqentry_exit_to_user_mode: may reschedule; this task resumes here later by IRET.
        KFrame frame(m, c, Fn::irqentry_exit);
        exit_to_user_mode(m, t, ReturnInsn::iret);
        return;
    }
    // Back to the interrupted kernel context: IRET (ERETS under FRED), no preemption.
    const ReturnInsn insn = under_fred(m, ReturnInsn::iret, /*to_user=*/false);
    const sim::Cycles d = return_cost(m, c, insn);
    m.sim.cpu(c).advance(d);
    m.emit(c, rec::irq_return(insn, d));
    m.sim.cpu(c).set_irqs_enabled(true); // the caller's loop takes the next pending interrupt
}

} // namespace arch_x86
