#include "policy/presets.h"

#include "sim/panic.h"

namespace policy {

namespace {

Knobs v5_10() {
    return Knobs{};
}

Knobs mainline() {
    Knobs k;
    k.cpumask_update = CpumaskUpdate::lazy;
    k.flush_tlb_local = FlushTlbLocal::in_flush_tlb_multi;
    k.flush_tlb_gen_check = FlushTlbGenCheck::new_tlb_gen;
    k.global_expedited_skip = GlobalExpeditedSkip::no_mm;
    k.sync_rq_state_on_caller_cpu = true;
    k.membarrier_ipi_mutex = true;
    k.membarrier_update_current_mm = true;
    k.kthread_use_mm_always_grab = true;
    k.membarrier_api = MembarrierApi::mainline;
    k.fred_entry = true;
    k.x2apic_ipi_fence = X2apicIpiFence::mfence_lfence;
    return k;
}

Knobs v4_16() {
    Knobs k;
    k.sync_core_checks_current_mm = false;
    k.sync_core_skips_in_irq = true;
    k.enter_lazy_tlb = EnterLazyTlb::eager_with_pcid;
    k.lazy_flush_ipi = LazyFlushIpi::always;
    k.sync_core_ipi = SyncCoreIpi::mb_only;
    k.sync_core_on_caller_cpu = false;
    k.expedited_shortcut = ExpeditedShortcut::online_cpus_only;
    k.membarrier_rq_state = false;
    k.membarrier_api = MembarrierApi::v4_16;
    return k;
}

Knobs rfc_v2() {
    Knobs k = v5_10();
    k.lazy_sync_core = LazySyncCore::switch_mm_current_mm_guard;
    return k;
}

Knobs rfc_v2_intended() {
    Knobs k = v5_10();
    k.lazy_sync_core = LazySyncCore::switch_mm_next_registration;
    return k;
}

Knobs luto_2021() {
    Knobs k = rfc_v2_intended();
    k.membarrier_finish_switch_mm = true;
    k.membarrier_update_current_mm = true;
    k.global_expedited_skip = GlobalExpeditedSkip::no_mm;
    k.sync_rq_state_on_caller_cpu = true;               // v5.13 has ce29ddc47b91
    k.x2apic_ipi_fence = X2apicIpiFence::mfence_lfence; // and 25a068b8e9a4
    return k;
}

Knobs neg_no_post_switch_fb() {
    Knobs k = mainline();
    k.lazy_switch_mb = false;
    k.finish_task_switch_mmdrop_barrier = false;
    return k;
}

Knobs neg_ipi_trusts_iret() {
    Knobs k = mainline();
    k.sync_core_ipi = SyncCoreIpi::mb_only;
    k.sync_core_on_caller_cpu = false;
    k.expedited_shortcut = ExpeditedShortcut::all_commands;
    k.sync_core_skips_in_irq = true;
    return k;
}

} // namespace

const std::vector<Preset>& presets() {
    static const std::vector<Preset> table = {
        {"v4.16", "P1",
         "the first SYNC_CORE design (2018), PCID present: IPI handler trusts IRET, caller not "
         "synced, eager lazy-TLB exit with PCID",
         v4_16()},
        {"v5.10", "P2", "v5.10.13 with the December 2020 membarrier fixes: the seed's baseline",
         v5_10()},
        {"rfc-v2", "N1 on P2",
         "RFC v2 1/2 as posted: sync moved into switch_mm_irqs_off's lazy, generation-equal "
         "branch behind the current->mm guard (current is still the previous task there), "
         "removed from finish_task_switch",
         rfc_v2()},
        {"rfc-v2-intended", "P3 on P2",
         "the same move, guarded by the next mm's SYNC_CORE registration", rfc_v2_intended()},
        {"luto-2021", "P4",
         "Lutomirski's June 2021 'membarrier cleanups' on v5.13: registration-guarded sync in "
         "switch_mm_irqs_off, explicit post-switch barrier",
         luto_2021()},
        {"mainline", "P5",
         "Linux 6.18 on Intel-like x86 (docs/kernel-6.18.md): no INVLPGB, mm_cid barrier not "
         "modelled; lazy mm_cpumask trimmed once a second, the local flush inside "
         "flush_tlb_multi, membarrier hooks in kthread_use_mm and exit_mm",
         mainline()},
        {"neg-no-post-switch-fb", "N2 (a) on P5",
         "negative control: no full barrier after the rq->curr store on a kernel->user switch "
         "(no lazy smp_mb, a barrier-free lazy mm drop)",
         neg_no_post_switch_fb()},
        {"neg-ipi-trusts-iret", "N3 on P5",
         "negative control: the pre-December-2020 SYNC_CORE handling (mb-only IPI, caller not "
         "synced, mm_users == 1 shortcut, in_irq skip)",
         neg_ipi_trusts_iret()},
    };
    return table;
}

const Preset* find_preset(std::string_view name) {
    for (const auto& p : presets()) {
        if (p.name == name) {
            return &p;
        }
    }
    return nullptr;
}

std::string check_knob(const KnobSetting& setting) {
    const KnobInfo* k = find_knob(setting.name);
    if (k == nullptr) {
        std::string names;
        for (const auto& info : knob_table()) {
            names += (names.empty() ? "" : ", ") + std::string(info.name);
        }
        return "unknown knob (expected one of: " + names + ")";
    }
    if (k->type == KnobType::boolean) {
        return setting.kind == KnobSetting::Kind::boolean ? "" : "expected true or false";
    }
    if (k->type == KnobType::integer) {
        return setting.kind == KnobSetting::Kind::integer ? "" : "expected an integer";
    }
    std::string values;
    for (auto v : k->values) {
        if (setting.kind == KnobSetting::Kind::string && v == setting.s) {
            return "";
        }
        values += (values.empty() ? "" : ", ") + std::string(v);
    }
    return "expected one of: " + values;
}

void apply_knob(Knobs& knobs, const KnobSetting& setting) {
    const KnobInfo* k = find_knob(setting.name);
    SIM_ASSERT(k != nullptr && check_knob(setting).empty(), "apply_knob: unchecked setting {}",
               setting.name);
    k->set(knobs, setting);
}

namespace {

/// These read or write rq->membarrier_state, which exists only with membarrier_rq_state.
std::string check_rq_state_knobs(const Knobs& knobs) {
    if (knobs.membarrier_rq_state) {
        return "";
    }
    std::string needs;
    auto need = [&](bool on, std::string_view name) {
        if (on) {
            needs += (needs.empty() ? "" : ", ") + std::string(name);
        }
    };
    need(knobs.membarrier_finish_switch_mm, "membarrier_finish_switch_mm");
    need(knobs.membarrier_update_current_mm, "membarrier_update_current_mm");
    need(knobs.sync_rq_state_on_caller_cpu, "sync_rq_state_on_caller_cpu");
    if (needs.empty()) {
        return "";
    }
    const bool several = needs.find(',') != std::string::npos;
    return needs + (several ? " need" : " needs") +
           " rq->membarrier_state (membarrier_rq_state = true)";
}

} // namespace

std::string check_combination(const Knobs& knobs) {
    if (std::string why = check_rq_state_knobs(knobs); !why.empty()) {
        return why;
    }
    // The smp_mb() lazy_cpumask_mb removes exists only where the bit may already be set: under
    // clear_and_set a locked cpumask_set_cpu always orders the tlb_gen read.
    if (!knobs.lazy_cpumask_mb && knobs.cpumask_update != CpumaskUpdate::lazy) {
        return "lazy_cpumask_mb = false needs the lazy mm_cpumask update (cpumask_update = "
               "\"lazy\")";
    }
    return "";
}

std::string knob_value(const Knobs& knobs, std::string_view knob) {
    const KnobInfo* k = find_knob(knob);
    return k != nullptr ? k->get(knobs) : "?";
}

} // namespace policy
