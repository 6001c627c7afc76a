#pragma once
// The cost model: how many cycles each modelled step takes. Every entry has a name (used in
// [machine.costs] and `tlbsim costs`), a default and the source of that default
// (a measurement, a commit or a paper, at 3 GHz; "assumption" where none is published). Costs shape
// the windows between steps; they never decide which path the kernel takes.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace kernel {

#define TLBSIM_COSTS(X)                                                                            \
    /* entry and exit */                                                                           \
    X(syscall_entry, 500,                                                                          \
      "syscall entry to the handler: half of a 339 ns round trip (FreeBSD D13985, Haswell)")       \
    X(sysret, 500, "exit work and SYSRET: the other half of the 339 ns syscall round trip")        \
    X(interrupt_entry, 300, "interrupt entry to the handler once delivered (assumption: ~100 ns)") \
    X(iret, 330, "IRET: ~110 ns (commit c198b121b1a1, IRET-to-self measurement)")                  \
    X(fred_return, 100, "ERETU/ERETS under FRED: not published; assumed cheaper than IRET")        \
    X(pti_cr3, 200,                                                                                \
      "PTI CR3 switch on entry or exit: ~70 ns per no-flush write (FreeBSD D13985 PTI delta / 2)") \
    /* scheduler (kernel/sched/core.c) */                                                          \
    X(schedule_entry, 50, "__schedule S0: local_irq_disable, rcu_note_context_switch")             \
    X(rq_lock, 20, "rq_lock: one locked RMW, 18 cycles (commit 8270137a0d50)")                     \
    X(pick_next_task, 300, "update_rq_clock, deactivate_task, pick_next_task: hundreds of cycles") \
    X(rq_curr_store, 5, "RCU_INIT_POINTER(rq->curr, next): a plain store")                         \
    X(prepare_task_switch, 100, "prepare_task_switch: rseq_preempt, on_cpu, perf and notifiers")   \
    X(context_switch_mm, 30,                                                                       \
      "context_switch's mm bookkeeping (active_mm, prev_mm, enter_lazy_tlb)")                      \
    X(switch_to, 200, "switch_to: stack switch, FPU, segments, current_task (__switch_to)")        \
    X(finish_task_switch, 100,                                                                     \
      "finish_task_switch: prev_mm, on_cpu release, rq unlock, IRQ enable")                        \
    X(try_to_wake_up, 300, "try_to_wake_up: pi_lock, enqueue, check_preempt (besides its locks)")  \
    X(idle_poll_exit, 100, "a polling idle CPU noticing TIF_NEED_RESCHED (assumption)")            \
    X(scheduler_tick, 300, "scheduler_tick work in the tick handler (assumption)")                 \
    X(hrtimer_handler, 200, "hrtimer_interrupt: expire one timer (assumption)")                    \
    X(device_irq_handler, 1000, "an injected device interrupt's handler (assumption)")             \
    X(resched_ipi_handler, 100, "scheduler_ipi (assumption)")                                      \
    X(migrate, 300, "sched_setaffinity: move the task to another runqueue (assumption)")           \
    /* x86 mm (arch/x86/mm/tlb.c) */                                                               \
    X(switch_mm_check, 20, "switch_mm_irqs_off: reading cpu_tlbstate and taking a branch")         \
    X(choose_new_asid, 30, "choose_new_asid: scan of the 6 ctxs slots")                            \
    X(cr3_write, 200,                                                                              \
      "MOV to CR3: <=70 ns (FreeBSD D13985); PCID saves ~100 ns (Lutomirski 2016)")                \
    X(tlb_refill, 1000,                                                                            \
      "extra cost of a flushing CR3 write: TLB refill, 'tens of thousands' at worst (Hansen)")     \
    X(invlpg, 300, "INVLPG: ~100 ns per page (tlb.c comment), ~350 cycles INVPCID (Hansen)")       \
    X(smp_mb, 20, "smp_mb(): lock addl, 18 cycles (commit 8270137a0d50)")                          \
    X(mfence, 33, "MFENCE: 33 cycles on Skylake (Agner Fog's instruction tables)")                 \
    X(lfence, 4, "LFENCE: 4 cycles reciprocal throughput on Skylake (Agner Fog's tables)")         \
    X(invpcid, 350, "INVPCID single-address: ~350 cycles (Hansen, as for INVLPG above)")           \
    X(atomic, 20, "a LOCK-prefixed RMW: 18 cycles (commit 8270137a0d50)")                          \
    X(sync_core_iret, 330, "sync_core() by IRET-to-self: ~110 ns (commit c198b121b1a1)")           \
    X(sync_core_serialize, 100,                                                                    \
      "SERIALIZE: cost not published (Phoronix 2020); assumption, override it")                    \
    X(flush_tlb_setup, 100, "flush_tlb_mm_range: get_flush_tlb_info, ceiling check")               \
    X(flush_tlb_func, 100, "flush_tlb_func_common: generation checks (besides the flush itself)")  \
    X(ipi_send, 450, "IPI send: 437 cycles (Skyloft SOSP'24 Table 5)")                             \
    X(ipi_latency, 1600,                                                                           \
      "IPI delivery to the target's handler: 1,582 cycles (Skyloft SOSP'24 Table 5)")              \
    X(csd_enqueue, 50, "llist_add of a call_single_data onto a CPU's queue")                       \
    X(csd_ack, 50, "csd_unlock: the handler's release store that the waiting sender observes")     \
    /* process lifetime */                                                                         \
    X(exit_mm, 200, "exit_mm bookkeeping besides its locks")                                       \
    X(exit_mmap, 3000, "exit_mmap: unmapping before tlb_finish_mmu (assumption)")                  \
    X(exec, 5000, "execve work besides exec_mmap and de_thread (assumption)")                      \
    X(kthread_mm, 50, "kthread_use_mm / kthread_unuse_mm bookkeeping")                             \
    X(text_poke, 500, "__text_poke: writing the text through the poking mm (assumption)")          \
    X(efi_runtime_call, 5000, "an EFI runtime service call (assumption)")                          \
    /* membarrier (kernel/sched/membarrier.c) */                                                   \
    X(membarrier_entry, 100, "sys_membarrier dispatch and argument checks")                        \
    X(membarrier_read_curr, 20, "reading one CPU's rq->curr->mm under RCU")                        \
    X(rcu_grace_period, 3000000,                                                                   \
      "synchronize_rcu: 'at least a few ms' (Felker, LKML 2019); 1 ms at 3 GHz")                   \
    X(rcu_jiffies_to_sched_qs, 300000000,                                                          \
      "jiffies_to_sched_qs: at least HZ/10, 100 ms (v5.10.13 adjust_jiffies_till_sched_qs)")       \
    X(rcu_jiffies_resched, 31500000000,                                                            \
      "rcu_state.jiffies_resched: half the 21 s stall timeout (record_gp_stall_check_time)")       \
    /* user memory (docs/memory-model.md) */                                                       \
    X(user_access, 4, "a user load or store that hits L1: 4-5 cycles (Agner Fog's tables)")        \
    X(store_buffer_drain, 50,                                                                      \
      "time a store waits in the store buffer before it reaches L1 by itself (assumption)")

enum class Cost : std::uint8_t {
#define TLBSIM_X(name, value, source) name,
    TLBSIM_COSTS(TLBSIM_X)
#undef TLBSIM_X
        count_
};

struct CostInfo {
    std::string_view name;
    std::int64_t default_value;
    std::string_view source;
};

const std::array<CostInfo, static_cast<std::size_t>(Cost::count_)>& cost_table();

/// The effective costs of one run: defaults, then the scenario's [machine.costs] overrides.
class CostModel {
public:
    CostModel();
    /// Applies overrides by name; names were validated by the scenario loader.
    void override_costs(const std::map<std::string, std::int64_t>& overrides);
    std::int64_t operator[](Cost c) const { return values_[static_cast<std::size_t>(c)]; }

private:
    std::array<std::int64_t, static_cast<std::size_t>(Cost::count_)> values_{};
};

} // namespace kernel
