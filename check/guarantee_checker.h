#pragma once
// The membarrier guarantees as streaming observers of the records (DESIGN.md, Properties):
//   G-MB       memory ordering of every other thread's user accesses around the call
//   G-SC       core serialization of every other thread of the mm before it runs user code again
//   G-SC-SELF  core serialization of the caller before it returns to user mode
//   G-TLB      no user code of an mm on a TLB context older than a completed flush of it
//   G-REF      no use of an mm after its last reference is dropped, no leaked reference
// Only calls that executed their entry barrier owe anything (barrier_call_start records).
// Positions are (time, sequence): a user instruction sits strictly between the records that
// start and end its user-mode interval. Memory is per CPU plus per open call; a call is retired
// once every CPU has had a full barrier (and, for SYNC_CORE, a serializing event) after its t_a.

#include "check/properties.h"
#include "kernel/record_text.h"
#include "kernel/trace.h"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace check {

/// The kernel mechanism behind a violation, where the checker recognises one from the records
/// (docs/mechanisms.md, "Causes of violations"). The stress suite tells the presets' known gaps
/// apart by this, never by the scenario that shows them.
enum class Cause : std::uint8_t {
    none,           ///< not recognised
    kthread_use_mm, ///< G-SC: the CPU got the call's mm through kthread_use_mm after t_a (lazy,
                    ///< generation-equal: no CR3 write, no core sync), where the call's read of
                    ///< rq->curr->mm had not seen it (P8)
    // G-MB of GLOBAL_EXPEDITED on a CPU it skipped because its rq->membarrier_state lacked
    // GLOBAL_EXPEDITED while it ran the registered mm, stale since ...
    registration_race,     ///< ... a REGISTER_* of the mm returned on that CPU without
                           ///< refreshing it (v5.10's caller's CPU)
    registration_lazy_cpu, ///< ... the CPU copied the mm's state before a registration whose
                           ///< refresh missed it (it was lazily on the mm, not running it)
    cleared_lazy_cpu,      ///< ... membarrier_update_current_mm(NULL) cleared it while the CPU
                           ///< stayed lazily on the mm (exit_mm, kthread_unuse_mm)
    use_mm_lazy_cpu,       ///< ... a kernel thread took the mm with kthread_use_mm, which left
                           ///< the runqueue alone (v5.10), and the CPU stayed on the mm
};
inline constexpr std::array<std::string_view, 6> cause_names = {"none",
                                                                "kthread_use_mm",
                                                                "registration_race",
                                                                "registration_lazy_cpu",
                                                                "cleared_lazy_cpu",
                                                                "use_mm_lazy_cpu"};
inline std::string_view cause_name(Cause c) {
    return cause_names[static_cast<std::size_t>(c)];
}

struct Violation {
    std::string property; ///< "G-MB", "G-SC", "G-SC-SELF"
    int cpu = -1;         ///< where the violating user instruction ran
    std::int64_t time = 0;
    std::string task; ///< whose instruction
    std::string call; ///< "membarrier(private_expedited_sync_core) by t1 on cpu0"
    std::int64_t t_a = -1, t_b = -1, t_r = -1;
    std::vector<std::string> chain; ///< the records that explain it, oldest first
    Cause cause = Cause::none;
};

class GuaranteeChecker : public kernel::RecordObserver {
public:
    explicit GuaranteeChecker(int cpus);
    void on_start(const kernel::KernelState& ks, const kernel::Trace& trace) override;
    void on_record(const kernel::Record& r) override;

    /// Whether the kernel has rq->membarrier_state (v5.4+): K4 is about it and off without.
    void set_rq_membarrier_state(bool on) { rq_membarrier_state_ = on; }

    /// Mechanism warnings K1-K5 (kernel-spec §6.5): the first `max_reports` in full.
    const std::vector<std::string>& warnings() const { return warnings_; }
    std::int64_t warning_count() const { return warning_count_; }
    /// Warnings of `rule` on `cpu` (the CPU the rule concerns).
    std::int64_t warning_count(MechanismRule rule, int cpu) const {
        return warning_counts_[static_cast<std::size_t>(cpu)][rule];
    }

    /// Reported violations: the first `max_reports`, and after them the first of each property
    /// and cause (so that an unrecognised violation is never hidden behind known ones).
    const std::vector<Violation>& violations() const { return violations_; }
    /// Violations of `property` on `cpu`.
    std::int64_t count(Property property, int cpu) const;
    std::size_t open_calls() const { return calls_.size() + closed_.size(); }
    /// End-of-run reference accounting (G-REF), computed by whoever holds the kernel state:
    /// `mm` has `count` references but `holders` tasks and CPUs hold one.
    void report_reference_leak(int mm, std::int64_t count, std::int64_t holders);

