#pragma once
// What one CPU keeps for the obligation ledger (obligations.h) about calls whose obligation there
// materialises at the next return to user mode of their mm by a thread other than the caller:
// the calls one by one (CallList for the short waits, CallsByMm for the long ones), and the
// pooled G-MB obligations that only wait to be counted (PooledObligations, found by mm in O(1)).

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace check {

/// Call keys with their (mm, caller), in one flat list, for calls that wait a short time: G-MB
/// calls wait in it only until the CPU's next full barrier (every context switch has one), and
/// calls kept in full are few (ObligationSummary::max_calls). A return to user mode scans it only
/// when a 64-bit filter of the mms it holds says its mm may be there. So adding is a push_back into
/// reused capacity (a membarrier call adds itself on every CPU it covers: no allocation and no hash
/// per CPU), and a return of an mm with no waiting call costs one bit test.
class CallList {
public:
    void add(int mm, int caller, std::uint64_t key) {
        entries_.push_back({mm, caller, key});
        mms_ |= bit(mm);
    }
    /// Calls f(key) for every call of `mm` whose caller is not `task` (the caller's own user
    /// code constrains nothing), and forgets them.
    template <class F>
    void take_others(int mm, int task, F&& f) {
        take_if([&](const Entry& e) { return e.mm == mm && e.caller != task; }, mm,
                [&](const Entry& e) { f(e.key); });
    }
    /// Calls f(key) for every call of `mm`, and forgets them.
    template <class F>
    void take_mm(int mm, F&& f) {
        take_if([&](const Entry& e) { return e.mm == mm; }, mm, [&](const Entry& e) { f(e.key); });
    }
    /// Calls f(mm, caller, key) for every call, in the order they were added, and forgets them.
    template <class F>
    void take_all(F&& f) {
        for (const Entry& e : entries_) {
            f(e.mm, e.caller, e.key);
        }
        entries_.clear();
        mms_ = 0;
    }
    bool empty() const { return entries_.empty(); }

private:
    struct Entry {
        int mm = -1;
        int caller = -1;
        std::uint64_t key = 0;
    };
    static std::uint64_t bit(int mm) {
        return std::uint64_t{1} << (static_cast<unsigned>(mm) % 64);
    }
    /// Visits the entries that `taken` selects (all of `mm`), in order, removes them, and keeps
    /// the others in order.
    template <class Taken, class Visit>
    void take_if(Taken&& taken, int mm, Visit&& visit) {
        if ((mms_ & bit(mm)) == 0) {
            return;
        }
        std::size_t kept = 0;
        std::uint64_t mms = 0;
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            const Entry e = entries_[i];
            if (taken(e)) {
                visit(e);
                continue;
            }
            entries_[kept++] = e;
            mms |= bit(e.mm);
        }
        entries_.resize(kept);
        mms_ = mms;
    }

    std::vector<Entry> entries_;
    std::uint64_t mms_ = 0; ///< bit mm % 64 set: some entry may be of that mm
};

/// Call keys by (mm, caller), for calls that may wait long (G-SC: until user code of the mm by
/// another thread runs on the CPU, perhaps until the mm is freed): found by mm in O(1), and a
/// return visits the groups of its mm, one per caller, never the calls one by one.
class CallsByMm {
public:
    void add(int mm, int caller, std::uint64_t key) {
        std::vector<Group>& groups = by_mm_[mm];
        for (Group& g : groups) {
            if (g.caller == caller) {
                g.keys.push_back(key);
                return;
            }
        }
        groups.push_back({caller, {key}});
    }
    /// Calls f(key) for every call of `mm` whose caller is not `task`, and forgets them.
    template <class F>
    void take_others(int mm, int task, F&& f) {
        const auto it = by_mm_.find(mm);
        if (it == by_mm_.end()) {
            return;
        }
        std::vector<Group>& groups = it->second;
        std::size_t kept = 0;
        for (std::size_t i = 0; i < groups.size(); ++i) {
            if (groups[i].caller == task) { // the caller's own user code constrains nothing
                if (kept != i) {
                    groups[kept] = std::move(groups[i]);
                }
                ++kept;
                continue;
            }
            for (const std::uint64_t key : groups[i].keys) {
                f(key);
            }
        }
        groups.resize(kept);
        if (groups.empty()) {
            by_mm_.erase(it);
        }
    }
    /// Calls f(key) for every call of `mm`, and forgets them.
    template <class F>
    void take_mm(int mm, F&& f) {
        const auto it = by_mm_.find(mm);
        if (it == by_mm_.end()) {
            return;
        }
        for (const Group& g : it->second) {
            for (const std::uint64_t key : g.keys) {
                f(key);
            }
        }
        by_mm_.erase(it);
    }
    /// Calls f(mm, caller, key) for every call, and forgets them all.
    template <class F>
    void take_all(F&& f) {
        for (const auto& [mm, groups] : by_mm_) {
            for (const Group& g : groups) {
                for (const std::uint64_t key : g.keys) {
                    f(mm, g.caller, key);
                }
            }
        }
        by_mm_.clear();
    }
    bool empty() const { return by_mm_.empty(); }

private:
    struct Group {
        int caller = -1;
        std::vector<std::uint64_t> keys;
    };
    std::unordered_map<int, std::vector<Group>> by_mm_;
};

