#pragma once
// Core serialization for membarrier SYNC_CORE:
//   sync_core()                  arch/x86/include/asm/sync_core.h (SERIALIZE, else IRET-to-self)
//   sync_core_before_usermode()  the same file: nothing under PTI (the exit CR3 write serializes)
//   membarrier_mm_sync_core_before_usermode()  include/linux/sched/mm.h (v5.10.13)
// All are inline in the kernel: their events belong to the calling function's site.

namespace kernel {
struct Mm;
}

namespace arch_x86 {

class Machine;

void sync_core(Machine& m, int cpu);
void sync_core_before_usermode(Machine& m, int cpu);
/// `if (current->mm != mm) return; if (!(mm->membarrier_state & SYNC_CORE)) return;
/// sync_core_before_usermode();` -- whatever `current` is at the call site.
void membarrier_mm_sync_core_before_usermode(Machine& m, int cpu, kernel::Mm* mm);

/// The call RFC v2 1/2 adds in switch_mm_irqs_off's lazy, generation-equal branch, as the policy
/// knob lazy_sync_core says (nothing for the v5.10 placement).
void switch_mm_lazy_sync_core(Machine& m, int cpu, kernel::Mm* next);

} // namespace arch_x86
