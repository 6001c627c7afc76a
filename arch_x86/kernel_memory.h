#pragma once
// The kernel's shared variables under x86-TSO (docs/memory-model.md, "The kernel's variables").
// The plain stores that membarrier's lockless reads of other CPUs depend on go through the
// storing CPU's FIFO store buffer like user stores (arch_x86/user_memory.h), and those reads read
// memory: they do not see a store still in the storing CPU's buffer.
//
//   rq->curr               RCU_INIT_POINTER(rq->curr, next) in __schedule
//                          (kernel/sched/core.c, v5.10.13 and mainline)
//   rq->membarrier_state   WRITE_ONCE in membarrier_switch_mm (kernel/sched/sched.h),
//                          ipi_sync_rq_state and sync_runqueues_membarrier_state
//                          (kernel/sched/membarrier.c), membarrier_update_current_mm
//                          (include/linux/sched/mm.h)
//   tsk->mm                exec_mmap (fs/exec.c), exit_mm (kernel/exit.c), kthread_use_mm and
//                          kthread_unuse_mm (kernel/kthread.c)
//   cpu_tlbstate.is_lazy   this_cpu_write in enter_lazy_tlb and switch_mm_irqs_off
//                          (arch/x86/mm/tlb.c; cpu_tlbstate_shared.is_lazy since v5.13)
//   cpu_tlbstate.loaded_mm this_cpu_write of LOADED_MM_SWITCHING, then of next, in
//                          switch_mm_irqs_off (arch/x86/mm/tlb.c, as in 6.18; a plain MOV on x86
//                          even as smp_store_release); buffered only where another CPU reads
//                          it, should_flush_tlb (v6.14+, the lazy mm_cpumask update)
//
// Their readers across CPUs: membarrier_private_expedited's and
// sync_runqueues_membarrier_state's `p = rcu_dereference(cpu_rq(cpu)->curr); if (p && p->mm ==
// mm)`, and membarrier_global_expedited's `cpu_rq(cpu)->membarrier_state` and `rq->curr`
// (kernel/sched/membarrier.c, v5.10.13 and mainline); a TLB shootdown's tlb_is_not_lazy()
// (v4.20..v6.13) or should_flush_tlb() (v6.14+), `per_cpu(cpu_tlbstate.is_lazy, cpu)`, after
// the locked tlb_gen increment: switch_mm_irqs_off's smp_mb() between its is_lazy = false store
// and its tlb_gen read is the other half of that store-buffering pattern ("The barrier
// synchronizes with the tlb_gen increment in the TLB shootdown code"). should_flush_tlb() also
// reads `per_cpu(cpu_tlbstate.loaded_mm, cpu)` before is_lazy: switch_mm_irqs_off's store of
// LOADED_MM_SWITCHING, then cpumask_set_cpu()'s locked operation or (the bit already set) an
// smp_mb(), then its tlb_gen read are the other half of the same pattern (83b0177a6c48, "x86/mm:
// Fix SMP ordering in switch_mm_irqs_off()", v6.18: "switch_mm() must see the new tlb_gen or
// flush_tlb_mm_range() must see the new loaded_mm, or both").
//
// The model's own fields (Rq::curr, Rq::membarrier_state, Task::mm) hold the newest value in
// program order: what the storing CPU reads (store forwarding), and what every other kernel path
// keeps reading, because it runs on that CPU or reads under the rq lock, whose release on the
// storing CPU follows the store in the same FIFO buffer. Each of these variables has one writer,
// the CPU that owns it (rq->curr and rq->membarrier_state: the rq's CPU under its lock; tsk->mm:
// the task itself, `current->mm`), so memory needs no copy of its own: a buffered kernel store
// keeps the value it replaced, and a read from another CPU returns the value replaced by the
// oldest store still in the writer's buffer whose time is not up, or the field when none is. A
// kernel store's time in the buffer is `store_buffer_drain` cycles, jittered from a stream of its
// own (X86Cpu::kernel_store_rng) so that buffering the kernel's stores moves no other draw of a
// run; a full barrier on the storing CPU drains it as it drains user stores (Machine::emit). Its
// commit leaves no record: a membarrier read that missed it says so (rec::membarrier_read), and so
// do a shootdown's reads of is_lazy (rec::lazy_read_missed) and loaded_mm
// (rec::loaded_mm_read_missed). Under
// an exhaustive search (arch_x86/memory_search.h) a kernel store has no time of its own: each
// read from another CPU chooses whether it has reached memory.
// Under machine.memory = "sc" nothing is buffered.

