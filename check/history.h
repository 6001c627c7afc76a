#pragma once
// What every checker needs to know about each CPU and each mm, as the records have shown it so
// far: the last barriers, the user-mode intervals, the membarrier-visible mm, the runqueue's and
// the mm's membarrier state, and a bounded history of records for explanations. GuaranteeChecker
// brings it up to date with each record before any checker sees that record, so the checkers
// read the state *including* the record at hand (and the visible mm from before it through
// prev_visible_mm).

#include "check/per_cpu.h"
#include "kernel/record.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace check {

/// A CPU's last `capacity` records worth explaining, oldest first: a ring over storage reserved
/// at the first push, so that keeping a record never allocates after that.
class RecentRecords {
public:
    static constexpr std::size_t capacity = 48;

    void push(const kernel::Record& r) {
        if (ring_.size() < capacity) {
            ring_.reserve(capacity);
            ring_.push_back(r);
            return;
        }
        ring_[oldest_] = r;
        oldest_ = oldest_ + 1 == capacity ? 0 : oldest_ + 1;
    }
    std::size_t size() const { return ring_.size(); }
    /// The i-th oldest kept record.
    const kernel::Record& operator[](std::size_t i) const {
        const std::size_t at = oldest_ + i;
        return ring_[at < ring_.size() ? at : at - ring_.size()];
    }

    class Iterator {
    public:
        Iterator(const RecentRecords& r, std::size_t i) : records_(&r), i_(i) {}
        const kernel::Record& operator*() const { return (*records_)[i_]; }
        Iterator& operator++() {
            ++i_;
            return *this;
        }
        bool operator!=(const Iterator& o) const { return i_ != o.i_; }

    private:
        const RecentRecords* records_;
        std::size_t i_;
    };
    Iterator begin() const { return {*this, 0}; }
    Iterator end() const { return {*this, ring_.size()}; }

private:
    std::vector<kernel::Record> ring_;
    std::size_t oldest_ = 0; ///< index of the oldest record once the ring is full
};

/// A CPU's user-mode interval: from a return_to_user record to the next kernel_entry.
struct UserInterval {
    bool active = false;
    std::uint64_t start_seq = 0;
    std::int64_t start_time = 0;
    int task = -1;
    int mm = -1;
};

struct CpuHistory {
    std::uint64_t last_fb = 0;  ///< seq of the last [FB] (0: none)
    std::uint64_t last_ser = 0; ///< seq of the last [SER] (0: none)
    UserInterval user;          ///< the open one
    UserInterval last_user;     ///< the last closed one
    std::uint64_t last_user_end = 0;
    RecentRecords recent; ///< the last records worth explaining
    /// The membarrier-visible mm: rq->curr->mm, or tsk->mm through kthread_use_mm.
    int visible_mm = -1;
    int prev_visible_mm = -1;      ///< the visible mm before its last change
    std::uint64_t visible_seq = 0; ///< when visible_mm last changed (0: never)
    std::uint32_t rq_state = 0;    ///< this CPU's rq->membarrier_state
};

struct MmHistory {
    std::uint32_t membarrier_state = 0;     ///< mm->membarrier_state (atomic_or records)
    std::uint32_t registered = 0;           ///< its non-READY bits as of the last REGISTER_* return
    std::uint64_t global_expedited_seq = 0; ///< when GLOBAL_EXPEDITED was set (0: not, or
                                            ///< from the start)
};

class History {
public:
    explicit History(int cpus) : cpus_(cpus) {}
    void on_record(const kernel::Record& r);

    int cpus() const { return cpus_.size(); }
    const CpuHistory& cpu(int c) const { return cpus_[c]; }
    /// The mm's state (all zero for an mm no record has concerned).
    const MmHistory& mm(int mm) const;

    /// kernel::is_full_barrier / is_serializing of `r`, worked out once per record by
    /// on_record(): the checkers ask several times per record.
    bool is_full_barrier(const kernel::Record& r) const {
        return r.seq == seq_ ? full_barrier_ : kernel::is_full_barrier(r);
    }
    bool is_serializing(const kernel::Record& r) const {
        return r.seq == seq_ ? serializing_ : kernel::is_serializing(r);
    }
    /// Whether `r` changed its CPU's membarrier-visible mm (from prev_visible_mm).
    bool changed_visible_mm(const kernel::Record& r) const {
        return cpus_[r.cpu].visible_seq == r.seq;
    }
    /// Whether `r` ended a user-mode interval of its CPU (now last_user).
    bool ended_user(const kernel::Record& r) const {
        return r.kind == kernel::RecordKind::kernel_entry && cpus_[r.cpu].last_user_end == r.seq;
    }
    /// The command of a successful REGISTER_* membarrier call that `r` returns from
    /// ("register_private_expedited", ...), or "" for any other record.
    static std::string_view registration(const kernel::Record& r);

private:
    void track_user(const kernel::Record& r, CpuHistory& st);
    void track_visible_mm(const kernel::Record& r, CpuHistory& st);
    void track_membarrier_state(const kernel::Record& r, CpuHistory& st);

    PerCpu<CpuHistory> cpus_;
    PerMm<MmHistory> mms_;
    std::uint64_t seq_ = ~std::uint64_t{0}; ///< the record on_record() saw last, and what it is
    bool full_barrier_ = false;
    bool serializing_ = false;
};

} // namespace check
