#pragma once
// G-MB: for every CPU c and every user-mode instruction x of the call's mm on c, other than the
// caller's: if x >= t_r, some [FB] on c lies in [t_a, x]; if x <= t_a, some [FB] on c lies in
// [x, t_b]; in between, one of the two. Positions are (time, sequence): a user instruction sits
// strictly between the records that start and end its user-mode interval, so an interval that
// starts with no [FB] since t_a needs one after its end and before t_b (NeedB).

#include "check/call_reporter.h"
#include "check/calls.h"
#include "check/history.h"
#include "check/per_cpu.h"
#include "kernel/record.h"
#include "kernel/record_text.h"

#include <cstdint>
#include <vector>

namespace check {

class MemoryBarrierChecker {
public:
    MemoryBarrierChecker(const History& history, CallTable& calls, CallReporter& reporter,
                         const kernel::RecordText& text)
        : history_(history), calls_(calls), reporter_(reporter), text_(text),
          cpus_(history.cpus()) {}

    /// An [FB] pays what this CPU owes the open and closed calls.
    void settle(const kernel::Record& r);
    void call_started(Call& k, std::uint64_t key);
    /// t_b: every interval still waiting for an [FB] before it violates G-MB.
    void call_ended(Call& k);
    /// A return to user mode on r.cpu, after the caller's own calls have noted it.
    void user_started(const kernel::Record& r);
    void user_ended(const kernel::Record& r);
    /// The caller returned: from now on, each CPU owes the call an [FB] since t_a before its
    /// next user instruction of the mm.
    void call_closed(Call& k, std::uint64_t key);

private:
    struct CpuState {
        std::vector<std::uint64_t> need_open;  ///< open calls whose NeedB here is `open`
        std::vector<std::uint64_t> pending_fb; ///< open calls whose NeedB here is `pending_fb`
        std::vector<std::uint64_t> owes_fb;    ///< closed calls owed an [FB] since their t_a
    };
    void open_calls_user_start(const kernel::Record& r);
    void closed_calls_user_start(const kernel::Record& r);

    const History& history_;
    CallTable& calls_;
    CallReporter& reporter_;
    const kernel::RecordText& text_;
    PerCpu<CpuState> cpus_;
};

} // namespace check
