#pragma once
// The membarrier guarantees (check/properties.h) and the mechanism rules K1..K5 as one streaming
// observer of the records, composed of one checker per guarantee over a shared history:
//   History                   what every checker reads: barriers, user intervals, visible mm
//   CallTable                 the membarrier calls that owe a guarantee, open and closed
//   MemoryBarrierChecker      G-MB
//   CoreSerializationChecker  G-SC and G-SC-SELF
//   TlbChecker                G-TLB
//   ReferenceChecker          G-REF
//   MechanismChecker          K1..K5 (warnings)
//   CauseTracker              the kernel mechanism behind a violation, where recognised
//   ObligationLedger          which [FB] / [SER] discharged each call's obligation per CPU
//   Findings                  the violations and warnings, in the order of the records
// Only calls that executed their entry barrier owe anything (barrier_call_start records). Memory
// is per CPU plus per call in flight; a call is retired once every CPU has had a full barrier
// (and, for SYNC_CORE, a serializing event) after its t_a.

#include "check/call_reporter.h"
#include "check/calls.h"
#include "check/core_serialization_checker.h"
#include "check/findings.h"
#include "check/history.h"
#include "check/mechanism_checker.h"
#include "check/memory_barrier_checker.h"
#include "check/obligations.h"
#include "check/properties.h"
#include "check/reference_checker.h"
#include "check/tlb_checker.h"
#include "check/violation.h"
#include "check/violation_causes.h"
#include "kernel/record_text.h"
#include "kernel/trace.h"

#include <cstdint>
#include <string>
#include <vector>

namespace check {

class GuaranteeChecker : public kernel::RecordObserver {
public:
    explicit GuaranteeChecker(int cpus);
    GuaranteeChecker(const GuaranteeChecker&) = delete; // its parts refer to each other
    GuaranteeChecker& operator=(const GuaranteeChecker&) = delete;

    void on_start(const kernel::KernelState& ks, const kernel::Trace& trace) override;
    void on_record(const kernel::Record& r) override;
    /// G-REF's end-of-run accounting (ReferenceChecker::on_finish).
    void on_finish(const kernel::KernelState& ks) override { references_.on_finish(ks); }

    /// Whether the kernel has rq->membarrier_state (v5.4+): K4 is about it and off without.
    void set_rq_membarrier_state(bool on);
    /// Whether the machine runs with page-table isolation (K1's serializing half is off).
    void set_pti(bool on) { mechanisms_.set_pti(on); }

    /// Mechanism warnings K1-K5 (docs/properties.md, Mechanism warnings): the first `max_reports`
    /// in full.
    const std::vector<Warning>& warnings() const { return findings_.warnings(); }
    std::int64_t warning_count() const { return findings_.warning_count(); }
    /// Warnings of `rule` on `cpu` (the CPU the rule concerns).
    std::int64_t warning_count(MechanismRule rule, int cpu) const {
        return findings_.warning_count(rule, cpu);
    }

    /// Reported violations: the first `max_reports`, and after them the first of each property
    /// and cause (so that an unrecognised violation is never hidden behind known ones).
    const std::vector<Violation>& violations() const { return findings_.violations(); }
    /// Violations of `property` on `cpu`.
    std::int64_t count(Property property, int cpu) const { return findings_.count(property, cpu); }
    std::size_t open_calls() const { return calls_.size(); }
    /// A leaked reference found at the end of the run (G-REF; on_finish): `mm` has `count`
    /// references but `holders` tasks and CPUs hold one.
    void report_reference_leak(int mm, std::int64_t count, std::int64_t holders) {
        references_.report_leak(mm, count, holders);
    }

    /// Obligation accounting (docs/properties.md, Obligations): complete once
    /// finish_obligations() was called, which may be called more than once.
    const ObligationLedger& obligations() const { return obligations_; }
    void finish_obligations() { obligations_.finish(); }
    ObligationSummary take_obligation_summary() { return obligations_.take_summary(); }

    static constexpr std::size_t max_reports = Findings::max_reports;

private:
    void follow_calls(const kernel::Record& r);
    void start_call(const kernel::Record& r);
    void end_call(const kernel::Record& r);
    void read_rq_curr(const kernel::Record& r);
    void user_started(const kernel::Record& r);
    void close_call(std::uint64_t key);

    // In construction order: each part refers only to those above it.
    kernel::RecordText text_;
    History history_;
    Findings findings_;
    CallTable calls_;
    CauseTracker causes_;
    ObligationLedger obligations_;
    CallReporter reporter_;
    MemoryBarrierChecker memory_barrier_;
    CoreSerializationChecker core_serialization_;
    TlbChecker tlb_;
    ReferenceChecker references_;
    MechanismChecker mechanisms_;
};

} // namespace check
