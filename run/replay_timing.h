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
inline constexpr ftrace::Nanos kMaxIpiDelivery = 1'000'000; // 1 ms

} // namespace run
