#pragma once
// Derives every counter from the record stream, and nothing else. Streaming: per-CPU state only.

#include "check/counter_catalog.h"
#include "kernel/trace.h"

#include <cstdint>
#include <vector>

namespace check {

class CountingObserver : public kernel::RecordObserver {
public:
    CountingObserver(sim::CounterRegistry& registry, const Counters& ids, int cpus);
    void on_record(const kernel::Record& r) override;

private:
    /// Per-CPU state of the redundancy rule (DESIGN.md, Observables).
    struct CpuState {
        std::uint64_t visible_mm_change = 0; ///< seq of the last store that changed the visible mm
        std::uint64_t last_ser = 0;          ///< seq of the last [SER] (0: none)
        std::uint64_t last_user = 0;         ///< seq of the last return to user mode
        bool have_ser = false;
        bool have_user = false;
    };
    void count_serializing(const kernel::Record& r);
    bool is_redundant(const kernel::Record& r, const CpuState& st) const;

    sim::CounterRegistry& reg_;
    const Counters& ids_;
    std::vector<CpuState> cpus_;
};

} // namespace check
