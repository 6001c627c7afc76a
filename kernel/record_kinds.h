#pragma once
// Each record kind's payload, in one place: for every RecordKind, the constructor that builds it
// (`rec::KIND(...)`, its payload as typed, named parameters) and the readers of what it keeps.
// Record (kernel/record.h) stays a compact struct whose kind-specific fields (`detail`, `flag`,
// `other`, `value`, `gen`) mean something different per kind; they are private, and only this
// header says which kind keeps what where. The comment on each constructor is the meaning of
// the kind's fields; its readers name the kinds they accept.
//
// Producers pass the constructor's record to Machine::emit, which fills in the fields every
// record has (sequence, time, CPU, current task, site, call path). Readers check the kind with
// assert() (debug builds, e.g. the sanitizer build): a reader applied to a kind that does not
// keep its field is a bug in the caller.

#include "kernel/ids.h"
#include "kernel/record.h"
#include "sim/cpu_id.h"
#include "sim/cycles.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <initializer_list>
#include <optional>

namespace kernel::rec {

/// No TLB generation: a CR3 write by PTI (it keeps the ASID's context), or a return to user
/// while the task's mm is not the loaded one.
inline constexpr std::int64_t no_tlb_gen = -1;

namespace detail {

/// The only code that touches Record's kind-specific fields (befriended by Record).
struct Fields {
    struct Payload {
        std::uint8_t detail = 0;
        bool flag = false;
        std::int32_t other = -1;
        std::int64_t value = 0;
        std::int64_t gen = -1;
    };
    static Record make(RecordKind kind, std::int32_t mm, sim::Cycles cost, const Payload& p) {
        Record r;
        r.kind = kind;
        r.mm = mm;
        r.cost = cost;
        r.detail = p.detail;
        r.flag = p.flag;
        r.other = p.other;
        r.value = p.value;
        r.gen = p.gen;
        return r;
    }
    static std::uint8_t detail(const Record& r) { return r.detail; }
    static bool flag(const Record& r) { return r.flag; }
    static std::int32_t other(const Record& r) { return r.other; }
    static std::int64_t value(const Record& r) { return r.value; }
    static std::int64_t gen(const Record& r) { return r.gen; }
};

inline Record make(RecordKind kind, std::int32_t mm = -1, sim::Cycles cost = {},
                   const Fields::Payload& p = {}) {
    return Fields::make(kind, mm, cost, p);
}

template <class Enum>
constexpr std::uint8_t u8(Enum e) {
    return static_cast<std::uint8_t>(e);
}

/// Whether `r` is of one of `kinds` (the readers' debug check).
constexpr bool is_kind(const Record& r, std::initializer_list<RecordKind> kinds) {
    return std::find(kinds.begin(), kinds.end(), r.kind) != kinds.end();
}

} // namespace detail

// Constructors, in RecordKind order ------------------------------------------------------------

/// user -> kernel by a system call or an interrupt: user code of `mm` (the task's mm, -1 for
/// none) stops here. Kept: entry_kind.
inline Record kernel_entry(EntryKind how, int mm) {
    return detail::make(RecordKind::kernel_entry, mm, {}, {.detail = detail::u8(how)});
}

/// The return to user mode by `insn`, recorded when user code of `mm` starts: it runs from this
/// instant (one instruction at least) until the next kernel_entry on this CPU. `ctx_gen`: the
/// TLB generation of the loaded ASID's context when `mm` is the loaded mm, else no_tlb_gen.
/// Kept: return_insn, tlb_context_gen.
inline Record return_to_user(ReturnInsn insn, int mm, std::int64_t ctx_gen, sim::Cycles cost) {
    return detail::make(RecordKind::return_to_user, mm, cost,
                        {.detail = detail::u8(insn), .gen = ctx_gen});
}

/// An interrupt returning to kernel mode by `insn` (IRET, or ERETS under FRED). Kept:
/// return_insn.
inline Record irq_return(ReturnInsn insn, sim::Cycles cost) {
    return detail::make(RecordKind::irq_return, -1, cost, {.detail = detail::u8(insn)});
}

/// RCU_INIT_POINTER(rq->curr, next), emitted by prev (the record's task, still current):
/// `next_mm` is next->mm and `prev_mm` prev->mm (none for NULL); `next_mm_sync_core` when
/// next's mm is registered for PRIVATE_EXPEDITED_SYNC_CORE. Kept: next_task, previous_mm,
/// to_sync_core_mm; the record's mm is next_mm. (Strong ids: a task and two mms at once.)
inline Record rq_curr_store(TaskId next_task, MmId next_mm, MmId prev_mm, bool next_mm_sync_core) {
    return detail::make(RecordKind::rq_curr_store, next_mm.value(), {},
                        {.detail = detail::u8(next_mm_sync_core),
                         .other = next_task.value(),
                         .value = prev_mm.value()});
}

/// tsk->mm of the running task changes from `old_mm` to `new_mm` (-1 for NULL): exec, exit,
/// kthread_use_mm and kthread_unuse_mm. `new_mm_sync_core` as for rq_curr_store. Kept:
/// previous_mm, to_sync_core_mm; the record's mm is new_mm.
inline Record task_mm_store(int new_mm, int old_mm, bool new_mm_sync_core) {
    return detail::make(RecordKind::task_mm_store, new_mm, {},
                        {.detail = detail::u8(new_mm_sync_core), .value = old_mm});
}

/// switch_to(prev, next) completed: emitted by prev (the record's task), `next_task` runs from
/// here. Kept: next_task.
inline Record context_switch(int next_task) {
    return detail::make(RecordKind::context_switch, -1, {}, {.other = next_task});
}

/// One write to CR3 loading `mm` with `pcid` (0 without PCID; PTI's user half has bit 11 set),
/// flushing that PCID's TLB entries when `flushes` (every write without PCID; a tlb_refill
/// record follows each flushing write). `cost`: the MOV to CR3 alone. `ctx_gen`: the
/// TLB generation of the ASID's context after the write, or no_tlb_gen for PTI's switches
/// between the kernel and user halves of the loaded ASID. Kept: cr3_pcid, cr3_flushes,
/// tlb_context_gen.
inline Record cr3_write(int mm, std::uint16_t pcid, bool flushes, std::int64_t ctx_gen,
                        sim::Cycles cost) {
    return detail::make(RecordKind::cr3_write, mm, cost,
                        {.flag = flushes, .value = pcid, .gen = ctx_gen});
}

/// The TLB refill that follows a flushing CR3 write (a cr3_write with cr3_flushes) loading `mm`
/// with `pcid`: the cost model's tlb_refill, the misses the flush causes, not the MOV to CR3.
/// Emitted right after that cr3_write, at the same instant; the CPU spends the write's cost and
/// then this one (one step for both, so nothing runs on the CPU in between). Neither [SER] nor
/// [FB]. Kept: cr3_pcid.
inline Record tlb_refill(int mm, std::uint16_t pcid, sim::Cycles cost) {
    return detail::make(RecordKind::tlb_refill, mm, cost, {.value = pcid});
}

/// One INVLPG of page `page` (an index) of `mm`. Kept: invlpg_page.
inline Record invlpg(int mm, std::int64_t page, sim::Cycles cost) {
    return detail::make(RecordKind::invlpg, mm, cost, {.value = page});
}

/// An explicit sync_core() by `method` (SERIALIZE or IRET-to-self). Kept: sync_core_method.
inline Record sync_core(SyncCoreMethod method, sim::Cycles cost) {
    return detail::make(RecordKind::sync_core, -1, cost, {.detail = detail::u8(method)});
}

/// An explicit smp_mb() (a locked add on x86). Kept: is_mfence (false).
inline Record smp_mb(sim::Cycles cost) {
    return detail::make(RecordKind::smp_mb, -1, cost, {.detail = 0});
}

/// The MFENCE of x2apic_wrmsr_fence() before an x2APIC IPI's WRMSR: an smp_mb record. Kept:
/// is_mfence (true).
inline Record mfence(sim::Cycles cost) {
    return detail::make(RecordKind::smp_mb, -1, cost, {.detail = 1});
}

/// The locked read-modify-write `op` on `mm` (-1 when it concerns no mm); `new_value`: the count
/// or generation it produced (mm_count, mm_users, the mm's tlb_gen, rdp->dynticks), the mm's new
/// membarrier_state for membarrier_state_or, else 0. Kept: atomic_op, atomic_new_value,
/// membarrier_state_bits.
inline Record atomic(AtomicOp op, int mm, std::int64_t new_value, sim::Cycles cost) {
    return detail::make(RecordKind::atomic, mm, cost,
                        {.detail = detail::u8(op), .value = new_value});
}

/// cpu_tlbstate.is_lazy set with `mm` loaded.
inline Record enter_lazy(int mm) {
    return detail::make(RecordKind::enter_lazy, mm);
}

/// A lazy CPU left `mm` for init_mm, by its own flush or an IPI.
inline Record unlazy(int mm) {
    return detail::make(RecordKind::unlazy, mm);
}

/// A `kind` (partial or full) flush of the loaded `mm` catching this CPU's context up to
/// `new_gen` (the mm's tlb_gen), in an IPI handler when `remote`, else by the initiator. Kept:
/// flush_kind, flush_is_remote, tlb_context_gen (new_gen).
inline Record tlb_flush(FlushKind kind, bool remote, int mm, std::int64_t new_gen) {
    return detail::make(RecordKind::tlb_flush, mm, {},
                        {.detail = detail::u8(kind), .flag = remote, .gen = new_gen});
}

/// One IPI of `kind` sent to `target_cpu` (one ICR write). Kept: ipi_kind, ipi_target.
inline Record ipi_send(IpiKind kind, int target_cpu, sim::Cycles cost) {
    return detail::make(RecordKind::ipi_send, -1, cost,
                        {.detail = detail::u8(kind), .other = target_cpu});
}

/// The handler of an IPI of `kind` from `sender_cpu` runs. Kept: ipi_kind, ipi_sender.
inline Record ipi_handler(IpiKind kind, int sender_cpu) {
    return detail::make(RecordKind::ipi_handler, -1, {},
                        {.detail = detail::u8(kind), .other = sender_cpu});
}

/// csd_unlock(): a cross-CPU call of `kind` from `sender_cpu` acknowledged. Kept: ipi_kind,
/// ipi_sender.
inline Record ipi_ack(IpiKind kind, int sender_cpu) {
    return detail::make(RecordKind::ipi_ack, -1, {},
                        {.detail = detail::u8(kind), .other = sender_cpu});
}

/// membarrier read rq(`read_cpu`)->curr and saw `task`, whose mm is `mm` (none for NULL).
/// `missed`: under x86-TSO, the task of a newer rq->curr store that was still in read_cpu's
/// store buffer, so that the read returned the older value from memory (none: it missed
/// nothing). Kept: read_cpu, read_task, missed_curr. (Strong ids: a CPU, tasks and an mm.)
inline Record membarrier_read(sim::CpuId read_cpu, TaskId task, MmId mm,
                              std::optional<TaskId> missed = std::nullopt) {
    return detail::make(
        RecordKind::membarrier_read, mm.value(), {},
        {.other = read_cpu.index(), .value = task.value(), .gen = missed ? missed->value() : -1});
}

/// __mmdrop freed `mm`; `users`: the tasks and CPUs still using it (0 when sound). Kept:
/// freed_users.
inline Record mm_free(int mm, std::int64_t users) {
    return detail::make(RecordKind::mm_free, mm, {}, {.value = users});
}

/// sys_membarrier returns `result` (or -errno) for `cmd` as the system call's int saw it; `mm`:
/// the caller's mm (-1 for none). Kept: membarrier_cmd, membarrier_result.
inline Record membarrier_return(std::int32_t cmd, int mm, std::int32_t result) {
    return detail::make(RecordKind::membarrier_return, mm, {}, {.other = result, .value = cmd});
}

/// A synchronize_rcu() grace period was waited for.
inline Record rcu_sync() {
    return detail::make(RecordKind::rcu_sync);
}

/// flush_tlb_mm_range of `mm` returns, every CPU flushed to `new_gen`; `freed_tables` when the
/// flush was for freed page tables. Kept: flushed_gen, freed_tables.
inline Record flush_done(int mm, std::int64_t new_gen, bool freed_tables) {
    return detail::make(RecordKind::flush_done, mm, {}, {.flag = freed_tables, .gen = new_gen});
}

/// An interrupt handler for `vector` starts (the record's site is the handler); `held`: an
/// exhaustive search held it back, pending, until the thread waiting on this CPU proceeded.
/// Kept: irq_vector, irq_held.
inline Record irq_enter(std::uint32_t vector, bool held = false) {
    return detail::make(RecordKind::irq_enter, -1, {}, {.flag = held, .value = vector});
}

/// ... and ends, before its exit work and return instruction. Kept: irq_vector.
inline Record irq_exit(std::uint32_t vector) {
    return detail::make(RecordKind::irq_exit, -1, {}, {.value = vector});
}

/// A membarrier call's entry barrier t_a has executed: from here it owes the guarantee `call`
/// promises for `mm` (one record per mm for the global commands). `cpu_filter`: cpu_id with
/// MEMBARRIER_CMD_FLAG_CPU, else -1; `call_id` pairs it with its barrier_call_end. The record's
/// task is the caller t0. Kept: barrier_call, call_cpu_filter, call_id.
inline Record barrier_call_start(BarrierCall call, int mm, int cpu_filter, std::int64_t call_id) {
    return detail::make(RecordKind::barrier_call_start, mm, {},
                        {.detail = detail::u8(call), .other = cpu_filter, .value = call_id});
}

/// The call `call_id`'s exit barrier t_b has executed. Kept: call_id.
inline Record barrier_call_end(std::int64_t call_id) {
    return detail::make(RecordKind::barrier_call_end, -1, {}, {.value = call_id});
}

/// This CPU's rq->membarrier_state was written: `state`, copied from `mm` (-1 when cleared).
/// Kept: membarrier_state_bits.
inline Record rq_membarrier_state(int mm, std::uint32_t state) {
    return detail::make(RecordKind::rq_membarrier_state, mm, {}, {.value = state});
}

/// switch_mm_irqs_off returned early: `mm` (next) is already loaded and the CPU was not lazy
/// (no barrier, no CR3 write).
inline Record switch_mm_same(int mm) {
    return detail::make(RecordKind::switch_mm_same, mm);
}

/// A CALL_FUNCTION IPI of `kind` from `sender_cpu` found call_single_queue empty: an earlier
/// flush (another IPI's, or the polling idle loop's) ran its calls. Kept: ipi_kind, ipi_sender.
inline Record ipi_queue_empty(IpiKind kind, int sender_cpu) {
    return detail::make(RecordKind::ipi_queue_empty, -1, {},
                        {.detail = detail::u8(kind), .other = sender_cpu});
}

/// A user store of `value` to variable `var` (an index of KernelState::user_vars): `buffered`
/// when it entered the CPU's store buffer (x86-TSO), false when it reached memory at once (SC).
/// Kept: user_var, user_value, in_store_buffer.
inline Record user_store(int var, std::int64_t value, bool buffered, sim::Cycles cost) {
    return detail::make(RecordKind::user_store, -1, cost,
                        {.flag = buffered, .other = var, .value = value});
}

/// A user load of variable `var` that read `value`: `from_buffer` when the CPU's own store
/// buffer held a store to it (store forwarding), else from memory. Kept: user_var, user_value,
/// in_store_buffer.
inline Record user_load(int var, std::int64_t value, bool from_buffer, sim::Cycles cost) {
    return detail::make(RecordKind::user_load, -1, cost,
                        {.flag = from_buffer, .other = var, .value = value});
}

/// A user MFENCE (`var` -1) or LOCK-prefixed RMW of `var` (lock_rmw, xchg, cmpxchg), which
/// read `value` and left `written` in memory; either drained the CPU's store buffer first. Not an
/// [FB] of the kernel's (the checker judges the kernel's barriers). Kept: user_fence_kind,
/// user_var, user_value, user_written.
inline Record user_fence(UserFence kind, int var, std::int64_t value, sim::Cycles cost,
                         std::int64_t written = 0) {
    return detail::make(RecordKind::user_fence, -1, cost,
                        {.detail = detail::u8(kind), .other = var, .value = value, .gen = written});
}

/// A buffered store of `value` to `var` by this CPU reaches memory: `cause` says why. A store
/// whose time in the buffer ran out is written when memory is next read (its due time `due` is
/// at or before the record's time). Kept: user_var, user_value, commit_cause, commit_due.
inline Record store_commit(int var, std::int64_t value, CommitCause cause, sim::Cycles due) {
    return detail::make(
        RecordKind::store_commit, -1, {},
        {.detail = detail::u8(cause), .other = var, .value = value, .gen = due.count()});
}

/// Under x86-TSO, a TLB shootdown of `mm` by this CPU read `per_cpu(cpu_tlbstate.is_lazy,
/// read_cpu)` = `lazy` from memory while read_cpu's newer store of !lazy was still in its store
/// buffer: a lazy CPU read as running `mm` (an IPI it does not need) or, the case the kernel's
/// smp_mb() in switch_mm_irqs_off rules out, a CPU back in `mm` read as lazy (no IPI). Only a
/// read that missed a store is recorded. Kept: lazy_read_cpu, lazy_read_value.
inline Record lazy_read_missed(sim::CpuId read_cpu, bool lazy, int mm) {
    return detail::make(RecordKind::lazy_read_missed, mm, {},
                        {.flag = lazy, .other = read_cpu.index()});
}

/// Under x86-TSO, should_flush_tlb() for a shootdown of `mm` on this CPU read
/// `per_cpu(cpu_tlbstate.loaded_mm, read_cpu)` = `read` (an mm id, or kLoadedMmSwitching)
/// from memory while read_cpu's newer store of `newest` was still in its store buffer, and
/// decided `flush` (whether to send read_cpu the flush IPI). The case 83b0177a6c48's smp_mb()
/// rules out: a CPU switching into `mm` read as still in its previous mm, so no IPI. Only a read
/// that missed a store is recorded. Kept: loaded_mm_read_cpu, loaded_mm_read_value,
/// loaded_mm_read_newest, loaded_mm_read_flush.
inline Record loaded_mm_read_missed(sim::CpuId read_cpu, std::int64_t read, std::int64_t newest,
                                    int mm, bool flush) {
    return detail::make(RecordKind::loaded_mm_read_missed, mm, {},
                        {.flag = flush, .other = read_cpu.index(), .value = read, .gen = newest});
}

// Readers, by field ----------------------------------------------------------------------------

/// kernel_entry: by a system call, an interrupt or an exception.
inline EntryKind entry_kind(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::kernel_entry}));
    return static_cast<EntryKind>(detail::Fields::detail(r));
}

