#include "policy/knobs.h"

namespace policy {

namespace {

/// A boolean knob bound to one member.
KnobInfo boolean(std::string_view name, bool Knobs::*member, std::string_view description,
                 std::string_view kernels) {
    return {name,
            KnobType::boolean,
            {},
            description,
            kernels,
            kernels,
            [member](const Knobs& k) { return std::string(k.*member ? "true" : "false"); },
            [member](Knobs& k, const KnobSetting& s) { k.*member = s.b; }};
}

/// The names of E's values in enum order (knob_value_name, policy/knobs.h).
template <class E>
std::vector<std::string_view> value_names() {
    std::vector<std::string_view> names;
    for (int i = 0; !knob_value_name(static_cast<E>(i)).empty(); ++i) {
        names.push_back(knob_value_name(static_cast<E>(i)));
    }
    return names;
}

/// An enumeration knob bound to one member; its values are named by knob_value_name.
template <class E>
KnobInfo enumeration(std::string_view name, E Knobs::*member, std::string_view description,
                     std::string_view kernels) {
    std::vector<std::string_view> values = value_names<E>();
    auto names = values;
    return {name,
            KnobType::enumeration,
            std::move(values),
            description,
            kernels,
            kernels,
            [member, names](const Knobs& k) {
                return std::string(names[static_cast<std::size_t>(k.*member)]);
            },
            [member, names](Knobs& k, const KnobSetting& s) {
                for (std::size_t i = 0; i < names.size(); ++i) {
                    if (names[i] == s.s) {
                        k.*member = static_cast<E>(i);
                    }
                }
            }};
}

/// Core serialization and full barriers on the scheduler path.
std::vector<KnobInfo> scheduler_path_knobs() {
    return {
        enumeration(
            "lazy_sync_core", &Knobs::lazy_sync_core,
            "where a kernel->user switch back into the lazily loaded mm core-serializes for "
            "SYNC_CORE, and under which guard",
            "finish_task_switch: v4.16..mainline (kernel/sched/core.c); "
            "switch_mm_current_mm_guard: RFC v2 1/2 as posted (2020-12-04); "
            "switch_mm_next_registration: RFC v2 as intended, PATCH 2/8 (2021-06-15), 02/23 "
            "(2022-01-08)"),
        boolean("sync_core_checks_current_mm", &Knobs::sync_core_checks_current_mm,
                "membarrier_mm_sync_core_before_usermode() returns unless current->mm is the mm it "
                "is given; without it, the lazy mm's registration alone decides (over-syncing)",
                "true: v5.4+ (2840cf02fae6); false: v4.16..v5.3"),
        boolean("sync_core_skips_in_irq", &Knobs::sync_core_skips_in_irq,
                "sync_core_before_usermode() returns early in_irq(), trusting the interrupt's IRET",
                "true: v4.16..v5.9 (removed by a493d1ca, v5.10)"),
        boolean(
            "lazy_switch_mb", &Knobs::lazy_switch_mb,
            "switch_mm_irqs_off's lazy same-mm branch executes smp_mb() before reading tlb_gen",
            "true: v4.20+ (arch/x86/mm/tlb.c); false: the negative control neg-no-post-switch-fb"),
        boolean(
            "finish_task_switch_mmdrop_barrier", &Knobs::finish_task_switch_mmdrop_barrier,
            "finish_task_switch drops the borrowed mm with a locked atomic_dec_and_test (a full "
            "barrier) rather than a plain, barrier-free release",
            "true: every kernel (mmdrop, or mmdrop_lazy_tlb_sched with REFCOUNT or smp_mb); "
            "false: the negative control neg-no-post-switch-fb"),
        boolean(
            "membarrier_finish_switch_mm", &Knobs::membarrier_finish_switch_mm,
            "after a to-user switch_mm (and in kthread_use_mm), smp_mb() if the rq's membarrier "
            "state has a private or global expedited registration",
            "true: Lutomirski 'membarrier cleanups' 4/8 (2021-06-15, unmerged)"),
    };
}

/// Lazy TLB and TLB shootdown.
std::vector<KnobInfo> lazy_tlb_knobs() {
    return {
        enumeration(
            "enter_lazy_tlb", &Knobs::enter_lazy_tlb, "what entering lazy TLB mode does",
            "lazy: v4.20+ (145f573b89a6); eager_with_pcid: v4.14..v4.19 with PCID (switch to "
            "init_mm, a CR3 write)"),
        enumeration("lazy_flush_ipi", &Knobs::lazy_flush_ipi,
                    "which lazy CPUs in mm_cpumask a TLB shootdown sends its IPI",
                    "freed_tables: v4.20+ (native_flush_tlb_others / tlb_is_not_lazy); always: "
                    "v4.14..v4.19"),
        enumeration("cpumask_update", &Knobs::cpumask_update,
                    "how switch_mm_irqs_off maintains mm_cpumask on a switch between mms, and "
                    "which CPUs running another mm a shootdown still calls (lazy: only when "
                    "should_trim_cpumask() finds the mm's once-a-second trim due)",
                    "clear_and_set: v4.19..v6.13; lazy: v6.14+ (209954cbc7d0, 6db2526c1d69 "
                    "should_trim_cpumask, LOADED_MM_SWITCHING first as in v6.15+, the "
                    "83b0177a6c48 smp_mb)"),
        boolean("lazy_cpumask_mb", &Knobs::lazy_cpumask_mb,
                "under the lazy mm_cpumask update, switch_mm_irqs_off executes smp_mb() between "
                "its LOADED_MM_SWITCHING store and its tlb_gen read when this CPU's bit in the "
                "next mm's mm_cpumask is already set (no locked cpumask_set_cpu to order them)",
                "true: v6.18+ and 6.17.y (83b0177a6c48, 'x86/mm: Fix SMP ordering in "
                "switch_mm_irqs_off()'); false: v6.15..v6.17 (the lazy update of 209954cbc7d0 "
                "without it, reported by Stephen Dolan)"),
        enumeration("flush_tlb_local", &Knobs::flush_tlb_local,
                    "where flush_tlb_mm_range runs the initiating CPU's own flush: first and "
                    "whenever the mm is loaded there, or inside flush_tlb_multi under the same "
                    "condition as every other CPU in mm_cpumask (a lazy initiator is skipped)",
                    "before_others: v4.14..v5.12 (flush_tlb_func_local, flush_tlb_others); "
                    "in_flush_tlb_multi: v5.13+ (4ce94eabac16, flush_tlb_func)"),
        enumeration("flush_tlb_gen_check", &Knobs::flush_tlb_gen_check,
                    "when flush_tlb_func has nothing to do: the CPU is caught up to the mm's "
                    "tlb_gen, or (checked first) already at the request's new_tlb_gen while "
                    "the mm may be further ahead",
                    "mm_tlb_gen: v4.14..v5.19; new_tlb_gen: v6.0+ (aa44284960d5, 'Avoid reading "
                    "mm_tlb_gen when possible')"),
    };
}

/// The membarrier() system call.
std::vector<KnobInfo> membarrier_knobs() {
    return {
        enumeration("sync_core_ipi", &Knobs::sync_core_ipi, "the SYNC_CORE IPI handler",
                    "mb_and_sync_core: v5.10+ (758c9373); mb_only: v4.16..v5.9, trusting IRET"),
        boolean("sync_core_on_caller_cpu", &Knobs::sync_core_on_caller_cpu,
                "PRIVATE_EXPEDITED_SYNC_CORE also runs its handler on the caller's CPU "
                "(on_each_cpu_mask)",
                "true: v5.10+ (e45cdc71); false: v4.16..v5.9"),
        enumeration(
            "expedited_shortcut", &Knobs::expedited_shortcut,
            "when PRIVATE_EXPEDITED* returns at once without any barrier",
            "online_cpus_only: v4.16; not_sync_core: v5.10+ (e45cdc71); all_commands: v5.4..v5.9"),
        boolean("membarrier_rq_state", &Knobs::membarrier_rq_state,
                "rq->membarrier_state exists: membarrier_switch_mm and exec keep it, registration "
                "refreshes it (RCU grace period, then ipi_sync_rq_state) and GLOBAL_EXPEDITED "
                "targets CPUs by it; without it GLOBAL_EXPEDITED tests p->mm->membarrier_state "
                "and registration is smp_mb (GLOBAL, one user) or a grace period",
                "true: v5.4+ (227a4aadc75b); false: v4.16..v5.3"),
        enumeration("global_expedited_skip", &Knobs::global_expedited_skip,
                    "which CPUs with the GLOBAL_EXPEDITED rq bit GLOBAL_EXPEDITED still skips",
                    "pf_kthread: v5.4..v5.10; no_mm: v5.11+ (618758ed3a4f)"),
        boolean("sync_rq_state_on_caller_cpu", &Knobs::sync_rq_state_on_caller_cpu,
                "registration refreshes rq->membarrier_state on the caller's CPU too "
                "(on_each_cpu_mask)",
                "true: v5.12+ (ce29ddc47b91); false: v5.4..v5.11 (5.10.13 lacks the fix)"),
        boolean("membarrier_ipi_mutex", &Knobs::membarrier_ipi_mutex,
                "the expedited commands and a multi-user registration's runqueue refresh take "
                "membarrier_ipi_mutex (SERIALIZE_IPI): a second caller spins until the first "
                "returns",
                "true: v6.8+ and 5.10.210+ (944d5fe50f3f, CVE-2024-26602)"),
        boolean("membarrier_update_current_mm", &Knobs::membarrier_update_current_mm,
                "kthread_use_mm, kthread_unuse_mm and exit_mm keep rq->membarrier_state in step",
                "true: v5.11+ (618758ed3a4f, 5bc78502322a)"),
        boolean("kthread_use_mm_always_grab", &Knobs::kthread_use_mm_always_grab,
                "kthread_use_mm always takes a new reference and drops the old active_mm "
                "(mmdrop_lazy_tlb: a full barrier after the tsk->mm store), even for the same mm",
                "true: v6.4+ (6cad87b0d216); before: only when the mm differs"),
        enumeration(
            "membarrier_api", &Knobs::membarrier_api,
            "the membarrier() command set, QUERY mask and argument checks",
            "v4.16: no RSEQ, no FLAG_CPU; v5.10: QUERY 0x7f (RSEQ works but is not advertised); "
            "mainline: QUERY 0x3ff with GET_REGISTRATIONS (v6.3+)"),
    };
}

/// Entry and exit, and the APIC.
std::vector<KnobInfo> entry_knobs() {
    return {
        boolean("fred_entry", &Knobs::fred_entry,
                "the kernel enters and leaves through FRED when the machine has it (fred = true) "
                "and PTI is off: every return to user is ERETU (system calls too), every return "
                "to the kernel ERETS; without it a FRED machine still returns by IRET and SYSRET",
                "true: v6.9+ (14619d912b65, entry_64_fred.S; PTI turns FRED off: 932d922285ef); "
                "false: v4.16, v5.10 and the RFC-era kernels (no FRED code)"),
        enumeration("x2apic_ipi_fence", &Knobs::x2apic_ipi_fence,
                    "the fence before each x2APIC IPI's WRMSR to the ICR: MFENCE ([FB]) alone, or "
                    "MFENCE then LFENCE so that the WRMSR cannot start before the fence completes "
                    "(LFENCE is neither [SER] nor [FB]: it only costs time)",
                    "mfence: v4.16..v5.11 (x2apic_wrmsr_fence); mfence_lfence: v5.12+ and stable "
                    "(25a068b8e9a4, weak_wrmsr_fence; 04c3024560d3 skips it on AMD, which this "
                    "Intel-like model is not)"),
    };
}

} // namespace

const std::vector<KnobInfo>& knob_table() {
    static const std::vector<KnobInfo> table = [] {
        std::vector<KnobInfo> t;
        for (auto family : {scheduler_path_knobs, lazy_tlb_knobs, membarrier_knobs, entry_knobs}) {
            for (KnobInfo& k : family()) {
                t.push_back(std::move(k));
            }
        }
        return t;
    }();
    return table;
}

const KnobInfo* find_knob(std::string_view name) {
    for (const auto& k : knob_table()) {
        if (k.name == name) {
            return &k;
        }
    }
    return nullptr;
}

} // namespace policy
