#pragma once
// Obligation accounting (docs/properties.md, "Obligations: which event discharged them"): for
// each membarrier call and each CPU that owes it G-MB, G-SC or G-SC-SELF, which [FB] or [SER]
// record discharged the obligation, or that the checker found it violated, or that it never
// materialised (no user code the property constrains ran there). From the same accounting: the
// explicit sync_cores that discharged no obligation of any call in the run
// (`ser.sync_core.unneeded`).
//
// The discharger of (call k, CPU c, property) is the first [FB] (G-MB) or [SER] (G-SC,
// G-SC-SELF) on c after k's t_a: the checkers accept an obligation exactly when some such event
// precedes the user code that needs it, and the first one is the canonical choice when several
// do. Each CPU keeps the calls still waiting for their first [FB] / [SER] there; the record that
// ends the wait serves them all at once, so an [FB] or [SER] costs O(1) when no call waits on
// its CPU and O(waiting) otherwise, each (call, CPU) pair being served once. An obligation
// materialises when the checker's rule starts to constrain user code: G-MB at t_a for user code
// of the mm running then (or ended with no [FB] since), else at the first return to user mode
// of the mm by another thread after t_a; G-SC at t_r for such user code still running, else at
// the first such return after t_r; G-SC-SELF at t_r on the caller's CPU. The calls that wait for
// a return are grouped per CPU by (mm, caller): a return visits the groups of its mm, one per
// caller, never the calls one by one.
//
// Memory: one entry per call while some CPU's obligation is neither settled, nor known not to be
// needed, nor pooled. A G-MB obligation of a call not kept in full that has not materialised when
// its first [FB] on that CPU comes is pooled: from then on it is a count per (CPU, mm, caller,
// kind and site of that [FB]), because all that is left to know is whether user code of the mm
// runs there (discharged by that [FB]) or not (not needed) -- so on CPUs that execute full
// barriers, G-MB bookkeeping does not grow with the number of calls. A G-SC obligation that never
// materialises still keeps its call until the mm is freed or the run ends, and so does a G-MB
// obligation on a CPU with no [FB] at all (an offline CPU). The [SER] records that are some
// waiting call's first one are kept (one 40-byte node each, reused) until every obligation that
// could credit them is settled, so that a sync_core is known to be load-bearing or not.

#include "check/awaiting.h"
#include "check/calls.h"
#include "check/counter_catalog.h"
#include "check/history.h"
#include "check/per_cpu.h"
#include "check/properties.h"
#include "kernel/record.h"
#include "kernel/record_text.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace check {

/// A barrier record that discharged an obligation: what the reports say about it.
struct Discharger {
    std::uint64_t seq = 0;
    std::int64_t time = -1;
    int task = -1;
    kernel::RecordKind kind = kernel::RecordKind::smp_mb;
    std::uint8_t detail = 0; ///< the AtomicOp of an atomic; 1 for an MFENCE
    kernel::Fn site = kernel::Fn::none;

    static Discharger of(const kernel::Record& r);
    /// "sync_core", "write_cr3", "invlpg", "iret", "smp_mb", "mfence" or "atomic.OP" (the
    /// fb.atomic.OP counter names).
    std::string kind_name() const;
    std::string_view site_name() const { return kernel::fn_name(site); }
};

enum class ObligationStatus : std::uint8_t {
    not_owed,       ///< the command does not owe it on this CPU
    unmaterialised, ///< owed, but no user code it constrains has run there (yet)
    materialised,   ///< user code needs it; its discharger has not come yet
    discharged,     ///< by its first [FB] / [SER] since t_a
    violated,       ///< the checker reported it
    not_needed,     ///< never materialised: no user code it constrains ran there
    still_owed,     ///< materialised, and the run ended before its discharger or violation
};
/// "not owed", "open", "open", "discharged", "violated", "not needed", "still owed".
std::string_view status_name(ObligationStatus s);
/// Whether an obligation can still change (unmaterialised or materialised).
constexpr bool is_open(ObligationStatus s) {
    return s == ObligationStatus::unmaterialised || s == ObligationStatus::materialised;
}

