#pragma once
// Every counter of DESIGN.md (Counters), declared once with its description in the engine's
// registry. The names are a contract: scenarios and CI depend on them.

#include "kernel/record.h"
#include "sim/counters.h"

#include <array>
#include <string_view>

namespace check {

/// The sites that may execute an explicit sync_core (`ser.sync_core@SITE`).
inline constexpr std::array<std::string_view, 3> sync_core_sites = {
    "finish_task_switch", "switch_mm_irqs_off", "ipi_sync_core"};

/// membarrier commands by name, for `membarrier.calls.CMD` (uapi values 0, 1<<0 .. 1<<9).
inline constexpr std::array<std::string_view, 11> membarrier_cmd_names = {
    "query",
    "global",
    "global_expedited",
    "register_global_expedited",
    "private_expedited",
    "register_private_expedited",
    "private_expedited_sync_core",
    "register_private_expedited_sync_core",
    "private_expedited_rseq",
    "register_private_expedited_rseq",
    "get_registrations"};
inline constexpr std::array<std::string_view, 3> membarrier_errno_names = {"EINVAL", "EPERM",
                                                                           "ENOMEM"};
inline constexpr std::array<std::string_view, 5> property_names = {"G-MB", "G-SC", "G-SC-SELF",
                                                                   "G-TLB", "G-REF"};
/// The mechanism rules of kernel-spec §6.5, reported as warnings (`warning.K1` ...).
inline constexpr std::array<std::string_view, 5> mechanism_names = {"K1", "K2", "K3", "K4", "K5"};

struct Counters {
    sim::CounterId ser_total, ser_cr3, ser_invlpg, ser_iret, ser_sync_core, ser_redundant;
    std::array<sim::CounterId, 3> ser_sync_core_at;
    sim::CounterId fb_total, fb_smp_mb, fb_mfence, fb_atomic;
    /// fb.atomic.OP, one per kernel::AtomicOp
    std::array<sim::CounterId, static_cast<std::size_t>(kernel::AtomicOp::count_)> fb_atomic_op;
    sim::CounterId cycles_ser, cycles_fb;
    std::array<sim::CounterId, 3> cycles_sync_core_at;
    sim::CounterId cr3_write, cr3_write_flush, cr3_write_noflush;
    sim::CounterId ipi_sent, ipi_membarrier, ipi_tlb, ipi_resched, ipi_sync_rq_state, ipi_received,
        ipi_empty;
    sim::CounterId tlb_flush_local, tlb_flush_remote, tlb_unlazy;
    sim::CounterId ctxsw_total;
    sim::CounterId mm_grab, mm_drop;
    sim::CounterId membarrier_calls;
    std::array<sim::CounterId, 11> membarrier_calls_cmd;
    sim::CounterId membarrier_calls_invalid;
    std::array<sim::CounterId, 3> membarrier_errors;
    sim::CounterId rcu_sync;
    std::array<sim::CounterId, 5> violation;
    std::array<sim::CounterId, 5> warning; ///< mechanism rules K1..K5
};

/// Declares every counter in `registry` (in report order) and returns their ids.
Counters declare_counters(sim::CounterRegistry& registry);

/// A registry with every counter declared, for name checks and listings outside a run.
const sim::CounterRegistry& counter_catalog();

} // namespace check