/// return_to_user, irq_return: the returning instruction.
inline ReturnInsn return_insn(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::return_to_user, RecordKind::irq_return}));
    return static_cast<ReturnInsn>(detail::Fields::detail(r));
}

/// rq_curr_store, context_switch: the task switched to.
inline int next_task(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::rq_curr_store, RecordKind::context_switch}));
    return detail::Fields::other(r);
}

/// rq_curr_store, task_mm_store: the mm before the store (-1 for NULL).
inline int previous_mm(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::rq_curr_store, RecordKind::task_mm_store}));
    return static_cast<int>(detail::Fields::value(r));
}

/// rq_curr_store, task_mm_store: the new mm is SYNC_CORE-registered.
inline bool to_sync_core_mm(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::rq_curr_store, RecordKind::task_mm_store}));
    return detail::Fields::detail(r) != 0;
}

/// cr3_write, tlb_refill: the PCID written (0 without PCID).
inline std::uint16_t cr3_pcid(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::cr3_write, RecordKind::tlb_refill}));
    return static_cast<std::uint16_t>(detail::Fields::value(r));
}

/// cr3_write: the write flushed the PCID's TLB entries.
inline bool cr3_flushes(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::cr3_write}));
    return detail::Fields::flag(r);
}

/// cr3_write, tlb_flush, return_to_user: the generation of the loaded ASID's TLB context after
/// it, or no_tlb_gen.
inline std::int64_t tlb_context_gen(const Record& r) {
    assert(detail::is_kind(
        r, {RecordKind::cr3_write, RecordKind::tlb_flush, RecordKind::return_to_user}));
    return detail::Fields::gen(r);
}

