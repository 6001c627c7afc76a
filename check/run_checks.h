#pragma once
// What every run attaches to its record stream, in this order: the counters (counting_observer.h)
// and the guarantee checker. At the end the checker's verdicts become counters too
// (violation.<P> and warning.<K> per CPU), so every number a report prints is a counter.

#include "check/counting_observer.h"
#include "check/guarantee_checker.h"
#include "check/properties.h"
#include "kernel/trace.h"
#include "sim/counters.h"

#include <string>
#include <vector>

namespace check {

/// What the mechanism rules need to know of the checked machine and kernel.
struct CheckedMachine {
    int cpus = 1;
    bool rq_membarrier_state = true; ///< the kernel has rq->membarrier_state (v5.4+; rule K4)
    bool pti = false; ///< page-table isolation: every return to user mode writes CR3 (rule K1)
};

class RunChecks {
public:
    /// Declares every counter in `counters` (empty) and sizes it for `machine.cpus`.
    RunChecks(sim::CounterRegistry& counters, const CheckedMachine& machine);
    RunChecks(const RunChecks&) = delete; // the observers refer to ids_
    RunChecks& operator=(const RunChecks&) = delete;

    /// Adds the counting observer, then the checker, to `trace`.
    void attach(kernel::Trace& trace);
    /// After the run: adds each property's violations and each rule's warnings, per CPU, to the
    /// violation.<P> and warning.<K> counters, and the obligation accounting's counters
    /// (discharged.<P>, ser.sync_core.unneeded*). Call once.
    void fold_verdicts();

    const GuaranteeChecker& checker() const { return checker_; }
    /// The obligation accounting, complete after fold_verdicts.
    const ObligationSummary& obligations() const { return checker_.obligations().summary(); }
    /// Moves the obligation accounting out (after fold_verdicts), for the run's result.
    ObligationSummary take_obligations() { return checker_.take_obligation_summary(); }
    /// The properties violated at least once, in check::properties order.
    std::vector<std::string> violated_properties() const;

private:
    /// Ends the obligation accounting and adds discharged.* and ser.sync_core.unneeded*.
    void fold_obligations();

    sim::CounterRegistry& counters_;
    int cpus_;
    Counters ids_;
    CountingObserver counting_;
    GuaranteeChecker checker_;
};

} // namespace check
