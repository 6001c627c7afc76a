#include "membarrier/membarrier.h"

#include "arch_x86/kernel_memory.h"
#include "arch_x86/machine.h"
#include "arch_x86/smp.h"
#include "arch_x86/sync_core.h"
#include "kernel/record_kinds.h"
#include "sim/panic.h"

namespace membarrier {

using arch_x86::CsdFunc;
using arch_x86::KFrame;
using arch_x86::SmpCall;
using kernel::Cost;
using kernel::Fn;
using kernel::Mm;
namespace rec = kernel::rec;

namespace {

constexpr std::int64_t errno_EPERM = 1;
constexpr std::int64_t errno_EINVAL = 22;

/// MEMBARRIER_CMD_BITMASK: bits 0..6 in v4.16 and v5.10.13 (whose RSEQ sub-mask is defined but
/// never used, so QUERY does not advertise the RSEQ commands although they work); bits 0..9 in
/// mainline (the RSEQ pair since the 2022 fix, GET_REGISTRATIONS since v6.3).
std::int64_t cmd_bitmask(policy::MembarrierApi api) {
    return api == policy::MembarrierApi::mainline ? 0x3ff : 0x7f;
}

void ipi_mb(arch_x86::Machine& m, int cpu, SmpCall&) {
    KFrame frame(m, cpu, Fn::ipi_mb);
    m.smp_mb(cpu);
}

void ipi_sync_core(arch_x86::Machine& m, int cpu, SmpCall&) {
    // The explicit barrier: a sync_core deferred past the caller's exit barrier would be useless.
    KFrame frame(m, cpu, Fn::ipi_sync_core);
    m.smp_mb(cpu);
    arch_x86::sync_core_before_usermode(m, cpu);
}

void ipi_rseq(arch_x86::Machine& m, int cpu, SmpCall&) {
    // smp_mb(), then rseq_preempt(current): a plain __set_bit of the preempt event (the TIF flag
    // RMW only for a task that registered rseq, which tlbsim does not model).
    KFrame frame(m, cpu, Fn::ipi_rseq);
    m.smp_mb(cpu);
}

void ipi_sync_rq_state(arch_x86::Machine& m, int cpu, SmpCall& call) {
    KFrame frame(m, cpu, Fn::ipi_sync_rq_state);
    if (m.current(cpu)->mm != call.mm) {
        return;
    }
    m.set_rq_membarrier_state(cpu, call.mm);
    m.smp_mb(cpu);
}

SmpCall call_of(CsdFunc f, kernel::IpiKind kind, Mm* mm = nullptr) {
    SmpCall c;
    c.func = f;
    c.kind = kind;
    c.mm = mm;
    return c;
}

} // namespace

Membarrier::Membarrier(sched::Scheduler& s) : s_(s) {
    s.syscalls = this;
    auto& h = s.m.csd_handlers;
    h[static_cast<std::size_t>(CsdFunc::ipi_mb)] = ipi_mb;
    h[static_cast<std::size_t>(CsdFunc::ipi_sync_core)] = ipi_sync_core;
    h[static_cast<std::size_t>(CsdFunc::ipi_rseq)] = ipi_rseq;
    h[static_cast<std::size_t>(CsdFunc::ipi_sync_rq_state)] = ipi_sync_rq_state;
}

int Membarrier::num_online_cpus() const {
    int n = 0;
    for (int c = 0; c < s_.m.sim.cpus(); ++c) {
        n += s_.m.rq(c).online ? 1 : 0;
    }
    return n;
}

std::int64_t Membarrier::membarrier(int cpu, std::int64_t cmd, std::int64_t flags,
                                    std::int64_t cpu_id) {
    KFrame frame(s_.m, cpu, Fn::sys_membarrier);
    s_.m.step(cpu, Cost::membarrier_entry);
    // SYSCALL_DEFINE3(membarrier, int, cmd, unsigned int, flags, int, cpu_id): the C types
    // truncate whatever the scenario passed.
    const auto result =
        dispatch(cpu, static_cast<std::int32_t>(cmd), static_cast<std::uint32_t>(flags),
                 static_cast<std::int32_t>(cpu_id));
    // The record carries cmd as the system call's int saw it, so that membarrier.calls.CMD
    // counts the command the kernel dispatched (4294967304 is PRIVATE_EXPEDITED, 8).
    const Mm* mm = s_.m.current(cpu)->mm;
    s_.m.emit(cpu,
              rec::membarrier_return(static_cast<std::int32_t>(cmd), mm != nullptr ? mm->id : -1,
                                     static_cast<std::int32_t>(result)));
    return result;
}

/// The argument checks before the command switch: flags (only PRIVATE_EXPEDITED_RSEQ takes
/// one, MEMBARRIER_CMD_FLAG_CPU) and, for v4.16's system call, the commands it lacks. 0: pass.
std::int64_t Membarrier::check_arguments(std::int32_t cmd, std::uint32_t flags) const {
    // v4.16's system call has no cpu_id and no flag at all, and no RSEQ or GET_REGISTRATIONS.
    if (s_.m.knobs.membarrier_api == policy::MembarrierApi::v4_16 &&
        (flags != 0 || cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ ||
         cmd == MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ)) {
        return -errno_EINVAL;
    }
    const std::uint32_t allowed =
        cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ ? MEMBARRIER_CMD_FLAG_CPU : 0;
    return (flags & ~allowed) != 0 ? -errno_EINVAL : 0;
}

std::int64_t Membarrier::dispatch(int cpu, std::int32_t cmd, std::uint32_t flags,
                                  std::int32_t cpu_id) {
    if (const std::int64_t error = check_arguments(cmd, flags); error != 0) {
        return error;
    }
    if (!(flags & MEMBARRIER_CMD_FLAG_CPU)) {
        cpu_id = -1;
    }
    switch (cmd) {
    case MEMBARRIER_CMD_QUERY:
        return query();
    case MEMBARRIER_CMD_GLOBAL:
        return global(cpu);
    case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
        return global_expedited(cpu);
    case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
        return register_global_expedited(cpu);
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
        return private_expedited(cpu, 0, cpu_id);
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
        return register_private_expedited(cpu, 0);
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
        return private_expedited(cpu, MEMBARRIER_FLAG_SYNC_CORE, cpu_id);
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
        return register_private_expedited(cpu, MEMBARRIER_FLAG_SYNC_CORE);
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ:
        return private_expedited(cpu, MEMBARRIER_FLAG_RSEQ, cpu_id);
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ:
        return register_private_expedited(cpu, MEMBARRIER_FLAG_RSEQ);
    case MEMBARRIER_CMD_GET_REGISTRATIONS:
        return s_.m.knobs.membarrier_api == policy::MembarrierApi::mainline ? get_registrations(cpu)
                                                                            : -errno_EINVAL;
    default:
        return -errno_EINVAL;
    }
}

/// MEMBARRIER_CMD_QUERY: the supported commands (GLOBAL not with nohz_full).
std::int64_t Membarrier::query() const {
    std::int64_t mask = cmd_bitmask(s_.m.knobs.membarrier_api);
    if (s_.m.config.nohz_full) {
        mask &= ~std::int64_t{MEMBARRIER_CMD_GLOBAL};
    }
    return mask;
}

/// MEMBARRIER_CMD_GLOBAL: synchronize_rcu() when more than one CPU is online.
std::int64_t Membarrier::global(int cpu) {
    // MEMBARRIER_CMD_GLOBAL is not compatible with nohz_full.
    if (s_.m.config.nohz_full) {
        return -errno_EINVAL;
    }
    if (num_online_cpus() > 1) {
        // The guarantee (for every process) spans the grace period: t_a its start, t_b its
        // end; each CPU's quiescent state comes with a full barrier.
        const std::int64_t call_id = next_call_id_++;
        for (const auto& mm : s_.m.ks.mms) {
            if (mm->kind == kernel::MmKind::user && !mm->freed && !mm->torn_down) {
                s_.m.emit(cpu, rec::barrier_call_start(kernel::BarrierCall::global, mm->id,
                                                       /*cpu_filter=*/-1, call_id));
            }
        }
        s_.rcu.synchronize_rcu(cpu);
        s_.m.emit(cpu, rec::barrier_call_end(call_id));
    }
    return 0;
}

/// The registration check of membarrier_private_expedited(): the IPI function for `flags`, or
/// nullopt when the mm is not registered for it (-EPERM).
std::optional<CsdFunc> Membarrier::private_expedited_ipi(const Mm& mm, int flags) const {
    if (flags == MEMBARRIER_FLAG_SYNC_CORE) {
        if (!(mm.membarrier_state & kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY)) {
            return std::nullopt;
        }
        return s_.m.knobs.sync_core_ipi == policy::SyncCoreIpi::mb_and_sync_core
                   ? CsdFunc::ipi_sync_core
                   : CsdFunc::ipi_mb; // before 758c9373: the IPI's IRET was trusted
    }
    if (flags == MEMBARRIER_FLAG_RSEQ) {
        if (!(mm.membarrier_state & kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY)) {
            return std::nullopt;
        }
        return CsdFunc::ipi_rseq;
    }
    if (!(mm.membarrier_state & kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY)) {
        return std::nullopt;
    }
    return CsdFunc::ipi_mb;
}

/// Only the caller exists: no barrier needed (not for SYNC_CORE since the December 2020 fix).
bool Membarrier::private_expedited_shortcut(const Mm& mm, int flags) const {
    const bool alone = mm.mm_users == 1 || num_online_cpus() == 1;
    switch (s_.m.knobs.expedited_shortcut) {
    case policy::ExpeditedShortcut::online_cpus_only:
        return num_online_cpus() == 1;
    case policy::ExpeditedShortcut::not_sync_core:
        return flags != MEMBARRIER_FLAG_SYNC_CORE && alone;
    case policy::ExpeditedShortcut::all_commands:
        return alone;
    }
    return false;
}

std::int64_t Membarrier::private_expedited(int cpu, int flags, std::int32_t cpu_id) {
    KFrame frame(s_.m, cpu, Fn::membarrier_private_expedited);
    Mm* mm = s_.m.current(cpu)->mm;
    const std::optional<CsdFunc> ipi_func = private_expedited_ipi(*mm, flags);
    if (!ipi_func) {
        return -errno_EPERM;
    }
    if (private_expedited_shortcut(*mm, flags)) {
        return 0;
    }
    // "a": the entry barrier. System call entry is not a full barrier. The call owes its
    // guarantee from this barrier on (t_a: its marker comes first, the barrier counts).
    const std::int64_t call_id = next_call_id_++;
    const auto kind = flags == MEMBARRIER_FLAG_SYNC_CORE ? kernel::BarrierCall::sync_core
                      : flags == MEMBARRIER_FLAG_RSEQ    ? kernel::BarrierCall::rseq
                                                         : kernel::BarrierCall::private_expedited;
    s_.m.emit(cpu, rec::barrier_call_start(kind, mm->id, cpu_id, call_id));
    s_.m.smp_mb(cpu);
    ipi_mutex_lock(cpu);
    const SmpCall call = call_of(*ipi_func, kernel::IpiKind::membarrier);
    if (cpu_id >= 0) {
        if (cpu_id < s_.m.sim.cpus() && s_.m.rq(cpu_id).online && runs_mm(cpu, cpu_id, *mm)) {
            arch_x86::smp_call_function_single(s_.m, cpu, sim::CpuId{cpu_id}, call,
                                               /*wait=*/true);
        }
    } else {
        private_expedited_ipis(cpu, *mm, flags, call);
    }
    // "c": the exit barrier. System call exit is not a full barrier either.
    const kernel::Record end = rec::barrier_call_end(call_id);
    s_.m.smp_mb(cpu, &end);
    ipi_mutex_unlock(cpu); // SERIALIZE_IPI()'s guard ends with the function, after the barrier
    return 0;
}

/// `p = rcu_dereference(cpu_rq(c)->curr); if (p && p->mm == mm)` from `cpu`, each read at its
/// own time (kernel/sched/membarrier.c, v5.10.13 and mainline): whether c runs `mm`. Under
/// x86-TSO both loads read memory, which a store still in c's store buffer has not reached.
bool Membarrier::runs_mm(int cpu, int c, const Mm& mm) {
    const CurrRead read = read_curr(cpu, c);
    s_.m.step(cpu, Cost::membarrier_read_curr);
    return read.mm == &mm;
}

/// The two loads of a membarrier scan for CPU c, recorded as one membarrier_read.
Membarrier::CurrRead Membarrier::read_curr(int cpu, int c) {
    const arch_x86::RqCurrRead curr = arch_x86::read_rq_curr(s_.m, cpu, c);
    const Mm* mm = arch_x86::read_task_mm(s_.m, cpu, *curr.task);
    std::optional<kernel::TaskId> missed;
    if (curr.missed) {
        missed = kernel::TaskId(curr.missed->task);
    }
    s_.m.emit(cpu, rec::membarrier_read(sim::CpuId{c}, kernel::id_of(*curr.task), kernel::id_of(mm),
                                        missed));
    return {curr.task, mm};
}

/// The loop over the online CPUs (tmpmask of those whose curr runs `mm`) and its IPIs.
void Membarrier::private_expedited_ipis(int cpu, const Mm& mm, int flags, const SmpCall& call) {
    kernel::CpuMask tmpmask(s_.m.sim.cpus());
    for (int c = 0; c < s_.m.sim.cpus(); ++c) {
        // Before e45cdc71 the loop skipped raw_smp_processor_id(); since, it reads the
        // caller's own CPU too (SYNC_CORE runs the handler there).
        if (c == cpu && !s_.m.knobs.sync_core_on_caller_cpu) {
            continue;
        }
        if (s_.m.rq(c).online && runs_mm(cpu, c, mm)) {
            tmpmask.set(c);
        }
    }
    if (flags != MEMBARRIER_FLAG_SYNC_CORE || !s_.m.knobs.sync_core_on_caller_cpu) {
        // The caller's CPU is skipped: its own barriers suffice (for SYNC_CORE only before
        // e45cdc71).
        arch_x86::smp_call_function_many(s_.m, cpu, tmpmask, call, /*wait=*/true);
    } else {
        // SYNC_CORE also runs the handler on the caller's CPU (e45cdc71, in v5.10 final).
        arch_x86::on_each_cpu_mask(s_.m, cpu, tmpmask, call, /*wait=*/true);
    }
}

/// mutex_lock(&membarrier_ipi_mutex), SERIALIZE_IPI() (kernel/sched/membarrier.c, 944d5fe50f3f,
/// v6.8+ and 5.10.210+): __mutex_trylock_fast()'s cmpxchg, and when another CPU holds the mutex,
/// the optimistic spin of __mutex_lock_common() (kernel/locking/mutex.c). A cmpxchg takes effect
/// when its record is emitted: the owner is decided there, before the instruction's time passes.
void Membarrier::ipi_mutex_lock(int cpu) {
    if (!s_.m.knobs.membarrier_ipi_mutex) {
        return;
    }
    const bool taken = ipi_mutex_.owner < 0;
    if (taken) {
        ipi_mutex_.owner = cpu;
    }
    s_.m.atomic(cpu, kernel::AtomicOp::mutex_lock); // a LOCK CMPXCHG, [FB] even when it fails
    if (!taken) {
        mutex_optimistic_spin(cpu);
    }
}

/// mutex_optimistic_spin(): osq_lock() queues the CPU (xchg), the queue's head spins while the
/// owner runs and takes the mutex with a cmpxchg once it sees it released (after the unlock, or
/// again if another CPU's fast path took it first), then osq_unlock() (a cmpxchg, and an xchg of
/// its node's next when another spinner queued behind it). The owner always runs: it holds the
/// mutex only around its scan and IPIs, spinning for their acks, and the model never preempts
/// kernel code. The kernel also ends the spin on the spinner's own need_resched() and sleeps on
/// the wait list; the model spins on (docs/model.md, Simplifications). Interrupts are on.
void Membarrier::mutex_optimistic_spin(int cpu) {
    s_.m.atomic(cpu, kernel::AtomicOp::osq_lock);
    ipi_mutex_.spinners.push_back(cpu);
    while (ipi_mutex_.owner >= 0 || ipi_mutex_.spinners.front() != cpu) {
        s_.m.sim.cpu(cpu).block(/*wake_on_interrupt=*/true);
    }
    ipi_mutex_.owner = cpu; // __mutex_trylock_or_owner()'s cmpxchg, with nothing between
    s_.m.atomic(cpu, kernel::AtomicOp::mutex_trylock);
    ipi_mutex_.spinners.pop_front();
    s_.m.atomic(cpu, kernel::AtomicOp::osq_unlock);
    if (!ipi_mutex_.spinners.empty()) {
        s_.m.atomic(cpu, kernel::AtomicOp::osq_unlock); // xchg(&node->next, NULL): the successor
    }
}

/// mutex_unlock(): __mutex_unlock_fast()'s cmpxchg (spinners set no MUTEX_FLAG_WAITERS); the
/// head of the spinners' queue sees the owner field cleared.
void Membarrier::ipi_mutex_unlock(int cpu) {
    if (!s_.m.knobs.membarrier_ipi_mutex) {
        return;
    }
    SIM_ASSERT(ipi_mutex_.owner == cpu, "cpu{} releases membarrier_ipi_mutex held by cpu{}", cpu,
               ipi_mutex_.owner);
    ipi_mutex_.owner = -1;
    if (!ipi_mutex_.spinners.empty()) {
        s_.m.sim.cpu(ipi_mutex_.spinners.front()).wake();
    }
    s_.m.atomic(cpu, kernel::AtomicOp::mutex_unlock);
}

std::int64_t Membarrier::global_expedited(int cpu) {
    KFrame frame(s_.m, cpu, Fn::membarrier_global_expedited);
    if (num_online_cpus() == 1) {
        return 0;
    }
    // The guarantee covers every mm whose registration completed before this entry barrier.
    const std::int64_t call_id = next_call_id_++;
    for (const auto& mm : s_.m.ks.mms) {
        if (mm->kind == kernel::MmKind::user && !mm->freed &&
            (mm->membarrier_state & kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY)) {
            s_.m.emit(cpu, rec::barrier_call_start(kernel::BarrierCall::global_expedited, mm->id,
                                                   /*cpu_filter=*/-1, call_id));
        }
    }
    s_.m.smp_mb(cpu);
    ipi_mutex_lock(cpu);
    kernel::CpuMask tmpmask(s_.m.sim.cpus());
    for (int c = 0; c < s_.m.sim.cpus(); ++c) {
        if (c == cpu || !s_.m.rq(c).online) {
            continue;
        }
        s_.m.step(cpu, Cost::membarrier_read_curr);
        // READ_ONCE(cpu_rq(cpu)->membarrier_state), then rcu_dereference(rq->curr): memory
        // under x86-TSO (arch_x86/kernel_memory.h).
        if (s_.m.knobs.membarrier_rq_state && !(arch_x86::read_rq_membarrier_state(s_.m, cpu, c) &
                                                kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED)) {
            continue;
        }
        const auto [p, p_mm] = read_curr(cpu, c);
        if (!s_.m.knobs.membarrier_rq_state) {
            // v4.16..v5.3: `p && p->mm && (p->mm->membarrier_state & GLOBAL_EXPEDITED)`.
            if (p_mm != nullptr &&
                (p_mm->membarrier_state & kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED)) {
                tmpmask.set(c);
            }
            continue;
        }
        // v5.10: skip kernel threads (PF_KTHREAD), even one using an mm; v5.11+: skip !p->mm.
        if (s_.m.knobs.global_expedited_skip == policy::GlobalExpeditedSkip::pf_kthread
                ? p->kthread
                : p_mm == nullptr) {
            continue;
        }
        tmpmask.set(c);
    }
    arch_x86::smp_call_function_many(s_.m, cpu, tmpmask,
                                     call_of(CsdFunc::ipi_mb, kernel::IpiKind::membarrier),
                                     /*wait=*/true);
    const kernel::Record end = rec::barrier_call_end(call_id);
    s_.m.smp_mb(cpu, &end);
    ipi_mutex_unlock(cpu);
    return 0;
}

std::int64_t Membarrier::get_registrations(int cpu) {
    // Each REGISTER_* command is reported when either of its two state bits is set, so a
    // SYNC_CORE registration also reports REGISTER_PRIVATE_EXPEDITED (its bit 1).
    const std::uint32_t state = s_.m.current(cpu)->mm->membarrier_state;
    std::int64_t mask = 0;
    if (state & (kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY |
                 kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED)) {
        mask |= MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;
    }
    if (state & (kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY |
                 kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED)) {
        mask |= MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
    }
    if (state & (kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY |
                 kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE)) {
        mask |= MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE;
    }
    if (state & (kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY |
                 kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ)) {
        mask |= MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ;
    }
    return mask;
}

void Membarrier::atomic_or(int cpu, Mm* mm, std::uint32_t bits) {
    mm->membarrier_state |= bits;
    s_.m.atomic(cpu, kernel::AtomicOp::membarrier_state_or, mm, mm->membarrier_state);
}

void Membarrier::sync_runqueues_membarrier_state(int cpu, Mm* mm) {
    KFrame frame(s_.m, cpu, Fn::sync_runqueues_membarrier_state);
    if (mm->mm_users == 1 || num_online_cpus() == 1) {
        s_.m.set_rq_membarrier_state(cpu, mm);
        s_.m.smp_mb(cpu);
        return;
    }
    // Every scheduler pass that might have read the old state has finished after this; all
    // later switches into mm see the new bits.
    s_.rcu.synchronize_rcu(cpu);
    ipi_mutex_lock(cpu);
    kernel::CpuMask tmpmask(s_.m.sim.cpus());
    for (int c = 0; c < s_.m.sim.cpus(); ++c) {
        s_.m.step(cpu, Cost::membarrier_read_curr);
        // `p = rcu_dereference(rq->curr); if (p && p->mm == mm)`: memory under x86-TSO.
        if (s_.m.rq(c).online &&
            arch_x86::read_task_mm(s_.m, cpu, *arch_x86::read_rq_curr(s_.m, cpu, c).task) == mm) {
            tmpmask.set(c);
        }
    }
    // v5.10.13: smp_call_function_many() skips the caller's CPU, so its rq->membarrier_state is
    // not refreshed (fixed by ce29ddc47b91 with on_each_cpu_mask).
    const SmpCall call = call_of(CsdFunc::ipi_sync_rq_state, kernel::IpiKind::sync_rq_state, mm);
    if (s_.m.knobs.sync_rq_state_on_caller_cpu) {
        arch_x86::on_each_cpu_mask(s_.m, cpu, tmpmask, call, /*wait=*/true);
    } else {
        arch_x86::smp_call_function_many(s_.m, cpu, tmpmask, call, /*wait=*/true);
    }
    ipi_mutex_unlock(cpu);
}

std::int64_t Membarrier::register_global_expedited(int cpu) {
    KFrame frame(s_.m, cpu, Fn::membarrier_register_global_expedited);
    Mm* mm = s_.m.current(cpu)->mm;
    if (mm->membarrier_state & kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY) {
        return 0;
    }
    atomic_or(cpu, mm, kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED);
    if (s_.m.knobs.membarrier_rq_state) {
        sync_runqueues_membarrier_state(cpu, mm);
    } else if (mm->mm_users == 1) {
        s_.m.smp_mb(cpu); // v4.16: one user, one thread: a barrier after setting the state
    } else {
        s_.rcu.synchronize_rcu(cpu); // v4.16: synchronize_sched()
    }
    atomic_or(cpu, mm, kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY);
    return 0;
}

std::int64_t Membarrier::register_private_expedited(int cpu, int flags) {
    KFrame frame(s_.m, cpu, Fn::membarrier_register_private_expedited);
    Mm* mm = s_.m.current(cpu)->mm;
    std::uint32_t ready = kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY;
    std::uint32_t set = kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED;
    if (flags == MEMBARRIER_FLAG_SYNC_CORE) {
        ready = kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY;
        set |= kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE;
    } else if (flags == MEMBARRIER_FLAG_RSEQ) {
        ready = kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY;
        set |= kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ;
    }
    // Registering again is a no-op (this also covers CLONE_VM siblings).
    if ((mm->membarrier_state & ready) == ready) {
        return 0;
    }
    atomic_or(cpu, mm, set);
    if (s_.m.knobs.membarrier_rq_state) {
        sync_runqueues_membarrier_state(cpu, mm);
    } else if (mm->mm_users != 1) {
        s_.rcu.synchronize_rcu(cpu); // v4.16: synchronize_sched(); one user: nothing at all
    }
    atomic_or(cpu, mm, ready);
    return 0;
}

} // namespace membarrier