/// G-MB obligations of calls not kept in full whose first [FB] on this CPU since their t_a has
/// come while no user code they constrain had run here: their end is known but for whether they
/// materialise (discharged by that [FB]) or not (not needed). So they are counts, by (mm,
/// caller) and by the [FB]'s packed kind and site, not calls: memory that does not grow with the
/// number of calls.
class PooledObligations {
public:
    PooledObligations() = default;
    // A copy does not share the original's cached pointer (pools_of).
    PooledObligations(const PooledObligations& o) : by_mm_(o.by_mm_) {}
    PooledObligations& operator=(const PooledObligations& o) {
        by_mm_ = o.by_mm_;
        last_ = nullptr;
        return *this;
    }
    void add(int mm, int caller, std::uint64_t packed_discharger) {
        std::vector<Pool>& pools = pools_of(mm);
        for (Pool& p : pools) {
            if (p.caller == caller && p.packed == packed_discharger) {
                ++p.count;
                return;
            }
        }
        pools.push_back({caller, packed_discharger, 1});
    }
    /// Calls f(packed, count) for the pools of `mm` whose caller is not `task`, and forgets them.
    template <class F>
    void take_others(int mm, int task, F&& f) {
        const auto it = by_mm_.find(mm);
        if (it == by_mm_.end()) {
            return;
        }
        std::vector<Pool>& pools = it->second;
        std::size_t kept = 0;
        for (const Pool& p : pools) {
            if (p.caller == task) {
                pools[kept++] = p;
            } else {
                f(p.packed, p.count);
            }
        }
        pools.resize(kept);
        if (pools.empty()) {
            forget(it);
        }
    }
    /// The number of obligations pooled for `mm`, forgotten.
    std::int64_t take_count(int mm) {
        const auto it = by_mm_.find(mm);
        if (it == by_mm_.end()) {
            return 0;
        }
        const std::int64_t n = count(it->second);
        forget(it);
        return n;
    }
    /// The number of obligations pooled for every mm, forgotten.
    std::int64_t take_all_count() {
        std::int64_t n = 0;
        for (const auto& [mm, pools] : by_mm_) {
            n += count(pools);
        }
        by_mm_.clear();
        last_ = nullptr;
        return n;
    }

private:
    struct Pool {
        int caller = -1;
        std::uint64_t packed = 0;
        std::int64_t count = 0;
    };
    static std::int64_t count(const std::vector<Pool>& pools) {
        std::int64_t n = 0;
        for (const Pool& p : pools) {
            n += p.count;
        }
        return n;
    }

    using Map = std::unordered_map<int, std::vector<Pool>>;
    /// An [FB] pools the calls waiting on its CPU one after another, nearly always of one mm:
    /// the last mm's pools are kept at hand (a map's values stay where they are until erased).
    std::vector<Pool>& pools_of(int mm) {
        if (last_ == nullptr || last_mm_ != mm) {
            last_ = &by_mm_[mm];
            last_mm_ = mm;
        }
        return *last_;
    }
    void forget(Map::iterator it) {
        if (&it->second == last_) {
            last_ = nullptr;
        }
        by_mm_.erase(it);
    }

    Map by_mm_;
    std::vector<Pool>* last_ = nullptr;
    int last_mm_ = -1;
};

} // namespace check
