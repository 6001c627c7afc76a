#pragma once
// The membarrier calls that owe a guarantee (barrier_call_start records), from their entry
// barrier t_a until no CPU owes them anything. A call is *open* until its caller returns to user
// mode (t_r). Then it is *closed*: what it still needs is per CPU -- an [FB] since t_a before
// that CPU next runs user code of the call's mm (G-MB), and a [SER] before it (G-SC, pending
// since t_r) -- so each CPU keeps the keys of the closed calls it owes (memory_barrier_checker,
// core_serialization_checker) and a barrier on a CPU settles its list at once. A closed call is
// dropped when no CPU owes it anything. This keeps the work per record proportional to what that
// CPU owes, not to every call still open somewhere: a CPU that idles for the whole run would
// otherwise keep every call in every other CPU's way. A call's key is the seq of its
// barrier_call_start record.

#include "check/per_cpu.h"
#include "check/properties.h"
#include "kernel/record.h"
#include "kernel/record_text.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace check {

/// A read of rq(cpu)->curr by the call (membarrier_read): whom it saw, so whether it sent an IPI.
struct Read {
    int cpu;
    std::int64_t time;
    int task;
    int mm;
    int missed_task = -1; ///< a newer rq->curr store still in that CPU's store buffer (x86-TSO)
};

/// What a CPU's user interval still needs for one call's G-MB.
enum class NeedB : std::uint8_t { none, open, pending_fb };

struct Call {
    // What the records say about the call.
    std::int64_t id = 0;
    kernel::BarrierCall kind{};
    int mm = -1;
    int t0 = -1;         ///< the caller
    int c0 = -1;         ///< the caller's CPU at t_a
    int cpu_filter = -1; ///< MEMBARRIER_CMD_FLAG_CPU's cpu_id, or -1
    std::uint64_t a = 0, b = 0, r = 0;
    std::int64_t t_a = 0, t_b = -1, t_r = -1;
    bool ended = false;
    bool returned = false;
    std::vector<Read> reads;
    PerCpu<PropertySet> reported; ///< per CPU, what was reported (call_reporter.cpp)

    // G-MB (memory_barrier_checker.cpp): per CPU, what a user interval needs before t_b; once
    // closed, the number of CPUs that still owe the call an [FB] since t_a.
    PerCpu<NeedB> need_b;
    int fb_owed = 0;
    // G-SC (core_serialization_checker.cpp): per CPU, whether its next user instruction of the
    // mm needs a [SER] since t_a (from t_r on), and how many such CPUs there are.
    PerCpu<std::uint8_t> sc_pending;
    int sc_owed = 0;
    // K1 (mechanism_checker.cpp): CPUs whose rq->curr->mm was the call's mm when read, still owed
    // the handler's [FB] (and [SER] for SYNC_CORE without PTI) before t_b.
    PerCpu<std::uint8_t> k1_need_fb, k1_need_ser;

    bool covers(int cpu) const { return cpu_filter < 0 || cpu_filter == cpu; }
    bool sync_core() const { return kind == kernel::BarrierCall::sync_core; }
    /// "private_expedited_sync_core", ...
    std::string_view command() const;
    /// "membarrier(private_expedited_sync_core) by t1 on cpu0 for mm jit"
    std::string name(const kernel::RecordText& text) const;
};

class CallTable {
public:
    explicit CallTable(int cpus) : cpus_(cpus) {}

    /// Opens the call that barrier_call_start record `r` starts, with its per-CPU state sized.
    Call& open(const kernel::Record& r);
    /// Calls f(key, call) for each open call of `caller` / of `mm`, in the order they started.
    /// f must not open or close calls.
    template <class F>
    void for_each_by_caller(int caller, F&& f) {
        for_each(by_caller_, caller, f);
    }
    template <class F>
    void for_each_by_mm(int mm, F&& f) {
        for_each(by_mm_, mm, f);
    }
    /// The open call with this key, or nullptr.
    Call* find_open(std::uint64_t key);
    /// Removes an open call, with what was only needed while it was in progress.
    Call take_open(std::uint64_t key);

    /// Keeps a call whose caller has returned, while some CPU owes it something.
    void keep_closed(std::uint64_t key, Call&& k);
    /// The closed call with this key, or nullptr once it was dropped.
    Call* find_closed(std::uint64_t key);
    /// Drops a closed call once no CPU owes it anything.
    void retire_if_done(std::uint64_t key);

    std::size_t size() const { return open_.size() + closed_.size(); }

private:
    /// Open call keys by an id (caller task or mm), with a 64-bit filter of the ids present (bit
    /// id % 64): a record of a task or mm with no open call, nearly every record, is answered by
    /// one bit test, without hashing.
    struct Index {
        std::unordered_map<int, std::vector<std::uint64_t>> keys;
        std::uint64_t ids = 0;
        static std::uint64_t bit(int id) {
            return std::uint64_t{1} << (static_cast<unsigned>(id) % 64);
        }
        void add(int id, std::uint64_t key);
        void remove(int id, std::uint64_t key);
    };
    template <class F>
    void for_each(const Index& index, int id, F& f) {
        if ((index.ids & Index::bit(id)) == 0) {
            return;
        }
        const auto it = index.keys.find(id);
        if (it == index.keys.end()) {
            return;
        }
        for (const std::uint64_t key : it->second) {
            f(key, open_.find(key)->second);
        }
    }

    int cpus_;
    std::unordered_map<std::uint64_t, Call> open_; ///< the caller has not returned
    /// Open calls by caller task and by mm: a record visits the calls it can concern, not every
    /// open one.
    Index by_caller_, by_mm_;
    std::unordered_map<std::uint64_t, Call> closed_; ///< returned, still owed by some CPU
};

} // namespace check