/// One (CPU, property) obligation of a call kept in full.
struct ObligationEntry {
    int cpu = -1;
    Property property = Property::g_mb;
    ObligationStatus status = ObligationStatus::not_owed;
    std::int64_t needed_at = -1; ///< when user code first needed it (-1: never)
    std::string needed_by;       ///< whose user code
    Discharger by;               ///< when discharged
    std::string by_task;
};

/// One membarrier call's obligations (the first max_calls calls of a run).
struct CallObligations {
    std::string call; ///< "membarrier(private_expedited_sync_core) by t1 on cpu0 for mm jit"
    std::int64_t t_a = -1, t_b = -1, t_r = -1;
    /// The materialised ones (discharged, violated, still owed), by CPU then property.
    std::vector<ObligationEntry> entries;
    /// Per property (call_properties order), the CPUs where it was not needed, in order.
    std::array<std::vector<int>, call_properties.size()> not_needed;
};

/// How many obligations of one property were discharged by one kind of record at one site.
struct DischargeCount {
    Property property = Property::g_mb;
    std::string kind; ///< Discharger::kind_name
    std::string site;
    std::int64_t count = 0;
};

/// Per property: how its obligations ended.
struct ObligationTally {
    std::int64_t discharged = 0;
    std::int64_t violated = 0;
    std::int64_t still_owed = 0; ///< materialised, not discharged when the run ended
    std::int64_t not_needed = 0; ///< never materialised
};

struct ObligationSummary {
    static constexpr std::size_t max_calls = 64;
    static constexpr std::size_t max_unneeded = 64;

    std::int64_t calls = 0; ///< calls that owed something (barrier_call_start records)
    std::array<ObligationTally, call_properties.size()> tally{}; ///< by call_properties index
    std::vector<DischargeCount> by; ///< by property, then kind, then site
    std::int64_t sync_cores = 0;    ///< explicit sync_cores executed
    std::int64_t sync_cores_unneeded = 0;
    /// The unneeded ones by site (sync_core_sites order); a sync_core at another site counts
    /// only in the total.
    std::array<std::int64_t, sync_core_sites.size()> unneeded_at{};
    std::vector<std::uint64_t> unneeded_seqs; ///< the first max_unneeded, in record order
    std::vector<CallObligations> kept;        ///< the first max_calls calls, in start order

    const ObligationTally& of(Property p) const { return tally[to_index(p)]; }
};

class ObligationLedger {
public:
    ObligationLedger(const History& history, const kernel::RecordText& text);

    /// Before the checkers' calls see `r`: an [FB] or [SER] on r.cpu serves the calls waiting
    /// there; an mm_free ends its mm's unmaterialised obligations (not needed).
    void on_record(const kernel::Record& r);
    /// After MemoryBarrierChecker::call_started (k.need_b says which CPUs' user code needs an
    /// [FB] already).
    void call_started(const Call& k, std::uint64_t key);
    void call_ended(const Call& k, std::uint64_t key);
    /// After CoreSerializationChecker::caller_returned: t_r.
    void caller_returned(const Call& k, std::uint64_t key, const kernel::Record& r);
    /// After the checkers saw return_to_user `r`: the obligations it materialises on r.cpu.
    void user_started(const kernel::Record& r);
    /// The checker reported `property` of call `key` violated on `cpu` (CallReporter).
    void violated(std::uint64_t key, Property property, int cpu, std::int64_t time, int task);
    /// The end of the run (idempotent): what is left was not needed, or still owed.
    void finish();

    const ObligationSummary& summary() const { return summary_; }
    /// Moves the summary out (after finish()), for the run's result.
    ObligationSummary take_summary() { return std::move(summary_); }
    std::int64_t discharged(Property p, int cpu) const {
        return cpus_[cpu].discharged[index_of(p)];
    }
    std::int64_t unneeded(int cpu) const { return cpus_[cpu].unneeded; }
    std::int64_t unneeded_at(std::size_t site, int cpu) const {
        return cpus_[cpu].unneeded_at[site];
    }