#include "arch_x86/machine.h"

#include <cstdint>
#include <optional>

namespace arch_x86 {

/// RCU_INIT_POINTER(cpu_rq(cpu)->curr, next) on `cpu`, in __schedule.
void store_rq_curr(Machine& m, int cpu, kernel::Task* next);
/// WRITE_ONCE(cpu_rq(cpu)->membarrier_state, state) on `cpu`.
void store_rq_membarrier_state(Machine& m, int cpu, std::uint32_t state);
/// tsk->mm = mm on `cpu` (the CPU `t` runs on).
void store_task_mm(Machine& m, int cpu, kernel::Task& t, kernel::Mm* mm);

/// A store to rq(c)->curr that a read from another CPU did not see: it was still in c's buffer.
struct MissedStore {
    int task = -1; ///< the task id it stores
};

/// What `rcu_dereference(cpu_rq(c)->curr)` by `cpu` returns: memory, or for c == cpu its own
/// newest store.
struct RqCurrRead {
    kernel::Task* task = nullptr;
    std::optional<MissedStore> missed; ///< the newest store to it still in c's buffer
};
RqCurrRead read_rq_curr(Machine& m, int cpu, int c);
/// `p->mm` read by `cpu`: memory, or p->mm when `cpu` stored it.
kernel::Mm* read_task_mm(Machine& m, int cpu, const kernel::Task& p);
/// READ_ONCE(cpu_rq(c)->membarrier_state) by `cpu`.
std::uint32_t read_rq_membarrier_state(Machine& m, int cpu, int c);

/// this_cpu_write(cpu_tlbstate.is_lazy, lazy) on `cpu`.
void store_tlb_is_lazy(Machine& m, int cpu, bool lazy);
/// What `per_cpu(cpu_tlbstate.is_lazy, c)` by `cpu` returns: memory, or for c == cpu its own
/// newest store; `missed`: a store to it was still in c's buffer, so the read returned the value
/// that store replaced.
struct TlbIsLazyRead {
    bool lazy = false;
    bool missed = false;
};
TlbIsLazyRead read_tlb_is_lazy(Machine& m, int cpu, int c);

using kernel::kLoadedMmSwitching; ///< a buffered loaded_mm store's value or old value
/// this_cpu_write(cpu_tlbstate.loaded_mm, LOADED_MM_SWITCHING) on `cpu`: "Indicate that CR3 is
/// about to change".
void store_loaded_mm_switching(Machine& m, int cpu);
/// this_cpu_write(cpu_tlbstate.loaded_mm, next) on `cpu`, after the CR3 write.
void store_loaded_mm(Machine& m, int cpu, kernel::Mm* next);
/// What `per_cpu(cpu_tlbstate.loaded_mm, c)` by `cpu` returns: LOADED_MM_SWITCHING or an mm;
/// `missed`: a store to it was still in c's buffer, so the read returned the value that store
/// replaced, and `newest` is the value c had stored last.
struct LoadedMmRead {
    std::int64_t value = -1; ///< an mm id, or kLoadedMmSwitching
    bool missed = false;
    std::int64_t newest = -1;
};
LoadedMmRead read_loaded_mm(Machine& m, int cpu, int c);

} // namespace arch_x86
