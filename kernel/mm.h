#pragma once
// struct mm_struct, the fields tlbsim models (include/linux/mm_types.h, v5.10.13;
// arch/x86/include/asm/mmu.h for `context`).

#include "kernel/cpumask.h"

#include <cstdint>
#include <string>

namespace kernel {

/// Bits of mm->membarrier_state (include/linux/sched/mm.h, identical in v5.10 and mainline).
enum MembarrierState : std::uint32_t {
    MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY = 1U << 0,
    MEMBARRIER_STATE_PRIVATE_EXPEDITED = 1U << 1,
    MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY = 1U << 2,
    MEMBARRIER_STATE_GLOBAL_EXPEDITED = 1U << 3,
    MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY = 1U << 4,
    MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE = 1U << 5,
    MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY = 1U << 6,
    MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ = 1U << 7,
};

/// cpu_tlbstate.loaded_mm = LOADED_MM_SWITCHING (arch/x86/include/asm/tlbflush.h: "(struct
/// mm_struct *)1"), where an mm id stands for the mm: ids are >= 0 and -1 is NULL.
inline constexpr std::int64_t kLoadedMmSwitching = -2;

/// CONFIG_HZ: jiffies per second (the traced 6.18 machine's config has CONFIG_HZ_250).
inline constexpr std::int64_t HZ = 250;

enum class MmKind : std::uint8_t {
    init_mm,   ///< the kernel's own mm: ctx_id 1, never receives mm-targeted flush IPIs
    user,      ///< a process's address space
    efi_mm,    ///< arch/x86/platform/efi: used by efi_switch_mm around EFI runtime calls
    poking_mm, ///< arch/x86/kernel/alternative.c: text_poke's temporary mm
};

struct Mm {
    int id = 0;       ///< index in KernelState::mms
    std::string name; ///< process name, or "init_mm", "efi_mm", "poking_mm"
    MmKind kind = MmKind::user;
    int process = -1;   ///< scenario process index for user mms
    int generation = 0; ///< 0 for the process's first mm, +1 per exec

    std::int64_t mm_users = 0; ///< threads plus mmget holders
    std::int64_t mm_count = 0; ///< references to the struct (all mm_users count as one)
    CpuMask cpumask;           ///< mm_cpumask(mm)
    std::uint64_t ctx_id = 0;  ///< context.ctx_id: unique, never reused; init_mm has 1
    std::uint64_t tlb_gen = 0; ///< context.tlb_gen: page-table generation
    std::uint32_t membarrier_state = 0;
    /// context.next_trim_cpumask (arch/x86/include/asm/mmu.h, v6.14+): the jiffy after which
    /// flush_tlb_mm_range() trims mm_cpumask. init_new_context() sets jiffies + HZ
    /// (arch_x86::init_new_context); an mm that exists when the run starts counts as made at
    /// jiffy 0. A replay may set it lower for an mm made long before its trace begins.
    std::int64_t next_trim_cpumask = HZ;
    bool freed = false;      ///< __mmdrop ran: any later use is a G-REF violation
    bool users_gone = false; ///< the last mmput dropped mm_users to 0: no mmget from now on
    bool torn_down = false;  ///< exit_mmap ran (last mmput)

    bool is_init_mm() const { return kind == MmKind::init_mm; }
};

} // namespace kernel
