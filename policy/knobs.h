#pragma once
// A policy is plain data: the knobs the kernel layers read. Kernel code tests knobs, never preset
// names (policy/presets.h). Every knob is described once, in knob_table(): its name, type and
// values, what it changes, which kernels have which value, and the source -- `tlbsim policies`
// and the docs are generated from that table.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace policy {

/// Where the "membarrier sync_core on a kernel->user switch back into the lazily borrowed mm"
/// happens, and with which guard.
enum class LazySyncCore : std::uint8_t {
    /// finish_task_switch(): membarrier_mm_sync_core_before_usermode(rq->prev_mm)
    /// (v4.16..mainline).
    finish_task_switch,
    /// switch_mm_irqs_off(), lazy generation-equal branch, through
    /// membarrier_mm_sync_core_before_usermode(next), whose current->mm test runs while current is
    /// still the previous task (RFC v2 1/2 as posted).
    switch_mm_current_mm_guard,
    /// switch_mm_irqs_off(), same branch, guarded by next->membarrier_state's SYNC_CORE bit
    /// (RFC v2 as intended; Lutomirski June 2021 / January 2022).
    switch_mm_next_registration,
};

/// What enter_lazy_tlb() does.
enum class EnterLazyTlb : std::uint8_t {
    lazy,            ///< set is_lazy, keep the mm loaded (v4.20+, "always lazy")
    eager_with_pcid, ///< with PCID, switch to init_mm at once (v4.14..v4.19)
};

/// Which CPUs in mm_cpumask a TLB shootdown IPIs.
enum class LazyFlushIpi : std::uint8_t {
    freed_tables, ///< lazy CPUs only when page tables are freed (v4.20+)
    always,       ///< lazy CPUs too, always (v4.14..v4.19: they then switch to init_mm)
};

/// What the SYNC_CORE IPI handler does.
enum class SyncCoreIpi : std::uint8_t {
    mb_and_sync_core, ///< ipi_sync_core: smp_mb(); sync_core_before_usermode() (758c9373, v5.10)
    mb_only,          ///< ipi_mb, trusting the IPI's IRET (v4.16..v5.9)
};

/// When PRIVATE_EXPEDITED* returns at once without any barrier.
enum class ExpeditedShortcut : std::uint8_t {
    online_cpus_only, ///< only with one CPU online (v4.16)
    not_sync_core,    ///< mm_users == 1 or one CPU, except SYNC_CORE (e45cdc71, v5.10+)
    all_commands,     ///< mm_users == 1 or one CPU, SYNC_CORE too (v5.4..v5.9)
};

/// Which CPUs GLOBAL_EXPEDITED skips among those with the rq state bit.
enum class GlobalExpeditedSkip : std::uint8_t {
    pf_kthread, ///< rq->curr has PF_KTHREAD, even one using an mm (v5.10)
    no_mm,      ///< rq->curr->mm == NULL, so kthread_use_mm users get IPIs (618758ed, v5.11+)
};

/// How switch_mm_irqs_off maintains mm_cpumask on a switch between different mms.
enum class CpumaskUpdate : std::uint8_t {
    clear_and_set, ///< clear the bit of the mm left, set the new one's (v4.19..v6.13)
    /// set the new one's only if clear (else smp_mb), never clear; a shootdown skips CPUs that
    /// run another mm except once a second, when it trims the lingering bits (209954cbc7d0,
    /// 6db2526c1d69, v6.14+)
    lazy,
};

/// Where flush_tlb_mm_range() runs the local flush (arch/x86/mm/tlb.c).
enum class FlushTlbLocal : std::uint8_t {
    /// flush_tlb_func_local() first when the mm is loaded here, then flush_tlb_others() for the
    /// other CPUs (v4.14..v5.12)
    before_others,
    /// flush_tlb_multi() for the whole mm_cpumask, this CPU included under the same condition as
    /// the others; flush_tlb_func() alone only when no other CPU is in the mask (4ce94eabac16,
    /// v5.13+)
    in_flush_tlb_multi,
};

/// Which generation flush_tlb_func compares first.
enum class FlushTlbGenCheck : std::uint8_t {
    mm_tlb_gen,  ///< nothing to do only when the CPU is caught up to mm_tlb_gen (v4.14..v5.19)
    new_tlb_gen, ///< nothing to do once the CPU is at the request's new_tlb_gen (aa44284960d5,
                 ///< v6.0+)
};

/// The fence before a WRMSR to an x2APIC register (the ICR write that sends an IPI), which is not
/// serializing.
enum class X2apicIpiFence : std::uint8_t {
    mfence,        ///< x2apic_wrmsr_fence(): MFENCE (v4.16..v5.11)
    mfence_lfence, ///< weak_wrmsr_fence(): MFENCE; LFENCE (25a068b8e9a4, v5.12+)
};

/// The membarrier system call's version: command set, QUERY mask and errno quirks.
enum class MembarrierApi : std::uint8_t { v4_16, v5_10, mainline };