/// invlpg: the page index.
inline std::int64_t invlpg_page(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::invlpg}));
    return detail::Fields::value(r);
}

/// sync_core: by SERIALIZE or IRET-to-self.
inline SyncCoreMethod sync_core_method(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::sync_core}));
    return static_cast<SyncCoreMethod>(detail::Fields::detail(r));
}

/// smp_mb: an MFENCE (x2apic_wrmsr_fence) rather than smp_mb()'s locked add.
inline bool is_mfence(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::smp_mb}));
    return detail::Fields::detail(r) != 0;
}

/// atomic: which locked operation.
inline AtomicOp atomic_op(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::atomic}));
    return static_cast<AtomicOp>(detail::Fields::detail(r));
}

/// Whether `r` (of any kind) is the locked operation `op`.
inline bool is_atomic(const Record& r, AtomicOp op) {
    return r.kind == RecordKind::atomic && atomic_op(r) == op;
}

/// atomic: the count, generation or state the operation produced (0 for a lock).
inline std::int64_t atomic_new_value(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::atomic}));
    return detail::Fields::value(r);
}

/// rq_membarrier_state, and atomic membarrier_state_or: the new MEMBARRIER_STATE_* bits.
inline std::uint32_t membarrier_state_bits(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::rq_membarrier_state}) ||
           is_atomic(r, AtomicOp::membarrier_state_or));
    return static_cast<std::uint32_t>(detail::Fields::value(r));
}

