#include "arch_x86/tlb.h"

#include "arch_x86/kernel_memory.h"
#include "arch_x86/machine.h"
#include "arch_x86/smp.h"
#include "arch_x86/sync_core.h"
#include "arch_x86/tlb_invariants.h"
#include "kernel/record_kinds.h"
#include "sim/panic.h"

#include <algorithm>
#include <functional>

namespace arch_x86 {

using kernel::AtomicOp;
using kernel::Cost;
using kernel::Fn;
using kernel::Invariant;
using kernel::Mm;
namespace rec = kernel::rec;

namespace {

/// Writes cpu_tlbstate.ctxs[asid] for `owner` (the only writes of a slot after boot), checking
/// that the slot's generation moves as the kernel moves it.
void set_asid_slot(Machine& m, int cpu, std::uint16_t asid, const Mm& owner, std::uint64_t gen) {
    TlbContext& slot = m.cpu(cpu).tlb.ctxs[asid];
    const TlbContext next{owner.ctx_id, gen};
    kernel::enforce(Invariant::asid_tlb_gen_monotonic,
                    check_asid_slot_write(cpu, asid, slot, next));
    kernel::enforce(Invariant::tlb_gen_not_ahead, check_tlb_gen_not_ahead(cpu, asid, next, owner));
    slot = next;
}

/// choose_new_asid(): reuse the slot that holds `next` (flush only if stale), otherwise take the
/// next slot round robin (1..5, then 0) and flush it. Without PCID: ASID 0, always flush.
void choose_new_asid(Machine& m, int cpu, Mm* next, std::uint64_t next_tlb_gen,
                     std::uint16_t* new_asid, bool* need_flush) {
    m.step(cpu, Cost::choose_new_asid);
    CpuTlbState& tlb = m.cpu(cpu).tlb;
    if (!m.config.pcid) {
        *new_asid = 0;
        *need_flush = true;
        return;
    }
    for (std::uint16_t asid = 0; asid < TLB_NR_DYN_ASIDS; ++asid) {
        if (tlb.ctxs[asid].ctx_id != next->ctx_id) {
            continue;
        }
        *new_asid = asid;
        *need_flush = tlb.ctxs[asid].tlb_gen < next_tlb_gen;
        return;
    }
    *new_asid = tlb.next_asid++;
    if (*new_asid >= TLB_NR_DYN_ASIDS) {
        *new_asid = 0;
        tlb.next_asid = 1;
    }
    *need_flush = true;
}

/// invalidate_user_asid(): with PTI and PCID, the user half of this ASID must be flushed at the
/// next return to user (SWITCH_TO_USER_CR3 then writes it without NOFLUSH).
void invalidate_user_asid(Machine& m, int cpu, std::uint16_t asid) {
    if (!m.config.pti || !m.config.pcid) {
        return;
    }
    CpuTlbState& tlb = m.cpu(cpu).tlb;
    tlb.user_pcid_flush_mask =
        static_cast<std::uint16_t>(tlb.user_pcid_flush_mask | (1U << (asid + 1)));
}

/// native_flush_tlb_one_user() (v5.10.13 arch/x86/mm/tlb.c): INVLPG of the page; under PTI the
/// user PCID's copy too, by invpcid_flush_one() when the CPU has INVPCID_SINGLE (set only with
/// PCID, setup_pcid() in arch/x86/mm/init.c), else invalidate_user_asid() for the next
/// SWITCH_TO_USER_CR3. INVPCID is not [SER] (docs/design.md): its cost, no record.
void flush_tlb_one_user(Machine& m, int cpu, const Mm& mm, std::uint16_t asid, std::int64_t page) {
    const sim::Cycles d = m.draw(cpu, Cost::invlpg);
    m.emit(cpu, rec::invlpg(mm.id, page, d));
    m.sim.cpu(cpu).advance(d);
    if (!m.config.pti) {
        return;
    }
    if (m.config.pcid && m.config.invpcid) {
        m.step(cpu, Cost::invpcid);
    } else {
        invalidate_user_asid(m, cpu, asid);
    }
}

/// write_cr3(): the one place CR3 changes. Serializing and a full barrier, flush or not; a
/// flushing write's TLB refill is charged after it as a tlb_refill record (Machine::mov_to_cr3).
void write_cr3(Machine& m, int cpu, Mm* mm, std::uint16_t asid, bool flush) {
    X86Cpu& x = m.cpu(cpu);
    const bool flushes = flush || !m.config.pcid; // without PCID every write flushes
    x.cr3_mm = mm;
    x.cr3_pcid = m.config.pcid ? static_cast<std::uint16_t>(asid + 1) : 0;
    m.mov_to_cr3(cpu, Cost::cr3_write, mm->id, x.cr3_pcid, flushes,
                 static_cast<std::int64_t>(x.tlb.ctxs[asid].tlb_gen));
}

/// load_new_mm_cr3(pgd, asid, need_flush): build_cr3 (flushing) or build_cr3_noflush.
void load_new_mm_cr3(Machine& m, int cpu, Mm* next, std::uint16_t asid, bool need_flush) {
    if (need_flush) {
        invalidate_user_asid(m, cpu, asid);
    }
    write_cr3(m, cpu, next, asid, need_flush);
}

/// The part flush_tlb_func_common() (v5.10.13) and flush_tlb_func() (v5.13+) share: catch this
/// CPU's ASID up to the loaded mm's generation, or switch a lazy CPU to init_mm.
void flush_loaded_mm(Machine& m, int cpu, const FlushTlbInfo& f, bool local) {
    CpuTlbState& tlb = m.cpu(cpu).tlb;
    Mm* loaded_mm = tlb.loaded_mm;
    const std::uint16_t asid = tlb.loaded_mm_asid;
    const std::uint64_t mm_tlb_gen = loaded_mm->tlb_gen;
    const std::uint64_t local_tlb_gen = tlb.ctxs[asid].tlb_gen;
    if (loaded_mm->is_init_mm()) {
        return;
    }
    kernel::enforce(Invariant::loaded_mm_consistent, check_loaded_mm(cpu, tlb));
    if (tlb.is_lazy) {
        // "We're in lazy mode ... just switch to init_mm": the unlazy.
        m.emit(cpu, rec::unlazy(loaded_mm->id));
        switch_mm_irqs_off(m, cpu, nullptr, m.ks.init_mm, nullptr);
        return;
    }
    if (m.knobs.flush_tlb_gen_check == policy::FlushTlbGenCheck::new_tlb_gen &&
        f.new_tlb_gen != 0 && f.new_tlb_gen <= local_tlb_gen) {
        // v6.0+ (aa44284960d5): "The TLB is already up to date in respect to f->new_tlb_gen.
        // While the core might be still behind mm_tlb_gen, checking mm_tlb_gen unnecessarily
        // would have negative caching effects so avoid it." The slot stays behind mm_tlb_gen
        // (the later request's own call catches it up, or the next switch back flushes).
        return;
    }
    if (local_tlb_gen == mm_tlb_gen) {
        return; // already caught up (e.g. a concurrent flush did it)
    }
    kernel::enforce(Invariant::tlb_gen_not_ahead,
                    check_tlb_gen_not_ahead(cpu, asid, tlb.ctxs[asid], *loaded_mm));
    kernel::enforce(Invariant::mm_tlb_gen_monotonic, check_flush_request_gen(*loaded_mm, f));
    const bool partial =
        !f.full && f.new_tlb_gen == local_tlb_gen + 1 && f.new_tlb_gen == mm_tlb_gen;
    m.emit(cpu,
           rec::tlb_flush(partial ? kernel::FlushKind::partial : kernel::FlushKind::full,
                          /*remote=*/!local, loaded_mm->id, static_cast<std::int64_t>(mm_tlb_gen)));
    if (partial) {
        for (std::int64_t page = 0; page < f.pages; ++page) {
            flush_tlb_one_user(m, cpu, *loaded_mm, asid, page);
        }
    } else {
        // flush_tlb_local() -> native_flush_tlb_local(): rewrite CR3 with its own value, which
        // has no NOFLUSH bit, so the current PCID is flushed.
        invalidate_user_asid(m, cpu, asid);
        // The rewrite catches up to the latest generation.
        set_asid_slot(m, cpu, asid, *loaded_mm, mm_tlb_gen);
        write_cr3(m, cpu, loaded_mm, asid, /*flush=*/true);
    }
    set_asid_slot(m, cpu, asid, *loaded_mm, mm_tlb_gen);
}

/// flush_tlb_func_common(f, local) (v5.10.13): catch this CPU's ASID up to the mm's generation.
void flush_tlb_func_common(Machine& m, int cpu, const FlushTlbInfo& f, bool local) {
    KFrame frame(m, cpu, Fn::flush_tlb_func_common);
    kernel::enforce(
        Invariant::switch_mm_irqs_disabled,
        check_irqs_disabled(cpu, m.irqs_disabled(cpu), "flush_tlb_func_common", "entry"));
    m.step(cpu, Cost::flush_tlb_func);
    flush_loaded_mm(m, cpu, f, local);
}

} // namespace

void initialize_tlbstate_and_flush(Machine& m, int cpu) {
    X86Cpu& x = m.cpu(cpu);
    x.tlb = CpuTlbState{};
    x.tlb.loaded_mm = m.ks.init_mm;
    x.tlb.loaded_mm_asid = 0;
    x.tlb.next_asid = 1;
    x.tlb.ctxs[0] = {m.ks.init_mm->ctx_id, m.ks.init_mm->tlb_gen};
    x.cr3_mm = m.ks.init_mm;
    x.cr3_pcid = m.config.pcid ? 1 : 0;
}

void preload_asid_slot(Machine& m, int cpu, std::uint16_t asid, const Mm& mm) {
    SIM_ASSERT(m.config.pcid && asid > 0 && asid < TLB_NR_DYN_ASIDS,
               "preloading ASID slot {} of CPU {}", asid, cpu);
    set_asid_slot(m, cpu, asid, mm, mm.tlb_gen);
}

void preload_next_asid(Machine& m, int cpu, std::uint16_t next_asid) {
    SIM_ASSERT(m.config.pcid && next_asid >= 1 && next_asid <= TLB_NR_DYN_ASIDS,
               "preloading next_asid {} of CPU {}", next_asid, cpu);
    m.cpu(cpu).tlb.next_asid = next_asid;
}

namespace {

/// What must hold at switch_mm_irqs_off's entry and at its return: IRQs off, and loaded_mm settled
/// in its ASID slot and its mm_cpumask.
void check_switch_mm_state(Machine& m, int cpu, const char* where) {
    kernel::enforce(Invariant::switch_mm_irqs_disabled,
                    check_irqs_disabled(cpu, m.irqs_disabled(cpu), "switch_mm_irqs_off", where));
    kernel::enforce(Invariant::loaded_mm_consistent, check_loaded_mm(cpu, m.cpu(cpu).tlb));
}

/// switch_mm_irqs_off()'s mm_cpumask update on a switch between mms; it also orders the
/// tlb_gen read that follows (a locked bit operation, or an explicit smp_mb()).
void update_mm_cpumask(Machine& m, int cpu, Mm* real_prev, Mm* next) {
    switch (m.knobs.cpumask_update) {
    case policy::CpumaskUpdate::clear_and_set:
        if (!real_prev->is_init_mm()) {
            // Stop remote flushes for the previous mm.
            real_prev->cpumask.clear(cpu);
            m.atomic(cpu, AtomicOp::cpumask_clear_cpu, real_prev);
        }
        if (!next->is_init_mm()) {
            // Start remote flushes, and only then read tlb_gen.
            next->cpumask.set(cpu);
            m.atomic(cpu, AtomicOp::cpumask_set_cpu, next);
        }
        return;
    case policy::CpumaskUpdate::lazy:
        // v6.15+ ("x86/mm: Eliminate window where TLB flushes may be inadvertently skipped", as
        // in 6.18): "Indicate that CR3 is about to change" before joining the mask, so that a
        // flusher's should_flush_tlb() sees LOADED_MM_SWITCHING, or this CPU reads its tlb_gen.
        // A plain store: buffered under x86-TSO.
        store_loaded_mm_switching(m, cpu);
        if (!next->is_init_mm() && !next->cpumask.test(cpu)) {
            // v6.14+: the bit of the mm left lingers (a flush IPI clears it); set the new one's
            // only if clear (a locked operation: a full barrier)...
            next->cpumask.set(cpu);
            m.atomic(cpu, AtomicOp::cpumask_set_cpu, next);
        } else if (m.knobs.lazy_cpumask_mb) {
            // ...else "explicitly provide one" (83b0177a6c48, v6.18): "switch_mm() must see the
            // new tlb_gen or flush_tlb_mm_range() must see the new loaded_mm, or both."
            m.smp_mb(cpu);
        }
        return;
    }
}

/// switch_mm_irqs_off()'s body, between the checks at its entry and its return.
void do_switch_mm_irqs_off(Machine& m, int cpu, Mm* next, kernel::Task* tsk) {
    X86Cpu& x = m.cpu(cpu);
    Mm* real_prev = x.tlb.loaded_mm;
    const std::uint16_t prev_asid = x.tlb.loaded_mm_asid;
    const bool was_lazy = x.tlb.is_lazy;
    m.step(cpu, Cost::switch_mm_check);
    store_tlb_is_lazy(m, cpu, false); // a plain store: buffered under x86-TSO

    std::uint16_t new_asid = 0;
    bool need_flush = false;
    std::uint64_t next_tlb_gen = 0;
    if (real_prev == next) {
        // The kernel's VM_WARN_ON on the slot's ctx_id and WARN_ON_ONCE on mm_cpumask here are
        // loaded_mm_consistent, checked at entry.
        if (!was_lazy) {
            // A switch between threads of one process: no barrier, no CR3. RFC v2 asks here
            // "XXX: why is this okay wrt membarrier?"; the checker's K5 says when it is not.
            m.emit(cpu, rec::switch_mm_same(next->id));
            return;
        }
        // "The barrier synchronizes with the tlb_gen increment in the TLB shootdown code."
        if (m.knobs.lazy_switch_mb) {
            m.smp_mb(cpu);
        }
        next_tlb_gen = next->tlb_gen;
        kernel::enforce(Invariant::tlb_gen_not_ahead,
                        check_tlb_gen_not_ahead(cpu, prev_asid, x.tlb.ctxs[prev_asid], *next));
        if (x.tlb.ctxs[prev_asid].tlb_gen == next_tlb_gen) {
            // Reactivating the lazily loaded mm with an up-to-date TLB: no CR3 write. RFC v2 1/2
            // adds the membarrier core sync here (the knob decides whether and under which guard).
            switch_mm_lazy_sync_core(m, cpu, next);
            return;
        }
        // The TLB went stale while lazy (a flush skipped this CPU): flush on the same ASID.
        new_asid = prev_asid;
        need_flush = true;
    } else {
        // cond_ibpb(tsk): an IBPB write is policy-dependent and not modelled as [SER].
        (void)tsk;
        update_mm_cpumask(m, cpu, real_prev, next);
        next_tlb_gen = next->tlb_gen;
        choose_new_asid(m, cpu, next, next_tlb_gen, &new_asid, &need_flush);
        // LOADED_MM_SWITCHING, for nmi_uaccess_okay() (v6.15+ stored it above already).
        store_loaded_mm_switching(m, cpu);
    }
    if (need_flush) {
        set_asid_slot(m, cpu, new_asid, *next, next_tlb_gen);
    }
    load_new_mm_cr3(m, cpu, next, new_asid, need_flush);
    store_loaded_mm(m, cpu, next); // "Make sure we write CR3 before loaded_mm."
    x.tlb.loaded_mm_asid = new_asid;
}

} // namespace

void switch_mm_irqs_off(Machine& m, int cpu, Mm* prev, Mm* next, kernel::Task* tsk) {
    (void)prev; // a hint only: cpu_tlbstate.loaded_mm is the truth
    KFrame frame(m, cpu, Fn::switch_mm_irqs_off);
    check_switch_mm_state(m, cpu, "entry");
    do_switch_mm_irqs_off(m, cpu, next, tsk);
    check_switch_mm_state(m, cpu, "return");
}

void switch_mm(Machine& m, int cpu, Mm* prev, Mm* next, kernel::Task* tsk) {
    const bool flags = m.local_irq_save(cpu);
    switch_mm_irqs_off(m, cpu, prev, next, tsk);
    m.local_irq_restore(cpu, flags);
}

void enter_lazy_tlb(Machine& m, int cpu, Mm* mm) {
    (void)mm;
    X86Cpu& x = m.cpu(cpu);
    if (x.tlb.loaded_mm->is_init_mm()) {
        return;
    }
    if (m.knobs.enter_lazy_tlb == policy::EnterLazyTlb::eager_with_pcid && m.config.pcid) {
        // v4.14..v4.19: with PCID, lazy mode is not worth it: switch to init_mm at once.
        const bool flags = m.local_irq_save(cpu);
        switch_mm_irqs_off(m, cpu, nullptr, m.ks.init_mm, nullptr);
        m.local_irq_restore(cpu, flags);
        return;
    }
    if (!x.tlb.is_lazy) {
        store_tlb_is_lazy(m, cpu, true);
        m.emit(cpu, rec::enter_lazy(x.tlb.loaded_mm->id));
    }
    // The running task's active_mm holds the lazily kept mm (context_switch passes it on).
    kernel::enforce(Invariant::lazy_mm_referenced, check_lazy_mm_held_by(cpu, x.tlb, *x.current));
}

void leave_mm(Machine& m, int cpu) {
    KFrame frame(m, cpu, Fn::leave_mm);
    X86Cpu& x = m.cpu(cpu);
    if (x.tlb.loaded_mm->is_init_mm()) {
        return;
    }
    SIM_ASSERT(x.tlb.is_lazy, "leave_mm on cpu{} while not lazy", cpu);
    m.emit(cpu, rec::unlazy(x.tlb.loaded_mm->id));
    switch_mm(m, cpu, nullptr, m.ks.init_mm, nullptr);
}

void flush_tlb_func_remote(Machine& m, int cpu, const FlushTlbInfo& f) {
    KFrame frame(m, cpu, Fn::flush_tlb_func_remote);
    if (f.mm != nullptr && f.mm != m.cpu(cpu).tlb.loaded_mm) {
        // This CPU already left that mm. With the lazy mm_cpumask (v6.14+) its bit lingered:
        // clear it now.
        if (m.knobs.cpumask_update == policy::CpumaskUpdate::lazy && f.mm->cpumask.test(cpu)) {
            f.mm->cpumask.clear(cpu);
            m.atomic(cpu, AtomicOp::cpumask_clear_cpu, f.mm);
        }
        return;
    }
    flush_tlb_func_common(m, cpu, f, /*local=*/false);
}

void flush_tlb_func(Machine& m, int cpu, const FlushTlbInfo& f) {
    KFrame frame(m, cpu, Fn::flush_tlb_func);
    kernel::enforce(Invariant::switch_mm_irqs_disabled,
                    check_irqs_disabled(cpu, m.irqs_disabled(cpu), "flush_tlb_func", "entry"));
    m.step(cpu, Cost::flush_tlb_func);
    if (f.mm != nullptr && f.mm != m.cpu(cpu).tlb.loaded_mm) {
        // "The CPU was left in the mm_cpumask of the target mm. Clear it." (trace_tlb_flush
        // reason TLB_REMOTE_WRONG_CPU; the initiating CPU too, when its own bit lingered.)
        f.mm->cpumask.clear(cpu);
        m.atomic(cpu, AtomicOp::cpumask_clear_cpu, f.mm);
        return;
    }
    flush_loaded_mm(m, cpu, f, /*local=*/cpu == f.initiating_cpu);
}

std::int64_t jiffies(const Machine& m) {
    const auto cycles_per_jiffy =
        static_cast<std::int64_t>(m.config.ghz * 1e9 / static_cast<double>(kernel::HZ));
    return m.sim.now().count() / std::max<std::int64_t>(cycles_per_jiffy, 1);
}

void init_new_context(const Machine& m, Mm& mm) {
    mm.next_trim_cpumask = jiffies(m) + kernel::HZ;
}

namespace {

/// should_trim_cpumask() (arch/x86/mm/tlb.c, v6.14+ 6db2526c1d69): true at most once a second
/// per mm; that flush also calls the CPUs whose bit lingers in mm_cpumask while they run
/// another mm, and each clears its bit (flush_tlb_func's TLB_REMOTE_WRONG_CPU).
bool should_trim_cpumask(const Machine& m, Mm& mm) {
    const std::int64_t now = jiffies(m);
    if (now > mm.next_trim_cpumask) { // time_after(jiffies, mm->context.next_trim_cpumask)
        mm.next_trim_cpumask = now + kernel::HZ;
        return true;
    }
    return false;
}

int flushed_mm_id(const FlushTlbInfo& info) {
    return info.mm != nullptr ? info.mm->id : -1;
}

/// Records a shootdown's read of `target`'s is_lazy that missed a store still in its buffer.
void note_is_lazy_read(Machine& m, int cpu, int target, const TlbIsLazyRead& read,
                       const FlushTlbInfo& info) {
    if (read.missed) {
        m.emit(cpu, rec::lazy_read_missed(sim::CpuId{target}, read.lazy, flushed_mm_id(info)));
    }
}

/// `per_cpu(cpu_tlbstate.is_lazy, target)` read by the flushing CPU `cpu` (arch_x86/
/// kernel_memory.h): under x86-TSO a store still in target's buffer is not seen, and the read
/// that missed one is recorded.
bool tlb_is_lazy(Machine& m, int cpu, int target, const FlushTlbInfo& info) {
    const TlbIsLazyRead read = read_tlb_is_lazy(m, cpu, target);
    note_is_lazy_read(m, cpu, target, read, info);
    return read.lazy;
}

/// should_flush_tlb()'s decision from what it read: `loaded_mm` (an mm id, or
/// kLoadedMmSwitching) and `lazy`.
bool flush_decision(std::int64_t loaded_mm, bool lazy, const FlushTlbInfo& info) {
    if (lazy) {
        return false; // "Lazy TLB will get flushed at the next context switch."
    }
    if (info.mm == nullptr) {
        return true; // "No mm means kernel memory flush."
    }
    if (loaded_mm == kLoadedMmSwitching) {
        return true; // "the remote CPU could have state from either the prev or next mm"
    }
    if (loaded_mm == info.mm->id) {
        return true; // "The target mm is loaded, and the CPU is not lazy."
    }
    return info.trim_cpumask; // "In cpumask, but not the loaded mm? Periodically remove"
}

/// should_flush_tlb(cpu, info) (arch/x86/mm/tlb.c, v6.14+, as in 6.18), read by the flushing
/// CPU `cpu` for each CPU in mm_cpumask: loaded_mm first, then (after smp_rmb(), which x86-TSO's
/// in-order loads give) is_lazy. Reads that missed a store still in target's buffer are recorded
/// in that order, the loaded_mm one with what it decided.
bool should_flush_tlb(Machine& m, int cpu, int target, const FlushTlbInfo& info) {
    const LoadedMmRead loaded = read_loaded_mm(m, cpu, target);
    const TlbIsLazyRead lazy = read_tlb_is_lazy(m, cpu, target);
    const bool flush = flush_decision(loaded.value, lazy.lazy, info);
    if (loaded.missed) {
        m.emit(cpu, rec::loaded_mm_read_missed(sim::CpuId{target}, loaded.value, loaded.newest,
                                               flushed_mm_id(info), flush));
    }
    note_is_lazy_read(m, cpu, target, lazy, info);
    return flush;
}

/// Which CPUs of mm_cpumask a shootdown calls: every one (an empty condition) when page tables
/// were freed, else those tlb_is_not_lazy() (v4.20..v6.13) or should_flush_tlb() (v6.14+) picks.
CallCondition shootdown_condition(Machine& m, int cpu, const FlushTlbInfo& info) {
    if (info.freed_tables || m.knobs.lazy_flush_ipi == policy::LazyFlushIpi::always) {
        return {};
    }
    switch (m.knobs.cpumask_update) {
    case policy::CpumaskUpdate::clear_and_set: // tlb_is_not_lazy
        return [&m, cpu, info](int c) { return !tlb_is_lazy(m, cpu, c, info); };
    case policy::CpumaskUpdate::lazy:
        return [&m, cpu, info](int c) { return should_flush_tlb(m, cpu, c, info); };
    }
    return {};
}

SmpCall shootdown_request(CsdFunc func, const FlushTlbInfo& info) {
    SmpCall request;
    request.func = func;
    request.kind = kernel::IpiKind::tlb;
    request.flush = info;
    return request;
}

/// native_flush_tlb_others() (v5.10.13): with freed_tables every CPU in the mask (lazy ones
/// too) by smp_call_function_many; otherwise on_each_cpu_cond_mask(tlb_is_not_lazy, ...), which
/// also runs the function locally when this CPU is in the mask.
void native_flush_tlb_others(Machine& m, int cpu, Mm* mm, const FlushTlbInfo& info) {
    KFrame others(m, cpu, Fn::native_flush_tlb_others);
    const SmpCall request = shootdown_request(CsdFunc::flush_tlb_func_remote, info);
    const CallCondition cond = shootdown_condition(m, cpu, info);
    if (!cond) {
        smp_call_function_many(m, cpu, mm->cpumask, request, /*wait=*/true);
    } else {
        on_each_cpu_mask(m, cpu, mm->cpumask, request, /*wait=*/true, cond);
    }
}

/// native_flush_tlb_multi() (v5.13+, as in 6.18): on_each_cpu_mask for every CPU in the mask
/// with freed_tables, else on_each_cpu_cond_mask(should_flush_tlb, ...); this CPU included.
/// (The kernel runs the local call while the IPIs are in flight; here it runs after their
/// acks, as on_each_cpu_mask does for every caller: the same calls, a later local flush.)
void native_flush_tlb_multi(Machine& m, int cpu, Mm* mm, const FlushTlbInfo& info) {
    KFrame multi(m, cpu, Fn::native_flush_tlb_multi);
    on_each_cpu_mask(m, cpu, mm->cpumask, shootdown_request(CsdFunc::flush_tlb_func, info),
                     /*wait=*/true, shootdown_condition(m, cpu, info));
}

/// Runs `func` as the local flush, with IRQs off (flush_tlb_mm_range is entered with them on).
void local_flush(Machine& m, int cpu, const std::function<void()>& func) {
    kernel::enforce(Invariant::switch_mm_irqs_disabled,
                    check_irqs_enabled_for_local_flush(cpu, m.irqs_disabled(cpu)));
    m.local_irq_disable(cpu);
    func();
    m.local_irq_enable(cpu);
}

/// v4.14..v5.12 flush_tlb_mm_range(): flush_tlb_func_local() first when the mm is loaded here,
/// then flush_tlb_others() when another CPU is in the mask.
void flush_local_then_others(Machine& m, int cpu, Mm* mm, FlushTlbInfo& info) {
    if (mm == m.cpu(cpu).tlb.loaded_mm) {
        local_flush(m, cpu, [&] { flush_tlb_func_common(m, cpu, info, /*local=*/true); });
    }
    if (mm->cpumask.any_but(cpu)) {
        if (m.knobs.cpumask_update == policy::CpumaskUpdate::lazy) {
            info.trim_cpumask = should_trim_cpumask(m, *mm);
        }
        native_flush_tlb_others(m, cpu, mm, info);
    }
}

/// v5.13+ flush_tlb_mm_range() (4ce94eabac16, as in 6.18 without INVLPGB's broadcast branch):
/// flush_tlb_multi() for the whole mask when another CPU is in it, this CPU judged like the
/// others (a lazy initiator is skipped); flush_tlb_func() alone when the mm is loaded only here.
void flush_tlb_multi_or_local(Machine& m, int cpu, Mm* mm, FlushTlbInfo& info) {
    if (mm->cpumask.any_but(cpu)) {
        if (m.knobs.cpumask_update == policy::CpumaskUpdate::lazy) {
            info.trim_cpumask = should_trim_cpumask(m, *mm);
        }
        native_flush_tlb_multi(m, cpu, mm, info);
    } else if (mm == m.cpu(cpu).tlb.loaded_mm) {
        local_flush(m, cpu, [&] { flush_tlb_func(m, cpu, info); });
    }
}

} // namespace

void flush_tlb_mm_range(Machine& m, int cpu, Mm* mm, std::int64_t pages, bool freed_tables) {
    KFrame frame(m, cpu, Fn::flush_tlb_mm_range);
    m.step(cpu, Cost::flush_tlb_setup);
    FlushTlbInfo info;
    info.mm = mm;
    info.full = pages <= 0 || pages > tlb_single_page_flush_ceiling;
    info.pages = info.full ? 0 : pages;
    info.freed_tables = freed_tables;
    info.initiating_cpu = cpu;
    // inc_mm_tlb_gen(): atomic64_inc_return, "also a barrier that synchronizes with switch_mm()".
    const std::uint64_t old_gen = mm->tlb_gen;
    info.new_tlb_gen = ++mm->tlb_gen;
    kernel::enforce(Invariant::mm_tlb_gen_monotonic, check_tlb_gen_increment(*mm, old_gen));
    m.atomic(cpu, AtomicOp::inc_mm_tlb_gen, mm, static_cast<std::int64_t>(info.new_tlb_gen));
    switch (m.knobs.flush_tlb_local) {
    case policy::FlushTlbLocal::before_others:
        flush_local_then_others(m, cpu, mm, info);
        break;
    case policy::FlushTlbLocal::in_flush_tlb_multi:
        flush_tlb_multi_or_local(m, cpu, mm, info);
        break;
    }
    m.emit(cpu, rec::flush_done(mm->id, static_cast<std::int64_t>(info.new_tlb_gen), freed_tables));
}

} // namespace arch_x86