    static constexpr std::size_t max_reports = 64;

private:
    /// A REGISTER_* of `mm` by `task` that returned on this CPU at `time` while the CPU's
    /// rq->membarrier_state lacked the registered bits (mm -1: none since the last rq write).
    struct StaleRegistration {
        int mm = -1;
        int task = -1;
        std::int64_t time = 0;
        std::string_view command;
    };

    /// The last write of a CPU's rq->membarrier_state: a copy of `mm`'s state, or a clear
    /// (`cleared`, by membarrier_update_current_mm(NULL) or exec) while the CPU's visible mm was
    /// or had just been `from_mm`.
    struct RqWrite {
        std::uint64_t seq = 0; ///< 0: never written
        int mm = -1;
        bool cleared = false;
        int from_mm = -1;
        std::int64_t time = 0;
        kernel::Fn site = kernel::Fn::none;
    };

    /// What a CPU's user interval still needs for one call's G-MB.
    enum class NeedB : std::uint8_t { none, open, pending_fb };

    struct UserInterval {
        bool active = false;
        std::uint64_t start_seq = 0;
        std::int64_t start_time = 0;
        int task = -1;
        int mm = -1;
    };

    struct CpuState {
        int loaded_mm = -1;        ///< whose page tables CR3 holds
        std::int64_t ctx_gen = -1; ///< the loaded ASID's TLB generation
        bool leaving_mm = false;   ///< cleared its bit in the loaded mm's mm_cpumask (switching
                                   ///< away): flushes of that mm no longer include it
        std::uint64_t last_fb = 0; ///< seq of the last [FB] (0: none)
        std::uint64_t last_ser = 0;
        UserInterval user;      ///< the open one
        UserInterval last_user; ///< the last closed one
        std::uint64_t last_user_end = 0;
        std::deque<kernel::Record> recent; ///< bounded history for explanations
        // Closed calls (keys into closed_) that this CPU owes an [FB] since their t_a, or a
        // [SER] before its next user instruction of their mm (G-SC).
        std::vector<std::uint64_t> owes_fb, owes_ser;
        // Open calls (keys into calls_) waiting for this CPU's next [FB] or [SER]: an interval
        // that needs an [FB] before t_b (NeedB::pending_fb), or K1's handler barrier.
        std::vector<std::uint64_t> open_owed;
        std::vector<std::uint64_t> need_open; ///< open calls whose NeedB here is `open`
        // K2/K3: the membarrier-visible mm (rq->curr->mm, or tsk->mm via kthread_use_mm).
        int visible_mm = -1;
        bool k2_need_fb = false;  ///< visible mm changed; no [FB] since
        bool k2_need_ser = false; ///< ... to a SYNC_CORE mm; no [SER] since
        std::uint64_t k2_store = 0;
        std::int64_t k2_time = 0;
        // K4: this CPU's rq->membarrier_state, and whether its staleness was already reported.
        std::uint32_t rq_state = 0;
        bool k4_reported = false;
        bool switching = false; ///< between an rq->curr store and its switch_to

        // K5: the visible mm changed within the switch in progress (from k5_from).
        bool k5_changed = false;
        int k5_from = -1;

        // Causes (violation_causes.cpp): the kthread_use_mm store that made visible_mm (0: it
        // came otherwise), a REGISTER_* that returned on this CPU leaving rq->membarrier_state
        // stale, and the last write of rq->membarrier_state.
        int cause_visible_mm = -1;     ///< visible_mm as track_causes last saw it
        int prev_visible_mm = -1;      ///< the visible mm before that
        std::uint64_t visible_seq = 0; ///< when visible_mm last changed
        std::uint64_t use_mm_seq = 0;
        std::int64_t use_mm_time = 0;
        std::uint64_t last_use_mm_seq = 0; ///< this CPU's last kthread_use_mm tsk->mm store ...
        int last_use_mm = -1;              ///< ... and its mm
        std::int64_t last_use_mm_time = 0;
        StaleRegistration stale;
        RqWrite rq_write;
        std::uint64_t state_or_seq = 0; ///< this CPU's last atomic_or of an mm's membarrier_state
    };

    struct Read {
        int cpu;
        std::int64_t time;
        int task;
        int mm;
    };

