#pragma once
// Per-CPU x86 state: privilege mode, CR3, cpu_tlbstate (arch/x86/include/asm/tlbflush.h, v5.10.13)
// and the CPU's call_single_queue (kernel/smp.c).

#include "kernel/rcu_data.h"
#include "kernel/record.h"
#include "sim/cpu_id.h"
#include "sim/event_queue.h"
#include "sim/rng.h"

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

namespace kernel {
struct Mm;
struct Task;
} // namespace kernel

namespace arch_x86 {

/// TLB_NR_DYN_ASIDS: the dynamic ASID slots used with PCID.
inline constexpr int TLB_NR_DYN_ASIDS = 6;
/// tlb_single_page_flush_ceiling: above this many pages a range flush becomes a full flush.
inline constexpr std::int64_t tlb_single_page_flush_ceiling = 33;

enum class Mode : std::uint8_t { user, kernel };

/// Interrupt vectors of the simulated machine.
enum Vector : std::uint32_t {
    CALL_FUNCTION_VECTOR = 0, ///< smp_call_function IPIs (membarrier, TLB shootdown)
    RESCHEDULE_VECTOR = 1,    ///< smp_send_reschedule
    HRTIMER_VECTOR = 2,       ///< hrtimer expiry: sleep wakeups and thread creation
    TICK_VECTOR = 3,          ///< the periodic scheduler tick
    DEVICE_VECTOR = 4,        ///< an [[inject]] interrupt
    FLUSH_KTHREAD_VECTOR = 5, ///< timer that creates an [[inject]] flush_tlb kernel thread
};

struct TlbContext {
    std::uint64_t ctx_id = 0;  ///< which mm owns the slot's TLB entries; 0 = empty
    std::uint64_t tlb_gen = 0; ///< generation of that mm the slot is caught up to
};

struct CpuTlbState {
    kernel::Mm* loaded_mm = nullptr;
    bool loaded_mm_switching = false; ///< LOADED_MM_SWITCHING during a switch between mms
    std::uint16_t loaded_mm_asid = 0;
    std::uint16_t next_asid = 1;
    bool is_lazy = false;
    std::array<TlbContext, TLB_NR_DYN_ASIDS> ctxs{};
    std::uint16_t user_pcid_flush_mask = 0; ///< PTI: user PCIDs to flush on the next exit
};

/// The functions smp_call_function can run on a target.
enum class CsdFunc : std::uint8_t {
    flush_tlb_func_remote,
    ipi_mb,
    ipi_sync_core,
    ipi_rseq,
    ipi_sync_rq_state,
    flush_tlb_func, ///< v5.13+: the one function for the local call and the IPI (tlb.cpp)
};

/// struct flush_tlb_info (arch/x86/include/asm/tlbflush.h).
struct FlushTlbInfo {
    kernel::Mm* mm = nullptr;
    bool full = true;       ///< end == TLB_FLUSH_ALL
    std::int64_t pages = 0; ///< pages in [start, end) when not full
    bool freed_tables = false;
    std::uint64_t new_tlb_gen = 0;
    int initiating_cpu = 0;
    bool trim_cpumask = false; ///< v6.14+: should_trim_cpumask() found the trim due
};

/// One smp_call_function_many() in flight: what to run and how many targets still owe an ack.
struct SmpCall {
    sim::CpuId sender = sim::CpuId::none();
    int acks_pending = 0;
    CsdFunc func = CsdFunc::ipi_mb;
    kernel::IpiKind kind = kernel::IpiKind::membarrier;
    FlushTlbInfo flush;
    kernel::Mm* mm = nullptr; ///< ipi_sync_rq_state's argument
    bool wait = true;         ///< the sender waits for every ack
    bool active = false;
};

/// What a buffered store writes: a user variable, or one of the kernel's shared variables that
/// membarrier reads across CPUs (arch_x86/kernel_memory.h).
enum class StoreTarget : std::uint8_t {
    user_var,
    rq_curr,
    rq_membarrier_state,
    task_mm,
    tlb_is_lazy,
    tlb_loaded_mm
};

/// A store waiting in its CPU's store buffer (x86-TSO, docs/memory-model.md): it reaches memory
/// at `due` unless a full barrier on its CPU drains it first.
struct BufferedStore {
    /// user_var: an index of KernelState::user_vars; rq_curr, rq_membarrier_state, tlb_is_lazy,
    /// tlb_loaded_mm: the CPU whose variable it is; task_mm: a task id.
    int var = -1;
    /// rq_curr: a task id; task_mm: an mm id (-1 for NULL); tlb_loaded_mm: an mm id, or
    /// kLoadedMmSwitching.
    std::int64_t value = 0;
    sim::Cycles due{};
    StoreTarget target = StoreTarget::user_var;
    /// A kernel store: the value it replaced, which memory holds until it leaves the buffer.
    std::int64_t old = 0;
};

struct X86Cpu {
    int id = 0;
    Mode mode = Mode::kernel;
    kernel::Task* current = nullptr;     ///< per-CPU current_task, changed only in __switch_to
    kernel::Task* switch_prev = nullptr; ///< what switch_to() returns on the next task's stack
    bool polling = false; ///< the idle task polls (TIF_POLLING_NRFLAG): no IPI needed
    kernel::RcuData rcu;  ///< this CPU's rcu_data
    CpuTlbState tlb;
    kernel::Mm* cr3_mm = nullptr; ///< whose page tables CR3 points at
    std::uint16_t cr3_pcid = 0;
    std::deque<int> call_single_queue; ///< SmpCall indices
    /// What flush_smp_call_function_queue took with llist_del_all() and is running (a local
    /// list in the kernel; kept here because the flush spans suspension points).
    std::vector<int> csd_taken;
    int hardirq_depth = 0; ///< in_irq()
    /// user_mode(get_irq_regs()): the outermost interrupt being handled interrupted user mode.
    bool irq_from_user = false;
    /// An exhaustive search held the oldest pending interrupt back until the waiting thread on
    /// this CPU proceeded (arch_x86/memory_search.h): its irq_enter record says so.
    bool irq_held_by_search = false;
    sim::TimerId tick_timer; ///< the armed tick (stop_tick cancels it)
    bool tick_armed = false;
    /// The FIFO store buffer (machine.memory = "tso"): oldest first, `due` non-decreasing.
    std::deque<BufferedStore> store_buffer;
    /// Draws the kernel stores' time in the buffer (arch_x86/kernel_memory.h), apart from the
    /// CPU's step stream so that buffering them moves no other draw.
    sim::Rng kernel_store_rng;
};

} // namespace arch_x86
