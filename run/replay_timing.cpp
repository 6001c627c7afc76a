#include "run/replay_timing.h"

#include "membarrier/membarrier.h"

#include <algorithm>
#include <vector>

namespace run {

namespace {

bool is_handler_flush(const ftrace::Flush& f) {
    return f.reason == ftrace::FlushReason::remote_shootdown ||
           f.reason == ftrace::FlushReason::remote_wrong_cpu;
}

/// The handler lines of each CPU, in time order.
std::vector<std::vector<ftrace::Nanos>> handler_times(const ftrace::Workload& w) {
    std::vector<std::vector<ftrace::Nanos>> by_cpu(static_cast<std::size_t>(std::max(w.cpus, 1)));
    for (const ftrace::Flush& f : w.flushes) {
        if (is_handler_flush(f) && f.cpu >= 0 && f.cpu < static_cast<int>(by_cpu.size())) {
            by_cpu[static_cast<std::size_t>(f.cpu)].push_back(f.time);
        }
    }
    return by_cpu;
}

} // namespace

std::optional<IpiDelivery> measure_ipi_delivery(const ftrace::Workload& w) {
    const std::vector<std::vector<ftrace::Nanos>> handlers = handler_times(w);
    std::vector<ftrace::Nanos> delays;
    for (const ftrace::Ipi& ipi : w.ipis) {
        if (ipi.kind != ftrace::IpiKind::tlb) {
            continue;
        }
        for (const int target : ipi.targets) {
            if (target < 0 || target >= static_cast<int>(handlers.size())) {
                continue;
            }
            const std::vector<ftrace::Nanos>& h = handlers[static_cast<std::size_t>(target)];
            const auto it = std::lower_bound(h.begin(), h.end(), ipi.time);
            if (it != h.end() && *it - ipi.time <= kMaxIpiDelivery) {
                delays.push_back(*it - ipi.time);
            }
        }
    }
    if (delays.size() < kMinIpiSamples) {
        return std::nullopt;
    }
    const auto mid = delays.begin() + static_cast<std::ptrdiff_t>(delays.size() / 2);
    std::nth_element(delays.begin(), mid, delays.end());
    return IpiDelivery{*mid, delays.size()};
}

namespace {

/// The caller's first membarrier IPI send within `c` and kMaxScanDelay of its entry, or nullptr.
/// `ipis` is in time order.
const ftrace::Ipi* first_send(const ftrace::MembarrierCall& c,
                              const std::vector<ftrace::Ipi>& ipis) {
    auto it = std::lower_bound(ipis.begin(), ipis.end(), c.enter,
                               [](const ftrace::Ipi& i, ftrace::Nanos t) { return i.time < t; });
    for (; it != ipis.end() && it->time - c.enter <= kMaxScanDelay &&
           (!c.returned || it->time <= c.exit);
         ++it) {
        if (it->pid == c.pid && it->kind == ftrace::IpiKind::membarrier) {
            return &*it;
        }
    }
    return nullptr;
}

} // namespace

bool scans_runqueues(const ftrace::MembarrierCall& c) {
    using namespace membarrier;
    const bool expedited = c.cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED ||
                           c.cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE ||
                           c.cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ;
    return expedited && (c.flags & MEMBARRIER_CMD_FLAG_CPU) == 0;
}

std::optional<MembarrierScan> measure_membarrier_scan(const ftrace::Workload& w) {
    ftrace::Nanos sum = 0;
    std::size_t samples = 0;
    for (const ftrace::MembarrierCall& c : w.membarriers) {
        const ftrace::Ipi* send = scans_runqueues(c) ? first_send(c, w.ipis) : nullptr;
        if (send != nullptr) {
            sum += send->time - c.enter;
            ++samples;
        }
    }
    if (samples < kMinScanSamples) {
        return std::nullopt;
    }
    return MembarrierScan{sum / static_cast<ftrace::Nanos>(samples), samples};
}

} // namespace run