/// tlb_flush: partial (INVLPG per page) or full.
inline FlushKind flush_kind(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::tlb_flush}));
    return static_cast<FlushKind>(detail::Fields::detail(r));
}

/// tlb_flush: done in an IPI handler rather than by the initiator.
inline bool flush_is_remote(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::tlb_flush}));
    return detail::Fields::flag(r);
}

/// ipi_send, ipi_handler, ipi_ack, ipi_queue_empty: the kind of IPI.
inline IpiKind ipi_kind(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::ipi_send, RecordKind::ipi_handler, RecordKind::ipi_ack,
                               RecordKind::ipi_queue_empty}));
    return static_cast<IpiKind>(detail::Fields::detail(r));
}

/// ipi_send: the target CPU.
inline int ipi_target(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::ipi_send}));
    return detail::Fields::other(r);
}

/// ipi_handler, ipi_ack, ipi_queue_empty: the sending CPU.
inline int ipi_sender(const Record& r) {
    assert(detail::is_kind(
        r, {RecordKind::ipi_handler, RecordKind::ipi_ack, RecordKind::ipi_queue_empty}));
    return detail::Fields::other(r);
}

/// membarrier_read: the CPU whose rq->curr was read.
inline int read_cpu(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::membarrier_read}));
    return detail::Fields::other(r);
}

