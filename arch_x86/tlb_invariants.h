#pragma once
// The TLB and IRQ invariants of kernel/invariants.h (arch/x86/mm/tlb.c, v5.10.13): pure checks on
// cpu_tlbstate, the mms and the IRQ flag, called by tlb.cpp where that state changes and by the
// end-of-run scan. Each returns what is wrong, or nothing.

#include "arch_x86/x86_cpu.h"
#include "kernel/invariants.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace kernel {
struct Mm;
struct Task;
} // namespace kernel

namespace arch_x86 {

/// mm_tlb_gen_monotonic at inc_mm_tlb_gen(): `mm` went from `old_gen` to exactly old_gen + 1.
kernel::InvariantFailure check_tlb_gen_increment(const kernel::Mm& mm, std::uint64_t old_gen);
/// mm_tlb_gen_monotonic in flush_tlb_func_common(): the request's new_tlb_gen is not ahead of `mm`.
kernel::InvariantFailure check_flush_request_gen(const kernel::Mm& mm, const FlushTlbInfo& f);

/// asid_tlb_gen_monotonic for a write of ctxs[asid] from `before` to `after`.
kernel::InvariantFailure check_asid_slot_write(int cpu, int asid, const TlbContext& before,
                                               const TlbContext& after);
/// tlb_gen_not_ahead: `slot` (ctxs[asid], holding `mm`) is not ahead of mm's tlb_gen.
kernel::InvariantFailure check_tlb_gen_not_ahead(int cpu, int asid, const TlbContext& slot,
                                                 const kernel::Mm& mm);

/// loaded_mm_consistent for a CPU outside a switch: ctxs[loaded_mm_asid] holds loaded_mm, and a
/// loaded mm other than init_mm has this CPU in its mm_cpumask.
kernel::InvariantFailure check_loaded_mm(int cpu, const CpuTlbState& tlb);

/// lazy_mm_referenced where the running task must be the holder (enter_lazy_tlb, a finished
/// switch): a lazy CPU's loaded mm other than init_mm is `current`'s active_mm, not freed, with
/// mm_count >= 1.
kernel::InvariantFailure check_lazy_mm_held_by(int cpu, const CpuTlbState& tlb,
                                               const kernel::Task& current);

/// switch_mm_irqs_disabled: IRQs are off (`irqs_disabled`) at `where` in `function`.
kernel::InvariantFailure check_irqs_disabled(int cpu, bool irqs_disabled, const char* function,
                                             const char* where);
/// switch_mm_irqs_disabled: flush_tlb_mm_range's local flush starts with IRQs on.
kernel::InvariantFailure check_irqs_enabled_for_local_flush(int cpu, bool irqs_disabled);

/// Every mm by its context.ctx_id (unique, never reused), for the end-of-run scan.
using MmsByCtxId = std::unordered_map<std::uint64_t, const kernel::Mm*>;
MmsByCtxId mms_by_ctx_id(const std::vector<std::unique_ptr<kernel::Mm>>& mms);

/// The end-of-run scan of one CPU's cpu_tlbstate, tolerant of a CPU stopped anywhere (in the middle
/// of switch_mm_irqs_off too): every ASID slot's owner is not behind it, the loaded slot holds
/// loaded_mm unless LOADED_MM_SWITCHING, and a lazy loaded mm other than init_mm is referenced
/// (mm_count >= 1, not freed; during a switch or an EFI call the holder may be another task than
/// current, so the holder itself is checked where a switch ends). The mm_cpumask half of
/// loaded_mm_consistent is left to the CPU's own checks: in the middle of switch_mm_irqs_off the
/// bit of the mm being left is already clear.
std::optional<kernel::InvariantViolation> check_cpu_tlb_state(const X86Cpu& x,
                                                              const MmsByCtxId& mms);

} // namespace arch_x86
