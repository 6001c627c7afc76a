#include "arch_x86/sync_core.h"

#include "arch_x86/machine.h"
#include "kernel/record_kinds.h"

namespace arch_x86 {

using kernel::Cost;

void sync_core(Machine& m, int cpu) {
    // One [SER] event whichever instruction does it: never also counted as an IRET.
    const bool serialize = m.config.serialize;
    const sim::Cycles d = m.draw(cpu, serialize ? Cost::sync_core_serialize : Cost::sync_core_iret);
    m.emit(cpu, kernel::rec::sync_core(serialize ? kernel::SyncCoreMethod::serialize
                                                 : kernel::SyncCoreMethod::iret_to_self,
                                       d));
    m.sim.cpu(cpu).advance(d);
}

void sync_core_before_usermode(Machine& m, int cpu) {
    // "With PTI, we unconditionally serialize before running user code."
    if (m.config.pti) {
        return;
    }
    // Before a493d1ca: "Return from interrupt and NMI is done through iret".
    if (m.knobs.sync_core_skips_in_irq && m.cpu(cpu).hardirq_depth > 0) {
        return;
    }
    sync_core(m, cpu);
}

void membarrier_mm_sync_core_before_usermode(Machine& m, int cpu, kernel::Mm* mm) {
    const kernel::Task* current = m.current(cpu);
    if (m.knobs.sync_core_checks_current_mm && current->mm != mm) {
        return;
    }
    if (!(mm->membarrier_state & kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE)) {
        return;
    }
    sync_core_before_usermode(m, cpu);
}

void switch_mm_lazy_sync_core(Machine& m, int cpu, kernel::Mm* next) {
    switch (m.knobs.lazy_sync_core) {
    case policy::LazySyncCore::finish_task_switch:
        return;
    case policy::LazySyncCore::switch_mm_current_mm_guard:
        // RFC v2 as posted: the helper's current->mm test runs while current is still prev.
        membarrier_mm_sync_core_before_usermode(m, cpu, next);
        return;
    case policy::LazySyncCore::switch_mm_next_registration:
        if (next->membarrier_state & kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE) {
            sync_core_before_usermode(m, cpu);
        }
        return;
    }
}

} // namespace arch_x86
