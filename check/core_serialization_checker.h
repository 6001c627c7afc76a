#pragma once
// G-SC and G-SC-SELF, the core serialization a PRIVATE_EXPEDITED_SYNC_CORE call owes: the caller
// executes a [SER] on its CPU since t_a before it returns to user mode (G-SC-SELF), and every
// other CPU executes one since t_a before its first user instruction of the mm at or after t_r
// (G-SC).

#include "check/call_reporter.h"
#include "check/calls.h"
#include "check/history.h"
#include "check/per_cpu.h"
#include "kernel/record.h"
#include "kernel/record_text.h"

#include <cstdint>
#include <vector>

namespace check {

class CoreSerializationChecker {
public:
    CoreSerializationChecker(const History& history, CallTable& calls, CallReporter& reporter,
                             const kernel::RecordText& text)
        : history_(history), calls_(calls), reporter_(reporter), text_(text),
          owes_ser_(history.cpus()) {}

    /// A [SER] pays the closed calls this CPU owes one.
    void settle(const kernel::Record& r);
    /// t_r: the caller of `k` returned to user mode (record `r`).
    void caller_returned(Call& k, const kernel::Record& r);
    /// A return to user mode on r.cpu: the closed calls of its mm still waiting for a [SER] there.
    void user_started(const kernel::Record& r);
    /// The caller returned: each CPU with a [SER] pending owes it to the call.
    void call_closed(Call& k, std::uint64_t key);

private:
    static void set_pending(Call& k, int cpu, bool pending);

    const History& history_;
    CallTable& calls_;
    CallReporter& reporter_;
    const kernel::RecordText& text_;
    PerCpu<std::vector<std::uint64_t>> owes_ser_; ///< closed calls owed a [SER], per CPU
};

} // namespace check
