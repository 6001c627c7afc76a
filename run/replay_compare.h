#pragma once
// Prediction against observation for a replay: the model's outcomes, read from its records, next
// to what the recording observed -- per CPU and in total, the context switches, the CR3 writes of
// switch_mm_irqs_off with and without NOFLUSH, and the membarrier and TLB-shootdown IPIs; and,
// switch by switch, whether switch_mm_irqs_off's CR3 outcome (none, NOFLUSH, flush) is the one
// the kernel had, with the model's reason where it is not.

#include "ftrace/workload.h"
#include "kernel/trace.h"
#include "run/replay_calls.h"
#include "run/replay_scenario.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace run {

/// The outcomes compared, declared once: the JSON keys of `observed` and `predicted`.
enum class ReplayOutcome : std::uint8_t {
    ctxsw_total,
    cr3_flush,
    cr3_noflush,
    ipi_membarrier,
    ipi_tlb,
};
inline constexpr std::size_t replay_outcome_count = 5;
std::string_view replay_outcome_key(ReplayOutcome o);
std::array<ReplayOutcome, replay_outcome_count> all_replay_outcomes();

/// Counts of each outcome, in total and per CPU.
struct OutcomeCounts {
    std::array<std::int64_t, replay_outcome_count> total{};
    std::vector<std::array<std::int64_t, replay_outcome_count>> per_cpu;

    std::int64_t get(ReplayOutcome o) const { return total[static_cast<std::size_t>(o)]; }
    void add(ReplayOutcome o, int cpu, std::int64_t n = 1);
};

/// A recorded switch whose CR3 outcome the model did not predict.
struct SwitchMismatch {
    std::size_t recorded = 0; ///< index in Workload::switches
    ftrace::Line line = 0;
    int cpu = 0;
    ftrace::Cr3Outcome observed = ftrace::Cr3Outcome::none;
    ftrace::Cr3Outcome predicted = ftrace::Cr3Outcome::none;
    bool replayed = true; ///< false: the model never made this switch (dropped, see reason)
    std::string reason;   ///< the model's reason for its outcome
};

struct ReplayComparison {
    OutcomeCounts observed;
    OutcomeCounts predicted;
    std::int64_t switches = 0;              ///< recorded switches
    std::int64_t agreed = 0;                ///< replayed with the observed CR3 outcome
    std::int64_t not_replayed = 0;          ///< recorded switches the model did not make
    std::int64_t unplanned = 0;             ///< switches the model made that the recording has not
    std::vector<SwitchMismatch> mismatches; ///< every one, in recording order
    CallComparison calls;                   ///< the membarrier calls' IPIs, call by call

    double switch_agreement() const {
        return switches == 0 ? 1.0 : static_cast<double>(agreed) / static_cast<double>(switches);
    }
};

std::string_view cr3_outcome_name(ftrace::Cr3Outcome o);

/// One CR3 write by switch_mm_irqs_off in a replay (run/replay_asid.h reads them).
struct AsidLookup {
    int mm = -1; ///< kernel::Mm::id
    std::uint16_t pcid = 0;
    bool flush = false;
    bool lead = false; ///< made before the recording's time 0 (a CPU's first task)
    /// The recorded switch (Workload::switches) whose outcome it is, or ReplayScenario::npos.
    std::size_t recorded = ReplayScenario::npos;
    /// Made inside a context switch the model was making (the recording's, a lost one or an
    /// unplanned one), not outside one.
    bool in_switch = false;
};

/// A replay's CR3 writes by switch_mm_irqs_off, with what tells the mms apart.
struct AsidLookups {
    std::vector<std::vector<AsidLookup>> by_cpu; ///< each CPU's, in order (the lead's too)
    int init_mm = -1;                            ///< init_mm's kernel::Mm::id (slot 0 at boot)
    /// By kernel::Mm::id: the scenario process whose first mm it is, -1 for any other mm.
    std::vector<int> first_mm_of;
};

/// The observed side, from the recording alone.
OutcomeCounts observed_outcomes(const ftrace::Workload& w);

/// Watches a replay's records (add it to RunOptions::observers) and compares at the end.
class ReplayComparator final : public kernel::RecordObserver {
public:
    ReplayComparator(const ftrace::Workload& w, const ReplayScenario& rs);

    void on_start(const kernel::KernelState& ks, const kernel::Trace& trace) override;
    void on_record(const kernel::Record& r) override;

    /// The comparison of what the records showed with the recording.
    ReplayComparison result() const;
    /// Every CR3 write by switch_mm_irqs_off, CPU by CPU.
    const AsidLookups& asid_lookups() const { return lookups_; }

private:
    struct Entry {
        std::size_t directed = 0; ///< index in Scenario::directed_schedule
        int thread = -1;
    };
    /// A switch the model is making on one CPU: from rq->curr's store to switch_to.
    struct Open {
        std::int64_t directed = -1; ///< the directed switch it replays, -1: unplanned
        /// It replays a switch the recording lost (Workload::missing_switches): its lines, and
        /// its CR3 write's, are not in the observed counts, so it is not in the predicted ones.
        bool unobserved = false;
        ftrace::Cr3Outcome outcome = ftrace::Cr3Outcome::none;
        std::string reason;
    };
    struct CpuState {
        std::vector<Entry> plan;
        std::size_t cursor = 0;
        bool open = false;
        Open current;
    };

    void switch_starts(const kernel::Record& r);
    void switch_record(const kernel::Record& r, CpuState& cpu);
    void switch_ends(CpuState& cpu);
    void count_ipi(const kernel::Record& r);
    void note_lookup(const kernel::Record& r);

    const ftrace::Workload& w_;
    const ReplayScenario& rs_;
    int cpus_ = 0;
    std::vector<CpuState> state_;
    OutcomeCounts predicted_;
    /// By directed switch: whether the model made it, and its outcome and reason.
    std::vector<bool> made_;
    std::vector<ftrace::Cr3Outcome> outcome_;
    std::vector<std::string> reason_;
    std::int64_t unplanned_ = 0;
    std::vector<int> thread_of_task_; ///< by task id: its scenario thread, -1 for idle
    const kernel::KernelState* ks_ = nullptr;
    AsidLookups lookups_;
    CallWatcher calls_;
};

} // namespace run
