#pragma once
// Reports a violation of a guarantee a membarrier call owes (G-MB, G-SC, G-SC-SELF): once per
// call, CPU and property, explained by the call's reads of that CPU's rq->curr, the CPU's records
// since t_a, the checker's reason and the cause where one is recognised.

#include "check/calls.h"
#include "check/findings.h"
#include "check/history.h"
#include "check/obligations.h"
#include "check/violation_causes.h"
#include "kernel/record_text.h"

#include <cstdint>
#include <string>

namespace check {

class CallReporter {
public:
    CallReporter(Findings& findings, const History& history, const CauseTracker& causes,
                 const kernel::RecordText& text, ObligationLedger& obligations)
        : findings_(findings), history_(history), causes_(causes), text_(text),
          obligations_(obligations) {}

    /// `task`'s user instruction at `time` on `cpu` violates `property` of call `k`; `why` says
    /// how.
    void violate(Call& k, Property property, int cpu, std::int64_t time, int task,
                 const std::string& why);

private:
    Violation explained(const Call& k, int cpu, const std::string& why, Cause cause) const;

    Findings& findings_;
    const History& history_;
    const CauseTracker& causes_;
    const kernel::RecordText& text_;
    ObligationLedger& obligations_; ///< told of each violation: that obligation is settled
};

} // namespace check
