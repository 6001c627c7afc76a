#pragma once
// The ASID slots a recording's CPUs held before it began, inferred from the recording.
//
// choose_new_asid() (arch/x86/mm/tlb.c) keeps six dynamic ASID slots per CPU and reuses them
// round robin. A replay starts with empty slots, but the kernel's held mms from before the
// recording: the first switch to such an mm is NOFLUSH in the kernel and a new slot (a flush) in
// the model, and the two round-robin orders then differ for as long as the evicted slots matter
// (docs/validation.md). The state is not in the recording, but it is implied by it: an mm alive
// before the recording whose first CR3 write on a CPU was NOFLUSH held a current slot there,
// and so did the mm of the task a CPU was running when the recording began. Which slots, in
// round-robin order, is what the later CR3 outcomes tell. The inference replays each CPU's CR3
// writes through choose_new_asid()'s rule for every placement of those mms in slots 1..5 (at
// most 5!/(5-k)! = 120 for k mms) and every next_asid (1..6: where round robin resumes, so that
// slot 0, init_mm's from boot, may go first rather than last; 720 in all at most), and keeps the
// state whose predicted outcomes agree with the recording's most, if it agrees better than
// empty slots. The replay is then run again from that state (`[machine] next_asid`,
// `[[process]] asid_slots`), and both results are reported.

#include "ftrace/workload.h"
#include "run/replay_compare.h"
#include "run/replay_scenario.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace run {

/// What the inference found on one CPU.
struct InferredCpuSlots {
    int cpu = 0;
    /// Slots 1..5 at time 0: the scenario process whose first mm holds each, -1 for none.
    std::vector<int> slot_process;
    int next_asid = 1;                 ///< cpu_tlbstate.next_asid at time 0 (1..6)
    std::size_t candidates = 0;        ///< placements tried
    std::int64_t mismatches_empty = 0; ///< CR3 outcomes the rule gets wrong from empty slots
    std::int64_t mismatches = 0;       ///< ... from the inferred ones
};

struct AsidSlotInference {
    std::vector<InferredCpuSlots> cpus; ///< only the CPUs with slots inferred
    /// CPUs whose recorded CR3 writes the rule does not reproduce from the model's records (the
    /// model's slot choices differ from the rule's), left with empty slots.
    std::vector<int> skipped;

    bool any() const { return !cpus.empty(); }
};

/// The placement per CPU, from a replay's CR3 writes (ReplayComparator::asid_lookups()).
AsidSlotInference infer_asid_slots(const ftrace::Workload& w, const ReplayScenario& rs,
                                   const AsidLookups& lookups);

/// `rs` with the inferred slots as its processes' `asid_slots`.
ReplayScenario with_inferred_slots(const ReplayScenario& rs, const AsidSlotInference& inferred);

} // namespace run