/// membarrier_read: the task the call saw as rq->curr.
inline int read_task(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::membarrier_read}));
    return static_cast<int>(detail::Fields::value(r));
}

/// membarrier_read: the task stored to rq->curr by a store the read missed (still in the other
/// CPU's store buffer), or -1.
inline int missed_curr(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::membarrier_read}));
    return static_cast<int>(detail::Fields::gen(r));
}

/// lazy_read_missed: the CPU whose is_lazy was read.
inline int lazy_read_cpu(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::lazy_read_missed}));
    return detail::Fields::other(r);
}

/// lazy_read_missed: the value read from memory (its CPU had stored the other one).
inline bool lazy_read_value(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::lazy_read_missed}));
    return detail::Fields::flag(r);
}

/// loaded_mm_read_missed: the CPU whose loaded_mm was read.
inline int loaded_mm_read_cpu(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::loaded_mm_read_missed}));
    return detail::Fields::other(r);
}

/// loaded_mm_read_missed: the value read from memory (an mm id, or kLoadedMmSwitching).
inline std::int64_t loaded_mm_read_value(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::loaded_mm_read_missed}));
    return detail::Fields::value(r);
}

/// loaded_mm_read_missed: the value its CPU had stored last, still in its buffer.
inline std::int64_t loaded_mm_read_newest(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::loaded_mm_read_missed}));
    return detail::Fields::gen(r);
}

