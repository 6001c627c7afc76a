#pragma once
// What the recording says about the machine's timing, measured from the recording itself and
// given to the replay's cost model (like `ghz`, not fitted to the outcomes compared).
//
// IPI delivery: a TLB-flush IPI's `ipi_send_cpu`/`ipi_send_cpumask` line on the sender, and the
// first `tlb_flush` line of flush_tlb_func() on the target after it (reason "remote shootdown",
// or "remote wrong CPU" when the target no longer runs the mm): the time from the send to the
// handler. The cost model's `ipi_latency` is a bare-metal figure (1,582 cycles, about half a
// microsecond); a KVM guest's vCPU takes tens of microseconds (the host delivers the interrupt,
// and may have to schedule the vCPU first), and a replay that delivers sooner than the kernel
// did decides the races between an IPI and a switch on the target the other way.
//
// Membarrier scan: a membarrier call's `sys_enter_membarrier` line and the caller's first
// membarrier IPI send line within the call (membarrier_private_expedited() sends right after its
// loop over the CPUs' rq->curr). The kernel's path between them (the tracepoint's own write,
// the command's checks, smp_mb(), zalloc_cpumask_var(), SERIALIZE_IPI(), cpus_read_lock(), the
// scan) takes 1-3 us on these guests; the model's takes a fifth of a microsecond. A replay whose
// scan runs that much sooner than the kernel's reads rq->curr before a switch that the kernel's
// scan saw, and sends an IPI the kernel did not (or the other way round).

#include "ftrace/workload.h"

#include <cstddef>
#include <optional>

namespace run {

struct IpiDelivery {
    ftrace::Nanos median = 0; ///< from send to the target's handler line
    std::size_t samples = 0;
};

/// The median delivery time of the recording's TLB-flush IPIs, or nullopt when it has fewer
/// than kMinIpiSamples of them. Pairs further apart than kMaxIpiDelivery are left out (a target
/// whose handler line the recording lost, or an IPI coalesced with an earlier one).
std::optional<IpiDelivery> measure_ipi_delivery(const ftrace::Workload& w);

inline constexpr std::size_t kMinIpiSamples = 5;
inline constexpr std::size_t kMinScanSamples = 5;           ///< calls that sent an IPI
inline constexpr ftrace::Nanos kMaxIpiDelivery = 1'000'000; // 1 ms

struct MembarrierScan {
    ftrace::Nanos mean = 0; ///< from sys_enter_membarrier to the call's first IPI send
    std::size_t samples = 0;
};

/// Whether `c` runs membarrier_private_expedited()'s loop over every CPU's rq->curr
/// (kernel/sched/membarrier.c): PRIVATE_EXPEDITED, _SYNC_CORE and _RSEQ without
/// MEMBARRIER_CMD_FLAG_CPU. The scan time is measured on these calls and given to them only:
/// a registration's IPIs (sync_runqueues_membarrier_state), GLOBAL_EXPEDITED's loop and a
/// FLAG_CPU call's single read follow other paths.
bool scans_runqueues(const ftrace::MembarrierCall& c);

/// The mean time from a membarrier call's entry line to its first IPI send, over the calls
/// that scan the runqueues (scans_runqueues) and sent one, or nullopt when fewer than
/// kMinIpiSamples did. The recording's timestamps are truncated to the microsecond, so the mean,
/// not the median, estimates the time (both lines are truncated alike). Calls that took longer than
/// kMaxScanDelay to send are left out: the caller was interrupted, or waited for SERIALIZE_IPI's
/// mutex (the model takes only the mutex's fast path: docs/model.md), which are not the path's own
/// length.
std::optional<MembarrierScan> measure_membarrier_scan(const ftrace::Workload& w);

inline constexpr ftrace::Nanos kMaxScanDelay = 10'000; // 10 us

} // namespace run
