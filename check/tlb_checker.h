#pragma once
// G-TLB: no user code of an mm runs on a TLB context older than a completed flush of that mm
// (flush_tlb_mm_range returning, flush_done), and once a flush that freed page tables completes,
// no CPU still has the mm loaded on an older context (it could walk the freed tables).

#include "check/findings.h"
#include "check/history.h"
#include "check/per_cpu.h"
#include "kernel/record.h"
#include "kernel/record_text.h"

#include <cstdint>
#include <string>
#include <vector>

namespace check {

class TlbChecker {
public:
    TlbChecker(const History& history, Findings& findings, const kernel::RecordText& text)
        : history_(history), findings_(findings), text_(text), cpus_(history.cpus()) {}
    void on_record(const kernel::Record& r);

private:
    /// Under x86-TSO, a shootdown read this CPU's is_lazy as true (rec::lazy_read_missed) or its
    /// loaded_mm as another mm (rec::loaded_mm_read_missed) from memory while its newer store
    /// was still in its buffer, and so sent it no flush IPI.
    struct MissedRead {
        int mm = -1;
        int reader = -1;
        std::int64_t time = 0;
        bool loaded_mm = false;  ///< which variable: loaded_mm, else is_lazy
        std::int64_t read = 0;   ///< loaded_mm: the value read
        std::int64_t newest = 0; ///< loaded_mm: the value still buffered
    };
    struct CpuState {
        int loaded_mm = -1;        ///< whose page tables CR3 holds
        std::int64_t ctx_gen = -1; ///< the loaded ASID's TLB generation
        bool leaving_mm = false;   ///< cleared its bit in the loaded mm's mm_cpumask (switching
                                   ///< away): flushes of that mm no longer include it
        MissedRead missed;         ///< the latest such read (mm -1: none since the last flush)
    };
    struct MmState {
        std::int64_t flushed_gen = -1; ///< the latest completed flush_tlb_mm_range
        std::int64_t flush_time = 0;
        std::vector<int> reported; ///< the CPUs reported for the latest flush (few)
        /// The CPUs whose CR3 holds this mm, ascending: a flush looks at these, not at every CPU
        /// (a thousand-CPU machine flushes mms that a few CPUs run).
        std::vector<int> loaded_on;
    };
    MmState& mm_state(int mm);
    /// `cpu`'s CR3 went from `old` to `mm`: the mms' loaded_on follow.
    void move_loaded(int cpu, int old, int mm);
    static bool was_reported(const MmState& ms, int cpu);
    void return_to_user(const kernel::Record& r);
    void flush_done(const kernel::Record& r);
    void lazy_read_missed(const kernel::Record& r);
    void loaded_mm_read_missed(const kernel::Record& r);
    std::string missed_read_line(int cpu, const MissedRead& missed) const;
    /// The violation's chain: `first`, then why a flush skipped `cpu`, when a read says so.
    std::vector<std::string> chain(int cpu, int mm, std::string first) const;

    const History& history_;
    Findings& findings_;
    const kernel::RecordText& text_;
    PerCpu<CpuState> cpus_;
    PerMm<MmState> mms_;
};

} // namespace check
