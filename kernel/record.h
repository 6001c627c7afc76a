#pragma once
// Records: what every modelled kernel step that matters leaves behind (docs/design.md,
// Observables). Counters, the checker and every report are derived from these and from nothing
// else.

#include "sim/cycles.h"

#include <cstdint>
#include <string_view>

namespace kernel {

// The kernel functions tlbsim models, named as in the kernel. A record's `site` is the innermost
// of these running when it was emitted; inline helpers (sync_core_before_usermode, mmdrop, ...)
// have no entry of their own and count as part of their caller.
#define TLBSIM_KERNEL_FUNCTIONS(X)                                                                 \
    X(none)                                                                                        \
    X(do_idle)                                                                                     \
    X(ret_from_fork)                                                                               \
    X(schedule_tail)                                                                               \
    X(__schedule)                                                                                  \
    X(context_switch)                                                                              \
    X(finish_task_switch)                                                                          \
    X(try_to_wake_up)                                                                              \
    X(wake_up_new_task)                                                                            \
    X(scheduler_tick)                                                                              \
    X(do_sched_yield)                                                                              \
    X(sched_setaffinity)                                                                           \
    X(do_nanosleep)                                                                                \
    X(futex_wait)                                                                                  \
    X(futex_wake)                                                                                  \
    X(do_syscall_64)                                                                               \
    X(exc_page_fault)                                                                              \
    X(exit_to_user_mode)                                                                           \
    X(irqentry_exit)                                                                               \
    X(common_interrupt)                                                                            \
    X(hrtimer_interrupt)                                                                           \
    X(sysvec_apic_timer_interrupt)                                                                 \
    X(sysvec_reschedule_ipi)                                                                       \
    X(sysvec_call_function)                                                                        \
    X(x2apic_send_IPI)                                                                             \
    X(__x2apic_send_IPI_mask)                                                                      \
    X(flush_smp_call_function_queue)                                                               \
    X(smp_call_function_many)                                                                      \
    X(on_each_cpu_mask)                                                                            \
    X(switch_mm_irqs_off)                                                                          \
    X(switch_mm)                                                                                   \
    X(leave_mm)                                                                                    \
    X(flush_tlb_mm_range)                                                                          \
    X(flush_tlb_func_common)                                                                       \
    X(flush_tlb_func_remote)                                                                       \
    X(native_flush_tlb_others)                                                                     \
    X(flush_tlb_func)                                                                              \
    X(native_flush_tlb_multi)                                                                      \
    X(do_exit)                                                                                     \
    X(exit_mm)                                                                                     \
    X(mmput)                                                                                       \
    X(exit_mmap)                                                                                   \
    X(tlb_finish_mmu)                                                                              \
    X(__mmdrop)                                                                                    \
    X(do_task_dead)                                                                                \
    X(do_execve)                                                                                   \
    X(de_thread)                                                                                   \
    X(exec_mmap)                                                                                   \
    X(kthread)                                                                                     \
    X(kthread_use_mm)                                                                              \
    X(kthread_unuse_mm)                                                                            \
    X(__text_poke)                                                                                 \
    X(use_temporary_mm)                                                                            \
    X(unuse_temporary_mm)                                                                          \
    X(efi_call_virt)                                                                               \
    X(efi_switch_mm)                                                                               \
    X(sys_membarrier)                                                                              \
    X(membarrier_private_expedited)                                                                \
    X(membarrier_global_expedited)                                                                 \
    X(membarrier_register_private_expedited)                                                       \
    X(membarrier_register_global_expedited)                                                        \
    X(sync_runqueues_membarrier_state)                                                             \
    X(synchronize_rcu)                                                                             \
    X(tick_sched_timer)                                                                            \
    X(rcu_sched_clock_irq)                                                                         \
    X(rcu_core)                                                                                    \
    X(force_qs_rnp)                                                                                \
    X(resched_cpu)                                                                                 \
    X(__io_sq_thread_acquire_mm)                                                                   \
    X(io_sq_thread_drop_mm)                                                                        \
    X(kick_process)                                                                                \
    X(cpu_idle_poll)                                                                               \
    X(default_idle_call)                                                                           \
    X(intel_idle)                                                                                  \
    X(ipi_mb)                                                                                      \
    X(ipi_sync_core)                                                                               \
    X(ipi_rseq)                                                                                    \
    X(ipi_sync_rq_state)

enum class Fn : std::uint16_t {
#define TLBSIM_X(name) name,
    TLBSIM_KERNEL_FUNCTIONS(TLBSIM_X)
#undef TLBSIM_X
        count_
};
std::string_view fn_name(Fn f);

/// The LOCK-prefixed read-modify-writes tlbsim models ([FB] on x86).
#define TLBSIM_ATOMIC_OPS(X)                                                                       \
    X(rq_lock)                /* raw_spin_lock of rq->lock */                                      \
    X(pi_lock)                /* raw_spin_lock_irqsave(&p->pi_lock) in try_to_wake_up */           \
    X(task_lock)              /* spin_lock(&p->alloc_lock) */                                      \
    X(mmap_read_lock)         /* down_read(&mm->mmap_lock) */                                      \
    X(mmap_read_unlock)       /* up_read: a locked add too */                                      \
    X(mmgrab)                 /* atomic_inc(&mm->mm_count) */                                      \
    X(mmdrop)                 /* atomic_dec_and_test(&mm->mm_count) */                             \
    X(mmget)                  /* atomic_inc(&mm->mm_users) */                                      \
    X(mmput)                  /* atomic_dec_and_test(&mm->mm_users) */                             \
    X(cpumask_set_cpu)        /* set_bit in mm_cpumask */                                          \
    X(cpumask_clear_cpu)      /* clear_bit in mm_cpumask */                                        \
    X(inc_mm_tlb_gen)         /* atomic64_inc_return(&mm->context.tlb_gen) */                      \
    X(llist_add)              /* cmpxchg onto a CPU's call_single_queue */                         \
    X(llist_del_all)          /* xchg taking a CPU's whole call_single_queue */                    \
    X(membarrier_state_or)    /* atomic_or(&mm->membarrier_state) */                               \
    X(mutex_lock)             /* a mutex fast path (cmpxchg) */                                    \
    X(mutex_unlock)           /* its release (cmpxchg, LOCK-prefixed too) */                       \
    X(osq_lock)               /* xchg of lock->osq.tail: a mutex's spinner queues */               \
    X(mutex_trylock)          /* cmpxchg taking a released mutex after a spin */                   \
    X(osq_unlock)             /* cmpxchg of lock->osq.tail (+ xchg with a successor) */            \
    X(clear_tsk_need_resched) /* clear_bit of TIF_NEED_RESCHED in __schedule */                    \
    X(set_tsk_need_resched)   /* set_bit in resched_curr on the local CPU */                       \
    X(set_nr_and_not_polling) /* cmpxchg loop in resched_curr for a remote CPU */                  \
    X(set_nr_if_polling)      /* cmpxchg loop: wake a polling idle CPU without an IPI */           \
    X(siglock)                /* spin_lock_irq(&sighand->siglock) */                               \
    X(set_tsk_thread_flag)    /* set_bit of a TIF flag */                                          \
    X(clear_thread_flag)      /* clear_bit of a TIF flag */                                        \
    X(put_task_stack)         /* refcount_dec_and_test of the dead task's stack */                 \
    X(put_task_struct)        /* refcount_dec_and_test(&prev->rcu_users) */                        \
    X(ptl_lock)               /* the PTE spinlock taken by get_locked_pte */                       \
    X(exec_update_lock)       /* down_write_killable(&signal->exec_update_lock) */                 \
    X(hrtimer_base_lock)      /* raw_spin_lock_irqsave(&cpu_base->lock) in hrtimer_interrupt */    \
    X(jiffies_lock)           /* raw_spin_lock(&jiffies_lock) in tick_do_update_jiffies64 */       \
    X(set_polling)            /* __current_set_polling: set_bit of TIF_POLLING_NRFLAG */           \
    X(clr_polling)            /* __current_clr_polling: clear_bit of TIF_POLLING_NRFLAG */         \
    X(rcu_dynticks)           /* atomic_add_return on rdp->dynticks (EQS entry/exit, snapshot) */  \
    X(rcu_node_lock)          /* raw_spin_lock_irqsave_rcu_node(rnp) */

enum class AtomicOp : std::uint8_t {
#define TLBSIM_X(name) name,
    TLBSIM_ATOMIC_OPS(TLBSIM_X)
#undef TLBSIM_X
        count_
};
std::string_view atomic_op_name(AtomicOp op);

/// How user mode entered the kernel: SYSCALL, an interrupt, or an exception (a page fault).
enum class EntryKind : std::uint8_t { syscall, interrupt, exception };
std::string_view entry_kind_name(EntryKind k);
/// The instruction that returned to a less privileged or interrupted context.
enum class ReturnInsn : std::uint8_t { sysret, iret, eretu, erets };
enum class IpiKind : std::uint8_t { membarrier, tlb, resched, sync_rq_state };
enum class SyncCoreMethod : std::uint8_t { iret_to_self, serialize };
enum class FlushKind : std::uint8_t { partial, full };
/// A user instruction that drains its CPU's store buffer (docs/memory-model.md).
enum class UserFence : std::uint8_t { mfence, lock_rmw, xchg, cmpxchg };
/// Why a buffered store left the store buffer: its time in the buffer was up, the CPU executed
/// a full barrier (a kernel [FB], a user MFENCE or LOCK-prefixed RMW) that drained it, or an
/// exhaustive search chose to commit it before a read (arch_x86/memory_search.h).
enum class CommitCause : std::uint8_t { delay, barrier, search };
/// What a membarrier call promises (docs/properties.md).
enum class BarrierCall : std::uint8_t {
    private_expedited, ///< G-MB for its mm
    sync_core,         ///< G-MB, G-SC and G-SC-SELF for its mm
    rseq,              ///< G-MB for its mm
    global_expedited,  ///< G-MB for each mm registered before t_a
    global,            ///< G-MB for every mm (an RCU grace period)
};

std::string_view return_insn_name(ReturnInsn r);
std::string_view ipi_kind_name(IpiKind k);

/// What a record says happened. Each kind keeps its own payload in Record's kind-specific
/// fields: kernel/record_kinds.h builds each kind with `rec::KIND(...)` and reads it with named
/// readers, and documents there what each kind keeps. Nothing else touches those fields.
enum class RecordKind : std::uint8_t {
    kernel_entry,        ///< user -> kernel: user code of `mm` stops here (rec::kernel_entry)
    return_to_user,      ///< user code of `mm` runs from here (rec::return_to_user)
    irq_return,          ///< an interrupt returns to kernel mode (rec::irq_return)
    rq_curr_store,       ///< RCU_INIT_POINTER(rq->curr, next) (rec::rq_curr_store)
    task_mm_store,       ///< tsk->mm of the running task changes (rec::task_mm_store)
    context_switch,      ///< switch_to completed (rec::context_switch)
    cr3_write,           ///< one write to CR3 (rec::cr3_write)
    tlb_refill,          ///< the TLB refill after a flushing CR3 write (rec::tlb_refill)
    invlpg,              ///< one INVLPG (rec::invlpg)
    sync_core,           ///< an explicit sync_core() (rec::sync_core)
    smp_mb,              ///< smp_mb(), or an MFENCE before an x2APIC IPI (rec::smp_mb, rec::mfence)
    atomic,              ///< a LOCK-prefixed read-modify-write (rec::atomic)
    enter_lazy,          ///< cpu_tlbstate.is_lazy set (rec::enter_lazy)
    unlazy,              ///< a lazy CPU switched to init_mm (rec::unlazy)
    tlb_flush,           ///< a TLB flush caught a CPU up (rec::tlb_flush)
    ipi_send,            ///< an IPI sent (rec::ipi_send)
    ipi_handler,         ///< an IPI's handler runs (rec::ipi_handler)
    ipi_ack,             ///< a cross-CPU call acknowledged (rec::ipi_ack)
    membarrier_read,     ///< membarrier read a runqueue's curr (rec::membarrier_read)
    mm_free,             ///< __mmdrop freed an mm (rec::mm_free)
    membarrier_return,   ///< sys_membarrier returns (rec::membarrier_return)
    rcu_sync,            ///< a synchronize_rcu() grace period was waited for (rec::rcu_sync)
    flush_done,          ///< flush_tlb_mm_range returns (rec::flush_done)
    irq_enter,           ///< an interrupt handler starts (rec::irq_enter)
    irq_exit,            ///< ... and ends (rec::irq_exit)
    barrier_call_start,  ///< a membarrier call's entry barrier t_a (rec::barrier_call_start)
    barrier_call_end,    ///< the call's exit barrier t_b (rec::barrier_call_end)
    rq_membarrier_state, ///< rq->membarrier_state written (rec::rq_membarrier_state)
    switch_mm_same,      ///< switch_mm_irqs_off's same-mm early return (rec::switch_mm_same)
    ipi_queue_empty,     ///< an IPI found call_single_queue empty (rec::ipi_queue_empty)
    user_store,          ///< a user store to a variable (rec::user_store)
    user_load,           ///< a user load of a variable (rec::user_load)
    user_fence,          ///< a user MFENCE or LOCK-prefixed RMW (rec::user_fence)
    store_commit,        ///< a buffered user store reaches memory (rec::store_commit)
    lazy_read_missed,    ///< a shootdown read a stale cpu_tlbstate.is_lazy (rec::lazy_read_missed)
    loaded_mm_read_missed, ///< a shootdown read a stale loaded_mm (rec::loaded_mm_read_missed)
    count_
};
std::string_view record_kind_name(RecordKind k);

namespace rec::detail {
struct Fields;
}

/// One record. The fields every record has are public; the kind-specific ones (`detail`, `flag`,
/// `other`, `value`, `gen`) are private to kernel/record_kinds.h, whose constructors and readers
/// say what each kind keeps in them. 72 bytes: observers copy records (histories, timelines).
struct Record {
    std::uint64_t seq = 0;
    sim::Cycles time{};
    /// Cycles the event itself took, as the cost model prices it: for [SER] and [FB] records
    /// the instruction alone (what cycles.ser and cycles.fb sum). A flushing CR3 write's TLB
    /// refill is not part of its cost: it is a tlb_refill record of its own.
    sim::Cycles cost{};
    std::int32_t cpu = -1;
    std::int32_t task = -1; ///< the task whose kernel stack emitted it (current)
    std::int32_t mm = -1;   ///< the mm it concerns, -1 for none (rec::KIND says which)
    std::uint32_t path = 0; ///< interned call path (Trace::intern_path)
    RecordKind kind = RecordKind::smp_mb;
    Fn site = Fn::none; ///< the innermost modelled kernel function running when it was emitted

private:
    friend struct rec::detail::Fields;
    std::uint8_t detail = 0;
    bool flag = false;
    std::int32_t other = -1;
    std::int64_t value = 0;
    std::int64_t gen = -1;
};
static_assert(sizeof(Record) == 72, "Record stays compact: observers copy records");

/// Whether the record is a serializing event ([SER]) / a full barrier ([FB]). With FRED the
/// returns are ERETU/ERETS, which are neither.
bool is_serializing(const Record& r);
bool is_full_barrier(const Record& r);

} // namespace kernel
