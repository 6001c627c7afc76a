#include "check/counter_catalog.h"

#include <fmt/format.h>

namespace check {

namespace {

// One function per family of counters, called in report order.

/// The obligation accounting's sync_cores (docs/properties.md, Obligations), next to the local
/// rule of ser.redundant; counted at the end of the run, when "none" is known.
void declare_unneeded(sim::CounterRegistry& r, Counters& c) {
    c.ser_sync_core_unneeded =
        r.declare("ser.sync_core.unneeded",
                  "explicit sync_core() that discharged no G-SC or G-SC-SELF obligation of any "
                  "membarrier call in the run: it was no call's first [SER] on its CPU since t_a, "
                  "or only of calls whose obligation there never materialised (no thread of the "
                  "mm ran user code there afterwards)");
    for (std::size_t i = 0; i < sync_core_sites.size(); ++i) {
        c.ser_sync_core_unneeded_at[i] =
            r.declare(fmt::format("ser.sync_core.unneeded@{}", sync_core_sites[i]),
                      fmt::format("ser.sync_core.unneeded executed by {}", sync_core_sites[i]));
    }
}

void declare_serializing(sim::CounterRegistry& r, Counters& c) {
    c.ser_total = r.declare("ser.total",
                            "serializing events: ser.cr3 + ser.invlpg + ser.iret + ser.sync_core");
    c.ser_cr3 = r.declare("ser.cr3", "CR3 writes (every one serializes, flush or not)");
    c.ser_invlpg = r.declare("ser.invlpg", "INVLPG instructions (one per page of a partial flush)");
    c.ser_iret = r.declare(
        "ser.iret", "IRETs to user or kernel mode (not IRET-to-self in sync_core; none with FRED)");
    c.ser_sync_core =
        r.declare("ser.sync_core", "explicit sync_core(), by SERIALIZE or IRET-to-self");
    c.ser_redundant =
        r.declare("ser.redundant",
                  "scheduler-path sync_core (finish_task_switch, switch_mm_irqs_off) after another "
                  "[SER] on the "
                  "CPU since its membarrier-visible mm last changed, with no user code in between");
    for (std::size_t i = 0; i < sync_core_sites.size(); ++i) {
        c.ser_sync_core_at[i] =
            r.declare(fmt::format("ser.sync_core@{}", sync_core_sites[i]),
                      fmt::format("sync_core executed by {}", sync_core_sites[i]));
    }
    declare_unneeded(r, c);
}

void declare_full_barriers(sim::CounterRegistry& r, Counters& c) {
    c.fb_total =
        r.declare("fb.total", "full barriers: ser.total + fb.smp_mb + fb.mfence + fb.atomic");
    c.fb_smp_mb = r.declare("fb.smp_mb", "explicit smp_mb()");
    c.fb_mfence = r.declare("fb.mfence",
                            "MFENCEs before x2APIC IPI sends (x2apic_wrmsr_fence), one per send");
    c.fb_atomic =
        r.declare("fb.atomic", "LOCK-prefixed read-modify-writes (locks, atomics, cpumask bits)");
    for (std::size_t i = 0; i < c.fb_atomic_op.size(); ++i) {
        const auto op = static_cast<kernel::AtomicOp>(i);
        const std::string_view name = kernel::atomic_op_name(op);
        c.fb_atomic_op[op] =
            r.declare(fmt::format("fb.atomic.{}", name),
                      fmt::format("LOCK-prefixed RMWs of kind {} (part of fb.atomic; "
                                  "kernel/record.h says which kernel operation)",
                                  name));
    }
}

/// Each cycles counter sums the `cost` of the records it names: the instruction alone (a
/// flushing CR3 write's TLB refill is its own tlb_refill record), as drawn, jitter included.
void declare_cycles(sim::CounterRegistry& r, Counters& c) {
    c.cycles_ser = r.declare(
        "cycles.ser",
        "simulated cycles of the serializing instructions ser.total counts: the cost of each CR3 "
        "write (the MOV alone, cost model's cr3_write or pti_cr3; no TLB refill), INVLPG, IRET "
        "(to user or kernel) and sync_core (SERIALIZE or IRET-to-self)");
    for (std::size_t i = 0; i < sync_core_sites.size(); ++i) {
        c.cycles_sync_core_at[i] = r.declare(
            fmt::format("cycles.sync_core@{}", sync_core_sites[i]),
            fmt::format("simulated cycles of the sync_core instructions ser.sync_core@{} counts "
                        "(SERIALIZE or IRET-to-self; part of cycles.ser)",
                        sync_core_sites[i]));
    }
    c.cycles_fb = r.declare(
        "cycles.fb",
        "simulated cycles of the full barriers fb.total counts: cycles.ser plus the cost of each "
        "smp_mb(), MFENCE (x2apic_wrmsr_fence) and LOCK-prefixed RMW; no TLB refill");
    c.cycles_tlb_refill = r.declare(
        "cycles.tlb_refill",
        "simulated cycles of TLB refill after flushing CR3 writes (the cost model's tlb_refill, "
        "charged to the CPU after the write; one per cr3.write.flush); in neither cycles.ser nor "
        "cycles.fb");
}

void declare_cr3(sim::CounterRegistry& r, Counters& c) {
    c.cr3_write = r.declare(
        "cr3.write", "CR3 writes after time 0 (switches, unlazy, full flushes, PTI); = ser.cr3");
    c.cr3_write_flush =
        r.declare("cr3.write.flush", "CR3 writes that flush the PCID (every write without PCID)");
    c.cr3_write_noflush = r.declare("cr3.write.noflush", "CR3 writes with the NOFLUSH bit");
}

void declare_ipis(sim::CounterRegistry& r, Counters& c) {
    c.ipi_sent = r.declare(
        "ipi.sent", "IPIs sent, one per target whose handler runs by interrupt (sender's CPU)");
    c.ipi_membarrier =
        r.declare("ipi.membarrier", "membarrier IPIs sent (ipi_mb, ipi_sync_core, ipi_rseq)");
    c.ipi_tlb = r.declare("ipi.tlb", "TLB shootdown IPIs sent");
    c.ipi_resched = r.declare("ipi.resched", "reschedule IPIs sent");
    c.ipi_sync_rq_state =
        r.declare("ipi.sync_rq_state", "membarrier registration IPIs sent (ipi_sync_rq_state)");
    c.ipi_received = r.declare("ipi.received", "IPI handlers run (receiver's CPU)");
    c.ipi_empty = r.declare("ipi.empty",
                            "CALL_FUNCTION IPIs whose handler found call_single_queue empty: an "
                            "earlier flush (another IPI's or the polling idle loop's) had run the "
                            "calls it was raised for (receiver's CPU; included in ipi.received)");
}

void declare_tlb_and_mm(sim::CounterRegistry& r, Counters& c) {
    c.tlb_flush_local =
        r.declare("tlb.flush.local", "TLB flushes done by the initiator on its own CPU");
    c.tlb_flush_remote = r.declare("tlb.flush.remote", "TLB flushes done in IPI handlers");
    c.tlb_unlazy =
        r.declare("tlb.unlazy", "lazy CPUs switched to init_mm (by their own flush or an IPI)");
    c.ctxsw_total = r.declare("ctxsw.total", "context switches with prev != next, idle included");
    c.mm_grab = r.declare("mm.grab", "mmgrab (mm_count increments), every mm");
    c.mm_drop = r.declare("mm.drop", "mmdrop (mm_count decrements), every mm");
}

void declare_membarrier(sim::CounterRegistry& r, Counters& c) {
    c.membarrier_calls = r.declare("membarrier.calls", "membarrier() system calls");
    for (std::size_t i = 0; i < membarrier_cmd_names.size(); ++i) {
        c.membarrier_calls_cmd[i] =
            r.declare(fmt::format("membarrier.calls.{}", membarrier_cmd_names[i]),
                      fmt::format("membarrier({}) calls", membarrier_cmd_names[i]));
    }
    c.membarrier_calls_invalid =
        r.declare("membarrier.calls.invalid", "membarrier() calls with a command that names none");
    for (std::size_t i = 0; i < membarrier_errno_names.size(); ++i) {
        c.membarrier_errors[i] =
            r.declare(fmt::format("membarrier.errors.{}", membarrier_errno_names[i]),
                      fmt::format("membarrier() calls failing with {}", membarrier_errno_names[i]));
    }
    c.membarrier_rq_reads = r.declare(
        "membarrier.rq_reads",
        "rq->curr reads by the expedited membarrier commands: one per CPU each call scans (all "
        "online CPUs, or the one FLAG_CPU names), however few of them run the mm");
    c.rcu_sync = r.declare("rcu.sync", "RCU grace periods waited for (synchronize_rcu)");
}

/// The checker's verdicts: one counter per property and per mechanism rule (check/properties.h).
void declare_verdicts(sim::CounterRegistry& r, Counters& c) {
    for (const auto& p : properties) {
        c.violation[p.id] =
            r.declare(fmt::format("violation.{}", p.name), fmt::format("violations of {}", p.name));
    }
    for (const auto& k : mechanism_rules) {
        c.warning[k.id] = r.declare(fmt::format("warning.{}", k.name),
                                    fmt::format("mechanism warnings {}: {}", k.name, k.meaning));
    }
    // Obligation accounting (docs/properties.md, Obligations), on the CPU that owed.
    for (std::size_t i = 0; i < call_properties.size(); ++i) {
        const Property p = call_properties[i];
        c.discharged[i] = r.declare(
            fmt::format("discharged.{}", name(p)),
            fmt::format("(membarrier call, CPU) obligations of {} discharged, each by the first "
                        "{} on that CPU since the call's t_a, before the user code that needed it",
                        name(p), p == Property::g_mb ? "[FB]" : "[SER]"));
    }
}

} // namespace

Counters declare_counters(sim::CounterRegistry& r) {
    Counters c{};
    declare_serializing(r, c);
    declare_full_barriers(r, c);
    declare_cycles(r, c);
    declare_cr3(r, c);
    declare_ipis(r, c);
    declare_tlb_and_mm(r, c);
    declare_membarrier(r, c);
    declare_verdicts(r, c);
    return c;
}

const sim::CounterRegistry& counter_catalog() {
    static const sim::CounterRegistry registry = [] {
        sim::CounterRegistry r;
        declare_counters(r);
        return r;
    }();
    return registry;
}

} // namespace check
