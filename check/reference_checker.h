#pragma once
// G-REF: no use of an mm after __mmdrop freed it (a CR3 write, a return to its user code, or an
// rq->curr / tsk->mm store naming it), no free while tasks or CPUs still use it, and no reference
// left over at the end of the run.

#include "check/findings.h"
#include "check/per_cpu.h"
#include "kernel/kernel_state.h"
#include "kernel/record.h"
#include "kernel/record_text.h"

#include <cstdint>

namespace check {

class ReferenceChecker {
public:
    ReferenceChecker(Findings& findings, const kernel::RecordText& text)
        : findings_(findings), text_(text) {}
    void on_record(const kernel::Record& r);
    /// At the end of the run: every remaining mm_count reference of a user mm is held by its
    /// users (one for all of them) or by a task borrowing it as active_mm (kernel threads, idle
    /// tasks, a task that exited its mm); any other count is a leak (report_leak).
    void on_finish(const kernel::KernelState& ks);
    /// End-of-run accounting: `mm` has `count` references but `holders` tasks and CPUs hold one.
    void report_leak(int mm, std::int64_t count, std::int64_t holders);

private:
    struct MmState {
        bool freed = false;
        bool reported = false; ///< one G-REF report per mm
    };

    Findings& findings_;
    const kernel::RecordText& text_;
    PerMm<MmState> mms_;
};

} // namespace check