    struct Call {
        std::int64_t id = 0;
        kernel::BarrierCall kind{};
        int mm = -1;
        int t0 = -1;
        int c0 = -1;
        int cpu_filter = -1;
        std::uint64_t a = 0, b = 0, r = 0;
        std::int64_t t_a = 0, t_b = -1, t_r = -1;
        bool ended = false;
        bool returned = false;
        std::vector<NeedB> need_b;
        std::vector<std::uint8_t> reported; ///< bit per property, per CPU
        std::vector<std::uint8_t> sc_pending;
        /// Once closed (closed_calls.cpp): the CPUs that still owe it an [FB] since t_a, and
        /// those with a G-SC obligation pending.
        int fb_owed = 0;
        int sc_owed = 0;
        std::vector<Read> reads;
        /// K1: CPUs whose rq->curr->mm was the call's mm when read, still owed the handler's
        /// [FB] (and [SER] for SYNC_CORE) before t_b.
        std::vector<std::uint8_t> k1_need_fb, k1_need_ser;
    };

    bool covers(const Call& k, int cpu) const { return k.cpu_filter < 0 || k.cpu_filter == cpu; }
    bool sync_core(const Call& k) const { return k.kind == kernel::BarrierCall::sync_core; }
    void start_call(const kernel::Record& r);
    void end_call(const kernel::Record& r);
    void on_user_start(const kernel::Record& r);
    void on_user_end(const kernel::Record& r);
    void caller_returns(Call& k, const kernel::Record& r);
    void violate(Call& k, Property property, int cpu, std::int64_t time, int task,
                 const std::string& why);
    void track_causes(const kernel::Record& r);
    Cause cause_of(const Call& k, Property property, int cpu) const;
    Cause stale_rq_cause(const Call& k, int cpu) const;
    std::uint64_t global_expedited_seq(int mm) const;
    std::string explain_cause(const Call& k, Cause cause, int cpu) const;
    bool read_saw_mm(const Call& k, int cpu) const;
    /// Whether a violation of `property` with `cause` is kept in full (see violations()).
    bool keep_report(Property property, Cause cause);
    std::uint32_t kinds_reported_ = 0; ///< bit per (property, cause) reported so far
    // Closed calls (closed_calls.cpp): the caller has returned; what remains is per CPU.
    void close_call(std::uint64_t key);
    std::vector<std::uint64_t> open_keys(const std::map<int, std::vector<std::uint64_t>>& index,
                                         int id) const;
    void closed_calls_barrier(const kernel::Record& r);
    void closed_calls_user_start(const kernel::Record& r);
    void open_calls_barrier(const kernel::Record& r);
    void retire_if_done(std::uint64_t key);
    static void set_sc_pending(Call& k, int cpu, bool pending);
    std::string call_name(const Call& k) const;
    std::string command_name(const Call& k) const;

    struct MmState {
        bool freed = false;
        bool ref_reported = false;
        std::int64_t flushed_gen = -1; ///< the latest completed flush_tlb_mm_range
        std::int64_t flush_time = 0;
        std::vector<std::uint8_t> tlb_reported; ///< per CPU, for the latest flush
        std::uint32_t membarrier_state = 0;     ///< mm->membarrier_state (atomic_or records)
        std::uint32_t registered = 0; ///< its non-READY bits as of the last REGISTER_* return
        std::uint64_t global_expedited_seq = 0; ///< when GLOBAL_EXPEDITED was set (0: not, or
                                                ///< from the start)
    };
    MmState& mm_state(int mm);
    void check_tlb(const kernel::Record& r);
    void check_ref(const kernel::Record& r);
    void report(Property property, int cpu, std::int64_t time, int task, std::string what,
                std::vector<std::string> chain);

    int cpus_;
    std::vector<CpuState> cpu_;
    std::vector<MmState> mms_;
    std::map<std::uint64_t, Call> calls_; ///< open: the caller has not returned; key: a
    /// Open calls by caller task and by mm (keys into calls_): a record visits the calls it can
    /// concern, not every open one.
    std::map<int, std::vector<std::uint64_t>> open_by_caller_, open_by_mm_;
    std::map<std::uint64_t, Call> closed_; ///< returned, still owed by some CPU; key: a
    std::vector<Violation> violations_;
    std::vector<std::string> warnings_;
    std::int64_t warning_count_ = 0;
    void warn(MechanismRule rule, int cpu, std::string text);
    void check_mechanisms(const kernel::Record& r);
    void check_registration(const kernel::Record& r);
    std::vector<PerProperty<std::int64_t>> counts_;     ///< per CPU
    std::vector<PerRule<std::int64_t>> warning_counts_; ///< per CPU
    kernel::RecordText text_;
    bool rq_membarrier_state_ = true;
    const kernel::KernelState* ks_ = nullptr;
};

} // namespace check