/// loaded_mm_read_missed: whether should_flush_tlb() decided to send the flush IPI.
inline bool loaded_mm_read_flush(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::loaded_mm_read_missed}));
    return detail::Fields::flag(r);
}

/// mm_free: the tasks and CPUs still using the freed mm.
inline std::int64_t freed_users(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::mm_free}));
    return detail::Fields::value(r);
}

/// membarrier_return: the command as the system call's int saw it.
inline std::int32_t membarrier_cmd(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::membarrier_return}));
    return static_cast<std::int32_t>(detail::Fields::value(r));
}

/// membarrier_return: the result, or -errno.
inline std::int32_t membarrier_result(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::membarrier_return}));
    return detail::Fields::other(r);
}

/// flush_done: the generation every CPU was flushed to.
inline std::int64_t flushed_gen(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::flush_done}));
    return detail::Fields::gen(r);
}

/// flush_done: the flush was for freed page tables.
inline bool freed_tables(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::flush_done}));
    return detail::Fields::flag(r);
}

/// irq_enter: an exhaustive search held the interrupt back until its CPU's thread proceeded.
inline bool irq_held(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::irq_enter}));
    return detail::Fields::flag(r);
}

/// irq_enter, irq_exit: the interrupt vector.
inline std::uint32_t irq_vector(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::irq_enter, RecordKind::irq_exit}));
    return static_cast<std::uint32_t>(detail::Fields::value(r));
}

