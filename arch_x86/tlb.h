#pragma once
// arch/x86/mm/tlb.c (v5.10.13, and Linux 6.18 where the knobs say so; docs/kernel-6.18.md):
// switching address spaces, lazy TLB mode, ASIDs and TLB shootdown.

#include "arch_x86/x86_cpu.h"

#include <cstdint>

namespace kernel {
struct Mm;
struct Task;
} // namespace kernel

namespace arch_x86 {

class Machine;

/// initialize_tlbstate_and_flush(): the boot state, init_mm in ASID slot 0 (no record: time 0).
void initialize_tlbstate_and_flush(Machine& m, int cpu);
/// A slot `mm` held before time 0 (a replay's inferred state, `[[process]] asid_slots`): after
/// boot, ctxs[asid] holds mm at its current tlb_gen, so that choose_new_asid() finds it and
/// round robin reuses it in slot order. Not loaded: its mm_cpumask bit stays clear (no record).
void preload_asid_slot(Machine& m, int cpu, std::uint16_t asid, const kernel::Mm& mm);
/// cpu_tlbstate.next_asid before time 0 (`[machine] next_asid`): where round robin resumes
/// (1..TLB_NR_DYN_ASIDS; at TLB_NR_DYN_ASIDS the next new ASID is slot 0, init_mm's from boot).
void preload_next_asid(Machine& m, int cpu, std::uint16_t next_asid);

/// switch_mm_irqs_off(prev, next, tsk): every branch of docs/kernel-notes.md §3.1. `prev` is only a
/// hint (the kernel trusts cpu_tlbstate.loaded_mm); called with IRQs off.
void switch_mm_irqs_off(Machine& m, int cpu, kernel::Mm* prev, kernel::Mm* next, kernel::Task* tsk);
/// switch_mm(): local_irq_save + switch_mm_irqs_off + local_irq_restore.
void switch_mm(Machine& m, int cpu, kernel::Mm* prev, kernel::Mm* next, kernel::Task* tsk);
/// enter_lazy_tlb(): is_lazy = true unless init_mm is loaded. No CR3 write, no barrier.
void enter_lazy_tlb(Machine& m, int cpu, kernel::Mm* mm);
/// leave_mm(): switch a lazy CPU to init_mm.
void leave_mm(Machine& m, int cpu);

/// flush_tlb_mm_range(mm, ...): `pages` 0 (or above the 33-page ceiling) is a full flush.
void flush_tlb_mm_range(Machine& m, int cpu, kernel::Mm* mm, std::int64_t pages, bool freed_tables);
/// The IPI handler (and on_each_cpu_cond_mask's local call) up to v5.12.
void flush_tlb_func_remote(Machine& m, int cpu, const FlushTlbInfo& f);
/// flush_tlb_func() (v5.13+, arch/x86/mm/tlb.c as in 6.18): the IPI handler and the local call
/// in one; a CPU that no longer runs f.mm only clears its lingering mm_cpumask bit.
void flush_tlb_func(Machine& m, int cpu, const FlushTlbInfo& f);

/// jiffies: the simulated time in ticks of kernel::HZ (the run starts at jiffy 0).
std::int64_t jiffies(const Machine& m);
/// init_new_context()'s `mm->context.next_trim_cpumask = jiffies + HZ` (v6.14+,
/// arch/x86/include/asm/mmu_context.h), for an mm made while the run goes (fork, exec).
void init_new_context(const Machine& m, kernel::Mm& mm);

} // namespace arch_x86
