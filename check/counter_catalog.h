#pragma once
// Every counter of docs/design.md (Counters), declared once with its description in the engine's
// registry. The names are a contract: scenarios and CI depend on them.

#include "check/properties.h"
#include "kernel/record.h"
#include "scenario_model/membarrier_commands.h"
#include "sim/counters.h"

#include <array>
#include <string_view>

namespace check {

/// The sites that may execute an explicit sync_core (`ser.sync_core@SITE`).
inline constexpr std::array<std::string_view, 3> sync_core_sites = {
    "finish_task_switch", "switch_mm_irqs_off", "ipi_sync_core"};

/// membarrier commands by name, for `membarrier.calls.CMD` (scenario_model/membarrier_commands.h).
using scenario::membarrier_cmd_names;
inline constexpr std::array<std::string_view, 3> membarrier_errno_names = {"EINVAL", "EPERM",
                                                                           "ENOMEM"};

struct Counters {
    sim::CounterId ser_total, ser_cr3, ser_invlpg, ser_iret, ser_sync_core, ser_redundant;
    std::array<sim::CounterId, sync_core_sites.size()> ser_sync_core_at;
    /// ser.sync_core.unneeded and ser.sync_core.unneeded@SITE: counted by the checker's
    /// obligation accounting at the end of the run (RunChecks::fold_verdicts), not per record.
    sim::CounterId ser_sync_core_unneeded;
    std::array<sim::CounterId, sync_core_sites.size()> ser_sync_core_unneeded_at;
    sim::CounterId fb_total, fb_smp_mb, fb_mfence, fb_atomic;
    /// fb.atomic.OP, one per kernel::AtomicOp
    EnumArray<kernel::AtomicOp, sim::CounterId> fb_atomic_op;
    sim::CounterId cycles_ser, cycles_fb, cycles_tlb_refill;
    std::array<sim::CounterId, sync_core_sites.size()> cycles_sync_core_at;
    sim::CounterId cr3_write, cr3_write_flush, cr3_write_noflush;
    sim::CounterId ipi_sent, ipi_membarrier, ipi_tlb, ipi_resched, ipi_sync_rq_state, ipi_received,
        ipi_empty;
    sim::CounterId tlb_flush_local, tlb_flush_remote, tlb_unlazy;
    sim::CounterId ctxsw_total;
    sim::CounterId mm_grab, mm_drop;
    sim::CounterId membarrier_calls;
    std::array<sim::CounterId, membarrier_cmd_names.size()> membarrier_calls_cmd;
    sim::CounterId membarrier_calls_invalid;
    std::array<sim::CounterId, membarrier_errno_names.size()> membarrier_errors;
    sim::CounterId membarrier_rq_reads;
    sim::CounterId rcu_sync;
    PerProperty<sim::CounterId> violation; ///< violation.G-MB ...
    PerRule<sim::CounterId> warning;       ///< warning.K1 ...
    /// discharged.G-MB, discharged.G-SC, discharged.G-SC-SELF (call_properties order), folded
    /// in at the end of the run like the verdicts.
    std::array<sim::CounterId, call_properties.size()> discharged;
};

/// Declares every counter in `registry` (in report order) and returns their ids.
Counters declare_counters(sim::CounterRegistry& registry);

/// A registry with every counter declared, for name checks and listings outside a run.
const sim::CounterRegistry& counter_catalog();

} // namespace check
