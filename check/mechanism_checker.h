#pragma once
// The mechanism rules K1..K5 (docs/properties.md, docs/mechanisms.md; check/properties.h): how the
// kernel is meant to keep the guarantees. A broken rule is a warning, not a violation -- the
// guarantee may still hold by another path -- and shows where a model departs from the intended
// mechanism.
//   K1  a CPU the call read running its mm runs the IPI handler's [FB] ([SER], not under PTI)
//       before t_b
//   K2  a change of the membarrier-visible mm to M is followed by an [FB] (and for SYNC_CORE a
//       [SER]) before M's user code
//   K3  the last user access of M is followed by an [FB] before the store that leaves M
//   K4  after REGISTER_* returns, every CPU running the mm has its bits in rq->membarrier_state
//   K5  switch_mm_irqs_off's same-mm return only when the visible mm did not change

#include "check/calls.h"
#include "check/findings.h"
#include "check/history.h"
#include "check/per_cpu.h"
#include "kernel/record.h"
#include "kernel/record_text.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace check {

class MechanismChecker {
public:
    MechanismChecker(const History& history, CallTable& calls, Findings& findings,
                     const kernel::RecordText& text)
        : history_(history), calls_(calls), findings_(findings), text_(text),
          cpus_(history.cpus()) {}
    /// Whether the kernel has rq->membarrier_state (v5.4+): K4 is about it and off without.
    void set_rq_membarrier_state(bool on) { rq_membarrier_state_ = on; }
    /// Whether the machine runs with page-table isolation: sync_core_before_usermode() then
    /// returns at once ("With PTI, we unconditionally serialize before running user code":
    /// arch/x86/include/asm/sync_core.h, v4.16..mainline), so a SYNC_CORE call's IPI handler
    /// owes no [SER] before t_b; the CR3 write of the return to user mode serializes (checked by
    /// G-SC and G-SC-SELF).
    void set_pti(bool on) { pti_ = on; }

    void on_record(const kernel::Record& r);
    /// K1: the open call `k` read rq(rec::read_cpu(r))->curr (membarrier_read record `r`).
    void call_read(Call& k, std::uint64_t key, const kernel::Record& r);
    /// K1 at t_b.
    void call_ended(const Call& k);

private:
    struct CpuState {
        std::vector<std::uint64_t> k1_owed; ///< open calls waiting for this CPU's handler
        bool k2_need_fb = false;            ///< visible mm changed; no [FB] since
        bool k2_need_ser = false;           ///< ... to a SYNC_CORE mm; no [SER] since
        std::int64_t k2_time = 0;           ///< ... at this time
        std::uint64_t k2_seq = 0; ///< ... by this record (its warnings' chains start there)
        bool k4_reported = false; ///< rq->membarrier_state's staleness reported
        bool switching = false;   ///< between an rq->curr store and its switch_to
        bool k5_changed = false;  ///< the visible mm changed in the switch in progress ...
        int k5_from = -1;         ///< ... from this mm
    };
    /// rq->curr's task as the call read it on `cpu` running the call's mm ("" if none did).
    std::string read_task(const Call& k, int cpu) const;
    /// Keeps warning `w` (counted and kept by Findings): its chain ends with `w.cpu`'s records
    /// since sequence number `since`.
    void keep(Warning w, std::uint64_t since);
    void settle_k1(const kernel::Record& r, CpuState& st);
    void visible_mm_store(const kernel::Record& r, CpuState& st);
    void same_mm_switch(const kernel::Record& r, CpuState& st);
    void return_to_user(const kernel::Record& r, CpuState& st);
    void check_registration(const kernel::Record& r, CpuState& st);
    void registration_returned(const kernel::Record& r, std::string_view command);
    void k4_on_return_to_user(const kernel::Record& r, CpuState& st);

    const History& history_;
    CallTable& calls_;
    Findings& findings_;
    const kernel::RecordText& text_;
    PerCpu<CpuState> cpus_;
    bool rq_membarrier_state_ = true;
    bool pti_ = false; ///< set_pti
};

} // namespace check