    static std::size_t index_of(Property p) { return to_index(p); }

private:
    static constexpr std::size_t n_props = call_properties.size();
    /// One call's obligations on one CPU, and the first [FB] / [SER] there since its t_a.
    struct Slot {
        std::array<ObligationStatus, n_props> status{};
        Discharger fb;
        bool has_fb = false;
        int ser = -1; ///< its first [SER] (a SerNode), held while a [SER] obligation is open
    };
    /// When and by whom each obligation was first needed: kept for the calls kept in full only.
    struct Need {
        std::array<std::int64_t, n_props> at{-1, -1, -1};
        std::array<int, n_props> task{-1, -1, -1};
    };
    struct LedgerCall {
        int mm = -1;
        int t0 = -1;
        int kept = -1; ///< index in summary_.kept, or -1
        int open = 0;  ///< obligations still open
        PerCpu<Slot> slots;
        PerCpu<Need> needs; ///< empty unless kept
    };
    /// A [SER] that is some call's first on its CPU since t_a, until no open obligation can be
    /// discharged by it.
    struct SerNode {
        Discharger d;
        int cpu = -1;
        int refs = 0;
        bool credited = false; ///< it discharged a G-SC or G-SC-SELF obligation
    };
    struct CpuState {
        std::vector<std::uint64_t> wait_fb;  ///< calls waiting for their first [FB] here
        std::vector<std::uint64_t> wait_ser; ///< SYNC_CORE calls waiting for their first [SER]
        /// The calls whose obligation here materialises at the next return to user mode of their
        /// mm by a thread other than the caller: G-MB of calls started since the last [FB] here
        /// (await_mb) and of calls kept in full (await_kept_mb); G-SC (await_sc).
        CallList await_mb, await_kept_mb;
        CallsByMm await_sc;
        /// The G-MB obligations of the other calls that waited here when an [FB] came.
        PooledObligations pooled_mb;
        std::array<std::int64_t, n_props> discharged{};
        std::int64_t unneeded = 0;
        std::array<std::int64_t, sync_core_sites.size()> unneeded_at{};
    };

    void serve_fb(const kernel::Record& r);
    void serve_ser(const kernel::Record& r);
    void materialise(std::uint64_t key, int cpu, Property p, std::int64_t time, int task);
    void note_need(LedgerCall& k, int cpu, Property p, std::int64_t time, int task);
    void try_discharge(std::uint64_t key, LedgerCall& k, int cpu, Property p);
    void settle(std::uint64_t key, LedgerCall& k, int cpu, Property p, ObligationStatus status);
    void count_discharge(int cpu, Property p, const Discharger& d);
    void count_discharges(int cpu, Property p, std::uint64_t packed, std::int64_t n);
    void pool_mb(int cpu);
    void keep_entry(const LedgerCall& k, int cpu, Property p);
    void release_ser(Slot& s);
    int new_ser_node(const kernel::Record& r);
    void unref_ser_node(int node);
    void count_unneeded(const Discharger& d, int cpu);
    template <class Calls>
    void visit_groups(Calls& calls, const kernel::Record& r, Property p);
    template <class Calls>
    void drop_waiting(Calls& calls, int cpu, int mm, Property p);
    void drop_mm(int mm);
    void sweep();
    void summarise();
    LedgerCall* find(std::uint64_t key);

    const History& history_;
    const kernel::RecordText& text_;
    std::unordered_map<std::uint64_t, LedgerCall> calls_;
    std::vector<SerNode> ser_nodes_;
    std::vector<int> free_nodes_;
    PerCpu<CpuState> cpus_;
    std::map<std::uint64_t, std::int64_t> by_; ///< packed (property, kind, detail, site) -> count
    std::vector<std::uint64_t> done_;          ///< calls with no open obligation, to drop
    ObligationSummary summary_;
    bool finished_ = false;
};

} // namespace check