/// barrier_call_start: what the call promises.
inline BarrierCall barrier_call(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::barrier_call_start}));
    return static_cast<BarrierCall>(detail::Fields::detail(r));
}

/// barrier_call_start: cpu_id with MEMBARRIER_CMD_FLAG_CPU, else -1.
inline int call_cpu_filter(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::barrier_call_start}));
    return detail::Fields::other(r);
}

/// barrier_call_start, barrier_call_end: the call's id.
inline std::int64_t call_id(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::barrier_call_start, RecordKind::barrier_call_end}));
    return detail::Fields::value(r);
}

/// user_store, user_load, user_fence (-1 for MFENCE), store_commit: the variable.
inline int user_var(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::user_store, RecordKind::user_load,
                               RecordKind::user_fence, RecordKind::store_commit}));
    return detail::Fields::other(r);
}

/// user_store: the value stored; user_load, user_fence: the value read; store_commit: the value
/// written to memory.
inline std::int64_t user_value(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::user_store, RecordKind::user_load,
                               RecordKind::user_fence, RecordKind::store_commit}));
    return detail::Fields::value(r);
}

/// user_store: it entered the store buffer; user_load: it read the CPU's own buffered store.
inline bool in_store_buffer(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::user_store, RecordKind::user_load}));
    return detail::Fields::flag(r);
}

/// user_fence: the value a locked RMW left in memory.
inline std::int64_t user_written(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::user_fence}));
    return detail::Fields::gen(r);
}

/// user_fence: MFENCE or a LOCK-prefixed RMW.
inline UserFence user_fence_kind(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::user_fence}));
    return static_cast<UserFence>(detail::Fields::detail(r));
}

/// store_commit: why the store left the buffer.
inline CommitCause commit_cause(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::store_commit}));
    return static_cast<CommitCause>(detail::Fields::detail(r));
}

/// store_commit: when its time in the buffer ran out (for a barrier's drain: later than now).
inline sim::Cycles commit_due(const Record& r) {
    assert(detail::is_kind(r, {RecordKind::store_commit}));
    return sim::Cycles{detail::Fields::gen(r)};
}

} // namespace kernel::rec
