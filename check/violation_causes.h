#pragma once
// Causes of violations (docs/mechanisms.md): which kernel mechanism the records show behind a
// violation. Each cause is recognised from per-CPU state the records build up -- how the CPU's
// membarrier-visible mm last changed, and where its rq->membarrier_state came from -- never from
// the scenario.

#include "check/calls.h"
#include "check/history.h"
#include "check/properties.h"
#include "check/violation.h"
#include "kernel/record_text.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace check {

class CauseTracker {
public:
    explicit CauseTracker(const History& history) : history_(history), cpus_(history.cpus()) {}
    /// Whether the kernel has rq->membarrier_state (v5.4+): the stale-runqueue causes need it.
    void set_rq_membarrier_state(bool on) { rq_membarrier_state_ = on; }
    void on_record(const kernel::Record& r);

    /// The cause of a violation of `property` by call `k` on `cpu`, as of now.
    Cause cause_of(const Call& k, Property property, int cpu) const;
    /// The line that explains `cause` in a violation's chain.
    std::string explain(const Call& k, Cause cause, int cpu, const kernel::RecordText& text) const;

private:
    /// A REGISTER_* of `mm` by `task` that returned on this CPU at `time` while the CPU's
    /// rq->membarrier_state lacked the registered bits (mm -1: none since the last rq write).
    struct StaleRegistration {
        int mm = -1;
        int task = -1;
        std::int64_t time = 0;
        std::string_view command;
    };

    /// The last write of a CPU's rq->membarrier_state: a copy of `mm`'s state, or a clear
    /// (`cleared`, by membarrier_update_current_mm(NULL) or exec) while the CPU's visible mm was
    /// or had just been `from_mm`.
    struct RqWrite {
        std::uint64_t seq = 0; ///< 0: never written
        int mm = -1;
        bool cleared = false;
        int from_mm = -1;
        std::int64_t time = 0;
        kernel::Fn site = kernel::Fn::none;
    };

    struct CpuCauses {
        std::uint64_t use_mm_seq = 0; ///< the kthread_use_mm store that made the visible mm (0:
                                      ///< it came otherwise)
        std::int64_t use_mm_time = 0;
        std::uint64_t last_use_mm_seq = 0; ///< this CPU's last kthread_use_mm tsk->mm store ...
        int last_use_mm = -1;              ///< ... and its mm
        std::int64_t last_use_mm_time = 0;
        StaleRegistration stale;
        RqWrite rq_write;
        std::uint64_t state_or_seq = 0; ///< this CPU's last atomic_or of an mm's membarrier_state
    };

    void track_registration(const kernel::Record& r, CpuCauses& st);
    Cause stale_rq_cause(const Call& k, int cpu) const;

    const History& history_;
    PerCpu<CpuCauses> cpus_;
    bool rq_membarrier_state_ = true;
};

} // namespace check
