#pragma once
// Kernel entry and exit (arch/x86/entry/entry_64.S, kernel/entry/common.c, v5.10.13):
// system call entry, interrupt delivery, the exit-to-user-mode work loop and the return
// instruction (SYSRET, IRET, or ERETU/ERETS under FRED), with PTI's CR3 switches.

#include "kernel/record.h"
#include "sim/processor.h"

namespace kernel {
struct Task;
}

namespace arch_x86 {

class Machine;

/// entry_SYSCALL_64: user -> kernel by `syscall`. IRQs stay enabled in the handler.
void syscall_entry(Machine& m, int cpu);

/// asm_exc_page_fault -> irqentry_enter() (v5.10.13 arch/x86/include/asm/idtentry.h,
/// kernel/entry/common.c): user -> kernel by an exception through an interrupt gate, so with IRQs
/// off until the handler enables them.
void exception_entry(Machine& m, int cpu);

/// exit_to_user_mode: the work loop (need_resched -> schedule(), possibly several times), then
/// the return instruction. `t` is current; it may come back on another CPU only if it migrated.
/// `insn` is SYSRET for a system call, IRET for an interrupt, exception, exec or ret_from_fork
/// (ERETU under FRED).
void exit_to_user_mode(Machine& m, kernel::Task* t, kernel::ReturnInsn insn);

/// rcu_dynticks_eqs_enter / rcu_dynticks_eqs_exit (v5.10.13 kernel/rcu/tree.c): this CPU enters
/// or leaves an extended quiescent state, an atomic_add_return on rdp->dynticks ([FB]). The idle
/// loop calls them through rcu_idle_enter/rcu_idle_exit; an interrupt taken in EQS through
/// rcu_irq_enter/rcu_irq_exit.
void rcu_dynticks_eqs_enter(Machine& m, int cpu);
void rcu_dynticks_eqs_exit(Machine& m, int cpu);

/// Delivers one interrupt on `cpu` (called by Machine::take_interrupts at a step boundary).
void handle_interrupt(Machine& m, int cpu, const sim::InterruptRequest& req);

} // namespace arch_x86
