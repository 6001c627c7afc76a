#pragma once
// The idle task's loop (v5.10.13 kernel/sched/idle.c do_idle, with the x86 idle routines of
// arch/x86/kernel/process.c and drivers/idle/intel_idle.c), by machine.idle:
//   poll  - idle=poll: cpu_idle_poll spins with TIF_POLLING_NRFLAG set, so wakers skip the IPI;
//   halt  - no cpuidle driver: default_idle_call clears the polling bit and runs `sti; hlt`, so a
//           waker must send an IPI;
//   mwait - intel_idle in a shallow MWAIT C-state (no CPUIDLE_FLAG_TLB_FLUSHED): polling is set
//           again around MWAIT, so wakers skip the IPI (the TIF write ends the MWAIT), and
//           current_clr_polling ends with smp_mb().
// Every polling-bit change is a LOCK bts/btr and every extended-quiescent-state transition an
// atomic_add_return on rdp->dynticks (docs/barriers.md, the idle loop).

namespace sched {

class Scheduler;

/// do_idle() forever: the body of a CPU's idle task. Returns never.
[[noreturn]] void do_idle(Scheduler& s, int cpu);

} // namespace sched
