#include "check/core_serialization_checker.h"

#include "kernel/record_kinds.h"

#include <fmt/format.h>

namespace check {

using kernel::Record;

void CoreSerializationChecker::set_pending(Call& k, int cpu, bool pending) {
    std::uint8_t& p = k.sc_pending[cpu];
    const std::uint8_t value = pending ? 1 : 0;
    if (p != value) {
        p = value;
        k.sc_owed += pending ? 1 : -1;
    }
}

void CoreSerializationChecker::settle(const Record& r) {
    if (!history_.is_serializing(r)) {
        return;
    }
    for (const std::uint64_t key : owes_ser_[r.cpu]) {
        if (Call* k = calls_.find_closed(key)) {
            set_pending(*k, r.cpu, false);
            calls_.retire_if_done(key);
        }
    }
    owes_ser_[r.cpu].clear();
}

void CoreSerializationChecker::caller_returned(Call& k, const Record& r) {
    if (!k.sync_core()) {
        return;
    }
    // G-SC-SELF: the caller's own first instruction after the call.
    if (history_.cpu(r.cpu).last_ser < k.a) {
        reporter_.violate(k, Property::g_sc_self, r.cpu, r.time.count(), r.task,
                          fmt::format("the caller {} returned by {} with no serializing "
                                      "instruction on cpu{} since t_a={}",
                                      text_.task_name(r.task),
                                      kernel::return_insn_name(kernel::rec::return_insn(r)), r.cpu,
                                      k.t_a));
    }
    // G-SC: every other CPU's first instruction of mm at or after t_r.
    for (int c = 0; c < history_.cpus(); ++c) {
        const CpuHistory& h = history_.cpu(c);
        if (!k.covers(c) || h.last_ser >= k.a) {
            continue; // whatever runs next is preceded by that [SER]
        }
        if (h.user.active && h.user.mm == k.mm && h.user.task != k.t0) {
            reporter_.violate(k, Property::g_sc, c, k.t_r, h.user.task,
                              fmt::format("{} was running user code of mm {} at t_r={} with no "
                                          "serializing instruction on cpu{} since t_a={}",
                                          text_.task_name(h.user.task), text_.mm_name(k.mm), k.t_r,
                                          c, k.t_a));
            continue;
        }
        set_pending(k, c, true);
    }
}

void CoreSerializationChecker::user_started(const Record& r) {
    std::vector<std::uint64_t> settled;
    for (const std::uint64_t key : owes_ser_[r.cpu]) {
        Call* k = calls_.find_closed(key);
        if (k == nullptr || k->mm != r.mm || k->t0 == r.task || !k->sc_pending[r.cpu]) {
            continue;
        }
        reporter_.violate(*k, Property::g_sc, r.cpu, r.time.count(), r.task,
                          fmt::format("{} returned to user mode by {} at t={} with no "
                                      "serializing instruction on cpu{} since t_a={}",
                                      text_.task_name(r.task),
                                      kernel::return_insn_name(kernel::rec::return_insn(r)),
                                      r.time.count(), r.cpu, k->t_a));
        set_pending(*k, r.cpu, false);
        settled.push_back(key);
    }
    for (const std::uint64_t key : settled) {
        calls_.retire_if_done(key);
    }
}

void CoreSerializationChecker::call_closed(Call& k, std::uint64_t key) {
    for (int c = 0; c < history_.cpus(); ++c) {
        if (k.covers(c) && k.sc_pending[c]) {
            owes_ser_[c].push_back(key);
            ++k.sc_owed;
        }
    }
}

} // namespace check