/// The name of each enumeration knob's values, as scenarios write them: one exhaustive switch per
/// enum (a value without a name does not compile, -Wswitch), which knob_table() walks from 0 until
/// a value has no name, so the names follow the enum by construction.
constexpr std::string_view knob_value_name(LazySyncCore v) {
    switch (v) {
    case LazySyncCore::finish_task_switch:
        return "finish_task_switch";
    case LazySyncCore::switch_mm_current_mm_guard:
        return "switch_mm_current_mm_guard";
    case LazySyncCore::switch_mm_next_registration:
        return "switch_mm_next_registration";
    }
    return {};
}
constexpr std::string_view knob_value_name(EnterLazyTlb v) {
    switch (v) {
    case EnterLazyTlb::lazy:
        return "lazy";
    case EnterLazyTlb::eager_with_pcid:
        return "eager_with_pcid";
    }
    return {};
}
constexpr std::string_view knob_value_name(LazyFlushIpi v) {
    switch (v) {
    case LazyFlushIpi::freed_tables:
        return "freed_tables";
    case LazyFlushIpi::always:
        return "always";
    }
    return {};
}
constexpr std::string_view knob_value_name(SyncCoreIpi v) {
    switch (v) {
    case SyncCoreIpi::mb_and_sync_core:
        return "mb_and_sync_core";
    case SyncCoreIpi::mb_only:
        return "mb_only";
    }
    return {};
}
constexpr std::string_view knob_value_name(ExpeditedShortcut v) {
    switch (v) {
    case ExpeditedShortcut::online_cpus_only:
        return "online_cpus_only";
    case ExpeditedShortcut::not_sync_core:
        return "not_sync_core";
    case ExpeditedShortcut::all_commands:
        return "all_commands";
    }
    return {};
}
constexpr std::string_view knob_value_name(GlobalExpeditedSkip v) {
    switch (v) {
    case GlobalExpeditedSkip::pf_kthread:
        return "pf_kthread";
    case GlobalExpeditedSkip::no_mm:
        return "no_mm";
    }
    return {};
}
constexpr std::string_view knob_value_name(CpumaskUpdate v) {
    switch (v) {
    case CpumaskUpdate::clear_and_set:
        return "clear_and_set";
    case CpumaskUpdate::lazy:
        return "lazy";
    }
    return {};
}
constexpr std::string_view knob_value_name(FlushTlbLocal v) {
    switch (v) {
    case FlushTlbLocal::before_others:
        return "before_others";
    case FlushTlbLocal::in_flush_tlb_multi:
        return "in_flush_tlb_multi";
    }
    return {};
}
constexpr std::string_view knob_value_name(FlushTlbGenCheck v) {
    switch (v) {
    case FlushTlbGenCheck::mm_tlb_gen:
        return "mm_tlb_gen";
    case FlushTlbGenCheck::new_tlb_gen:
        return "new_tlb_gen";
    }
    return {};
}
constexpr std::string_view knob_value_name(X2apicIpiFence v) {
    switch (v) {
    case X2apicIpiFence::mfence:
        return "mfence";
    case X2apicIpiFence::mfence_lfence:
        return "mfence_lfence";
    }
    return {};
}
constexpr std::string_view knob_value_name(MembarrierApi v) {
    switch (v) {
    case MembarrierApi::v4_16:
        return "v4.16";
    case MembarrierApi::v5_10:
        return "v5.10";
    case MembarrierApi::mainline:
        return "mainline";
    }
    return {};
}

struct Knobs {
    // Core serialization on the scheduler path.
    LazySyncCore lazy_sync_core = LazySyncCore::finish_task_switch;
    bool sync_core_checks_current_mm = true;
    bool sync_core_skips_in_irq = false;
    // Full barriers on the scheduler path.
    bool lazy_switch_mb = true;
    bool finish_task_switch_mmdrop_barrier = true;
    bool membarrier_finish_switch_mm = false;
    // Lazy TLB and shootdown.
    EnterLazyTlb enter_lazy_tlb = EnterLazyTlb::lazy;
    LazyFlushIpi lazy_flush_ipi = LazyFlushIpi::freed_tables;
    CpumaskUpdate cpumask_update = CpumaskUpdate::clear_and_set;
    bool lazy_cpumask_mb = true;
    FlushTlbLocal flush_tlb_local = FlushTlbLocal::before_others;
    FlushTlbGenCheck flush_tlb_gen_check = FlushTlbGenCheck::mm_tlb_gen;
    // membarrier().
    SyncCoreIpi sync_core_ipi = SyncCoreIpi::mb_and_sync_core;
    bool sync_core_on_caller_cpu = true;
    ExpeditedShortcut expedited_shortcut = ExpeditedShortcut::not_sync_core;
    bool membarrier_rq_state = true;
    GlobalExpeditedSkip global_expedited_skip = GlobalExpeditedSkip::pf_kthread;
    bool sync_rq_state_on_caller_cpu = false;
    bool membarrier_ipi_mutex = false;
    bool membarrier_update_current_mm = false;
    bool kthread_use_mm_always_grab = false;
    MembarrierApi membarrier_api = MembarrierApi::v5_10;
    // Entry and exit, and the APIC.
    bool fred_entry = false;
    X2apicIpiFence x2apic_ipi_fence = X2apicIpiFence::mfence;
};

enum class KnobType : std::uint8_t { boolean, integer, enumeration };

/// A knob value as written in a scenario: bool, integer or string (enumerations).
struct KnobSetting {
    std::string name;
    enum class Kind { boolean, integer, string } kind = Kind::boolean;
    bool b = false;
    std::int64_t i = 0;
    std::string s;
};

struct KnobInfo {
    std::string_view name;
    KnobType type;
    std::vector<std::string_view> values; ///< for enumerations, in declaration order
    std::string_view description;         ///< what it changes
    std::string_view kernels;             ///< which kernels have which value, and the source
    std::string_view source;              ///< the same text (kept for listings that name it so)
    std::function<std::string(const Knobs&)> get;
    std::function<void(Knobs&, const KnobSetting&)> set; ///< on a checked setting
};

const std::vector<KnobInfo>& knob_table();
const KnobInfo* find_knob(std::string_view name);

} // namespace policy
