#include "arch_x86/tlb_invariants.h"

#include "kernel/mm.h"
#include "kernel/task.h"

#include <fmt/format.h>

namespace arch_x86 {

using kernel::Invariant;
using kernel::InvariantFailure;
using kernel::InvariantViolation;
using kernel::Mm;

InvariantFailure check_tlb_gen_increment(const Mm& mm, std::uint64_t old_gen) {
    if (mm.tlb_gen != old_gen + 1) {
        return fmt::format("inc_mm_tlb_gen took mm {} from tlb_gen {} to {}", mm.name, old_gen,
                           mm.tlb_gen);
    }
    return std::nullopt;
}

InvariantFailure check_flush_request_gen(const Mm& mm, const FlushTlbInfo& f) {
    if (f.new_tlb_gen > mm.tlb_gen) {
        return fmt::format("a flush of mm {} asks for tlb_gen {} but the mm is at {}: its "
                           "generation went backwards",
                           mm.name, f.new_tlb_gen, mm.tlb_gen);
    }
    return std::nullopt;
}

InvariantFailure check_asid_slot_write(int cpu, int asid, const TlbContext& before,
                                       const TlbContext& after) {
    if (after.ctx_id == before.ctx_id && after.tlb_gen < before.tlb_gen) {
        return fmt::format("cpu{} ASID {} (ctx_id {}) went back from tlb_gen {} to {}", cpu, asid,
                           after.ctx_id, before.tlb_gen, after.tlb_gen);
    }
    return std::nullopt;
}

InvariantFailure check_tlb_gen_not_ahead(int cpu, int asid, const TlbContext& slot, const Mm& mm) {
    if (slot.tlb_gen > mm.tlb_gen) {
        return fmt::format("cpu{} ASID {} is at tlb_gen {} of mm {} (ctx_id {}), which is only at "
                           "{}",
                           cpu, asid, slot.tlb_gen, mm.name, slot.ctx_id, mm.tlb_gen);
    }
    return std::nullopt;
}

namespace {

InvariantFailure check_loaded_slot(int cpu, const CpuTlbState& tlb) {
    const Mm& mm = *tlb.loaded_mm;
    const TlbContext& slot = tlb.ctxs[tlb.loaded_mm_asid];
    if (slot.ctx_id != mm.ctx_id) {
        return fmt::format("cpu{} has mm {} (ctx_id {}) loaded on ASID {}, which holds ctx_id {}",
                           cpu, mm.name, mm.ctx_id, tlb.loaded_mm_asid, slot.ctx_id);
    }
    return std::nullopt;
}

/// The lazy loaded mm's reference: not freed, mm_count >= 1.
InvariantFailure check_lazy_mm_count(int cpu, const Mm& mm) {
    if (mm.freed || mm.mm_count < 1) {
        return fmt::format("cpu{} is lazy on mm {}, which has mm_count {}{}", cpu, mm.name,
                           mm.mm_count, mm.freed ? " and was freed" : "");
    }
    return std::nullopt;
}

bool lazy_on_user_mm(const CpuTlbState& tlb) {
    return tlb.is_lazy && !tlb.loaded_mm_switching && !tlb.loaded_mm->is_init_mm();
}

} // namespace

InvariantFailure check_loaded_mm(int cpu, const CpuTlbState& tlb) {
    if (auto f = check_loaded_slot(cpu, tlb)) {
        return f;
    }
    const Mm& mm = *tlb.loaded_mm;
    if (!mm.is_init_mm() && !mm.cpumask.test(cpu)) {
        return fmt::format("cpu{} has mm {} loaded but is not in its mm_cpumask", cpu, mm.name);
    }
    return std::nullopt;
}

InvariantFailure check_lazy_mm_held_by(int cpu, const CpuTlbState& tlb,
                                       const kernel::Task& current) {
    if (!lazy_on_user_mm(tlb)) {
        return std::nullopt;
    }
    const Mm& mm = *tlb.loaded_mm;
    if (current.active_mm != &mm) {
        return fmt::format("cpu{} is lazy on mm {} but its current task {} has active_mm {}", cpu,
                           mm.name, current.name,
                           current.active_mm != nullptr ? current.active_mm->name : "NULL");
    }
    return check_lazy_mm_count(cpu, mm);
}

InvariantFailure check_irqs_disabled(int cpu, bool irqs_disabled, const char* function,
                                     const char* where) {
    if (!irqs_disabled) {
        return fmt::format("{} on cpu{} with IRQs on at its {}", function, cpu, where);
    }
    return std::nullopt;
}

InvariantFailure check_irqs_enabled_for_local_flush(int cpu, bool irqs_disabled) {
    if (irqs_disabled) {
        return fmt::format("flush_tlb_mm_range's local flush on cpu{} entered with IRQs off", cpu);
    }
    return std::nullopt;
}

MmsByCtxId mms_by_ctx_id(const std::vector<std::unique_ptr<Mm>>& mms) {
    MmsByCtxId by_ctx_id;
    for (const auto& mm : mms) {
        by_ctx_id.emplace(mm->ctx_id, mm.get());
    }
    return by_ctx_id;
}

std::optional<InvariantViolation> check_cpu_tlb_state(const X86Cpu& x, const MmsByCtxId& mms) {
    const CpuTlbState& tlb = x.tlb;
    for (int asid = 0; asid < TLB_NR_DYN_ASIDS; ++asid) {
        const TlbContext& slot = tlb.ctxs[static_cast<std::size_t>(asid)];
        const auto owner = mms.find(slot.ctx_id);
        if (slot.ctx_id == 0 || owner == mms.end()) {
            continue; // an empty slot (ctx_id 0 is never an mm's)
        }
        if (auto f = check_tlb_gen_not_ahead(x.id, asid, slot, *owner->second)) {
            return InvariantViolation{Invariant::tlb_gen_not_ahead, std::move(*f)};
        }
    }
    if (tlb.loaded_mm_switching) {
        return std::nullopt; // LOADED_MM_SWITCHING: neither loaded_mm nor its ASID is settled
    }
    if (auto f = check_loaded_slot(x.id, tlb)) {
        return InvariantViolation{Invariant::loaded_mm_consistent, std::move(*f)};
    }
    if (lazy_on_user_mm(tlb)) {
        if (auto f = check_lazy_mm_count(x.id, *tlb.loaded_mm)) {
            return InvariantViolation{Invariant::lazy_mm_referenced, std::move(*f)};
        }
    }
    return std::nullopt;
}

} // namespace arch_x86
