#pragma once
// A replay's membarrier calls one by one: for each recorded call, the CPUs the kernel sent an IPI
// (its `ipi_send_cpu`/`ipi_send_cpumask` lines between the call's entry and exit, from the
// caller's CPU) against those the model's call sent one, and, where they differ, what the model's
// scan of the runqueues saw (membarrier_private_expedited reads each CPU's rq->curr and sends an
// IPI where the task runs the caller's mm). The totals are in ReplayComparison's `ipi.membarrier`;
// this says which calls make a difference, and why.

#include "ftrace/workload.h"
#include "kernel/kernel_state.h"
#include "kernel/record.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace run {

/// A recorded membarrier call whose IPIs the model did not predict.
struct CallMismatch {
    ftrace::Line line = 0; ///< its sys_enter_membarrier line
    int cpu = 0;           ///< the caller's CPU
    std::int64_t cmd = 0;
    std::vector<int> observed;  ///< the CPUs IPI'd, one entry per IPI, sorted
    std::vector<int> predicted; ///< the same in the model
    bool made = true;           ///< false: the model never made this call
    std::string reason;         ///< what the model's scan read on each CPU
};

struct CallComparison {
    std::int64_t calls = 0;  ///< recorded calls
    std::int64_t agreed = 0; ///< made, with the same IPI targets
    std::vector<CallMismatch> mismatches;
};

/// Follows the model's membarrier calls through their records (ReplayComparator feeds it).
class CallWatcher {
public:
    explicit CallWatcher(const ftrace::Workload& w);

    void start(const kernel::KernelState& ks);
    /// ipi_send, membarrier_read and membarrier_return records; others are ignored.
    void on_record(const kernel::Record& r);
    CallComparison result() const;

private:
    struct Made {
        bool made = false;
        std::vector<int> targets;
        std::string seen;      ///< "rq(1)->curr: a[100] (mm a[100]); ..."
        std::size_t reads = 0; ///< rq->curr reads so far (the first kReadsShown are in `seen`)
    };

    void call_returned(const kernel::Record& r);
    std::vector<int> observed_targets(const ftrace::MembarrierCall& c) const;

    const ftrace::Workload& w_;
    const kernel::KernelState* ks_ = nullptr;
    std::unordered_map<ftrace::Line, std::size_t> call_by_line_;
    std::unordered_map<int, Made> open_; ///< by task id: the call it is in
    std::vector<Made> made_;             ///< by recorded call
};

} // namespace run
